"""Multiclass classification: SVC (one-vs-one inside), the one-vs-rest and
one-vs-one wrappers, and SGD on raw and standardized pixels.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from .cv import (
    Task,
    assemble,
    data_fingerprint,
    fold_accuracies,
    fold_tasks,
    full_fit_task,
    lazy,
    run_tasks,
    stratified_folds,
)
from .exceptions import InputError
from .validation import check_images, check_labels

__all__ = ["MulticlassResult", "run_multiclass"]


@dataclass
class MulticlassResult:
    """Everything the multiclass section computes."""

    n_samples: int
    n_svc_samples: int
    svc_prediction: int
    svc_decision_scores: list
    svc_classes: list
    ovr_prediction: int
    ovr_n_estimators: int
    ovo_prediction: int
    ovo_n_estimators: int
    sgd_prediction: int
    sgd_decision_scores: list
    sgd_cv_accuracy: list
    sgd_scaled_cv_accuracy: list
    y_train_pred: np.ndarray

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "n_samples": self.n_samples,
            "n_svc_samples": self.n_svc_samples,
            "svc_prediction": int(self.svc_prediction),
            "svc_decision_scores": [float(s) for s in self.svc_decision_scores],
            "svc_classes": [int(c) for c in self.svc_classes],
            "ovr_prediction": int(self.ovr_prediction),
            "ovr_n_estimators": int(self.ovr_n_estimators),
            "ovo_prediction": int(self.ovo_prediction),
            "ovo_n_estimators": int(self.ovo_n_estimators),
            "sgd_prediction": int(self.sgd_prediction),
            "sgd_decision_scores": [float(s) for s in self.sgd_decision_scores],
            "sgd_cv_accuracy": [float(a) for a in self.sgd_cv_accuracy],
            "sgd_scaled_cv_accuracy": [float(a) for a in self.sgd_scaled_cv_accuracy],
        }


def run_multiclass(
    X_train,
    y_train,
    *,
    n_svc_samples=2000,
    cv=3,
    random_state=42,
    max_iter=None,
    n_jobs=None,
    cache=None,
    data_key=None,
):
    """Train the chapter's ten-class classifiers.

    ``SVC(random_state=random_state)`` and its one-vs-rest and one-vs-one
    wrappers on the first ``n_svc_samples`` images (an SVC is slow on more);
    ``SGDClassifier(random_state=random_state)`` on all of them, fitted once
    on everything (for ``some_digit``) and once per fold of
    ``StratifiedKFold(cv)`` on raw pixels and on pixels standardized by a
    ``StandardScaler`` fitted on the whole training set, as the chapter does.

    Parameters
    ----------
    X_train : array-like of shape (n_samples, 784)
        Training images, pixels 0..255.
    y_train : array-like of shape (n_samples,)
        Digit labels 0..9.
    n_svc_samples : int, default=2000
        How many images the SVCs are trained on.
    cv : int, default=3
        Number of folds.
    random_state : int, default=42
        Seed of the models.
    max_iter : int, default=None
        The SGD's ``max_iter``; ``None`` keeps scikit-learn's default (1000).
    n_jobs : int, default=None
        Parallel threads: fits run side by side, and each SGD trains its ten
        one-vs-rest problems in parallel.
    cache : FoldCache, default=None
        Where fold results are kept.
    data_key : str, default=None
        Fingerprint of the data, for the cache.

    Returns
    -------
    result : MulticlassResult
        ``y_train_pred`` holds the scaled SGD's cross-validated predictions,
        which the error analysis studies.
    """
    X = check_images(X_train, name="X_train", allow_single=False)
    y = check_labels(y_train, name="y_train", n_samples=len(X))
    if len(np.unique(y)) < 2:
        raise InputError("y_train must hold at least two different digits")
    data_key = data_key or data_fingerprint(X, y)
    X_float = lazy(lambda: X.astype(np.float64))
    # The scaler is fitted on the whole training set, as the chapter does.
    X_scaled = lazy(lambda: StandardScaler().fit_transform(X_float()))

    # Both cores for the ten one-vs-rest problems of each SGD; the result does
    # not depend on n_jobs (the seeds are drawn before the problems start).
    sgd = SGDClassifier(random_state=random_state, n_jobs=n_jobs)
    if max_iter is not None:
        sgd.set_params(max_iter=int(max_iter))
    folds = stratified_folds(y, cv=cv)
    tasks = [
        *fold_tasks(
            "SGD ten digits, scaled",
            sgd,
            X_scaled,
            y,
            folds,
            data_key=data_key,
            extra="StandardScaler on all training data",
        ),
        *fold_tasks("SGD ten digits", sgd, X_float, y, folds, data_key=data_key),
        full_fit_task(
            "SGD ten digits, all training data", sgd, X_float, y, data_key=data_key
        ),
        _svc_task(X_float, y, n_svc_samples, random_state, data_key),
    ]
    results = run_tasks(tasks, cache=cache, n_jobs=n_jobs)
    scaled_folds, raw_folds = results[:cv], results[cv : 2 * cv]
    sgd_full, svc = results[-2], results[-1]
    return MulticlassResult(
        n_samples=len(X),
        n_svc_samples=int(svc["n_samples"]),
        svc_prediction=int(svc["svc_prediction"][0]),
        svc_decision_scores=svc["svc_decision_scores"][0].tolist(),
        svc_classes=svc["svc_classes"].tolist(),
        ovr_prediction=int(svc["ovr_prediction"][0]),
        ovr_n_estimators=int(svc["ovr_n_estimators"]),
        ovo_prediction=int(svc["ovo_prediction"][0]),
        ovo_n_estimators=int(svc["ovo_n_estimators"]),
        sgd_prediction=int(sgd_full["predict"][0]),
        sgd_decision_scores=sgd_full["decision_function"][0].tolist(),
        sgd_cv_accuracy=fold_accuracies(raw_folds, folds, y),
        sgd_scaled_cv_accuracy=fold_accuracies(scaled_folds, folds, y),
        y_train_pred=assemble(scaled_folds, folds, "predict", len(X)),
    )


def _svc_task(X_float, y, n_svc_samples, random_state, data_key):
    n = min(int(n_svc_samples), len(y))

    def compute():
        X = X_float()
        X_small, y_small = X[:n], y[:n]
        some_digit = X[:1]
        svc = SVC(random_state=random_state).fit(X_small, y_small)
        ovr = OneVsRestClassifier(SVC(random_state=random_state)).fit(X_small, y_small)
        ovo = OneVsOneClassifier(SVC(random_state=random_state)).fit(X_small, y_small)
        scores = svc.decision_function(some_digit)
        return {
            "n_samples": n,
            "svc_prediction": svc.predict(some_digit),
            "svc_decision_scores": scores,
            "svc_classes": svc.classes_,
            "svc_argmax_class": svc.classes_[[scores.argmax()]],
            "ovr_prediction": ovr.predict(some_digit),
            "ovr_n_estimators": len(ovr.estimators_),
            "ovo_prediction": ovo.predict(some_digit),
            "ovo_n_estimators": len(ovo.estimators_),
        }

    description = {
        "name": f"SVC and its wrappers, first {n} images",
        "estimator": {"class": "SVC", "random_state": random_state},
        "data": data_key,
        "n": n,
    }
    return Task(description, compute)
