import numpy as np
import pytest
from joblib import parallel_config
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)

from mnistlab.cache import FoldCache
from mnistlab.cv import (
    Task,
    assemble,
    data_fingerprint,
    fold_accuracies,
    fold_tasks,
    run_tasks,
    stratified_folds,
)
from mnistlab.exceptions import MnistlabWarning

METHODS = ("predict", "decision_function")


@pytest.fixture(scope="module", params=["binary", "ten digits"])
def problem(request, mnist):
    """Float64 pixels, a target and the SGD that learns it.

    The 5-detector's folds of 5400 images converge in about a hundred
    epochs; the ten-digit SGD, which would run 1000 epochs on so few images,
    is capped.
    """
    if request.param == "binary":
        n, y = 5400, mnist.y_train[:5400] == 5
        sgd = SGDClassifier(random_state=42)
    else:
        n, y = 1200, mnist.y_train[:1200]
        sgd = SGDClassifier(random_state=42, max_iter=10)
    return mnist.X_train[:n].astype(np.float64), y, sgd


def run_folds(X, y, sgd, *, cache=None):
    folds = stratified_folds(y, cv=3)
    tasks = fold_tasks(
        "SGD", sgd, X, y, folds, methods=METHODS, data_key=data_fingerprint(X, y)
    )
    return folds, run_tasks(tasks, cache=cache, n_jobs=2)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_folds_equal_cross_val_score_and_predict(problem):
    X, y, sgd = problem
    folds, results = run_folds(X, y, sgd)

    # Threads only run the folds side by side; each fit is the same.
    with parallel_config(backend="threading", n_jobs=2):
        scores = cross_val_score(sgd, X, y, cv=3, scoring="accuracy")
        y_pred = cross_val_predict(sgd, X, y, cv=3)
        y_scores = cross_val_predict(sgd, X, y, cv=3, method="decision_function")

    np.testing.assert_allclose(
        fold_accuracies(results, folds, y), scores, rtol=1e-9, atol=0
    )
    np.testing.assert_array_equal(assemble(results, folds, "predict", len(X)), y_pred)
    np.testing.assert_allclose(
        assemble(results, folds, "decision_function", len(X)),
        y_scores,
        rtol=1e-9,
        atol=0,
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_cached_second_run_computes_nothing(problem, tmp_path):
    X, y, sgd = problem
    first_cache, second_cache = FoldCache(tmp_path), FoldCache(tmp_path)

    folds, first = run_folds(X, y, sgd, cache=first_cache)
    _, second = run_folds(X, y, sgd, cache=second_cache)

    assert len(first_cache.misses) == 3
    assert second_cache.misses == []
    assert sorted(second_cache.hits) == sorted(first_cache.misses)
    for method in METHODS:
        np.testing.assert_array_equal(
            assemble(second, folds, method, len(X)),
            assemble(first, folds, method, len(X)),
        )


def test_run_tasks_keeps_the_order_of_the_tasks():
    tasks = [
        Task({"name": f"task {i}"}, lambda i=i: {"value": np.array([i])})
        for i in range(6)
    ]

    results = run_tasks(tasks, n_jobs=2)

    assert [int(r["value"][0]) for r in results] == list(range(6))


@pytest.mark.parametrize("stratify", [True, False])
def test_stratified_folds_are_sklearns(mnist, stratify):
    y = mnist.y_train[:1000]
    splitter = StratifiedKFold(3) if stratify else KFold(3)

    folds = stratified_folds(y, cv=3, stratify=stratify)

    expected = list(splitter.split(np.zeros((1000, 1)), y))
    assert len(folds) == 3
    for (train, test), (train_ref, test_ref) in zip(folds, expected, strict=True):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)


def test_shuffled_folds_are_sklearns(mnist):
    y = mnist.y_train[:1000] == 5

    folds = stratified_folds(y, cv=3, shuffle=True, random_state=42)

    splitter = StratifiedKFold(3, shuffle=True, random_state=42)
    expected = list(splitter.split(np.zeros((1000, 1)), y))
    for (train, test), (train_ref, test_ref) in zip(folds, expected, strict=True):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)


def test_fold_descriptions_differ_per_fold_and_estimator(mnist):
    X, y = mnist.X_train[:300], mnist.y_train[:300]
    folds = stratified_folds(y, cv=3)

    tasks = fold_tasks("SGD", SGDClassifier(random_state=42), X, y, folds, data_key="d")
    other = fold_tasks("SGD", SGDClassifier(random_state=0), X, y, folds, data_key="d")

    cache = FoldCache(None)
    keys = {cache.key(t.description) for t in tasks + other}
    assert len(keys) == 6


@pytest.mark.parametrize(
    "change",
    [
        lambda X: X[:-1],
        lambda X: X.astype(np.float64),
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 7, 1, X).astype(
            X.dtype
        ),
    ],
)
def test_data_fingerprint_changes_with_the_data(mnist, change):
    X = mnist.X_train[:50]

    assert data_fingerprint(change(X)) != data_fingerprint(X)
    assert data_fingerprint(X.copy()) == data_fingerprint(X)


def test_sorted_labels_with_unshuffled_plain_folds_warn(mnist):
    y_sorted = np.sort(mnist.y_train[:3000])
    with pytest.warns(MnistlabWarning, match="labels look sorted"):
        stratified_folds(y_sorted, cv=3, stratify=False)


def test_sorted_labels_keep_stratified_folds_whole(mnist):
    y_sorted = np.sort(mnist.y_train[:3000])
    for train, test in stratified_folds(y_sorted, cv=3):
        assert set(y_sorted[train]) == set(range(10))
        assert set(y_sorted[test]) == set(range(10))


def test_sorted_labels_warn_in_the_multilabel_section(mnist):
    from mnistlab.multilabel import run_multilabel

    order = np.argsort(mnist.y_train[:1500], kind="stable")
    X, y = mnist.X_train[:1500][order], mnist.y_train[:1500][order]
    with pytest.warns(MnistlabWarning, match="trains without the class"):
        run_multilabel(X, y)
