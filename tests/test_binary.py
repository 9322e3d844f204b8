"""The binary section against the chapter's code in plain scikit-learn.

On the first 5400 images every SGD fit of the section converges within its
tolerance, so the whole comparison takes seconds rather than minutes.
"""

import numpy as np
import pytest
from joblib import parallel_config
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
    roc_curve,
)
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)

from mnistlab import InputError
from mnistlab.binary import run_binary, threshold_for
from mnistlab.cache import FoldCache

N_SAMPLES = 5400
RTOL = 1e-9


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0)


@pytest.fixture(scope="module")
def binary_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("binary-cache")


@pytest.fixture(scope="module")
def result(mnist, binary_cache):
    X, y = mnist.X_train[:N_SAMPLES], mnist.y_train[:N_SAMPLES]
    return run_binary(X, y, n_jobs=2, cache=FoldCache(binary_cache))


@pytest.fixture(scope="module")
def reference(mnist):
    """Every number of the section, from the chapter's scikit-learn calls."""
    X_train = mnist.X_train[:N_SAMPLES].astype(np.float64)
    y_train_5 = mnist.y_train[:N_SAMPLES] == 5
    sgd_clf = SGDClassifier(random_state=42)
    forest_clf = RandomForestClassifier(random_state=42)
    ref = {}

    # Threads only run the folds side by side; each fit is the same.
    with parallel_config(backend="threading", n_jobs=2):
        ref["cv_accuracy"] = cross_val_score(
            sgd_clf, X_train, y_train_5, cv=3, scoring="accuracy"
        )
        ref["baseline"] = cross_val_score(
            DummyClassifier(), X_train, y_train_5, cv=3, scoring="accuracy"
        )
        ref["y_train_pred"] = cross_val_predict(sgd_clf, X_train, y_train_5, cv=3)
        ref["y_scores"] = cross_val_predict(
            sgd_clf, X_train, y_train_5, cv=3, method="decision_function"
        )
        ref["y_probas_forest"] = cross_val_predict(
            forest_clf, X_train, y_train_5, cv=3, method="predict_proba"
        )

    ref["manual"] = []
    skfolds = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
    for train_index, test_index in skfolds.split(X_train, y_train_5):
        model = clone(sgd_clf).fit(X_train[train_index], y_train_5[train_index])
        y_pred = model.predict(X_train[test_index])
        ref["manual"].append(np.mean(y_pred == y_train_5[test_index]))

    sgd_clf.fit(X_train, y_train_5)
    ref["some_digit_prediction"] = sgd_clf.predict(X_train[:1])[0]
    ref["some_digit_score"] = sgd_clf.decision_function(X_train[:1])[0]
    ref["y_train_5"] = y_train_5
    return ref


def test_some_digit(result, reference):
    assert result.some_digit_prediction == reference["some_digit_prediction"]
    assert_close(result.some_digit_score, reference["some_digit_score"])


def test_cross_val_score(result, reference):
    assert_close(result.cv_accuracy, reference["cv_accuracy"])


def test_manual_stratified_loop(result, reference):
    assert_close(result.manual_cv_accuracy, reference["manual"])


def test_never_5_baseline(result, reference):
    assert_close(result.baseline_cv_accuracy, reference["baseline"])


def test_confusion_matrix_and_scores(result, reference):
    y_train_5, y_train_pred = reference["y_train_5"], reference["y_train_pred"]

    np.testing.assert_array_equal(result.y_train_pred, y_train_pred)
    np.testing.assert_array_equal(
        result.confusion_matrix, confusion_matrix(y_train_5, y_train_pred)
    )
    np.testing.assert_array_equal(
        result.perfect_confusion_matrix, [[np.sum(~y_train_5), 0], [0, y_train_5.sum()]]
    )
    assert_close(result.precision, precision_score(y_train_5, y_train_pred))
    assert_close(result.recall, recall_score(y_train_5, y_train_pred))
    assert_close(result.f1, f1_score(y_train_5, y_train_pred))


def test_decision_scores_and_curves(result, reference):
    y_train_5, y_scores = reference["y_train_5"], reference["y_scores"]

    precisions, recalls, thresholds = precision_recall_curve(y_train_5, y_scores)
    fpr, tpr, _ = roc_curve(y_train_5, y_scores)

    assert_close(result.y_scores, y_scores)
    assert_close(result.precisions, precisions)
    assert_close(result.recalls, recalls)
    assert_close(result.thresholds, thresholds)
    assert_close(result.fpr, fpr)
    assert_close(result.tpr, tpr)
    assert_close(result.roc_auc, roc_auc_score(y_train_5, y_scores))


def test_threshold_for_90_percent_precision(result, reference):
    y_train_5, y_scores = reference["y_train_5"], reference["y_scores"]
    precisions, _, thresholds = precision_recall_curve(y_train_5, y_scores)

    idx_for_90_precision = (precisions >= 0.90).argmax()
    threshold_for_90_precision = thresholds[idx_for_90_precision]
    y_train_pred_90 = y_scores >= threshold_for_90_precision

    choice = result.threshold
    assert_close(choice.threshold, threshold_for_90_precision)
    assert_close(choice.precision, precision_score(y_train_5, y_train_pred_90))
    assert_close(choice.recall, recall_score(y_train_5, y_train_pred_90))
    (tn, fp), _ = confusion_matrix(y_train_5, y_train_pred_90)
    assert_close(result.threshold_fpr, fp / (fp + tn))
    assert choice.precision >= 0.90


def test_random_forest(result, reference):
    y_train_5 = reference["y_train_5"]
    y_scores_forest = reference["y_probas_forest"][:, 1]
    y_train_pred_forest = y_scores_forest >= 0.5

    assert_close(result.y_scores_forest, y_scores_forest)
    assert_close(result.roc_auc_forest, roc_auc_score(y_train_5, y_scores_forest))
    assert_close(
        result.forest_precision, precision_score(y_train_5, y_train_pred_forest)
    )
    assert_close(result.forest_recall, recall_score(y_train_5, y_train_pred_forest))
    assert_close(result.forest_f1, f1_score(y_train_5, y_train_pred_forest))


def test_metrics_are_plain_values(result):
    metrics = result.metrics()

    assert metrics["n_samples"] == N_SAMPLES
    assert metrics["threshold"]["target_precision"] == 0.90
    assert metrics["roc_auc"]["sgd"] == result.roc_auc
    assert metrics["confusion_matrix"] == result.confusion_matrix.tolist()


def test_string_labels_give_the_same_result(mnist, result, binary_cache):
    # The same boolean target, so every fit is read back from the cache.
    X = mnist.X_train[:N_SAMPLES]
    y = mnist.y_train[:N_SAMPLES].astype(str)
    cache = FoldCache(binary_cache)

    again = run_binary(X, y, cache=cache)

    assert cache.misses == []
    assert again.metrics() == result.metrics()


def test_subset_without_the_digit(mnist):
    # The first ten training labels hold no 6.
    X, y = mnist.X_train[:10], mnist.y_train[:10]

    with pytest.raises(InputError, match=r"single class \(0 positives among 10\)"):
        run_binary(X, y, positive_digit=6)


def test_labels_of_another_length(mnist):
    with pytest.raises(InputError, match="20 images but y_train has 19 labels"):
        run_binary(mnist.X_train[:20], mnist.y_train[:19])


def brute_force_threshold(y_true, y_score, *, precision=None, recall=None):
    """Try every distinct score as the threshold ``y_score >= t``."""
    y_true = np.asarray(y_true, dtype=bool)
    reaching = []
    for t in np.unique(y_score):
        y_pred = y_score >= t
        tp = np.sum(y_pred & y_true)
        if precision is not None and tp / y_pred.sum() >= precision:
            reaching.append(t)
        if recall is not None and tp / y_true.sum() >= recall:
            reaching.append(t)
    if not reaching:
        return None
    return min(reaching) if precision is not None else max(reaching)


def random_scores(seed, n):
    """Labels and rounded scores, so that scores often tie."""
    rng = np.random.RandomState(seed)
    y_true = rng.rand(n) < 0.3
    y_true[:2] = [True, False]
    y_score = np.round(rng.randn(n) + 1.5 * y_true, 1)
    return y_true, y_score


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("kind", ["precision", "recall"])
@pytest.mark.parametrize("target", [0.3, 0.75, 0.9, 1.0])
def test_threshold_for_equals_brute_force(seed, kind, target):
    y_true, y_score = random_scores(seed, n=60 + 7 * seed)
    expected = brute_force_threshold(y_true, y_score, **{kind: target})
    if expected is None:
        with pytest.raises(InputError, match="no threshold reaches precision"):
            threshold_for(y_true, y_score, **{kind: target})
        return

    choice = threshold_for(y_true, y_score, **{kind: target})

    y_pred = y_score >= expected
    assert choice.threshold == expected
    assert choice.target == kind
    assert choice.target_value == target
    assert choice.precision == precision_score(y_true, y_pred)
    assert choice.recall == recall_score(y_true, y_pred)
    np.testing.assert_array_equal(
        choice.confusion_matrix, confusion_matrix(y_true, y_pred)
    )
    assert getattr(choice, kind) >= target


def test_threshold_for_zero_one_labels():
    y_true, y_score = random_scores(0, n=80)

    as_ints = threshold_for(y_true.astype(int), y_score, recall=0.8)
    as_bools = threshold_for(y_true, y_score, recall=0.8)

    assert as_ints.threshold == as_bools.threshold
    assert as_ints.precision == as_bools.precision
    assert as_ints.recall == as_bools.recall
    np.testing.assert_array_equal(as_ints.confusion_matrix, as_bools.confusion_matrix)


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({}, "give exactly one target"),
        ({"precision": 0.9, "recall": 0.9}, "give exactly one target"),
        ({"precision": 90}, r"precision must be in \(0, 1\], got 90 .*pass 0\.9"),
        ({"recall": 0}, r"recall must be in \(0, 1\], got 0"),
        ({"precision": -0.5}, r"precision must be in \(0, 1\], got -0\.5"),
        ({"precision": "0.9"}, "precision must be a number"),
    ],
)
def test_threshold_for_bad_targets(targets, message):
    y_true, y_score = [0, 1, 1, 0], [0.1, 0.8, 0.4, 0.3]

    with pytest.raises(InputError, match=message):
        threshold_for(y_true, y_score, **targets)


def test_threshold_for_unreachable_precision():
    # The top score belongs to a negative: no threshold has precision 1.
    y_true, y_score = [0, 1, 1, 0], [0.9, 0.8, 0.4, 0.3]

    with pytest.raises(
        InputError,
        match=r"no threshold reaches precision 1: the highest precision any "
        r"threshold gives is 0\.666667; choose a lower target",
    ):
        threshold_for(y_true, y_score, precision=1.0)


@pytest.mark.parametrize(
    ("y_true", "y_score", "message"),
    [
        ([1, 1, 1], [0.1, 0.2, 0.3], "must hold both classes"),
        ([0, 1, 1], [0.1, 0.2], "1-D of the same length"),
    ],
)
def test_threshold_for_bad_labels(y_true, y_score, message):
    with pytest.raises(InputError, match=message):
        threshold_for(y_true, y_score, recall=0.5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cache_shared_by_two_digits(mnist, tmp_path):
    # run_chapter keys the data by images and digits only: the detector of
    # another digit must not read the first one's fits.
    X, y = mnist.X_train[:150], mnist.y_train[:150]
    run_binary(X, y, positive_digit=5, cache=FoldCache(tmp_path), data_key="d")
    cache = FoldCache(tmp_path)

    run_binary(X, y, positive_digit=3, cache=cache, data_key="d")

    assert cache.hits == []
    assert len(cache.misses) == 10
