"""The multilabel KNN against ``cross_val_predict(KNeighborsClassifier())``.

With two labels per image scikit-learn searches neighbours with
``kneighbors``, whose tie-breaking depends on its parallel strategy (see
test_neighbors.py); 6600 images make folds of 2200 queries, which it
searches query by query on up to two threads, as mnistlab replays.
"""

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from mnistlab.cache import FoldCache
from mnistlab.multilabel import multilabel_target, run_multilabel

N_SAMPLES = 6600


@pytest.fixture(scope="module")
def data(mnist):
    return mnist.X_train[:N_SAMPLES], mnist.y_train[:N_SAMPLES]


@pytest.fixture(scope="module")
def result(data):
    return run_multilabel(*data)


@pytest.fixture(scope="module")
def reference(data):
    X, y = data
    X_train = X.astype(np.float64)
    y_multilabel = np.c_[y >= 7, y % 2 == 1]
    knn_clf = KNeighborsClassifier()

    with threadpool_limits(limits=2, user_api="openmp"):
        y_train_knn_pred = cross_val_predict(knn_clf, X_train, y_multilabel, cv=3)
        knn_clf.fit(X_train, y_multilabel)
        some_digit_pred = knn_clf.predict(X_train[:1])[0]
    return y_multilabel, y_train_knn_pred, some_digit_pred


def test_target_is_large_and_odd():
    y = np.arange(10)

    np.testing.assert_array_equal(
        multilabel_target(y),
        [[d >= 7, d % 2 == 1] for d in range(10)],
    )
    np.testing.assert_array_equal(
        multilabel_target(y.astype(str)), multilabel_target(y)
    )


def test_cross_val_predictions_equal_sklearn(result, reference):
    _, y_train_knn_pred, _ = reference

    np.testing.assert_array_equal(result.y_pred, y_train_knn_pred)


@pytest.mark.parametrize("average", ["macro", "weighted", None])
def test_f1_equals_sklearn(result, reference, average):
    y_multilabel, y_train_knn_pred, _ = reference
    expected = f1_score(y_multilabel, y_train_knn_pred, average=average)

    found = {
        "macro": result.f1_macro,
        "weighted": result.f1_weighted,
        None: result.f1_per_label,
    }[average]

    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=0)


def test_some_digit(result, reference):
    _, _, some_digit_pred = reference

    assert result.some_digit_prediction == some_digit_pred.tolist()
    assert result.some_digit_prediction == [False, True]


def test_metrics(result):
    metrics = result.metrics()

    assert metrics["n_samples"] == N_SAMPLES
    assert metrics["labels"] == ["large (>= 7)", "odd"]
    assert metrics["f1_macro"] == result.f1_macro


def test_cached_run_searches_nothing(data, result, tmp_path):
    X, y = data
    X, y = X[:900], y[:900]
    first = run_multilabel(X, y, cache=FoldCache(tmp_path))
    cache = FoldCache(tmp_path)

    second = run_multilabel(X, y, cache=cache)

    assert cache.misses == []
    assert len(cache.hits) == 2
    np.testing.assert_array_equal(second.y_pred, first.y_pred)
    assert second.metrics() == first.metrics()
