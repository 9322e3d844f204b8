"""mnistlab: the Classification chapter (MNIST, scikit-learn) as software."""

from ._version import __version__ as __version__
from .binary import run_binary, threshold_for
from .cache import FoldCache
from .chapter import SECTIONS, ChapterResult, run_chapter
from .data import MNIST, load_mnist
from .error_analysis import analyse_errors
from .exceptions import (
    ChecksumError,
    DataError,
    DataSourceError,
    InputError,
    MnistlabError,
    MnistlabWarning,
    OutputError,
)
from .exercises import run_augmentation, tune_knn
from .idx import read_idx, write_idx
from .multiclass import run_multiclass
from .multilabel import run_multilabel
from .multioutput import run_denoising
from .plots import plot_digit, plot_digits
from .report import write_report

__all__ = [
    "MNIST",
    "SECTIONS",
    "ChapterResult",
    "FoldCache",
    "analyse_errors",
    "run_augmentation",
    "run_binary",
    "run_chapter",
    "run_denoising",
    "run_multiclass",
    "run_multilabel",
    "threshold_for",
    "tune_knn",
    "write_report",
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
