"""The book's reference numbers, and the run's values set beside them."""

import json
from functools import cache
from importlib import resources

__all__ = ["book_values", "compare_with_book"]

# Sections of metrics.json that have reference values, and their labels.
LABELS = {
    "binary": {
        "some_digit_prediction": "prediction for some_digit",
        "some_digit_score": "decision score of some_digit",
        "cv_accuracy": "cross-validated accuracy (3 folds)",
        "baseline_cv_accuracy": "never-5 baseline accuracy",
        "confusion_matrix": "confusion matrix [[TN, FP], [FN, TP]]",
        "precision": "precision",
        "recall": "recall",
        "f1": "F1",
        "threshold.threshold": "threshold for 90% precision",
        "threshold.precision": "precision at that threshold",
        "threshold.recall": "recall at that threshold",
        "roc_auc.sgd": "ROC AUC, SGD",
        "roc_auc.random_forest": "ROC AUC, random forest",
        "random_forest.precision": "random forest precision",
        "random_forest.recall": "random forest recall",
        "random_forest.f1": "random forest F1",
    },
    "multiclass": {
        "svc_prediction": "SVC prediction for some_digit",
        "svc_decision_scores": "SVC decision scores",
        "ovr_prediction": "one-vs-rest SVC prediction",
        "ovr_n_estimators": "one-vs-rest estimators",
        "sgd_prediction": "ten-class SGD prediction",
        "sgd_cv_accuracy": "SGD accuracy, raw pixels",
        "sgd_scaled_cv_accuracy": "SGD accuracy, standardized pixels",
        "trace": "correct predictions (matrix trace)",
        "largest_error": "largest error cell",
    },
    "multilabel": {
        "some_digit_prediction": "prediction for some_digit [large, odd]",
        "f1_macro": "F1, macro average",
        "f1_weighted": "F1, weighted average",
    },
    "exercises": {
        "knn_default_test_accuracy": "KNeighborsClassifier() test accuracy",
        "knn_best_params": "best parameters",
        "knn_best_cv_score": "best cross-validation score",
        "knn_test_accuracy": "tuned KNN test accuracy",
        "augmented_test_accuracy": "test accuracy with shifted copies",
    },
}


@cache
def book_values():
    """The reference numbers of the chapter's notebooks, as a dict."""
    text = (resources.files("mnistlab") / "book_values.json").read_text()
    return json.loads(text)


def _get(tree, path):
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def _difference(value, reference):
    if isinstance(value, bool) or isinstance(reference, bool):
        return None
    if isinstance(value, int | float) and isinstance(reference, int | float):
        return value - reference
    if isinstance(value, list) and isinstance(reference, list):
        if len(value) == len(reference) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            flat = [_difference(v, r) for v, r in zip(value, reference, strict=True)]
            if all(d is not None for d in flat):
                return flat
        if all(isinstance(v, list) for v in value):
            return [_difference(v, r) for v, r in zip(value, reference, strict=True)]
    return None


def _matches(value, reference, path):
    if path.endswith("svc_decision_scores") and isinstance(value, list):
        return [round(v, 2) for v in value] == reference
    if isinstance(value, float) or isinstance(reference, float):
        return abs(value - reference) <= 1e-9 * max(1.0, abs(reference))
    if isinstance(value, list) and isinstance(reference, list):
        return len(value) == len(reference) and all(
            _matches(v, r, path) for v, r in zip(value, reference, strict=True)
        )
    return value == reference


def compare_with_book(metrics, section):
    """Rows of (label, run value, book value, difference, match, note).

    Parameters
    ----------
    metrics : dict
        The run's metrics, as written to ``metrics.json``.
    section : str
        A section of ``metrics.json`` with reference values.

    Returns
    -------
    rows : list of dict
        Keys ``key``, ``label``, ``value``, ``book``, ``difference``,
        ``match`` (bool) and ``note`` (why they may differ, or "").
    """
    book = book_values()
    notes = book["known_differences"]
    rows = []
    for path, label in LABELS.get(section, {}).items():
        reference = _get(book.get(section, {}), path)
        value = _get(metrics.get(section, {}), path)
        if reference is None or value is None:
            continue
        rows.append(
            {
                "key": path,
                "label": label,
                "value": value,
                "book": reference,
                "difference": _difference(value, reference),
                "match": _matches(value, reference, path),
                "note": notes.get(f"{section}.{path}", ""),
            }
        )
    return rows
