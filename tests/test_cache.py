import logging

import numpy as np
import pytest

from mnistlab.cache import FoldCache

ARRAYS = {
    "predict": np.array([True, False, True]),
    "decision_function": np.linspace(-3.5, 2.25, 1000),
    "indices": np.arange(12, dtype=np.int64).reshape(3, 4),
    "name": np.array("SGD fold 1/3"),
}
DESCRIPTION = {"name": "SGD fold 1/3", "data": "abc", "train": "0123"}


def assert_same_arrays(found, expected):
    assert sorted(found) == sorted(expected)
    for name, array in expected.items():
        assert found[name].dtype == array.dtype
        np.testing.assert_array_equal(found[name], array)


class Computation:
    """A compute function that counts its calls."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.arrays


def test_save_load_round_trip(tmp_path):
    cache = FoldCache(tmp_path)
    key = cache.key(DESCRIPTION)

    cache.save(key, ARRAYS)

    assert_same_arrays(cache.load(key), ARRAYS)
    assert len(list(tmp_path.rglob("*.npz"))) == 1


def test_missing_entry_loads_as_none(tmp_path):
    cache = FoldCache(tmp_path)

    assert cache.load(cache.key(DESCRIPTION)) is None


def test_get_computes_once_then_reads(tmp_path):
    compute = Computation(ARRAYS)

    first = FoldCache(tmp_path).get(DESCRIPTION, compute)
    cache = FoldCache(tmp_path)
    second = cache.get(DESCRIPTION, compute)

    assert compute.calls == 1
    assert_same_arrays(first, ARRAYS)
    assert_same_arrays(second, ARRAYS)
    assert cache.hits == ["SGD fold 1/3"]
    assert cache.misses == []


def _truncate(raw):
    return raw[: len(raw) // 2]


def _garbage(raw):
    return np.random.RandomState(0).bytes(len(raw))


def _empty(raw):
    return b""


def _flip_array_byte(raw):
    # A byte of the stored floats: the zip is intact, the checksum is not.
    raw = bytearray(raw)
    raw[raw.index(b"NUMPY", raw.index(b"decision_function")) + 200] ^= 0x01
    return bytes(raw)


def _garble_header(raw):
    # A broken .npy header makes NumPy's parser raise a tokenizer error.
    raw = bytearray(raw)
    raw[raw.index(b"{'descr'")] ^= 0xFF
    return bytes(raw)


def _garble_compression(raw):
    # An unknown compression method in the zip directory makes zipfile raise
    # NotImplementedError.
    raw = bytearray(raw)
    raw[raw.index(b"PK\x01\x02") + 10] ^= 0xFF
    return bytes(raw)


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _garbage,
        _empty,
        _flip_array_byte,
        _garble_header,
        _garble_compression,
    ],
)
def test_damaged_entry_is_deleted_and_recomputed(tmp_path, caplog, damage):
    cache = FoldCache(tmp_path)
    key = cache.key(DESCRIPTION)
    cache.save(key, ARRAYS)
    (path,) = tmp_path.rglob("*.npz")
    path.write_bytes(damage(path.read_bytes()))
    compute = Computation(ARRAYS)

    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        found = cache.get(DESCRIPTION, compute)

    assert compute.calls == 1
    assert_same_arrays(found, ARRAYS)
    assert cache.misses == ["SGD fold 1/3"]
    assert "damaged cache entry" in caplog.text
    assert_same_arrays(cache.load(key), ARRAYS)


def test_damaged_entry_alone_is_deleted(tmp_path, caplog):
    cache = FoldCache(tmp_path)
    key = cache.key(DESCRIPTION)
    cache.save(key, ARRAYS)
    (path,) = tmp_path.rglob("*.npz")
    path.write_bytes(_truncate(path.read_bytes()))

    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        assert cache.load(key) is None

    assert not path.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"name": "SGD fold 2/3"},
        {"data": "abd"},
        {"train": "0124"},
        {"extra": None},
    ],
)
def test_changed_description_gives_another_key(change):
    cache = FoldCache(None)

    assert cache.key({**DESCRIPTION, **change}) != cache.key(DESCRIPTION)


def test_key_ignores_dict_order():
    cache = FoldCache(None)
    reordered = dict(reversed(list(DESCRIPTION.items())))

    assert cache.key(reordered) == cache.key(DESCRIPTION)


def test_key_depends_on_library_versions(tmp_path):
    cache = FoldCache(tmp_path)
    other = FoldCache(tmp_path)
    other._versions = {**other._versions, "scikit-learn": "0.0"}

    assert other.key(DESCRIPTION) != cache.key(DESCRIPTION)


def test_cache_of_none_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = FoldCache(None)
    compute = Computation(ARRAYS)

    first = cache.get(DESCRIPTION, compute)
    second = cache.get(DESCRIPTION, compute)

    assert compute.calls == 2
    assert_same_arrays(first, ARRAYS)
    assert_same_arrays(second, ARRAYS)
    assert cache.misses == ["SGD fold 1/3", "SGD fold 1/3"]
    assert cache.hits == []
    assert cache.load(cache.key(DESCRIPTION)) is None
    assert list(tmp_path.iterdir()) == []
