"""Figures of the chapter, drawn with matplotlib on a given or new Axes.

Every function takes ``ax=None`` and returns the Axes (or Figure) it drew on;
none calls ``plt.show()``. The report closes every figure it makes.
"""

import numpy as np

from .exceptions import InputError
from .validation import IMAGE_SHAPE, check_images

__all__ = [
    "digit_grid",
    "plot_digit",
    "plot_digits",
]


def _new_axes(ax, figsize=(4, 4)):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    # A bare Figure (not pyplot) so that nothing is kept in a global registry.
    return Figure(figsize=figsize, layout="constrained").add_subplot()


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
