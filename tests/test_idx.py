import gzip
import os
import re
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnistlab.exceptions import DataError
from mnistlab.idx import parse_idx, read_bytes, read_idx, write_idx

IDX_DTYPES = ["uint8", "int8", ">i2", "<i2", ">i4", "<i4", "float32", ">f8"]
TYPE_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]
ITEMSIZE = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}
FILE_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def idx_header(code, shape):
    return struct.pack(">HBB", 0, code, len(shape)) + struct.pack(
        f">{len(shape)}I", *shape
    )


def test_header_and_bytes_are_big_endian(tmp_path):
    path = tmp_path / "a.idx"
    write_idx(path, np.array([[1, 2, 3], [4, 5, 258]], dtype=np.int16))

    assert path.read_bytes() == (
        b"\x00\x00\x0b\x02\x00\x00\x00\x02\x00\x00\x00\x03"
        b"\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x01\x02"
    )


def test_compression_follows_the_suffix(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", array)
    write_idx(tmp_path / "b", array)
    write_idx(tmp_path / "c", array, compress=True)

    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "b").read_bytes()[:4] == b"\x00\x00\x08\x01"
    assert (tmp_path / "c").read_bytes()[:2] == b"\x1f\x8b"
    assert (
        gzip.decompress((tmp_path / "a.gz").read_bytes())
        == (tmp_path / "b").read_bytes()
    )


@FILE_SETTINGS
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(IDX_DTYPES),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
    ),
    compress=st.booleans(),
)
def test_write_then_read_round_trips(tmp_path, array, compress):
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    result = read_idx(path)

    assert result.shape == array.shape
    assert result.dtype == array.dtype.newbyteorder("=")
    assert result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_round_trip_keeps_nan_and_inf(tmp_path):
    array = np.array([np.nan, np.inf, -np.inf, -0.0, 1.5], dtype=np.float64)
    write_idx(tmp_path / "a", array)

    result = read_idx(tmp_path / "a")
    np.testing.assert_array_equal(result, array)
    assert np.signbit(result[3])


def test_write_leaves_only_the_file_with_default_permissions(tmp_path):
    path = tmp_path / "a.idx"
    write_idx(path, np.zeros(3, dtype=np.uint8))
    write_idx(path, np.ones(4, dtype=np.uint8))

    umask = os.umask(0)
    os.umask(umask)
    assert os.listdir(tmp_path) == ["a.idx"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    np.testing.assert_array_equal(read_idx(path), np.ones(4, dtype=np.uint8))


@pytest.mark.parametrize(
    "array",
    [
        np.zeros(3, dtype=np.int64),
        np.zeros(3, dtype=np.float16),
        np.zeros(3, dtype=bool),
        np.zeros(3, dtype=np.uint16),
        np.array(5, dtype=np.uint8),
    ],
)
def test_write_refuses_what_idx_cannot_hold(tmp_path, array):
    with pytest.raises(DataError, match="cannot write an array of dtype"):
        write_idx(tmp_path / "a", array)
    assert not (tmp_path / "a").exists()


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=300))
def test_parse_arbitrary_bytes_gives_array_or_data_error(data):
    try:
        result = parse_idx(data)
    except DataError:
        return
    assert isinstance(result, np.ndarray)


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from(TYPE_CODES),
    shape=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8),
    n_bytes=st.integers(0, 200),
)
def test_parse_valid_header_with_any_length_of_data(code, shape, n_bytes):
    data = idx_header(code, shape) + bytes(n_bytes)
    expected = np.prod(shape, dtype=object) * ITEMSIZE[code]

    try:
        result = parse_idx(data)
    except DataError as exc:
        problem = "no array can" if n_bytes == expected else "truncated|unexpected"
        assert re.search(problem, str(exc))
    else:
        assert n_bytes == expected
        assert result.shape == tuple(shape)


def test_parse_empty_shape_too_large_for_numpy():
    data = idx_header(0x08, [0, 494, 8457, 338288, 6526193])

    with pytest.raises(DataError, match="announces shape .* which no array can"):
        parse_idx(data)


@settings(max_examples=200, deadline=None)
@given(
    code=st.sampled_from(TYPE_CODES),
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    extra=st.integers(-40, 40),
)
def test_parse_small_header_checks_the_byte_count(code, shape, extra):
    n_bytes = int(np.prod(shape)) * ITEMSIZE[code]
    data = idx_header(code, shape) + bytes(max(0, n_bytes + extra))

    if max(0, n_bytes + extra) == n_bytes:
        result = parse_idx(data)
        assert result.shape == tuple(shape)
        assert not result.any()
    elif extra < 0:
        with pytest.raises(DataError, match="is truncated"):
            parse_idx(data)
    else:
        with pytest.raises(DataError, match=f"has {extra} unexpected bytes"):
            parse_idx(data)


def test_parse_header_whose_size_overflows_64_bits():
    data = idx_header(0x08, [65536, 65536, 65536, 65536])

    with pytest.raises(DataError, match="is truncated"):
        parse_idx(data)


@FILE_SETTINGS
@given(data=st.binary(max_size=200))
def test_read_arbitrary_gzip_like_file_gives_array_or_data_error(tmp_path, data):
    path = tmp_path / "a.gz"
    path.write_bytes(b"\x1f\x8b" + data)
    try:
        result = read_idx(path)
    except DataError:
        return
    assert isinstance(result, np.ndarray)


def write_damaged(path, damage):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(path, array, compress=False)
    raw = path.read_bytes()
    if damage == "magic":
        raw = b"\x00\x01" + raw[2:]
    elif damage == "type code":
        raw = b"\x00\x00\x07" + raw[3:]
    elif damage == "data":
        raw = raw[:-5]
    elif damage == "header":
        raw = raw[:9]
    elif damage == "trailing":
        raw += b"xyz"
    elif damage == "empty":
        raw = b""
    elif damage == "gzip":
        raw = gzip.compress(raw)[:-10]
    path.write_bytes(raw)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("magic", "has a wrong magic number 0x00010803"),
        ("type code", "has a wrong magic number 0x00000703"),
        (
            "data",
            r"is truncated: the header announces shape \(2, 3, 4\) "
            r"\(24 bytes of data\) but only 19 bytes follow",
        ),
        ("header", "is truncated: its header needs 16 bytes for 3 dimensions"),
        ("trailing", "has 3 unexpected bytes after the 24 bytes of data"),
        ("empty", "is not an IDX file: it has 0 bytes"),
        ("gzip", "is not a valid gzip file"),
    ],
)
def test_damaged_file_error_names_file_and_problem(tmp_path, damage, message):
    path = tmp_path / "train-images-idx3-ubyte"
    write_damaged(path, damage)

    with pytest.raises(DataError, match=re.escape(str(path)) + " " + message):
        read_idx(path)


def test_read_missing_file_names_it(tmp_path):
    path = tmp_path / "absent"

    with pytest.raises(DataError, match=f"cannot read {re.escape(str(path))}: "):
        read_idx(path)


def test_read_bytes_decompresses_only_gzip(tmp_path):
    (tmp_path / "a").write_bytes(b"plain")
    (tmp_path / "b").write_bytes(gzip.compress(b"packed"))

    assert read_bytes(tmp_path / "a") == b"plain"
    assert read_bytes(tmp_path / "b") == b"packed"
