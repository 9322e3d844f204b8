"""The chapter's exercises: a KNN tuned past 97% test accuracy, and data
augmentation by shifted copies of the training images.
"""

from dataclasses import dataclass

import numpy as np

from .cv import Task, data_fingerprint, fold_labels, run_tasks, stratified_folds
from .exceptions import InputError
from .neighbors import fold_kneighbors, kneighbors, vote
from .validation import IMAGE_SHAPE, check_images, check_labels

__all__ = [
    "KNNTuningResult",
    "AugmentationResult",
    "shift_images",
    "augment_with_shifts",
    "tune_knn",
    "run_augmentation",
]

PARAM_GRID = {"weights": ["uniform", "distance"], "n_neighbors": [3, 4, 5]}
SHIFTS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def _grid_points(param_grid):
    # GridSearchCV's order: keys sorted, the last key varying fastest.
    keys = sorted(param_grid)
    points = [{}]
    for key in keys:
        points = [{**p, key: v} for p in points for v in param_grid[key]]
    return points


@dataclass
class KNNTuningResult:
    """Scores of each grid point on each fold, the best point, test scores."""

    params: list
    fold_scores: np.ndarray
    mean_scores: np.ndarray
    best_index: int
    best_params: dict
    best_score: float
    default_test_accuracy: float
    test_accuracy: float

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "knn_grid": [
                {
                    "params": p,
                    "fold_scores": [float(s) for s in scores],
                    "mean_score": float(mean),
                }
                for p, scores, mean in zip(
                    self.params, self.fold_scores, self.mean_scores, strict=True
                )
            ],
            "knn_fold_scores": self.fold_scores.tolist(),
            "knn_best_params": self.best_params,
            "knn_best_cv_score": float(self.best_score),
            "knn_default_test_accuracy": float(self.default_test_accuracy),
            "knn_test_accuracy": float(self.test_accuracy),
        }


def tune_knn(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    param_grid=None,
    cv=5,
    cache=None,
    data_key=None,
):
    """Grid-search ``KNeighborsClassifier`` by cross-validation, then test it.

    Gives the fold scores, the best parameters and the best score of
    ``GridSearchCV(KNeighborsClassifier(), param_grid, cv=cv)``, but searches
    each validation image's neighbours once, for the largest ``n_neighbors``,
    and scores every grid point from those neighbours with the same votes as
    ``KNeighborsClassifier``.

    Parameters
    ----------
    X_train, X_test : array-like of shape (n, 784)
        Images, whole pixel values 0..255.
    y_train, y_test : array-like of shape (n,)
        Digit labels.
    param_grid : dict, default=None
        Lists of ``weights`` ("uniform", "distance") and ``n_neighbors``;
        the chapter's grid by default: {uniform, distance} x {3, 4, 5}.
    cv : int, default=5
        Number of folds (``StratifiedKFold``, no shuffling).
    cache : FoldCache, default=None
        Where the neighbour searches are kept.
    data_key : str, default=None
        Fingerprint of the data, for the cache.

    Returns
    -------
    result : KNNTuningResult
    """
    X_train = check_images(X_train, name="X_train", allow_single=False)
    y_train = check_labels(y_train, name="y_train", n_samples=len(X_train))
    X_test = check_images(X_test, name="X_test", allow_single=False)
    y_test = check_labels(y_test, name="y_test", n_samples=len(X_test))
    param_grid = _check_grid(PARAM_GRID if param_grid is None else param_grid)
    points = _grid_points(param_grid)
    data_key = data_key or data_fingerprint(X_train, y_train, X_test)
    folds = stratified_folds(y_train, cv=cv)
    test_folds = fold_labels(folds, len(X_train))

    ks = sorted(set(param_grid["n_neighbors"]) | {5})

    def search_folds():
        return _flatten(fold_kneighbors(X_train, test_folds, ks))

    def search_test():
        return _flatten(kneighbors(X_test, X_train, ks))

    base = {"data": data_key, "n_neighbors": ks}
    fold_found, test_found = run_tasks(
        [
            Task(
                {"name": f"KNN neighbours, {cv} folds", "cv": cv, **base}, search_folds
            ),
            Task({"name": "KNN neighbours of the test images", **base}, search_test),
        ],
        cache=cache,
    )
    fold_scores = np.empty((len(points), cv))
    for p, point in enumerate(points):
        y_pred = _predict(y_train, fold_found, **point)
        for f, (_, test) in enumerate(folds):
            fold_scores[p, f] = np.mean(y_pred[test] == y_train[test])
    mean_scores = np.mean(fold_scores, axis=1)
    best = int(np.flatnonzero(mean_scores == mean_scores.max())[0])
    default = {"n_neighbors": 5, "weights": "uniform"}
    return KNNTuningResult(
        params=points,
        fold_scores=fold_scores,
        mean_scores=mean_scores,
        best_index=best,
        best_params=points[best],
        best_score=float(mean_scores[best]),
        default_test_accuracy=_accuracy(y_train, test_found, y_test, **default),
        test_accuracy=_accuracy(y_train, test_found, y_test, **points[best]),
    )


def _check_grid(param_grid):
    if set(param_grid) != {"weights", "n_neighbors"}:
        raise InputError(
            "param_grid must have exactly the keys 'weights' and 'n_neighbors', "
            f"got {sorted(param_grid)}"
        )
    for w in param_grid["weights"]:
        if w not in ("uniform", "distance"):
            raise InputError(f"weights must be 'uniform' or 'distance', got {w!r}")
    for k in param_grid["n_neighbors"]:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise InputError(f"n_neighbors must be positive integers, got {k!r}")
    return {key: list(values) for key, values in param_grid.items()}


def _flatten(found):
    arrays = {}
    for k, (dist, ind) in found.items():
        arrays[f"distances_{k}"], arrays[f"indices_{k}"] = dist, ind
    return arrays


def _predict(y_fit, found, *, n_neighbors, weights):
    ind = found[f"indices_{n_neighbors}"]
    dist = found[f"distances_{n_neighbors}"]
    classes, y_index = np.unique(y_fit, return_inverse=True)
    return classes[vote(y_index[ind], dist, weights=weights, n_classes=len(classes))]


def _accuracy(y_fit, found, y_true, **params):
    return float(np.mean(_predict(y_fit, found, **params) == y_true))


def shift_images(X, dx, dy):
    """Shift images by whole pixels, filling the uncovered border with zeros.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Images.
    dx, dy : int
        Pixels to the right (negative: left) and down (negative: up).

    Returns
    -------
    X_shifted : ndarray of shape (n_samples, 784)
    """
    X = check_images(X, name="X")
    images = X.reshape(-1, *IMAGE_SHAPE)
    out = np.zeros_like(images)
    h, w = IMAGE_SHAPE
    src_y, dst_y = (
        slice(max(0, -dy), h - max(0, dy)),
        slice(max(0, dy), h - max(0, -dy)),
    )
    src_x, dst_x = (
        slice(max(0, -dx), w - max(0, dx)),
        slice(max(0, dx), w - max(0, -dx)),
    )
    out[:, dst_y, dst_x] = images[:, src_y, src_x]
    return out.reshape(len(X), -1)


def augment_with_shifts(X, y):
    """The training set followed by copies shifted left, right, up and down.

    Returns
    -------
    X_augmented : ndarray of shape (5 * n_samples, 784)
    y_augmented : ndarray of shape (5 * n_samples,)
    """
    X = check_images(X, name="X", allow_single=False)
    y = check_labels(y, name="y", n_samples=len(X))
    X_aug = np.concatenate(
        [X] + [shift_images(X, dx, dy) for dx, dy in SHIFTS.values()]
    )
    return X_aug, np.tile(y, 1 + len(SHIFTS))


@dataclass
class AugmentationResult:
    """Test accuracy of the KNN trained on the augmented set."""

    n_train: int
    n_augmented: int
    params: dict
    test_accuracy: float
    examples: np.ndarray

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "n_train": self.n_train,
            "n_augmented": self.n_augmented,
            "params": self.params,
            "augmented_test_accuracy": float(self.test_accuracy),
        }


def run_augmentation(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    n_neighbors=4,
    weights="distance",
    cache=None,
):
    """Train a KNN on the training set plus its four one-pixel shifts.

    Parameters
    ----------
    X_train, X_test : array-like of shape (n, 784)
        Images, whole pixel values 0..255.
    y_train, y_test : array-like of shape (n,)
        Digit labels.
    n_neighbors : int, default=4
        The tuned KNN's neighbours (the chapter's best).
    weights : {"uniform", "distance"}, default="distance"
        The tuned KNN's weights.
    cache : FoldCache, default=None
        Where the neighbour search is kept.

    Returns
    -------
    result : AugmentationResult
    """
    X_train = check_images(X_train, name="X_train", allow_single=False)
    y_train = check_labels(y_train, name="y_train", n_samples=len(X_train))
    X_test = check_images(X_test, name="X_test", allow_single=False)
    y_test = check_labels(y_test, name="y_test", n_samples=len(X_test))
    y_aug = np.tile(y_train, 1 + len(SHIFTS))

    def search():
        # The augmented images exist only while they are searched.
        X_aug, _ = augment_with_shifts(X_train, y_train)
        return _flatten(kneighbors(X_test, X_aug, [n_neighbors]))

    # The augmented set is a function of the training images, so these and
    # the shifts identify it.
    description = {
        "name": "KNN neighbours among the augmented images",
        "data": data_fingerprint(X_train, X_test),
        "shifts": SHIFTS,
        "n_neighbors": n_neighbors,
    }
    (found,) = run_tasks([Task(description, search)], cache=cache)
    params = {"n_neighbors": int(n_neighbors), "weights": weights}
    n = len(y_train)
    return AugmentationResult(
        n_train=n,
        n_augmented=len(y_aug),
        params=params,
        test_accuracy=_accuracy(y_aug, found, y_test, **params),
        examples=augment_with_shifts(X_train[:1], y_train[:1])[0],
    )
