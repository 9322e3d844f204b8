"""The exercises against ``GridSearchCV`` and ``KNeighborsClassifier``."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

import mnistlab.exercises
from mnistlab import FoldCache, InputError
from mnistlab.exercises import (
    augment_with_shifts,
    run_augmentation,
    shift_images,
    tune_knn,
)

N_TRAIN, N_TEST = 3000, 1000
PARAM_GRID = [{"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5]}]


@pytest.fixture(scope="module")
def data(mnist):
    return (
        mnist.X_train[:N_TRAIN],
        mnist.y_train[:N_TRAIN],
        mnist.X_test[:N_TEST],
        mnist.y_test[:N_TEST],
    )


@pytest.fixture(scope="module")
def tuning(data):
    return tune_knn(*data)


@pytest.fixture(scope="module")
def grid_search(data):
    X_train, y_train, _, _ = data
    grid_search = GridSearchCV(KNeighborsClassifier(), PARAM_GRID, cv=5)
    grid_search.fit(X_train.astype(np.float64), y_train)
    return grid_search


def test_grid_points_in_grid_search_order(tuning, grid_search):
    assert tuning.params == grid_search.cv_results_["params"]


def test_fold_scores_equal_grid_search(tuning, grid_search):
    results = grid_search.cv_results_
    split_scores = np.column_stack([results[f"split{i}_test_score"] for i in range(5)])

    np.testing.assert_allclose(tuning.fold_scores, split_scores, rtol=1e-9, atol=0)
    np.testing.assert_allclose(
        tuning.mean_scores, results["mean_test_score"], rtol=1e-9, atol=0
    )


def test_best_point_equals_grid_search(tuning, grid_search):
    assert tuning.best_params == grid_search.best_params_
    assert tuning.best_index == grid_search.best_index_
    np.testing.assert_allclose(
        tuning.best_score, grid_search.best_score_, rtol=1e-9, atol=0
    )


def test_test_accuracies(data, tuning, grid_search):
    X_train, y_train, X_test, y_test = data
    X_train, X_test = X_train.astype(np.float64), X_test.astype(np.float64)

    default = KNeighborsClassifier().fit(X_train, y_train).score(X_test, y_test)

    assert tuning.test_accuracy == grid_search.score(X_test, y_test)
    assert tuning.default_test_accuracy == default


def test_tuning_metrics(tuning):
    metrics = tuning.metrics()

    assert metrics["knn_best_params"] == tuning.best_params
    assert len(metrics["knn_grid"]) == 6
    assert metrics["knn_fold_scores"] == tuning.fold_scores.tolist()


@pytest.mark.parametrize(
    ("param_grid", "message"),
    [
        ({"n_neighbors": [3]}, "exactly the keys 'weights' and 'n_neighbors'"),
        ({"weights": ["uniform"], "n_neighbors": [3], "p": [1]}, "exactly the keys"),
        ({"weights": ["inverse"], "n_neighbors": [3]}, "weights must be"),
        ({"weights": ["uniform"], "n_neighbors": [0]}, "positive integers"),
        ({"weights": ["uniform"], "n_neighbors": [2.5]}, "positive integers"),
    ],
)
def test_bad_grids(data, param_grid, message):
    with pytest.raises(InputError, match=message):
        tune_knn(*data, param_grid=param_grid)


def brute_force_shift(image, dx, dy):
    """Pixel by pixel: the pixel (r, c) comes from (r - dy, c - dx), or is 0."""
    image = image.reshape(28, 28)
    out = np.zeros_like(image)
    for r in range(28):
        for c in range(28):
            if 0 <= r - dy < 28 and 0 <= c - dx < 28:
                out[r, c] = image[r - dy, c - dx]
    return out.ravel()


@pytest.mark.parametrize("dx", [-3, -1, 0, 1, 2])
@pytest.mark.parametrize("dy", [-1, 0, 1, 27])
def test_shift_images_equals_brute_force(mnist, dx, dy):
    X = mnist.X_train[:3]

    X_shifted = shift_images(X, dx, dy)

    assert X_shifted.dtype == X.dtype
    for image, shifted in zip(X, X_shifted, strict=True):
        np.testing.assert_array_equal(shifted, brute_force_shift(image, dx, dy))


def test_shift_by_the_whole_width_leaves_nothing(mnist):
    assert not shift_images(mnist.X_train[:2], 28, 0).any()


def test_augment_order_and_labels(mnist):
    X, y = mnist.X_train[:7], mnist.y_train[:7]

    X_aug, y_aug = augment_with_shifts(X, y)

    assert X_aug.shape == (35, 784)
    np.testing.assert_array_equal(y_aug, np.tile(y, 5))
    copies = X_aug.reshape(5, 7, 784)
    np.testing.assert_array_equal(copies[0], X)
    shifts = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    for copy, (dx, dy) in zip(copies[1:], shifts, strict=True):
        expected = [brute_force_shift(image, dx, dy) for image in X]
        np.testing.assert_array_equal(copy, expected)


def test_augmentation_equals_kneighbors_classifier(mnist):
    X_train, y_train = mnist.X_train[:800], mnist.y_train[:800]
    X_test, y_test = mnist.X_test[:400], mnist.y_test[:400]

    result = run_augmentation(X_train, y_train, X_test, y_test)

    X_aug, y_aug = augment_with_shifts(X_train, y_train)
    knn_clf = KNeighborsClassifier(n_neighbors=4, weights="distance")
    knn_clf.fit(X_aug.astype(np.float64), y_aug)
    assert result.test_accuracy == knn_clf.score(X_test.astype(np.float64), y_test)
    assert result.n_augmented == 4000
    np.testing.assert_array_equal(result.examples[0], X_train[0])
    np.testing.assert_array_equal(
        result.examples[1], shift_images(X_train[:1], -1, 0)[0]
    )


def test_a_cached_augmentation_builds_no_augmented_set(mnist, tmp_path, monkeypatch):
    X_train, y_train = mnist.X_train[:300], mnist.y_train[:300]
    X_test, y_test = mnist.X_test[:50], mnist.y_test[:50]
    cache = FoldCache(tmp_path)
    first = run_augmentation(X_train, y_train, X_test, y_test, cache=cache)

    build = mnistlab.exercises.augment_with_shifts

    def refuse(X, y):
        # The five example images are made from the first one alone.
        if len(X) > 1:
            raise AssertionError("the augmented set was built again")
        return build(X, y)

    monkeypatch.setattr(mnistlab.exercises, "augment_with_shifts", refuse)
    second = run_augmentation(X_train, y_train, X_test, y_test, cache=cache)

    assert cache.hits == ["KNN neighbours among the augmented images"]
    assert second.test_accuracy == first.test_accuracy
    np.testing.assert_array_equal(second.examples, first.examples)
    # Other training images are another augmented set.
    monkeypatch.undo()
    run_augmentation(X_train[1:], y_train[1:], X_test, y_test, cache=cache)
    assert len(cache.misses) == 2
