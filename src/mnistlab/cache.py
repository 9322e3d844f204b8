"""On-disk cache of fold results, so that a re-run is instant and an
interrupted run resumes where it stopped.

An entry holds NumPy arrays only (no pickles: loading one runs no code). Its
key is a SHA-256 over a description of the computation (the data's
fingerprint, the estimator and its parameters, the folds) and the versions of
the libraries that compute it. Each file carries a SHA-256 of its own
content; an entry that is truncated, garbled or fails that check is deleted
and computed again, so the cache never returns wrong data.
"""

import hashlib
import io
import json
import logging
from pathlib import Path

import numpy as np

from ._io import atomic_write_bytes, ensure_dir

__all__ = ["FoldCache", "as_cache", "library_versions"]

log = logging.getLogger("mnistlab")

# Bumped whenever the content of an entry changes meaning.
CACHE_FORMAT = 1
_DIGEST_KEY = "__sha256__"


def library_versions():
    """Versions of the libraries whose results the cache stores."""
    import scipy
    import sklearn

    from ._version import __version__

    return {
        "mnistlab": __version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _digest(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class FoldCache:
    """A folder of cached results, or a cache that keeps nothing.

    Parameters
    ----------
    directory : path-like or None
        Where entries are kept; ``None`` disables caching.

    Attributes
    ----------
    hits, misses : list of str
        Descriptions of the entries found and computed in this process.
    """

    def __init__(self, directory=None):
        self.directory = None if directory is None else Path(directory)
        self.hits = []
        self.misses = []
        self._versions = library_versions()

    def key(self, description):
        """The entry name for a JSON-serialisable description."""
        payload = {
            "format": CACHE_FORMAT,
            "versions": self._versions,
            "what": description,
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key):
        return self.directory / key[:2] / f"{key}.npz"

    def load(self, key):
        """Return the arrays stored under ``key``, or ``None``."""
        if self.directory is None:
            return None
        path = self._path(key)
        if not path.is_file():
            return None
        # A damaged file can make zipfile or NumPy's header parser raise almost
        # anything (NotImplementedError for a garbled compression method,
        # tokenize.TokenError for a garbled header); none of it is worth more
        # than computing the entry again.
        try:
            # The file is opened here, not by np.load, which leaves it open when
            # the zip cannot be read.
            with path.open("rb") as file, np.load(file, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            stored = str(arrays.pop(_DIGEST_KEY))
            if stored != _digest(arrays):
                raise ValueError("content does not match its checksum")
        except Exception as exc:
            log.warning("damaged cache entry %s (%s): computing it again", path, exc)
            path.unlink(missing_ok=True)
            return None
        return arrays

    def save(self, key, arrays):
        """Store ``arrays`` (a dict of array-likes) under ``key``, atomically."""
        if self.directory is None:
            return
        arrays = {name: np.asarray(value) for name, value in arrays.items()}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays, **{_DIGEST_KEY: np.array(_digest(arrays))})
        path = self._path(key)
        ensure_dir(path.parent, what="cache folder")
        atomic_write_bytes(path, buffer.getvalue())

    def get(self, description, compute):
        """Return the cached arrays for ``description``, computing if needed.

        Parameters
        ----------
        description : dict
            What is computed, JSON-serialisable; it becomes the key.
        compute : callable
            Called with no argument on a miss; returns a dict of arrays.
        """
        key = self.key(description)
        label = description.get("name", key[:12])
        arrays = self.load(key)
        if arrays is not None:
            self.hits.append(label)
            return arrays
        self.misses.append(label)
        arrays = {name: np.asarray(value) for name, value in compute().items()}
        self.save(key, arrays)
        return arrays


def as_cache(cache):
    """``cache`` as a :class:`FoldCache`: one, a folder path, or ``None``."""
    if isinstance(cache, FoldCache):
        return cache
    return FoldCache(None if cache is None else Path(cache))
