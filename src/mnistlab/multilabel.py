"""Multilabel classification: KNN predicting (large digit, odd digit)."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score

from .cv import Task, data_fingerprint, fold_labels, run_tasks, stratified_folds
from .neighbors import fold_kneighbors, kneighbors, vote
from .validation import check_images, check_labels

__all__ = ["MultilabelResult", "multilabel_target", "run_multilabel"]

LABEL_NAMES = ("large (>= 7)", "odd")


def multilabel_target(y):
    """The chapter's two labels of each digit: ``[y >= 7, y odd]``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Digit labels 0..9 (integers or strings '0'..'9').

    Returns
    -------
    y_multilabel : ndarray of shape (n_samples, 2), dtype bool
    """
    y = check_labels(y)
    return np.c_[y >= 7, y % 2 == 1]


@dataclass
class MultilabelResult:
    """The multilabel section's numbers."""

    n_samples: int
    some_digit_prediction: list
    f1_per_label: list
    f1_macro: float
    f1_weighted: float
    y_pred: np.ndarray

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "n_samples": self.n_samples,
            "labels": list(LABEL_NAMES),
            "some_digit_prediction": [bool(v) for v in self.some_digit_prediction],
            "f1_per_label": [float(v) for v in self.f1_per_label],
            "f1_macro": float(self.f1_macro),
            "f1_weighted": float(self.f1_weighted),
        }


def run_multilabel(X_train, y_train, *, n_neighbors=5, cv=3, cache=None, data_key=None):
    """``KNeighborsClassifier(n_neighbors)`` on the two labels of each digit.

    The cross-validated predictions equal ``cross_val_predict(
    KNeighborsClassifier(), X_train, y_multilabel, cv=3)``, whose folds are
    ``KFold(3)`` for a multilabel target; they come from one shared
    neighbour search over all folds (see :func:`~mnistlab.neighbors.
    fold_kneighbors`).

    Parameters
    ----------
    X_train : array-like of shape (n_samples, 784)
        Training images, whole pixel values 0..255.
    y_train : array-like of shape (n_samples,)
        Digit labels 0..9.
    n_neighbors : int, default=5
        Neighbours that vote.
    cv : int, default=3
        Number of (unshuffled, unstratified) folds.
    cache : FoldCache, default=None
        Where the neighbour search is kept.
    data_key : str, default=None
        Fingerprint of the data, for the cache.

    Returns
    -------
    result : MultilabelResult
    """
    X = check_images(X_train, name="X_train", allow_single=False)
    y = check_labels(y_train, name="y_train", n_samples=len(X))
    y_multilabel = multilabel_target(y)
    data_key = data_key or data_fingerprint(X, y)
    folds = stratified_folds(y, cv=cv, stratify=False)
    test_folds = fold_labels(folds, len(X))

    def search_folds():
        dist, ind = fold_kneighbors(X, test_folds, n_neighbors)
        return {"indices": ind}

    def search_some_digit():
        return {"indices": kneighbors(X[:1], X, n_neighbors)[1]}

    base = {"data": data_key, "n_neighbors": n_neighbors}
    fold_result, full_result = run_tasks(
        [
            Task(
                {"name": f"KNN neighbours, {cv} folds", "cv": cv, **base}, search_folds
            ),
            Task({"name": "KNN neighbours of some_digit", **base}, search_some_digit),
        ],
        cache=cache,
    )
    y_pred = vote(y_multilabel[fold_result["indices"]].astype(np.int64), n_classes=2)
    some = vote(y_multilabel[full_result["indices"]].astype(np.int64), n_classes=2)
    return MultilabelResult(
        n_samples=len(X),
        some_digit_prediction=some[0].astype(bool).tolist(),
        f1_per_label=f1_score(y_multilabel, y_pred.astype(bool), average=None).tolist(),
        f1_macro=float(f1_score(y_multilabel, y_pred.astype(bool), average="macro")),
        f1_weighted=float(
            f1_score(y_multilabel, y_pred.astype(bool), average="weighted")
        ),
        y_pred=y_pred.astype(bool),
    )
