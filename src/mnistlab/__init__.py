"""mnistlab: the Classification chapter (MNIST, scikit-learn) as software."""

from .data import MNIST, load_mnist
from .exceptions import (
    ChecksumError,
    DataError,
    DataSourceError,
    InputError,
    MnistlabError,
    MnistlabWarning,
    OutputError,
)
from .idx import read_idx, write_idx
from .plots import plot_digit, plot_digits

__version__ = "0.1.0"

__all__ = [
    "MNIST",
    "ChecksumError",
    "DataError",
    "DataSourceError",
    "InputError",
    "MnistlabError",
    "MnistlabWarning",
    "OutputError",
    "load_mnist",
    "plot_digit",
    "plot_digits",
    "read_idx",
    "write_idx",
]
