"""The MNIST data: the embedded copy, folders of IDX files, ``mnist.npz``
files and OpenML, all loaded into one :class:`MNIST` object.
"""

import hashlib
import urllib.error
import warnings
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .exceptions import ChecksumError, DataError, DataSourceError, InputError
from .idx import parse_idx, read_bytes
from .validation import check_images, check_labels

__all__ = ["MNIST", "load_mnist", "N_TRAIN", "N_TEST"]

N_TRAIN = 60_000
N_TEST = 10_000

# The four files of the original distribution, by role.
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# Other spellings found in the wild, e.g. "train-images.idx3-ubyte".
_ALIASES = {stem: (stem, stem.replace("-idx", ".idx")) for stem in FILES.values()}


@dataclass(frozen=True, eq=False)
class MNIST:
    """The MNIST images and labels, split as in the chapter.

    Pixels are kept as ``uint8`` (47 MB for the training set); call
    :meth:`float_train` or :meth:`float_test` for the ``float64`` copy that a
    model of the chapter needs.

    Attributes
    ----------
    X_train : ndarray of shape (60000, 784), dtype uint8
        Training images, one row of 784 pixels (28x28, row by row) each.
    y_train : ndarray of shape (60000,), dtype int64
        Training labels 0..9.
    X_test : ndarray of shape (10000, 784), dtype uint8
        Test images.
    y_test : ndarray of shape (10000,), dtype int64
        Test labels.
    source : str
        Where the data came from: ``"embedded"``, ``"openml"`` or a path.
    checksums : dict
        SHA-256 of each file's uncompressed bytes (IDX sources only).
    checksums_ok : bool or None
        Whether every file matched the known MNIST checksums; ``None`` when
        the source has no IDX files to compare.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    checksums: dict = field(default_factory=dict)
    checksums_ok: bool | None = None

    @property
    def some_digit(self):
        """The first training image, a 5, as a 784-vector (the chapter's)."""
        return self.X_train[0]

    @property
    def X(self):
        """All 70,000 images in the original order (training, then test)."""
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self):
        """All 70,000 labels in the original order."""
        return np.concatenate([self.y_train, self.y_test])

    def float_train(self):
        """Return ``X_train`` as ``float64`` (a new 376 MB array)."""
        return self.X_train.astype(np.float64)

    def float_test(self):
        """Return ``X_test`` as ``float64``."""
        return self.X_test.astype(np.float64)

    def subset(self, n_train=None, n_test=None):
        """Return the first ``n_train`` training and ``n_test`` test images.

        Used for quick runs; ``None`` keeps a split whole.
        """
        n_train = _check_count(n_train, len(self.y_train), "n_train")
        n_test = _check_count(n_test, len(self.y_test), "n_test")
        return MNIST(
            self.X_train[:n_train],
            self.y_train[:n_train],
            self.X_test[:n_test],
            self.y_test[:n_test],
            source=self.source,
            checksums=self.checksums,
            checksums_ok=self.checksums_ok,
        )

    def fingerprint(self):
        """A SHA-256 over the pixels and labels, identifying this data."""
        digest = hashlib.sha256()
        for array in (self.X_train, self.y_train, self.X_test, self.y_test):
            digest.update(str(array.shape).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def label_counts(self):
        """Counts of each digit, as ``{"train": [...], "test": [...]}``."""
        return {
            "train": np.bincount(self.y_train, minlength=10).tolist(),
            "test": np.bincount(self.y_test, minlength=10).tolist(),
        }


def _check_count(n, total, name):
    if n is None:
        return total
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InputError(f"{name} must be a positive whole number, got {n!r}")
    return min(int(n), total)


def load_mnist(source="embedded", *, data_home=None, verify=True):
    """Load MNIST with the chapter's split: 60,000 training, 10,000 test.

    Parameters
    ----------
    source : {"embedded", "openml"} or path-like, default="embedded"
        ``"embedded"``: the copy shipped inside mnistlab (offline).
        ``"openml"``: ``fetch_openml("mnist_784", version=1)``, with
        scikit-learn's download cache in ``data_home``.
        A path: a folder holding the four IDX files (gzipped or not), or a
        Keras-style ``mnist.npz`` with ``x_train``, ``y_train``, ``x_test``,
        ``y_test`` (or a folder holding one).
    data_home : path-like, default=None
        scikit-learn's data folder for ``"openml"``.
    verify : bool, default=True
        Check the embedded files against their recorded SHA-256.

    Returns
    -------
    mnist : MNIST
        Images as uint8 rows of 784 pixels, labels as int64, original order.

    Raises
    ------
    DataError
        If a file is missing, damaged or inconsistent.
    ChecksumError
        If an embedded file does not match its checksum.
    DataSourceError
        If OpenML cannot be reached.

    Examples
    --------
    >>> from mnistlab import load_mnist
    >>> mnist = load_mnist()
    >>> mnist.X_train.shape, int(mnist.y_train[0])
    ((60000, 784), 5)
    """
    if isinstance(source, str) and source == "embedded":
        return _load_embedded(verify=verify)
    if isinstance(source, str) and source == "openml":
        return _load_openml(data_home=data_home)
    if not isinstance(source, str | Path):
        raise InputError(
            f"source must be 'embedded', 'openml' or a path, got {source!r}"
        )
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(
            f"source {str(source)!r} is neither 'embedded', 'openml' nor an "
            "existing file or folder; give a folder of MNIST IDX files or an "
            "mnist.npz file"
        )
    if (
        path.is_dir()
        and not _find_idx_files(path, strict=False)
        and (path / "mnist.npz").is_file()
    ):
        path = path / "mnist.npz"
    if path.is_file():
        return _load_npz(path)
    return _load_idx_folder(path, source=str(path))


def embedded_dir():
    """The folder of the embedded MNIST files inside the installed package."""
    return Path(str(resources.files("mnistlab") / "datasets" / "mnist"))


def known_checksums():
    """SHA-256 of the uncompressed bytes of the four MNIST files, by stem."""
    text = (embedded_dir() / "SHA256SUMS").read_text()
    pairs = (line.split() for line in text.splitlines() if line.strip())
    return {name: digest for digest, name in pairs}


def _load_embedded(*, verify):
    folder = embedded_dir()
    mnist = _load_idx_folder(folder, source="embedded")
    if verify and not mnist.checksums_ok:
        expected = known_checksums()
        bad = [n for n, d in mnist.checksums.items() if expected.get(n) != d]
        raise ChecksumError(
            f"the embedded MNIST file(s) {', '.join(bad)} in {folder} do not "
            "match their recorded SHA-256: the installation is damaged; "
            "reinstall mnistlab, or use source='openml' or a folder of your own"
        )
    return mnist


def _find_idx_files(folder, *, strict=True):
    found = {}
    for role, stem in FILES.items():
        for name in _ALIASES[stem]:
            for candidate in (folder / name, folder / f"{name}.gz"):
                if candidate.is_file():
                    found[role] = candidate
                    break
            if role in found:
                break
    if strict and len(found) < len(FILES):
        missing = [FILES[r] for r in FILES if r not in found]
        raise DataError(
            f"the folder {folder} lacks the MNIST file(s) "
            f"{', '.join(missing)} (gzipped or not); it needs all four: "
            f"{', '.join(FILES.values())}"
        )
    return found


def _load_idx_folder(folder, *, source):
    paths = _find_idx_files(Path(folder))
    arrays, checksums = {}, {}
    for role, path in paths.items():
        raw = read_bytes(path)
        checksums[FILES[role]] = hashlib.sha256(raw).hexdigest()
        arrays[role] = parse_idx(raw, name=str(path))
    expected = known_checksums()
    ok = all(expected[name] == digest for name, digest in checksums.items())
    split = {}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        img_path, lbl_path = paths[f"{part}_images"], paths[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DataError(
                f"{img_path} holds an array of shape {images.shape}, not 28x28 "
                "images; is it the labels file under another name?"
            )
        if labels.ndim != 1:
            raise DataError(
                f"{lbl_path} holds an array of shape {labels.shape}, not a "
                "1-D list of labels"
            )
        if len(images) != len(labels):
            raise DataError(
                f"{img_path} holds {len(images)} images but {lbl_path} holds "
                f"{len(labels)} labels; the files do not belong together"
            )
        split[part] = (
            check_images(images, name=str(img_path), allow_single=False),
            check_labels(labels, name=str(lbl_path)),
        )
    return MNIST(
        *split["train"],
        *split["test"],
        source=source,
        checksums=checksums,
        checksums_ok=ok,
    )


def _load_npz(path):
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single array, not named arrays")
        with npz:
            content = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zlib.error, EOFError) as exc:
        raise DataError(
            f"cannot read {path} as an .npz file ({exc}); give a Keras-style "
            "mnist.npz or a folder of IDX files"
        ) from exc
    needed = ("x_train", "y_train", "x_test", "y_test")
    missing = [key for key in needed if key not in content]
    if missing:
        raise DataError(
            f"{path} lacks the array(s) {', '.join(missing)}; a Keras-style "
            f"mnist.npz holds {', '.join(needed)}"
        )
    X_train = _check_pixels(content["x_train"], name=f"{path}:x_train")
    X_test = _check_pixels(content["x_test"], name=f"{path}:x_test")
    y_train = check_labels(
        content["y_train"], name=f"{path}:y_train", n_samples=len(X_train)
    )
    y_test = check_labels(
        content["y_test"], name=f"{path}:y_test", n_samples=len(X_test)
    )
    return MNIST(X_train, y_train, X_test, y_test, source=str(path))


def _check_pixels(X, *, name):
    X = check_images(X, name=name, allow_single=False)
    if X.dtype != np.uint8:
        # Casting would silently truncate such pixels, e.g. 0.5 to 0.
        raise DataError(
            f"{name} holds pixel values that are not whole numbers 0..255; "
            "MNIST pixels are bytes: give the original, unscaled images"
        )
    return X


def _load_openml(*, data_home):
    from sklearn.datasets import fetch_openml, get_data_home

    try:
        with warnings.catch_warnings():
            # scikit-learn warns before each retry and before replacing a bad
            # cached file; the outcome is reported once, below. Left alone,
            # these warnings become the error when warnings are errors.
            warnings.filterwarnings(
                "ignore", "A network error occurred", category=UserWarning
            )
            warnings.filterwarnings("ignore", "Invalid cache", category=RuntimeWarning)
            X, y = fetch_openml(
                "mnist_784",
                version=1,
                as_frame=False,
                return_X_y=True,
                data_home=data_home,
                n_retries=1,
                delay=0.1,
                parser="liac-arff",
            )
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataSourceError(
            f"cannot reach OpenML to download mnist_784 (network problem: "
            f"{reason}); check the connection, or use the MNIST copy shipped "
            "with mnistlab: source='embedded' (the default)"
        ) from exc
    except (LookupError, TypeError, ValueError, OSError) as exc:
        # A cached answer that is valid JSON or ARFF but not what scikit-learn
        # expects fails deep inside fetch_openml, e.g. with a KeyError.
        cache = Path(get_data_home(data_home)) / "openml"
        raise DataSourceError(
            f"cannot read OpenML's mnist_784 ({type(exc).__name__}: {exc}); its "
            f"download cache in {cache} may be damaged: delete that folder and "
            "retry, or use source='embedded' (the default)"
        ) from exc
    X = check_images(X, name="OpenML mnist_784 data", allow_single=False)
    y = check_labels(y, name="OpenML mnist_784 target", n_samples=len(X))
    if X.shape[0] != N_TRAIN + N_TEST:
        raise DataError(
            f"OpenML mnist_784 returned {X.shape[0]} images instead of 70000; "
            "its cache may be damaged: clear the openml folder in data_home"
        )
    X = X.astype(np.uint8)
    return MNIST(X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:], source="openml")
