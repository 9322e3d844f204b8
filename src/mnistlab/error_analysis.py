"""Error analysis of a ten-class classifier's cross-validated predictions."""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix

from .exceptions import InputError
from .validation import check_digit, check_images, check_labels

__all__ = ["ErrorAnalysis", "analyse_errors"]


@dataclass
class ErrorAnalysis:
    """Confusion matrices, the most confused pairs and digit galleries.

    Attributes
    ----------
    confusion_matrix : ndarray of shape (10, 10)
        Counts; rows are true digits, columns predicted digits.
    normalized : ndarray of shape (10, 10)
        Each row divided by its total (the share of each true digit).
    errors : ndarray of shape (10, 10)
        ``normalized`` with the diagonal set to zero: only the mistakes.
    most_confused : list of dict
        Off-diagonal cells, most frequent first: true, predicted, count, rate.
    pair : tuple of int
        The two digits of the galleries, (a, b).
    galleries : dict of str to ndarray of shape (n, 784)
        Images of true a predicted a, a as b, b as a and b as b, keyed
        ``"a_as_a"`` and so on, at most ``gallery_size`` each.
    gallery_totals : dict of str to int
        How many images each gallery's cell holds in all.
    """

    confusion_matrix: np.ndarray
    normalized: np.ndarray
    errors: np.ndarray
    most_confused: list
    pair: tuple
    galleries: dict
    gallery_totals: dict

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "confusion_matrix": self.confusion_matrix.tolist(),
            "trace": int(np.trace(self.confusion_matrix)),
            "most_confused": self.most_confused,
            "pair": list(self.pair),
            "gallery_counts": {
                key: int(self.gallery_totals[key]) for key in self.galleries
            },
        }


def analyse_errors(X, y_true, y_pred, *, pair=(3, 5), gallery_size=25, top=10):
    """Study the mistakes of a classifier of the ten digits.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        The images whose predictions are studied.
    y_true : array-like of shape (n_samples,)
        True digits.
    y_pred : array-like of shape (n_samples,)
        Predicted digits, e.g. from ``cross_val_predict``.
    pair : tuple of two digits, default=(3, 5)
        The digits whose confusions the galleries show.
    gallery_size : int, default=25
        Images per gallery.
    top : int, default=10
        How many confused pairs to rank.

    Returns
    -------
    analysis : ErrorAnalysis
    """
    X = check_images(X, name="X", allow_single=False)
    y_true = check_labels(y_true, name="y_true", n_samples=len(X))
    y_pred = check_labels(y_pred, name="y_pred", n_samples=len(X))
    if len(pair) != 2:
        raise InputError(f"pair must be two digits, got {pair!r}")
    a, b = (check_digit(d, name="pair") for d in pair)
    if a == b:
        raise InputError(f"pair must be two different digits, got {pair!r}")
    labels = np.arange(10)
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    totals = cm.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalized = np.where(totals > 0, cm / np.maximum(totals, 1), 0.0)
    errors = normalized.copy()
    np.fill_diagonal(errors, 0)
    galleries, gallery_totals = {}, {}
    for true, predicted in ((a, a), (a, b), (b, a), (b, b)):
        key = f"{true}_as_{predicted}"
        chosen = (y_true == true) & (y_pred == predicted)
        galleries[key] = X[chosen][:gallery_size]
        gallery_totals[key] = int(chosen.sum())
    analysis = ErrorAnalysis(
        confusion_matrix=cm,
        normalized=normalized,
        errors=errors,
        most_confused=_rank_confusions(cm, normalized, top),
        pair=(a, b),
        galleries=galleries,
        gallery_totals=gallery_totals,
    )
    return analysis


def _rank_confusions(cm, normalized, top):
    off = [(t, p) for t in range(10) for p in range(10) if t != p and cm[t, p] > 0]
    # Most frequent first; equal counts in (true, predicted) order.
    off.sort(key=lambda tp: (-cm[tp], tp))
    return [
        {
            "true": t,
            "predicted": p,
            "count": int(cm[t, p]),
            "rate": float(normalized[t, p]),
        }
        for t, p in off[:top]
    ]
