"""Multioutput classification: a KNN that removes noise from digits.

Each of the 784 pixels is an output whose classes are the intensities
0..255; the prediction of a pixel is the most common value among the
neighbours' clean images (the smallest such value on a tie, as
``KNeighborsClassifier`` decides).
"""

from dataclasses import dataclass

import numpy as np

from .cv import Task, data_fingerprint, run_tasks
from .exceptions import InputError
from .neighbors import kneighbors
from .validation import check_images

__all__ = ["DenoisingResult", "add_noise", "pixel_mode", "run_denoising"]


def add_noise(X, *, low=0, high=100, random_state=42):
    """Add integer noise in ``[low, high)`` to every pixel, clipped to 0..255.

    The sum is taken in a wide integer type, so that pixels near 255 saturate
    instead of wrapping around as ``uint8`` arithmetic would.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Images, pixels 0..255.
    low, high : int, default=0, 100
        The noise range, ``low`` included and ``high`` excluded.
    random_state : int or numpy.random.RandomState, default=42
        Seed of ``numpy.random.RandomState(random_state).randint``.

    Returns
    -------
    X_noisy : ndarray of shape (n_samples, 784), dtype uint8
    """
    X = check_images(X, name="X", allow_single=False)
    _check_noise_range(low, high)
    rng = (
        random_state
        if isinstance(random_state, np.random.RandomState)
        else np.random.RandomState(random_state)
    )
    noise = rng.randint(low, high, size=X.shape).astype(np.int16)
    return np.clip(X.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def _check_noise_range(low, high):
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise InputError(f"{name} must be a whole number, got {value!r}")
    if high - low < 2:
        raise InputError(
            f"the noise range [{low}, {high}) must hold at least two values, or "
            "the noise is a constant shift; the chapter uses low=0, high=100"
        )
    if low <= -256 or high > 256:
        raise InputError(
            f"the noise range [{low}, {high}) exceeds what a pixel 0..255 can "
            "take; choose bounds between -255 and 256"
        )


def pixel_mode(values):
    """Most common value along axis 1, the smallest one on a tie.

    Parameters
    ----------
    values : ndarray of shape (n_queries, k, n_outputs)
        The neighbours' values of each output.

    Returns
    -------
    mode : ndarray of shape (n_queries, n_outputs)
    """
    values = np.asarray(values)
    k = values.shape[1]
    counts = np.zeros(values.shape, dtype=np.int16)
    for i in range(k):
        counts += values == values[:, i : i + 1]
    # Highest count first, then lowest value: a key that orders both at once.
    key = counts.astype(np.int32) * 1024 - values.astype(np.int32)
    best = np.argmax(key, axis=1)
    return np.take_along_axis(values, best[:, None, :], axis=1)[:, 0]


def rmse(a, b):
    """Root-mean-square difference per pixel, in intensity units (0..255)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.sqrt(np.mean(diff**2)))


def psnr(a, b):
    """Peak signal-to-noise ratio in decibels, for a peak of 255."""
    error = rmse(a, b)
    return float("inf") if error == 0 else float(20 * np.log10(255.0 / error))


@dataclass
class DenoisingResult:
    """Errors of the noisy and the cleaned test images, and examples."""

    n_train: int
    n_test: int
    noise: tuple
    rmse_noisy: float
    rmse_denoised: float
    psnr_noisy: float
    psnr_denoised: float
    examples_clean: np.ndarray
    examples_noisy: np.ndarray
    examples_denoised: np.ndarray

    def metrics(self):
        """The section's numbers as plain JSON values."""
        return {
            "n_train": self.n_train,
            "n_test": self.n_test,
            "noise_range": list(self.noise),
            "rmse_noisy": self.rmse_noisy,
            "rmse_denoised": self.rmse_denoised,
            "psnr_noisy": self.psnr_noisy,
            "psnr_denoised": self.psnr_denoised,
        }


def run_denoising(
    X_train,
    X_test,
    *,
    n_neighbors=5,
    noise=(0, 100),
    random_state=42,
    n_examples=10,
    cache=None,
):
    """Train a KNN from noisy to clean digits and measure how much it cleans.

    Noise is drawn for the training images, then for the test images, from
    one ``RandomState(random_state)``; ``KNeighborsClassifier(n_neighbors)``
    is fitted on (noisy training images, clean training images) and predicts
    every noisy test image.

    Parameters
    ----------
    X_train : array-like of shape (n_train, 784)
        Clean training images, whole pixel values 0..255.
    X_test : array-like of shape (n_test, 784)
        Clean test images.
    n_neighbors : int, default=5
        Neighbours that vote for each pixel.
    noise : (int, int), default=(0, 100)
        The range of the integer noise, as in :func:`add_noise`.
    random_state : int, default=42
        Seed of the noise.
    n_examples : int, default=10
        Test images kept for the figure.
    cache : FoldCache, default=None
        Where the neighbour search is kept.

    Returns
    -------
    result : DenoisingResult
        RMSE and PSNR over the whole test set, noisy and cleaned.
    """
    X_train = check_images(X_train, name="X_train", allow_single=False)
    X_test = check_images(X_test, name="X_test", allow_single=False)
    try:
        low, high = noise
    except (TypeError, ValueError):
        raise InputError(
            f"noise must be a pair (low, high) of whole numbers, got {noise!r}"
        ) from None
    _check_noise_range(low, high)

    def search():
        rng = np.random.RandomState(random_state)
        X_train_mod = add_noise(X_train, low=low, high=high, random_state=rng)
        X_test_mod = add_noise(X_test, low=low, high=high, random_state=rng)
        indices = kneighbors(X_test_mod, X_train_mod, n_neighbors)[1]
        return {"indices": indices, "X_test_noisy": X_test_mod}

    # The noisy images are a function of the clean ones, the range and the
    # seed; the noisy test images are kept with the search that used them.
    description = {
        "name": "KNN neighbours of the noisy test images",
        "data": data_fingerprint(X_train, X_test),
        "noise": [int(low), int(high)],
        "random_state": random_state,
        "n_neighbors": n_neighbors,
    }
    (found,) = run_tasks([Task(description, search)], cache=cache)
    X_test_mod = found["X_test_noisy"]
    X_denoised = np.empty_like(X_test)
    for start in range(0, len(X_test), 1000):
        ind = found["indices"][start : start + 1000]
        X_denoised[start : start + 1000] = pixel_mode(X_train[ind])
    return DenoisingResult(
        n_train=len(X_train),
        n_test=len(X_test),
        noise=tuple(int(v) for v in noise),
        rmse_noisy=rmse(X_test_mod, X_test),
        rmse_denoised=rmse(X_denoised, X_test),
        psnr_noisy=psnr(X_test_mod, X_test),
        psnr_denoised=psnr(X_denoised, X_test),
        examples_clean=X_test[:n_examples],
        examples_noisy=X_test_mod[:n_examples],
        examples_denoised=X_denoised[:n_examples],
    )
