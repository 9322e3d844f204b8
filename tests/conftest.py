"""Shared fixtures: the real embedded MNIST, loaded once, and small folders."""

import shutil

import matplotlib
import pytest

import mnistlab
from mnistlab.data import FILES, embedded_dir
from mnistlab.idx import write_idx

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def mnist():
    """The embedded MNIST, loaded once for the whole test run."""
    return mnistlab.load_mnist()


@pytest.fixture
def mnist_copy(tmp_path):
    """A writable copy of the embedded folder: four IDX files and SHA256SUMS."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for path in embedded_dir().iterdir():
        if path.name.endswith(".gz") or path.name == "SHA256SUMS":
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def small_folder(tmp_path, mnist):
    """Return a function writing a folder of the first real MNIST images.

    ``make(n_train=6, n_test=4, compress=True)`` writes the four IDX files
    and returns the folder.
    """

    def make(n_train=6, n_test=4, *, compress=True, name="small"):
        folder = tmp_path / name
        folder.mkdir()
        suffix = ".gz" if compress else ""
        arrays = {
            "train_images": mnist.X_train[:n_train].reshape(-1, 28, 28),
            "train_labels": mnist.y_train[:n_train].astype("uint8"),
            "test_images": mnist.X_test[:n_test].reshape(-1, 28, 28),
            "test_labels": mnist.y_test[:n_test].astype("uint8"),
        }
        for role, array in arrays.items():
            write_idx(folder / f"{FILES[role]}{suffix}", array)
        return folder

    return make
