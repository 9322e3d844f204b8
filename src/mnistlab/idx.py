"""Reading and writing the IDX format of the original MNIST files.

An IDX file starts with a big-endian header: two zero bytes, a type code, the
number of dimensions, then one 32-bit size per dimension, followed by the raw
values in C order. Files may be gzip-compressed.
"""

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ._io import atomic_write_bytes
from .exceptions import DataError

__all__ = ["read_idx", "read_bytes", "parse_idx", "write_idx"]

# IDX type codes and the big-endian dtypes they stand for.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {dtype.newbyteorder("="): code for code, dtype in _IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Read an IDX file, gzipped or not, into an array.

    Parameters
    ----------
    path : str or path-like
        The file to read. Gzip compression is detected from the content.

    Returns
    -------
    array : ndarray
        The values with the file's shape, in native byte order.

    Raises
    ------
    DataError
        If the file cannot be read, is not valid gzip, or is not a valid IDX
        file; the message names the file and what is wrong.

    Examples
    --------
    >>> from mnistlab.idx import read_idx, write_idx
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.idx")
    >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(path).shape
    (2, 3)
    """
    path = Path(path)
    return parse_idx(read_bytes(path), name=str(path))


def read_bytes(path):
    """Return the content of ``path``, decompressed when it is gzipped.

    Raises
    ------
    DataError
        If the file cannot be read or its gzip stream is damaged.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(
                f"{path} is not a valid gzip file ({exc}): it is damaged or "
                "cut short; replace it with a fresh copy"
            ) from exc
    return raw


def parse_idx(data, *, name="<bytes>"):
    """Parse the bytes of an (uncompressed) IDX file.

    Parameters
    ----------
    data : bytes
        The whole content of the file.
    name : str, default="<bytes>"
        What to call the data in error messages, usually the file name.

    Returns
    -------
    array : ndarray
        The values, with the shape stated in the header.

    Raises
    ------
    DataError
        If the magic number, the dimensions or the byte count are wrong.
    """
    data = memoryview(bytes(data))
    if len(data) < 4:
        raise DataError(
            f"{name} is not an IDX file: it has {len(data)} bytes, fewer than "
            "the 4-byte magic number"
        )
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in _IDX_TYPES or ndim == 0:
        magic = bytes(data[:4]).hex()
        raise DataError(
            f"{name} has a wrong magic number 0x{magic}: an IDX file starts "
            "with 0x0000, a type code (0x08 for unsigned bytes) and the number "
            "of dimensions, e.g. 0x00000803 for images, 0x00000801 for labels"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(
            f"{name} is truncated: its header needs {header_size} bytes for "
            f"{ndim} dimensions, the file has {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = _IDX_TYPES[code]
    # Python integers: a header of large sizes must not overflow the count.
    expected = math.prod(shape) * dtype.itemsize
    found = len(data) - header_size
    if found < expected:
        raise DataError(
            f"{name} is truncated: the header announces shape {shape} "
            f"({expected} bytes of data) but only {found} bytes follow"
        )
    if found > expected:
        raise DataError(
            f"{name} has {found - expected} unexpected bytes after the "
            f"{expected} bytes of data its header announces (shape {shape})"
        )
    try:
        array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    except ValueError as exc:
        # An empty array whose other sizes exceed what NumPy can index.
        raise DataError(
            f"{name} announces shape {shape}, which no array can have ({exc})"
        ) from exc
    return array.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path, array, *, compress=None):
    """Write an array as an IDX file.

    Parameters
    ----------
    path : str or path-like
        Where to write. The file is replaced atomically.
    array : array-like
        Values of one of the IDX types (uint8, int8, int16, int32,
        float32, float64), at least one dimension.
    compress : bool, default=None
        Gzip the file; by default, when the name ends in ``.gz``.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _IDX_CODES or array.ndim == 0 or array.ndim > 255:
        raise DataError(
            f"cannot write an array of dtype {array.dtype} with {array.ndim} "
            "dimensions as IDX; use one of uint8, int8, int16, int32, float32, "
            "float64 with at least one dimension"
        )
    code = _IDX_CODES[native]
    header = struct.pack(">HBB", 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=_IDX_TYPES[code]).tobytes()
    path = Path(path)
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        payload = gzip.compress(payload, mtime=0)
    atomic_write_bytes(path, payload)
