import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from mnistlab.exceptions import InputError
from mnistlab.plots import digit_grid, plot_digit, plot_digits


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Every plot must leave pyplot's registry of open figures empty."""
    plt.close("all")
    yield
    assert plt.get_fignums() == []


@pytest.mark.parametrize("shape", [(784,), (28, 28), (1, 784)])
def test_plot_digit_shows_the_image(mnist, shape):
    ax = plot_digit(mnist.some_digit.reshape(shape), title="5")

    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), mnist.some_digit.reshape(28, 28))
    assert image.get_clim() == (0, 255)
    assert image.get_cmap().name == "binary"
    assert ax.get_title() == "5"
    assert not ax.axison
    assert isinstance(ax.figure, Figure)


def test_plot_digit_draws_on_the_given_axes(mnist):
    ax = Figure().add_subplot()

    assert plot_digit(mnist.X_test[0], ax=ax, cmap="gray") is ax
    assert ax.images[0].get_cmap().name == "gray"
    assert ax.get_title() == ""


def test_plot_digit_refuses_several_images(mnist):
    with pytest.raises(InputError, match="got 2 images; draw several with"):
        plot_digit(mnist.X_train[:2])


@pytest.mark.parametrize(
    ("n_images", "n_cols", "pad", "n_rows", "shape"),
    [
        (12, 5, 2, 3, (88, 148)),
        (10, 10, 2, 1, (28, 298)),
        (3, 10, 2, 1, (28, 88)),
        (7, 1, 0, 7, (196, 28)),
        (4, 2, 5, 2, (61, 61)),
    ],
)
def test_digit_grid_places_each_image(mnist, n_images, n_cols, pad, n_rows, shape):
    images = mnist.X_train[:n_images]
    cell = 28 + pad

    grid = digit_grid(images, n_cols=n_cols, pad=pad)

    assert grid.shape == shape
    assert grid.dtype == np.uint8
    covered = np.zeros(grid.shape, dtype=bool)
    for i, image in enumerate(images):
        top, left = (i // n_cols) * cell, (i % n_cols) * cell
        np.testing.assert_array_equal(
            grid[top : top + 28, left : left + 28], image.reshape(28, 28)
        )
        covered[top : top + 28, left : left + 28] = True
    assert not grid[~covered].any()
    assert covered.sum() == n_images * 784
    assert grid.shape[0] == n_rows * cell - pad


def test_plot_digits_shows_the_grid(mnist):
    images = mnist.X_train[:25]

    ax = plot_digits(images, n_cols=5, title="first 25")

    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), digit_grid(images, n_cols=5))
    assert image.get_clim() == (0, 255)
    assert ax.get_title() == "first 25"
    assert not ax.axison


def test_plot_digits_draws_on_the_given_axes(mnist):
    ax = Figure().add_subplot()

    assert plot_digits(mnist.X_test[:3], ax=ax) is ax
    assert ax.images[0].get_array().shape == (28, 88)
