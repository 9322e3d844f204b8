"""The chapter's experiments written as plain scikit-learn, one function a stage.

Each function takes an :class:`mnistlab.MNIST` and returns a dict of plain
Python numbers whose keys are those of the matching mnistlab section's
``metrics()``. The code follows the chapter: pixels as float64 0..255, one
call per step, default dtypes and default ``n_jobs``. Only the data source is
shared with mnistlab, so timing these functions measures what the chapter's
own code costs.
"""

import numpy as np
from scipy.ndimage import shift
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


def _floats(values):
    return [float(value) for value in values]


def _ints(matrix):
    return [[int(value) for value in row] for row in matrix]


def binary(mnist):
    """The 5-detector: SGD, cross-validation, precision/recall, ROC, forest."""
    X_train = mnist.X_train.astype(np.float64)
    y_train = mnist.y_train
    some_digit = X_train[0]
    y_train_5 = y_train == 5

    sgd_clf = SGDClassifier(random_state=42)
    sgd_clf.fit(X_train, y_train_5)
    some_digit_prediction = sgd_clf.predict([some_digit])[0]
    some_digit_score = sgd_clf.decision_function([some_digit])[0]

    cv_accuracy = cross_val_score(sgd_clf, X_train, y_train_5, cv=3, scoring="accuracy")

    skfolds = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
    manual_cv_accuracy = []
    for train_index, test_index in skfolds.split(X_train, y_train_5):
        clone_clf = clone(sgd_clf)
        clone_clf.fit(X_train[train_index], y_train_5[train_index])
        y_pred = clone_clf.predict(X_train[test_index])
        n_correct = sum(y_pred == y_train_5[test_index])
        manual_cv_accuracy.append(n_correct / len(y_pred))

    dummy_clf = DummyClassifier()
    baseline_cv_accuracy = cross_val_score(dummy_clf, X_train, y_train_5, cv=3)

    y_train_pred = cross_val_predict(sgd_clf, X_train, y_train_5, cv=3)
    cm = confusion_matrix(y_train_5, y_train_pred)

    y_scores = cross_val_predict(
        sgd_clf, X_train, y_train_5, cv=3, method="decision_function"
    )
    precisions, recalls, thresholds = precision_recall_curve(y_train_5, y_scores)
    idx_for_90_precision = (precisions >= 0.90).argmax()
    threshold_for_90_precision = thresholds[idx_for_90_precision]
    y_train_pred_90 = y_scores >= threshold_for_90_precision

    forest_clf = RandomForestClassifier(random_state=42)
    y_probas_forest = cross_val_predict(
        forest_clf, X_train, y_train_5, cv=3, method="predict_proba"
    )
    y_scores_forest = y_probas_forest[:, 1]
    y_train_pred_forest = y_scores_forest >= 0.5

    return {
        "some_digit_prediction": bool(some_digit_prediction),
        "some_digit_score": float(some_digit_score),
        "cv_accuracy": _floats(cv_accuracy),
        "manual_cv_accuracy": _floats(manual_cv_accuracy),
        "baseline_cv_accuracy": _floats(baseline_cv_accuracy),
        "confusion_matrix": _ints(cm),
        "precision": float(precision_score(y_train_5, y_train_pred)),
        "recall": float(recall_score(y_train_5, y_train_pred)),
        "f1": float(f1_score(y_train_5, y_train_pred)),
        "threshold": {
            "target_precision": 0.9,
            "threshold": float(threshold_for_90_precision),
            "precision": float(precision_score(y_train_5, y_train_pred_90)),
            "recall": float(recall_score(y_train_5, y_train_pred_90)),
        },
        "roc_auc": {
            "sgd": float(roc_auc_score(y_train_5, y_scores)),
            "random_forest": float(roc_auc_score(y_train_5, y_scores_forest)),
        },
        "random_forest": {
            "precision": float(precision_score(y_train_5, y_train_pred_forest)),
            "recall": float(recall_score(y_train_5, y_train_pred_forest)),
            "f1": float(f1_score(y_train_5, y_train_pred_forest)),
        },
    }


def multiclass(mnist):
    """Ten classes: SVC, one-vs-rest, one-vs-one, SGD raw and scaled."""
    X_train = mnist.X_train.astype(np.float64)
    y_train = mnist.y_train
    some_digit = X_train[0]

    svm_clf = SVC(random_state=42)
    svm_clf.fit(X_train[:2000], y_train[:2000])
    svc_prediction = svm_clf.predict([some_digit])[0]
    svc_decision_scores = svm_clf.decision_function([some_digit])[0]

    ovr_clf = OneVsRestClassifier(SVC(random_state=42))
    ovr_clf.fit(X_train[:2000], y_train[:2000])
    ovr_prediction = ovr_clf.predict([some_digit])[0]

    ovo_clf = OneVsOneClassifier(SVC(random_state=42))
    ovo_clf.fit(X_train[:2000], y_train[:2000])
    ovo_prediction = ovo_clf.predict([some_digit])[0]

    sgd_clf = SGDClassifier(random_state=42)
    sgd_clf.fit(X_train, y_train)
    sgd_prediction = sgd_clf.predict([some_digit])[0]
    sgd_cv_accuracy = cross_val_score(
        sgd_clf, X_train, y_train, cv=3, scoring="accuracy"
    )

    scaler = StandardScaler()
    X_train_scaled = scaler.fit_transform(X_train)
    sgd_scaled_cv_accuracy = cross_val_score(
        sgd_clf, X_train_scaled, y_train, cv=3, scoring="accuracy"
    )

    y_train_pred = cross_val_predict(sgd_clf, X_train_scaled, y_train, cv=3)
    cm = confusion_matrix(y_train, y_train_pred)

    return {
        "svc_prediction": int(svc_prediction),
        "svc_decision_scores": _floats(svc_decision_scores),
        "ovr_prediction": int(ovr_prediction),
        "ovr_n_estimators": len(ovr_clf.estimators_),
        "ovo_prediction": int(ovo_prediction),
        "ovo_n_estimators": len(ovo_clf.estimators_),
        "sgd_prediction": int(sgd_prediction),
        "sgd_cv_accuracy": _floats(sgd_cv_accuracy),
        "sgd_scaled_cv_accuracy": _floats(sgd_scaled_cv_accuracy),
        "confusion_matrix": _ints(cm),
    }


def multilabel(mnist):
    """Two labels a digit (large, odd) with k-nearest neighbours."""
    X_train = mnist.X_train.astype(np.float64)
    y_train = mnist.y_train
    some_digit = X_train[0]

    y_train_large = y_train >= 7
    y_train_odd = y_train % 2 == 1
    y_multilabel = np.c_[y_train_large, y_train_odd]

    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train, y_multilabel)
    some_digit_prediction = knn_clf.predict([some_digit])[0]

    y_train_knn_pred = cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)
    f1_macro = f1_score(y_multilabel, y_train_knn_pred, average="macro")
    f1_weighted = f1_score(y_multilabel, y_train_knn_pred, average="weighted")

    return {
        "some_digit_prediction": [bool(value) for value in some_digit_prediction],
        "f1_macro": float(f1_macro),
        "f1_weighted": float(f1_weighted),
    }


def multioutput(mnist):
    """Denoising: one output a pixel, predicted for the whole test set."""
    X_train = mnist.X_train.astype(np.float64)
    X_test = mnist.X_test.astype(np.float64)

    rng = np.random.RandomState(42)
    noise_train = rng.randint(0, 100, (len(X_train), 784))
    X_train_mod = np.clip(X_train + noise_train, 0, 255)
    noise_test = rng.randint(0, 100, (len(X_test), 784))
    X_test_mod = np.clip(X_test + noise_test, 0, 255)
    y_train_mod = mnist.X_train

    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train_mod, y_train_mod)
    clean_digits = knn_clf.predict(X_test_mod)

    rmse_noisy = np.sqrt(np.mean((X_test_mod - X_test) ** 2))
    rmse_denoised = np.sqrt(np.mean((clean_digits - X_test) ** 2))

    return {"rmse_noisy": float(rmse_noisy), "rmse_denoised": float(rmse_denoised)}


def knn_tuning(mnist):
    """Exercise 1: grid search over KNN weights and neighbour counts."""
    X_train = mnist.X_train.astype(np.float64)
    X_test = mnist.X_test.astype(np.float64)
    y_train, y_test = mnist.y_train, mnist.y_test

    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train, y_train)
    knn_default_test_accuracy = knn_clf.score(X_test, y_test)

    param_grid = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5]}]
    grid_search = GridSearchCV(KNeighborsClassifier(), param_grid, cv=5)
    grid_search.fit(X_train, y_train)
    cv_results = grid_search.cv_results_
    fold_scores = np.column_stack(
        [cv_results[f"split{fold}_test_score"] for fold in range(5)]
    )
    knn_test_accuracy = grid_search.best_estimator_.score(X_test, y_test)

    return {
        "knn_best_params": dict(grid_search.best_params_),
        "knn_best_cv_score": float(grid_search.best_score_),
        "knn_fold_scores": [_floats(row) for row in fold_scores],
        "knn_default_test_accuracy": float(knn_default_test_accuracy),
        "knn_test_accuracy": float(knn_test_accuracy),
    }


def shift_image(image, dx, dy):
    """Move a 784-pixel image by ``dx`` columns and ``dy`` rows, zero-filled."""
    # order=0 moves whole pixels exactly; the default cubic spline gives the same
    # image up to ~1e-13 of rounding, enough to reorder tied neighbours.
    shifted_image = shift(
        image.reshape(28, 28), [dy, dx], cval=0, mode="constant", order=0
    )
    return shifted_image.reshape(-1)


def augmentation(mnist):
    """Exercise 2: add four one-pixel shifts of every training image."""
    X_train = mnist.X_train.astype(np.float64)
    X_test = mnist.X_test.astype(np.float64)
    y_train, y_test = mnist.y_train, mnist.y_test

    X_train_augmented = [image for image in X_train]
    y_train_augmented = [label for label in y_train]
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        for image, label in zip(X_train, y_train, strict=True):
            X_train_augmented.append(shift_image(image, dx, dy))
            y_train_augmented.append(label)
    X_train_augmented = np.array(X_train_augmented)
    y_train_augmented = np.array(y_train_augmented)

    knn_clf = KNeighborsClassifier(n_neighbors=4, weights="distance")
    knn_clf.fit(X_train_augmented, y_train_augmented)
    augmented_test_accuracy = knn_clf.score(X_test, y_test)

    return {"augmented_test_accuracy": float(augmented_test_accuracy)}


STAGES = {
    "binary": binary,
    "multiclass": multiclass,
    "multilabel": multilabel,
    "multioutput": multioutput,
    "knn_tuning": knn_tuning,
    "augmentation": augmentation,
}
