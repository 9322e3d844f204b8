"""The binary "5-detector": accuracy against a baseline, the confusion
matrix, the precision/recall trade-off and the ROC curve, with a random
forest for comparison.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
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

from .cv import (
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
from .validation import check_binary_target, check_fraction, check_images

__all__ = ["ThresholdChoice", "BinaryResult", "threshold_for", "run_binary"]

log = logging.getLogger("mnistlab")


@dataclass(frozen=True)
class ThresholdChoice:
    """A decision threshold chosen for a precision or recall target.

    Attributes
    ----------
    target : {"precision", "recall"}
        Which quantity was targeted.
    target_value : float
        The value asked for.
    threshold : float
        Predict positive when the score is at least this.
    precision, recall : float
        What the threshold gives.
    confusion_matrix : ndarray of shape (2, 2)
        ``[[TN, FP], [FN, TP]]`` at the threshold.
    """

    target: str
    target_value: float
    threshold: float
    precision: float
    recall: float
    confusion_matrix: np.ndarray


def threshold_for(y_true, y_score, *, precision=None, recall=None):
    """Find the decision threshold that reaches a precision or recall target.

    For a precision target, the lowest threshold whose precision reaches it
    (keeping as much recall as possible); for a recall target, the highest
    threshold whose recall still reaches it (keeping as much precision as
    possible). A point is predicted positive when ``y_score >= threshold``,
    as in :func:`sklearn.metrics.precision_recall_curve`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels (bool or 0/1).
    y_score : array-like of shape (n_samples,)
        Scores, higher meaning more likely positive (decision function or
        probability).
    precision : float in (0, 1], default=None
        The precision to reach. Give exactly one of ``precision``, ``recall``.
    recall : float in (0, 1], default=None
        The recall to reach.

    Returns
    -------
    choice : ThresholdChoice

    Raises
    ------
    InputError
        If not exactly one target is given, a target lies outside (0, 1]
        (such as 90 for 90%), or no threshold reaches it.

    Examples
    --------
    >>> from mnistlab import threshold_for
    >>> y_true = [0, 0, 1, 1, 0, 1]
    >>> y_score = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]
    >>> choice = threshold_for(y_true, y_score, precision=1.0)
    >>> float(choice.threshold), float(choice.recall)
    (0.8, 0.6666666666666666)
    """
    if (precision is None) == (recall is None):
        raise InputError(
            "give exactly one target to threshold_for: precision=... or recall=..."
        )
    kind = "precision" if precision is not None else "recall"
    target = check_fraction(precision if precision is not None else recall, name=kind)
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.shape != y_score.shape or y_true.ndim != 1:
        raise InputError(
            f"y_true and y_score must be 1-D of the same length, got shapes "
            f"{y_true.shape} and {y_score.shape}"
        )
    if len(np.unique(y_true)) != 2:
        raise InputError(
            "y_true must hold both classes (positives and negatives), got "
            f"{np.unique(y_true).tolist()}"
        )
    precisions, recalls, thresholds = precision_recall_curve(y_true, y_score)
    # precisions[i] and recalls[i] belong to thresholds[i]; the last entries
    # (precision 1, recall 0) have no threshold and are left out.
    values = (precisions if kind == "precision" else recalls)[:-1]
    reached = np.flatnonzero(values >= target)
    if len(reached) == 0:
        raise InputError(
            f"no threshold reaches {kind} {target:g}: the highest {kind} any "
            f"threshold gives is {values.max():.6g}; choose a lower target"
        )
    index = reached[0] if kind == "precision" else reached[-1]
    threshold = float(thresholds[index])
    y_pred = y_score >= threshold
    cm = confusion_matrix(y_true.astype(bool), y_pred, labels=[False, True])
    return ThresholdChoice(
        target=kind,
        target_value=target,
        threshold=threshold,
        precision=float(precision_score(y_true.astype(bool), y_pred)),
        recall=float(recall_score(y_true.astype(bool), y_pred)),
        confusion_matrix=cm,
    )


@dataclass
class BinaryResult:
    """Everything the binary section computes (numbers and figure data).

    Arrays of length n_samples are in training order; curves are those of
    :func:`~sklearn.metrics.precision_recall_curve` and
    :func:`~sklearn.metrics.roc_curve`.
    """

    positive_digit: int
    n_samples: int
    some_digit_prediction: bool
    some_digit_score: float
    cv_accuracy: list
    manual_cv_accuracy: list
    baseline_cv_accuracy: list
    y_train_5: np.ndarray
    y_train_pred: np.ndarray
    confusion_matrix: np.ndarray
    perfect_confusion_matrix: np.ndarray
    precision: float
    recall: float
    f1: float
    y_scores: np.ndarray
    precisions: np.ndarray
    recalls: np.ndarray
    thresholds: np.ndarray
    threshold: ThresholdChoice
    fpr: np.ndarray
    tpr: np.ndarray
    roc_auc: float
    threshold_fpr: float
    y_scores_forest: np.ndarray
    precisions_forest: np.ndarray
    recalls_forest: np.ndarray
    fpr_forest: np.ndarray
    tpr_forest: np.ndarray
    roc_auc_forest: float
    forest_precision: float
    forest_recall: float
    forest_f1: float
    options: dict = field(default_factory=dict)

    def metrics(self):
        """The section's numbers as plain JSON values."""
        t = self.threshold
        return {
            "positive_digit": self.positive_digit,
            "n_samples": self.n_samples,
            "some_digit_prediction": bool(self.some_digit_prediction),
            "some_digit_score": float(self.some_digit_score),
            "cv_accuracy": [float(a) for a in self.cv_accuracy],
            "manual_cv_accuracy": [float(a) for a in self.manual_cv_accuracy],
            "baseline_cv_accuracy": [float(a) for a in self.baseline_cv_accuracy],
            "confusion_matrix": self.confusion_matrix.tolist(),
            "perfect_confusion_matrix": self.perfect_confusion_matrix.tolist(),
            "precision": float(self.precision),
            "recall": float(self.recall),
            "f1": float(self.f1),
            "threshold": {
                "target_precision": t.target_value,
                "threshold": t.threshold,
                "precision": t.precision,
                "recall": t.recall,
                "false_positive_rate": float(self.threshold_fpr),
                "confusion_matrix": t.confusion_matrix.tolist(),
            },
            "roc_auc": {
                "sgd": float(self.roc_auc),
                "random_forest": float(self.roc_auc_forest),
            },
            "random_forest": {
                "precision": float(self.forest_precision),
                "recall": float(self.forest_recall),
                "f1": float(self.forest_f1),
            },
        }


def run_binary(
    X_train,
    y_train,
    *,
    positive_digit=5,
    target_precision=0.90,
    cv=3,
    random_state=42,
    n_jobs=None,
    cache=None,
    data_key=None,
):
    """Train and evaluate the chapter's binary detector of one digit.

    Fits ``SGDClassifier(random_state=random_state)`` on ``y_train ==
    positive_digit`` once on all the data (for ``some_digit``) and once per
    fold of ``StratifiedKFold(cv)``, from which accuracy, predictions and
    decision scores all come; a manual ``StratifiedKFold(shuffle=True)`` +
    ``clone`` loop; ``DummyClassifier()`` as the never-positive baseline;
    ``RandomForestClassifier(random_state=random_state)`` scored by
    ``predict_proba``.

    Parameters
    ----------
    X_train : array-like of shape (n_samples, 784)
        Training images, pixels 0..255.
    y_train : array-like of shape (n_samples,)
        Digit labels 0..9.
    positive_digit : int, default=5
        The digit to detect.
    target_precision : float in (0, 1], default=0.90
        The precision the chosen threshold must reach.
    cv : int, default=3
        Number of folds.
    random_state : int, default=42
        Seed of the models and of the manual loop's shuffled folds.
    n_jobs : int, default=None
        Fits run in parallel threads.
    cache : FoldCache, default=None
        Where fold results are kept.
    data_key : str, default=None
        Fingerprint of the data, for the cache; computed when omitted.

    Returns
    -------
    result : BinaryResult
    """
    X = check_images(X_train, name="X_train", allow_single=False)
    y_train_5 = check_binary_target(y_train, positive_digit, name="y_train")
    target_precision = check_fraction(target_precision, name="target_precision")
    if len(y_train_5) != len(X):
        raise InputError(
            f"X_train has {len(X)} images but y_train has {len(y_train_5)} labels"
        )
    # Every fit learns y_train == positive_digit, which a caller's key of the
    # images and digits does not tell apart from another digit's detector.
    data_key = f"{data_key or data_fingerprint(X, y_train_5)}|digit {positive_digit}"
    pixels = X
    X = lazy(lambda: pixels.astype(np.float64))
    sgd = SGDClassifier(random_state=random_state)
    forest = RandomForestClassifier(random_state=random_state)
    folds = stratified_folds(y_train_5, cv=cv)
    shuffled = stratified_folds(
        y_train_5, cv=cv, shuffle=True, random_state=random_state
    )
    tasks = [
        # The forest is the longest fit: start it first.
        *fold_tasks(
            "random forest",
            forest,
            X,
            y_train_5,
            folds,
            methods=("predict_proba",),
            data_key=data_key,
        ),
        *fold_tasks(
            "SGD 5-detector",
            sgd,
            X,
            y_train_5,
            folds,
            methods=("predict", "decision_function"),
            data_key=data_key,
        ),
        *fold_tasks(
            "SGD 5-detector, shuffled folds",
            sgd,
            X,
            y_train_5,
            shuffled,
            data_key=data_key,
            extra="manual clone loop",
        ),
        full_fit_task(
            "SGD 5-detector, all training data", sgd, X, y_train_5, data_key=data_key
        ),
    ]
    results = run_tasks(tasks, cache=cache, n_jobs=n_jobs)
    forest_folds, sgd_folds = results[:cv], results[cv : 2 * cv]
    manual_folds, full_fit = results[2 * cv : 3 * cv], results[-1]

    n = len(pixels)
    y_train_pred = assemble(sgd_folds, folds, "predict", n)
    y_scores = assemble(sgd_folds, folds, "decision_function", n)
    y_probas_forest = assemble(forest_folds, folds, "predict_proba", n)
    return _summarise(
        y_train_5,
        y_train_pred,
        y_scores,
        y_probas_forest[:, 1],
        positive_digit=positive_digit,
        target_precision=target_precision,
        some_digit=(
            bool(full_fit["predict"][0]),
            float(full_fit["decision_function"][0]),
        ),
        cv_accuracy=fold_accuracies(sgd_folds, folds, y_train_5),
        manual_cv_accuracy=fold_accuracies(manual_folds, shuffled, y_train_5),
        baseline_cv_accuracy=_baseline_accuracy(pixels, y_train_5, folds),
    )


def _baseline_accuracy(X, y, folds):
    # The dummy ignores the pixels and costs nothing: no need to cache it.
    return [
        float(DummyClassifier().fit(X[train], y[train]).score(X[test], y[test]))
        for train, test in folds
    ]


def _summarise(
    y_train_5,
    y_train_pred,
    y_scores,
    y_scores_forest,
    *,
    positive_digit,
    target_precision,
    some_digit,
    cv_accuracy,
    manual_cv_accuracy,
    baseline_cv_accuracy,
):
    precisions, recalls, thresholds = precision_recall_curve(y_train_5, y_scores)
    choice = threshold_for(y_train_5, y_scores, precision=target_precision)
    fpr, tpr, _ = roc_curve(y_train_5, y_scores)
    tn, fp = choice.confusion_matrix[0]
    precisions_f, recalls_f, _ = precision_recall_curve(y_train_5, y_scores_forest)
    fpr_f, tpr_f, _ = roc_curve(y_train_5, y_scores_forest)
    y_pred_forest = y_scores_forest >= 0.5
    return BinaryResult(
        positive_digit=positive_digit,
        n_samples=len(y_train_5),
        some_digit_prediction=some_digit[0],
        some_digit_score=some_digit[1],
        cv_accuracy=cv_accuracy,
        manual_cv_accuracy=manual_cv_accuracy,
        baseline_cv_accuracy=baseline_cv_accuracy,
        y_train_5=y_train_5,
        y_train_pred=y_train_pred,
        confusion_matrix=confusion_matrix(y_train_5, y_train_pred),
        perfect_confusion_matrix=confusion_matrix(y_train_5, y_train_5),
        precision=float(precision_score(y_train_5, y_train_pred, zero_division=0)),
        recall=float(recall_score(y_train_5, y_train_pred)),
        f1=float(f1_score(y_train_5, y_train_pred)),
        y_scores=y_scores,
        precisions=precisions,
        recalls=recalls,
        thresholds=thresholds,
        threshold=choice,
        fpr=fpr,
        tpr=tpr,
        roc_auc=float(roc_auc_score(y_train_5, y_scores)),
        threshold_fpr=float(fp / (fp + tn)),
        y_scores_forest=y_scores_forest,
        precisions_forest=precisions_f,
        recalls_forest=recalls_f,
        fpr_forest=fpr_f,
        tpr_forest=tpr_f,
        roc_auc_forest=float(roc_auc_score(y_train_5, y_scores_forest)),
        forest_precision=float(
            precision_score(y_train_5, y_pred_forest, zero_division=0)
        ),
        forest_recall=float(recall_score(y_train_5, y_pred_forest)),
        forest_f1=float(f1_score(y_train_5, y_pred_forest)),
        options={"target_precision": target_precision},
    )
