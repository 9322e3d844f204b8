"""Figures of the chapter, drawn with matplotlib on a given or new Axes.

Every function takes ``ax=None`` (``fig=None`` for figures of several
panels) and returns the Axes (or Figure) it drew on; none calls
``plt.show()``. New figures are bare :class:`matplotlib.figure.Figure`
objects, not pyplot's, so that nothing stays open once they are dropped.

The figures of a section take that section's result (such as
:class:`~mnistlab.binary.BinaryResult`); the elements a reader looks for
carry a ``gid`` (``"precision"``, ``"chosen-recall"``, ...) so that tests and
callers can find them.
"""

import numpy as np

from .exceptions import InputError
from .validation import IMAGE_SHAPE, check_images

__all__ = [
    "confusion_matrix_values",
    "digit_grid",
    "plot_confusion_matrix",
    "plot_denoising",
    "plot_digit",
    "plot_digits",
    "plot_error_galleries",
    "plot_knn_grid",
    "plot_label_counts",
    "plot_pr_curves",
    "plot_precision_recall_vs_threshold",
    "plot_precision_vs_recall",
    "plot_roc_curves",
    "plot_shifted_digits",
]

# Colours of the two binary models and of the two curves of one model.
SGD_COLOR = "tab:blue"
FOREST_COLOR = "tab:orange"
PRECISION_COLOR = "tab:blue"
RECALL_COLOR = "tab:green"


def _new_axes(ax, figsize=(4, 4)):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    # A bare Figure (not pyplot) so that nothing is kept in a global registry.
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _new_figure(fig, figsize):
    if fig is not None:
        return fig
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _check_result(result, kind, name="result"):
    if not isinstance(result, kind):
        raise InputError(
            f"{name} must be a {kind.__name__}, got {type(result).__name__}; "
            "pass the section's result, e.g. run_chapter(...).sections[...]"
        )


def plot_digit(image, *, ax=None, cmap="binary", title=None):
    """Draw one digit as a 28x28 grayscale image.

    Parameters
    ----------
    image : array-like of shape (784,) or (28, 28)
        Pixel values 0..255.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.
    cmap : str, default="binary"
        The colour map: "binary" draws dark ink on white paper.
    title : str, default=None
        A title above the digit.

    Returns
    -------
    ax : matplotlib Axes
    """
    pixels = check_images(image, name="image")
    if len(pixels) != 1:
        raise InputError(
            f"image must be one digit of shape (784,) or (28, 28), got "
            f"{len(pixels)} images; draw several with plot_digits"
        )
    ax = _new_axes(ax, figsize=(2.5, 2.5))
    ax.imshow(pixels.reshape(IMAGE_SHAPE), cmap=cmap, vmin=0, vmax=255)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def digit_grid(images, *, n_cols=10, pad=2):
    """Tile images into one 2-D array, row by row, with a blank border.

    Parameters
    ----------
    images : array-like of shape (n_images, 784)
        The digits to tile.
    n_cols : int, default=10
        Digits per row; the last row is padded with blank cells.
    pad : int, default=2
        Blank pixels between neighbouring digits.

    Returns
    -------
    grid : ndarray of shape (n_rows * (28 + pad) - pad, n_cols * (28 + pad) - pad)
    """
    images = check_images(images, name="images")
    n_cols = max(1, min(int(n_cols), len(images)))
    n_rows = -(-len(images) // n_cols)
    cell = IMAGE_SHAPE[0] + pad
    grid = np.zeros((n_rows * cell - pad, n_cols * cell - pad), dtype=images.dtype)
    for i, image in enumerate(images):
        row, col = divmod(i, n_cols)
        top, left = row * cell, col * cell
        grid[top : top + 28, left : left + 28] = image.reshape(IMAGE_SHAPE)
    return grid


def plot_digits(images, *, n_cols=10, ax=None, cmap="binary", title=None):
    """Draw a grid of digits on one Axes.

    Parameters
    ----------
    images : array-like of shape (n_images, 784)
        The digits, drawn row by row.
    n_cols : int, default=10
        Digits per row.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.
    cmap : str, default="binary"
        The colour map.
    title : str, default=None
        A title above the grid.

    Returns
    -------
    ax : matplotlib Axes
    """
    grid = digit_grid(images, n_cols=n_cols)
    ax = _new_axes(
        ax, figsize=(0.5 * grid.shape[1] / 30 + 1, 0.5 * grid.shape[0] / 30 + 1)
    )
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=255)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def plot_label_counts(label_counts, *, ax=None):
    """Draw how often each digit occurs in the training and test sets.

    Parameters
    ----------
    label_counts : dict of str to sequence of 10 ints
        Counts of the digits 0..9 per split, such as
        ``{"train": [...], "test": [...]}`` from ``MNIST.label_counts()``.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        One bar container per split, in ``ax.containers``; each bar has the
        split's name as ``gid``.
    """
    if not isinstance(label_counts, dict) or not label_counts:
        raise InputError(
            "label_counts must be a dict of split name to ten counts, got "
            f"{type(label_counts).__name__}"
        )
    ax = _new_axes(ax, figsize=(6, 3))
    digits = np.arange(10)
    width = 0.8 / len(label_counts)
    for i, (split, counts) in enumerate(label_counts.items()):
        counts = np.asarray(counts)
        if counts.shape != (10,):
            raise InputError(
                f"label_counts[{split!r}] must hold ten counts, got shape "
                f"{counts.shape}"
            )
        offset = (i - (len(label_counts) - 1) / 2) * width
        ax.bar(digits + offset, counts, width=width, label=split, gid=split)
    ax.set_xticks(digits)
    ax.set(xlabel="Digit", ylabel="Images")
    ax.legend()
    return ax


def plot_precision_recall_vs_threshold(result, *, ax=None):
    """Draw precision and recall against the decision threshold.

    The chosen threshold (the lowest reaching the target precision) is a
    vertical line, and the precision and recall it gives are two points on
    the curves.

    Parameters
    ----------
    result : BinaryResult
        The binary section's result.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        Lines with ``gid`` ``"precision"``, ``"recall"`` (over
        ``result.thresholds``), ``"threshold"`` and the points
        ``"chosen-precision"`` and ``"chosen-recall"``.
    """
    from .binary import BinaryResult

    _check_result(result, BinaryResult)
    choice = result.threshold
    ax = _new_axes(ax, figsize=(6.4, 3.8))

    # The curves' last point (precision 1, recall 0) has no threshold.
    ax.plot(
        result.thresholds,
        result.precisions[:-1],
        "--",
        color=PRECISION_COLOR,
        label="Precision",
        gid="precision",
    )
    ax.plot(
        result.thresholds,
        result.recalls[:-1],
        "-",
        color=RECALL_COLOR,
        label="Recall",
        gid="recall",
    )

    ax.axvline(
        choice.threshold,
        color="black",
        linestyle=":",
        label=f"Threshold {choice.threshold:.6g}",
        gid="threshold",
    )
    ax.plot(
        [choice.threshold],
        [choice.precision],
        "o",
        color=PRECISION_COLOR,
        gid="chosen-precision",
    )
    ax.plot(
        [choice.threshold],
        [choice.recall],
        "o",
        color=RECALL_COLOR,
        gid="chosen-recall",
    )

    ax.set(xlabel="Threshold (SGD decision score)", ylim=(0, 1.02))
    ax.grid(True, alpha=0.4)
    ax.legend(loc="center left")
    return ax


def plot_precision_vs_recall(result, *, ax=None):
    """Draw the SGD detector's precision against its recall.

    Parameters
    ----------
    result : BinaryResult
        The binary section's result.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        The line ``"curve"`` (recalls, precisions) and the point ``"chosen"``
        at the chosen threshold's (recall, precision).
    """
    from .binary import BinaryResult

    _check_result(result, BinaryResult)
    choice = result.threshold
    ax = _new_axes(ax, figsize=(4.5, 4))
    ax.plot(
        result.recalls,
        result.precisions,
        color=SGD_COLOR,
        label="Precision/recall curve",
        gid="curve",
    )

    # Dotted guides from the axes to the chosen point make it easy to read.
    ax.plot(
        [choice.recall, choice.recall, 0],
        [0, choice.precision, choice.precision],
        ":",
        color="black",
        gid="guides",
    )
    ax.plot(
        [choice.recall],
        [choice.precision],
        "o",
        color="black",
        label=f"Threshold {choice.threshold:.6g}",
        gid="chosen",
    )

    ax.set(xlabel="Recall", ylabel="Precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.grid(True, alpha=0.4)
    ax.legend(loc="lower left")
    return ax


def plot_roc_curves(result, *, ax=None):
    """Draw the ROC curves of the SGD detector and of the random forest.

    Parameters
    ----------
    result : BinaryResult
        The binary section's result.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        Lines ``"sgd"`` (``fpr``, ``tpr``), ``"random-forest"``, the
        diagonal ``"chance"`` and the point ``"chosen"`` at the chosen
        threshold's false positive rate and recall.
    """
    from .binary import BinaryResult

    _check_result(result, BinaryResult)
    ax = _new_axes(ax, figsize=(4.5, 4))
    ax.plot(
        result.fpr_forest,
        result.tpr_forest,
        color=FOREST_COLOR,
        label=f"Random forest (AUC {result.roc_auc_forest:.4f})",
        gid="random-forest",
    )
    ax.plot(
        result.fpr,
        result.tpr,
        "--",
        color=SGD_COLOR,
        label=f"SGD (AUC {result.roc_auc:.4f})",
        gid="sgd",
    )
    ax.plot([0, 1], [0, 1], ":", color="gray", label="Random classifier", gid="chance")
    ax.plot(
        [result.threshold_fpr],
        [result.threshold.recall],
        "o",
        color="black",
        label=f"SGD at threshold {result.threshold.threshold:.6g}",
        gid="chosen",
    )
    ax.set(
        xlabel="False positive rate",
        ylabel="True positive rate (recall)",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax.grid(True, alpha=0.4)
    ax.legend(loc="lower right")
    return ax


def plot_pr_curves(result, *, ax=None):
    """Draw the precision/recall curves of the SGD detector and the forest.

    Each model's default decision (SGD score >= 0, forest probability >=
    0.5) is marked on its curve.

    Parameters
    ----------
    result : BinaryResult
        The binary section's result.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        Lines ``"sgd"`` (recalls, precisions), ``"random-forest"`` and the
        points ``"sgd-default"``, ``"random-forest-default"``.
    """
    from .binary import BinaryResult

    _check_result(result, BinaryResult)
    ax = _new_axes(ax, figsize=(4.5, 4))
    ax.plot(
        result.recalls_forest,
        result.precisions_forest,
        color=FOREST_COLOR,
        label="Random forest",
        gid="random-forest",
    )
    ax.plot(
        result.recalls,
        result.precisions,
        "--",
        color=SGD_COLOR,
        label="SGD",
        gid="sgd",
    )
    ax.plot(
        [result.forest_recall],
        [result.forest_precision],
        "o",
        color=FOREST_COLOR,
        label="Forest, probability >= 0.5",
        gid="random-forest-default",
    )
    ax.plot(
        [result.recall],
        [result.precision],
        "o",
        color=SGD_COLOR,
        label="SGD, score >= 0",
        gid="sgd-default",
    )
    ax.set(xlabel="Recall", ylabel="Precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.grid(True, alpha=0.4)
    ax.legend(loc="lower left")
    return ax


def confusion_matrix_values(confusion_matrix, *, normalize=False, errors_only=False):
    """The numbers a confusion-matrix figure shows.

    Parameters
    ----------
    confusion_matrix : array-like of shape (n_classes, n_classes)
        Counts; rows are true classes, columns predicted ones.
    normalize : bool, default=False
        Divide each row by its total, in percent.
    errors_only : bool, default=False
        Row percentages with the diagonal set to zero (implies
        ``normalize``).

    Returns
    -------
    values : ndarray of shape (n_classes, n_classes)
        Counts, or percentages of each true class (0 for an empty row).
    """
    cm = np.asarray(confusion_matrix)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise InputError(
            f"confusion_matrix must be a square 2-D array, got shape {cm.shape}"
        )
    if not (normalize or errors_only):
        return cm
    totals = cm.sum(axis=1, keepdims=True)
    values = np.where(totals > 0, 100 * cm / np.maximum(totals, 1), 0.0)
    if errors_only:
        np.fill_diagonal(values, 0)
    return values


def plot_confusion_matrix(
    confusion_matrix,
    *,
    normalize=False,
    errors_only=False,
    labels=None,
    title=None,
    ax=None,
):
    """Draw a confusion matrix as an image with each cell's value written in.

    Parameters
    ----------
    confusion_matrix : array-like of shape (n_classes, n_classes)
        Counts; rows are true classes, columns predicted ones.
    normalize : bool, default=False
        Show each row as percentages of its total, so that frequent and rare
        classes compare fairly.
    errors_only : bool, default=False
        Row percentages with the diagonal blanked, so that the mistakes stand
        out.
    labels : sequence of str, default=None
        Class names; 0, 1, ... by default.
    title : str, default=None
        A title above the matrix.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        Its image holds :func:`confusion_matrix_values`; ``ax.texts`` the
        written values, row by row.
    """
    values = confusion_matrix_values(
        confusion_matrix, normalize=normalize, errors_only=errors_only
    )
    n = len(values)
    labels = [str(i) for i in range(n)] if labels is None else list(labels)
    if len(labels) != n:
        raise InputError(f"labels must name {n} classes, got {len(labels)}")
    ax = _new_axes(ax, figsize=(4.6, 3.9))
    percent = normalize or errors_only
    image = ax.imshow(values, cmap="Reds" if errors_only else "Blues", vmin=0)
    ax.figure.colorbar(image, ax=ax, label="% of the row" if percent else "Images")

    # Light text on dark cells, dark text on light ones.
    high = values.max() if values.size else 0
    for (row, col), value in np.ndenumerate(values):
        if errors_only and row == col:
            text = ""
        elif percent:
            text = f"{value:.0f}%" if value >= 0.5 or value == 0 else "<1%"
        else:
            text = f"{value:d}"
        color = "white" if high and value > 0.6 * high else "black"
        size = 8 if n > 5 else 11
        cell = ax.text(
            col, row, text, ha="center", va="center", color=color, fontsize=size
        )
        # Inside the Axes by construction: no need to measure for the layout.
        cell.set_in_layout(False)

    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.set(xlabel="Predicted", ylabel="True")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_error_galleries(analysis, *, n_cols=5, fig=None):
    """Draw the four galleries of the error analysis as a 2x2 panel.

    For the pair (a, b), the top row shows true a's predicted a and b, the
    bottom row true b's predicted a and b: the off-diagonal panels are the
    mistakes.

    Parameters
    ----------
    analysis : ErrorAnalysis
        The error analysis section's result.
    n_cols : int, default=5
        Digits per row of each gallery.
    fig : matplotlib Figure, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    fig : matplotlib Figure
        Four Axes in the order ``a_as_a``, ``a_as_b``, ``b_as_a``, ``b_as_b``,
        each with that key as ``gid``; an empty gallery has no image.
    """
    from .error_analysis import ErrorAnalysis

    _check_result(analysis, ErrorAnalysis, "analysis")
    a, b = analysis.pair
    fig = _new_figure(fig, figsize=(7, 7.4))
    axes = fig.subplots(2, 2)

    # Every panel spans the largest gallery's grid, so that digits keep one
    # size however many a gallery holds.
    n_cols = max(1, int(n_cols))
    n_rows = max(1, -(-max(map(len, analysis.galleries.values())) // n_cols))
    width, height = n_cols * 30 - 2, n_rows * 30 - 2
    for ax, (true, predicted) in zip(
        axes.flat, ((a, a), (a, b), (b, a), (b, b)), strict=True
    ):
        key = f"{true}_as_{predicted}"
        images = analysis.galleries[key]
        total = analysis.gallery_totals.get(key, len(images))
        title = f"True {true}, predicted {predicted}\n({len(images)} of {total})"
        ax.set_gid(key)
        if len(images):
            plot_digits(images, n_cols=n_cols, ax=ax, title=title)
        else:
            ax.set_axis_off()
            ax.set_title(title)
            ax.text(width / 2, height / 2, "none", ha="center", va="center")
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
    return fig


def _digit_rows(rows, *, fig, figsize):
    fig = _new_figure(fig, figsize=figsize)
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (name, images) in zip(axes, rows.items(), strict=True):
        plot_digits(images, n_cols=len(images), ax=ax, title=name)
        ax.set_gid(name)
    return fig


def plot_denoising(result, *, fig=None):
    """Draw noisy test digits, the KNN's cleaned versions and the originals.

    Parameters
    ----------
    result : DenoisingResult
        The multioutput section's result.
    fig : matplotlib Figure, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    fig : matplotlib Figure
        Three Axes, one row of digits each: ``"noisy"``, ``"cleaned"`` and
        ``"clean"`` (their ``gid``).
    """
    from .multioutput import DenoisingResult

    _check_result(result, DenoisingResult)
    n = len(result.examples_clean)
    return _digit_rows(
        {
            "noisy": result.examples_noisy,
            "cleaned": result.examples_denoised,
            "clean": result.examples_clean,
        },
        fig=fig,
        figsize=(max(3.0, 0.6 * n + 0.4), 3.6),
    )


def plot_shifted_digits(result, *, fig=None):
    """Draw a training digit and its four copies shifted by one pixel.

    Parameters
    ----------
    result : AugmentationResult
        The augmentation section's result.
    fig : matplotlib Figure, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    fig : matplotlib Figure
        Five Axes titled (and with ``gid``) ``"original"``, ``"left"``,
        ``"right"``, ``"up"``, ``"down"``.
    """
    from .exercises import SHIFTS, AugmentationResult

    _check_result(result, AugmentationResult)
    names = ["original", *SHIFTS]
    if len(result.examples) != len(names):
        raise InputError(
            f"result.examples must hold {len(names)} images ({', '.join(names)}), "
            f"got {len(result.examples)}"
        )
    fig = _new_figure(fig, figsize=(7, 1.9))
    for ax, name, image in zip(
        fig.subplots(1, len(names)), names, result.examples, strict=True
    ):
        plot_digit(image, ax=ax, title=name)
        ax.set_gid(name)

        # A frame around each digit makes a one-pixel shift visible.
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_knn_grid(result, *, ax=None):
    """Draw the grid search's cross-validation scores.

    For each ``weights``, the mean score against ``n_neighbors`` as a line,
    and each fold's score as a dot beside it, to show the spread; the best
    point is a star.

    Parameters
    ----------
    result : KNNTuningResult
        The KNN tuning section's result.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    ax : matplotlib Axes
        Per weights ``w``, the line ``"mean-w"`` (n_neighbors, mean score) and
        the dots ``"folds-w"`` (n_neighbors shifted by a small offset, fold
        score); the point ``"best"``.
    """
    from .exercises import KNNTuningResult

    _check_result(result, KNNTuningResult)
    ax = _new_axes(ax, figsize=(5.5, 3.8))
    weights = list(dict.fromkeys(p["weights"] for p in result.params))
    fold_scores = np.asarray(result.fold_scores, dtype=np.float64)
    for i, w in enumerate(weights):
        index = sorted(
            (k for k, p in enumerate(result.params) if p["weights"] == w),
            key=lambda k: result.params[k]["n_neighbors"],
        )
        ks = np.array([result.params[k]["n_neighbors"] for k in index], dtype=float)
        (line,) = ax.plot(
            ks,
            np.asarray(result.mean_scores)[index],
            "-o",
            label=f"weights={w}, mean",
            gid=f"mean-{w}",
        )

        # Fold dots sit a little aside so that both weights' dots show.
        offset = (i - (len(weights) - 1) / 2) * 0.08
        x = np.repeat(ks + offset, fold_scores.shape[1])
        dots = ax.scatter(
            x, fold_scores[index].ravel(), s=12, color=line.get_color(), alpha=0.5
        )
        dots.set_gid(f"folds-{w}")

    best = result.params[result.best_index]
    ax.plot(
        [best["n_neighbors"]],
        [result.best_score],
        "*",
        color="black",
        markersize=14,
        label=f"best: n_neighbors={best['n_neighbors']}, {best['weights']}",
        gid="best",
    )
    ax.set_xticks(sorted({p["n_neighbors"] for p in result.params}))
    ax.set(xlabel="n_neighbors", ylabel="Cross-validated accuracy")
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize="small", loc="best")
    return ax
