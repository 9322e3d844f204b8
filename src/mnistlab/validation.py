"""Checks and conversions of user input, done once at the public edge."""

import numbers
import warnings

import numpy as np

from .exceptions import InputError, MnistlabWarning

__all__ = ["check_images", "check_labels", "check_binary_target", "check_fraction"]

N_PIXELS = 784
IMAGE_SHAPE = (28, 28)


def _to_numpy(data):
    """Return the values of a pandas object (or anything array-like)."""
    if hasattr(data, "to_numpy") and hasattr(data, "iloc"):
        data = data.to_numpy()
    return np.asarray(data)


def check_images(X, *, name="X", allow_single=True):
    """Return images as a 2-D array of shape (n_samples, 784).

    Accepts NumPy arrays, lists and pandas DataFrames; a stack of 28x28
    images is flattened; a single flat image of 784 pixels becomes one row.
    Integer-valued pixels are returned as ``uint8``; other values as
    ``float64``. Signed 8-bit input, whose bytes 128-255 read as negative
    numbers, is reinterpreted as unsigned with a warning.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (784,)
        Pixel values in 0..255.
    name : str, default="X"
        The argument's name, for error messages.
    allow_single : bool, default=True
        Whether a single 1-D image is accepted.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)

    Raises
    ------
    InputError
        If the shape cannot be read as images of 784 pixels, the values are
        not numbers, or a pixel lies outside 0..255.
    """
    try:
        X = _to_numpy(X)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} cannot be read as an array: {exc}") from exc
    if X.dtype == np.int8:
        warnings.warn(
            f"{name} is a signed 8-bit array; its values are read as unsigned "
            "bytes 0..255 (pass X.view(np.uint8) to silence this warning)",
            MnistlabWarning,
            stacklevel=2,
        )
        X = X.view(np.uint8)
    if X.dtype == object or X.dtype.kind in "USV":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"{name} must hold numbers (pixel values 0..255), got values "
                f"of dtype {X.dtype}"
            ) from exc
    if X.dtype.kind not in "uifb":
        raise InputError(
            f"{name} must hold numbers (pixel values 0..255), got dtype {X.dtype}"
        )
    X = _reshape_images(X, name=name, allow_single=allow_single)
    return _check_pixel_range(X, name=name)


def _reshape_images(X, *, name, allow_single):
    if X.ndim == 1 and X.shape[0] == N_PIXELS and allow_single:
        return X.reshape(1, N_PIXELS)
    if X.ndim == 2 and X.shape == IMAGE_SHAPE and allow_single:
        return X.reshape(1, N_PIXELS)
    if X.ndim == 3 and X.shape[1:] == IMAGE_SHAPE:
        return X.reshape(X.shape[0], N_PIXELS)
    if X.ndim == 2 and X.shape[1] == N_PIXELS:
        return X
    raise InputError(
        f"{name} must have shape (n_samples, 784): one row of 784 pixels per "
        f"image (or (n_samples, 28, 28) images), got shape {X.shape}"
    )


def _check_pixel_range(X, *, name):
    if X.size == 0:
        raise InputError(f"{name} holds no images (shape {X.shape})")
    if X.dtype == np.uint8:
        return X
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise InputError(
            f"{name} contains NaN or infinite pixel values; remove or fill them"
        )
    low, high = X.min(), X.max()
    if low < 0 or high > 255:
        hint = ""
        if low < 0 and X.dtype.kind == "i" and low >= -128:
            hint = "; signed bytes? pass X.astype(np.int16) % 256 or X.view(np.uint8)"
        raise InputError(
            f"{name} must hold pixel values in 0..255, got values from {low} "
            f"to {high}{hint}"
        )
    if X.dtype.kind in "iub" or np.array_equal(X, np.round(X)):
        return X.astype(np.uint8)
    if high <= 1.0:
        warnings.warn(
            f"{name} looks scaled to [0, 1]; mnistlab expects pixels in 0..255 "
            "as in the chapter (multiply by 255)",
            MnistlabWarning,
            stacklevel=3,
        )
    return X.astype(np.float64, copy=False)


def check_labels(y, *, name="y", n_samples=None):
    """Return digit labels as a 1-D ``int64`` array.

    Accepts integer arrays, strings ``'0'``..``'9'`` (what ``fetch_openml``
    returns by default), integral floats, lists and pandas Series.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The labels.
    name : str, default="y"
        The argument's name, for error messages.
    n_samples : int, default=None
        The number of images the labels must match.

    Returns
    -------
    y : ndarray of shape (n_samples,) and dtype int64

    Raises
    ------
    InputError
        If the labels are not integers 0..9 or their number is wrong.
    """
    y = _to_numpy(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.ravel()
    if y.ndim != 1:
        raise InputError(
            f"{name} must be 1-D, one label per image, got shape {y.shape}"
        )
    if y.dtype == object or y.dtype.kind in "USb":
        try:
            y = y.astype(str).astype(np.float64)
        except ValueError as exc:
            raise InputError(
                f"{name} must hold digit labels 0..9, got values such as {y[:3]!r}"
            ) from exc
    if y.dtype.kind == "f" and not (
        np.isfinite(y).all() and np.array_equal(y, np.round(y))
    ):
        raise InputError(f"{name} must hold whole digit labels 0..9")
    if y.dtype.kind not in "iuf":
        raise InputError(f"{name} must hold digit labels 0..9, got dtype {y.dtype}")
    # The range is checked before the cast, which would wrap or warn on labels
    # too large for int64.
    if y.size and (y.min() < 0 or y.max() > 9):
        raise InputError(
            f"{name} must hold digit labels 0..9, got values from {y.min()} to "
            f"{y.max()}"
        )
    y = y.astype(np.int64)
    if n_samples is not None and y.shape[0] != n_samples:
        raise InputError(
            f"{name} has {y.shape[0]} labels but there are {n_samples} images; "
            "give one label per image"
        )
    return y


def check_digit(digit, *, name="positive_digit"):
    """Return ``digit`` as an int in 0..9, or raise :class:`InputError`."""
    if isinstance(digit, str) and digit.strip().isdigit():
        digit = int(digit)
    if (
        not isinstance(digit, numbers.Integral)
        or isinstance(digit, bool)
        or not 0 <= digit <= 9
    ):
        raise InputError(f"{name} must be a digit 0..9, got {digit!r}")
    return int(digit)


def check_binary_target(y, positive_digit, *, name="y"):
    """Return the boolean target ``y == positive_digit``, with both classes.

    Raises
    ------
    InputError
        If the target has only one class, which usually means labels of
        another type than the digit (strings against an integer).
    """
    y = check_labels(y, name=name)
    digit = check_digit(positive_digit)
    target = y == digit
    n_positive = int(target.sum())
    if n_positive == 0 or n_positive == target.size:
        raise InputError(
            f"the target {name} == {digit} has a single class ({n_positive} "
            f"positives among {target.size}); check that the labels are digits "
            "0..9 as integers (strings '0'..'9' compare unequal to 5) and that "
            "the subset contains that digit"
        )
    return target


def check_fraction(value, *, name):
    """Return ``value`` as a float in (0, 1], or raise :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be a number in (0, 1], got {value!r}")
    value = float(value)
    if not 0 < value <= 1:
        hint = ""
        if 1 < value <= 100:
            hint = f" (for {value:g}%, pass {value / 100:g})"
        raise InputError(f"{name} must be in (0, 1], got {value:g}{hint}")
    return value
