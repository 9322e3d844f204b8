"""The chapter's figures, checked through the data they draw."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from mnistlab.chapter import run_chapter
from mnistlab.error_analysis import analyse_errors
from mnistlab.exceptions import InputError
from mnistlab.plots import (
    confusion_matrix_values,
    digit_grid,
    plot_confusion_matrix,
    plot_denoising,
    plot_error_galleries,
    plot_knn_grid,
    plot_label_counts,
    plot_pr_curves,
    plot_precision_recall_vs_threshold,
    plot_precision_vs_recall,
    plot_roc_curves,
    plot_shifted_digits,
)

N_TRAIN, N_TEST = 300, 100


@pytest.fixture(scope="session")
def sections(mnist, tmp_path_factory):
    """Results of the fast sections on the first 300 training images.

    The fold cache lives in the session's base folder, which the report
    tests share: whichever module runs first computes the folds.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = run_chapter(
            mnist,
            n_train=N_TRAIN,
            n_test=N_TEST,
            sections=["data", "binary", "multioutput", "knn_tuning", "augmentation"],
            cache=tmp_path_factory.getbasetemp() / "fold-cache",
        )
    return result.sections


@pytest.fixture(scope="session")
def analysis(mnist):
    """An error analysis of a quick KNN's cross-validated predictions."""
    X, y = mnist.X_train[:N_TRAIN], mnist.y_train[:N_TRAIN]
    y_pred = cross_val_predict(KNeighborsClassifier(), X, y, cv=3)
    return analyse_errors(X, y, y_pred)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """No figure may be left in pyplot's registry of open figures."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


def by_gid(ax, gid):
    """The one artist of ``ax`` whose gid is ``gid``."""
    found = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, got {found}"
    return found[0]


def xy(line):
    return np.asarray(line.get_xdata()), np.asarray(line.get_ydata())


def test_precision_recall_vs_threshold(sections):
    binary = sections["binary"]
    choice = binary.threshold

    ax = plot_precision_recall_vs_threshold(binary)

    assert isinstance(ax.figure, Figure)
    for gid, curve in (("precision", binary.precisions), ("recall", binary.recalls)):
        x, y = xy(by_gid(ax, gid))
        assert_array_equal(x, binary.thresholds)
        assert_array_equal(y, curve[:-1])
    x, _ = xy(by_gid(ax, "threshold"))
    assert_array_equal(x, [choice.threshold, choice.threshold])
    assert xy(by_gid(ax, "chosen-precision")) == (
        [choice.threshold],
        [choice.precision],
    )
    assert xy(by_gid(ax, "chosen-recall")) == ([choice.threshold], [choice.recall])
    assert choice.precision >= 0.90


def test_chosen_point_lies_on_the_curves(sections):
    binary = sections["binary"]
    index = np.flatnonzero(binary.thresholds == binary.threshold.threshold)

    assert len(index) == 1
    assert_allclose(binary.precisions[index], binary.threshold.precision, rtol=1e-12)
    assert_allclose(binary.recalls[index], binary.threshold.recall, rtol=1e-12)


def test_precision_vs_recall(sections):
    binary = sections["binary"]
    choice = binary.threshold

    ax = plot_precision_vs_recall(binary)

    x, y = xy(by_gid(ax, "curve"))
    assert_array_equal(x, binary.recalls)
    assert_array_equal(y, binary.precisions)
    assert xy(by_gid(ax, "chosen")) == ([choice.recall], [choice.precision])
    x, y = xy(by_gid(ax, "guides"))
    assert_array_equal(x, [choice.recall, choice.recall, 0])
    assert_array_equal(y, [0, choice.precision, choice.precision])


def test_roc_curves(sections):
    binary = sections["binary"]

    ax = plot_roc_curves(binary)

    assert_array_equal(xy(by_gid(ax, "sgd")), (binary.fpr, binary.tpr))
    assert_array_equal(
        xy(by_gid(ax, "random-forest")), (binary.fpr_forest, binary.tpr_forest)
    )
    assert_array_equal(xy(by_gid(ax, "chance")), ([0, 1], [0, 1]))
    assert xy(by_gid(ax, "chosen")) == (
        [binary.threshold_fpr],
        [binary.threshold.recall],
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"SGD (AUC {binary.roc_auc:.4f})" in labels
    assert f"Random forest (AUC {binary.roc_auc_forest:.4f})" in labels


def test_chosen_point_is_the_thresholds_rates(sections):
    binary = sections["binary"]
    y_pred = binary.y_scores >= binary.threshold.threshold
    positive = binary.y_train_5

    assert binary.threshold_fpr == pytest.approx(y_pred[~positive].mean(), abs=1e-15)
    assert binary.threshold.recall == pytest.approx(y_pred[positive].mean(), abs=1e-15)


def test_pr_curves(sections):
    binary = sections["binary"]

    ax = plot_pr_curves(binary)

    assert_array_equal(xy(by_gid(ax, "sgd")), (binary.recalls, binary.precisions))
    assert_array_equal(
        xy(by_gid(ax, "random-forest")),
        (binary.recalls_forest, binary.precisions_forest),
    )
    assert xy(by_gid(ax, "sgd-default")) == ([binary.recall], [binary.precision])
    assert xy(by_gid(ax, "random-forest-default")) == (
        [binary.forest_recall],
        [binary.forest_precision],
    )


@pytest.mark.parametrize(
    ("normalize", "errors_only", "attribute", "scale"),
    [
        (False, False, "confusion_matrix", 1),
        (True, False, "normalized", 100),
        (False, True, "errors", 100),
        (True, True, "errors", 100),
    ],
)
def test_confusion_matrix_image(analysis, normalize, errors_only, attribute, scale):
    ax = plot_confusion_matrix(
        analysis.confusion_matrix, normalize=normalize, errors_only=errors_only
    )

    (image,) = ax.images
    assert_allclose(image.get_array(), scale * getattr(analysis, attribute), atol=1e-12)
    assert len(ax.texts) == 100
    assert [t.get_text() for t in ax.get_xticklabels()] == list("0123456789")
    assert ax.get_xlabel() == "Predicted"
    assert ax.get_ylabel() == "True"


def test_confusion_matrix_writes_each_cell(analysis):
    cm = analysis.confusion_matrix

    counts = plot_confusion_matrix(cm)
    percent = plot_confusion_matrix(cm, normalize=True)
    errors = plot_confusion_matrix(cm, errors_only=True)

    assert [t.get_text() for t in counts.texts] == [str(v) for v in cm.ravel()]
    for text, value in zip(
        percent.texts, 100 * analysis.normalized.ravel(), strict=True
    ):
        expected = "<1%" if 0 < value < 0.5 else f"{value:.0f}%"
        assert text.get_text() == expected
    assert all(errors.texts[11 * i].get_text() == "" for i in range(10))
    for text in counts.texts:
        row, col = text.get_position()[::-1]
        assert text.get_text() == str(cm[int(row), int(col)])


def test_confusion_matrix_values_of_an_empty_row():
    cm = np.array([[3, 1], [0, 0]])

    assert_allclose(confusion_matrix_values(cm, normalize=True), [[75, 25], [0, 0]])
    assert_allclose(confusion_matrix_values(cm, errors_only=True), [[0, 25], [0, 0]])
    assert confusion_matrix_values(cm) is not None


@pytest.mark.parametrize("cm", [np.zeros((2, 3)), np.zeros(4), np.zeros((0, 0))])
def test_confusion_matrix_refuses_other_shapes(cm):
    with pytest.raises(InputError, match="square 2-D array, got shape"):
        plot_confusion_matrix(cm)


def test_confusion_matrix_labels_and_given_axes(analysis):
    ax = Figure().add_subplot()
    names = [f"d{i}" for i in range(10)]

    assert plot_confusion_matrix(analysis.confusion_matrix, labels=names, ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    with pytest.raises(InputError, match="labels must name 10 classes, got 2"):
        plot_confusion_matrix(analysis.confusion_matrix, labels=["a", "b"])


def test_error_galleries(analysis):
    fig = plot_error_galleries(analysis)

    axes = fig.axes
    assert [ax.get_gid() for ax in axes] == ["3_as_3", "3_as_5", "5_as_3", "5_as_5"]
    for ax in axes:
        images = analysis.galleries[ax.get_gid()]
        total = analysis.gallery_totals[ax.get_gid()]
        assert f"({len(images)} of {total})" in ax.get_title()
        if len(images):
            (image,) = ax.images
            assert_array_equal(image.get_array(), digit_grid(images, n_cols=5))
        else:
            assert len(ax.images) == 0
    # Every panel spans the same grid, so that digits keep one size.
    assert len({ax.get_xlim() for ax in axes}) == 1
    assert len({ax.get_ylim() for ax in axes}) == 1


def test_error_galleries_of_an_empty_cell(mnist):
    X, y = mnist.X_train[:50], mnist.y_train[:50]
    analysis = analyse_errors(X, y, y)

    fig = plot_error_galleries(analysis)

    empty = [ax for ax in fig.axes if ax.get_gid() in ("3_as_5", "5_as_3")]
    assert all(len(ax.images) == 0 for ax in empty)
    assert all(ax.texts[0].get_text() == "none" for ax in empty)


def test_denoising_rows(sections):
    result = sections["multioutput"]

    fig = plot_denoising(result)

    rows = {ax.get_gid(): ax for ax in fig.axes}
    assert list(rows) == ["noisy", "cleaned", "clean"]
    for name, images in (
        ("noisy", result.examples_noisy),
        ("cleaned", result.examples_denoised),
        ("clean", result.examples_clean),
    ):
        (image,) = rows[name].images
        assert_array_equal(image.get_array(), digit_grid(images, n_cols=len(images)))
        assert rows[name].get_title() == name


def test_knn_grid(sections):
    result = sections["knn_tuning"]

    ax = plot_knn_grid(result)

    for weights in ("uniform", "distance"):
        index = [i for i, p in enumerate(result.params) if p["weights"] == weights]
        ks = [result.params[i]["n_neighbors"] for i in index]
        x, y = xy(by_gid(ax, f"mean-{weights}"))
        assert_array_equal(x, ks)
        assert_allclose(y, result.mean_scores[index], rtol=1e-12)
        offsets = by_gid(ax, f"folds-{weights}").get_offsets()
        assert_allclose(offsets[:, 1], result.fold_scores[index].ravel(), rtol=1e-12)
        assert_allclose(offsets[:, 0], np.repeat(ks, 5), atol=0.1)
    best = result.params[result.best_index]
    assert xy(by_gid(ax, "best")) == ([best["n_neighbors"]], [result.best_score])


def test_shifted_digits(sections):
    result = sections["augmentation"]

    fig = plot_shifted_digits(result)

    names = ["original", "left", "right", "up", "down"]
    assert [ax.get_gid() for ax in fig.axes] == names
    assert [ax.get_title() for ax in fig.axes] == names
    for ax, image in zip(fig.axes, result.examples, strict=True):
        assert_array_equal(ax.images[0].get_array(), image.reshape(28, 28))
    original, left = (result.examples[i].reshape(28, 28) for i in (0, 1))
    assert_array_equal(left[:, :-1], original[:, 1:])


def test_label_counts(sections):
    counts = sections["data"].label_counts

    ax = plot_label_counts(counts)

    train, test = ax.containers
    assert [bar.get_height() for bar in train] == counts["train"]
    assert [bar.get_height() for bar in test] == counts["test"]
    assert sum(counts["train"]) == N_TRAIN


@pytest.mark.parametrize(
    "plot",
    [
        plot_precision_recall_vs_threshold,
        plot_precision_vs_recall,
        plot_roc_curves,
        plot_pr_curves,
        plot_knn_grid,
    ],
)
def test_section_plots_draw_on_the_given_axes(sections, plot):
    ax = Figure().add_subplot()
    result = sections["knn_tuning" if plot is plot_knn_grid else "binary"]

    assert plot(result, ax=ax) is ax


@pytest.mark.parametrize(
    ("plot", "section"),
    [
        (plot_denoising, "multioutput"),
        (plot_shifted_digits, "augmentation"),
    ],
)
def test_panel_plots_draw_on_the_given_figure(sections, plot, section):
    fig = Figure()

    assert plot(sections[section], fig=fig) is fig


def test_error_galleries_draw_on_the_given_figure(analysis):
    fig = Figure()

    assert plot_error_galleries(analysis, fig=fig) is fig


@pytest.mark.parametrize(
    "plot",
    [
        plot_precision_recall_vs_threshold,
        plot_roc_curves,
        plot_denoising,
        plot_knn_grid,
        plot_shifted_digits,
    ],
)
def test_section_plots_refuse_another_result(sections, plot):
    with pytest.raises(InputError, match="must be a .*Result, got DataSummary"):
        plot(sections["data"])


def test_label_counts_refuses_other_shapes():
    with pytest.raises(InputError, match=r"label_counts\['train'\] must hold ten"):
        plot_label_counts({"train": [1, 2, 3]})
