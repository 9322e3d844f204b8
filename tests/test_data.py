import gzip
import re
import socket
import time

import numpy as np
import pytest
import sklearn.datasets._openml as openml

import mnistlab
from mnistlab import ChecksumError, DataError, DataSourceError, InputError
from mnistlab.data import FILES, embedded_dir, known_checksums, load_mnist

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
OPENML_URLS = ["_SEARCH_NAME", "_DATA_INFO", "_DATA_FEATURES", "_DATA_QUALITIES"]
# Where scikit-learn caches its first answer for mnist_784, under data_home.
SEARCH_CACHE = (
    "openml/openml.org/api/v1/json/data/list/data_name/mnist_784/limit/2/"
    "data_version/1.gz"
)


def test_embedded_shapes_and_dtypes(mnist):
    assert mnist.X_train.shape == (60000, 784)
    assert mnist.X_test.shape == (10000, 784)
    assert mnist.y_train.shape == (60000,)
    assert mnist.y_test.shape == (10000,)
    assert mnist.X_train.dtype == mnist.X_test.dtype == np.uint8
    assert mnist.y_train.dtype == mnist.y_test.dtype == np.int64
    assert mnist.source == "embedded"


def test_embedded_label_counts(mnist):
    assert mnist.label_counts() == {"train": TRAIN_COUNTS, "test": TEST_COUNTS}
    np.testing.assert_array_equal(np.bincount(mnist.y_train), TRAIN_COUNTS)
    np.testing.assert_array_equal(np.bincount(mnist.y_test), TEST_COUNTS)


def test_embedded_first_image_is_a_five(mnist):
    assert mnist.y_train[0] == 5
    np.testing.assert_array_equal(mnist.some_digit, mnist.X_train[0])
    assert int(mnist.some_digit.sum()) == 27525
    np.testing.assert_array_equal(
        mnist.some_digit.reshape(28, 28)[10:14, 10:14],
        [[1, 154, 253, 90], [0, 139, 253, 190], [0, 11, 190, 253], [0, 0, 35, 241]],
    )


def test_embedded_mean_pixel(mnist):
    total = int(mnist.X_train.sum(dtype=np.int64)) + int(
        mnist.X_test.sum(dtype=np.int64)
    )

    assert total == 1832221745
    np.testing.assert_allclose(total / (70000 * 784), 33.386, atol=1e-3)


def test_embedded_checksums_match_the_recorded_ones(mnist):
    text = (embedded_dir() / "SHA256SUMS").read_text()
    recorded = {name: digest for digest, name in map(str.split, text.splitlines())}

    assert mnist.checksums_ok is True
    assert mnist.checksums == recorded
    assert sorted(recorded) == sorted(FILES.values())
    assert recorded["train-images-idx3-ubyte"] == (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    )


def test_all_images_in_original_order(mnist):
    X, y = mnist.X, mnist.y

    assert X.shape == (70000, 784)
    np.testing.assert_array_equal(X[60000], mnist.X_test[0])
    np.testing.assert_array_equal(y[:60000], mnist.y_train)
    np.testing.assert_array_equal(y[60000:], mnist.y_test)


def test_subset_takes_the_first_images(mnist):
    small = mnist.subset(100, 10)

    assert small.X_train.shape == (100, 784)
    assert small.X_test.shape == (10, 784)
    np.testing.assert_array_equal(small.y_train, mnist.y_train[:100])
    assert mnist.subset(n_test=20000).X_test.shape == (10000, 784)
    assert small.fingerprint() != mnist.fingerprint()
    assert small.fingerprint() == mnist.subset(100, 10).fingerprint()


@pytest.mark.parametrize("n_train", [0, -3, 2.5, True, "100"])
def test_subset_rejects_a_bad_count(mnist, n_train):
    with pytest.raises(InputError, match="n_train must be a positive whole number"):
        mnist.subset(n_train)


def test_float_test_is_a_float64_copy(mnist):
    X = mnist.float_test()

    assert X.dtype == np.float64
    np.testing.assert_array_equal(X, mnist.X_test)


def alter_gzipped(path, offset):
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[offset] ^= 0x01
    path.write_bytes(gzip.compress(bytes(raw), compresslevel=1))


def test_copied_folder_with_one_changed_file_fails_its_checksum(mnist_copy, mnist):
    # Label 0 of the test set (a 7) becomes a 6.
    alter_gzipped(mnist_copy / "t10k-labels-idx1-ubyte.gz", 8)
    expected = known_checksums()

    loaded = load_mnist(mnist_copy)

    assert loaded.checksums_ok is False
    assert loaded.source == str(mnist_copy)
    assert [n for n in FILES.values() if loaded.checksums[n] != expected[n]] == [
        "t10k-labels-idx1-ubyte"
    ]
    assert loaded.y_test[0] == 6
    np.testing.assert_array_equal(loaded.y_test[1:], mnist.y_test[1:])


def test_embedded_loader_raises_when_a_file_differs(monkeypatch, mnist_copy):
    alter_gzipped(mnist_copy / "t10k-images-idx3-ubyte.gz", 16 + 400)
    monkeypatch.setattr(mnistlab.data, "embedded_dir", lambda: mnist_copy)

    with pytest.raises(
        ChecksumError,
        match=r"the embedded MNIST file\(s\) t10k-images-idx3-ubyte in "
        + re.escape(str(mnist_copy))
        + " do not match their recorded SHA-256: the installation is damaged",
    ):
        load_mnist()

    unverified = load_mnist(verify=False)
    assert unverified.checksums_ok is False
    assert unverified.source == "embedded"


def test_folder_of_uncompressed_files(tmp_path, mnist):
    for path in embedded_dir().glob("*.gz"):
        (tmp_path / path.stem).write_bytes(gzip.decompress(path.read_bytes()))

    loaded = load_mnist(tmp_path)

    assert loaded.source == str(tmp_path)
    assert loaded.checksums_ok is True
    assert loaded.checksums == mnist.checksums
    assert loaded.fingerprint() == mnist.fingerprint()


@pytest.mark.parametrize("compress", [True, False])
def test_folder_with_the_dotted_spelling(small_folder, mnist, compress):
    folder = small_folder(compress=compress)
    for path in folder.iterdir():
        path.rename(path.with_name(path.name.replace("-idx", ".idx")))

    loaded = load_mnist(folder)

    assert loaded.checksums_ok is False
    np.testing.assert_array_equal(loaded.X_train, mnist.X_train[:6])
    np.testing.assert_array_equal(loaded.y_test, mnist.y_test[:4])


def save_keras_npz(path, mnist, **replace):
    arrays = {
        "x_train": mnist.X_train.reshape(-1, 28, 28),
        "y_train": mnist.y_train.astype(np.uint8),
        "x_test": mnist.X_test.reshape(-1, 28, 28),
        "y_test": mnist.y_test.astype(np.uint8),
    }
    arrays.update(replace)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})


def test_keras_npz(tmp_path, mnist):
    path = tmp_path / "mnist.npz"
    save_keras_npz(path, mnist)

    loaded = load_mnist(path)

    assert loaded.source == str(path)
    assert loaded.X_train.shape == (60000, 784)
    assert loaded.X_train.dtype == np.uint8
    assert loaded.y_train.dtype == np.int64
    assert loaded.checksums == {}
    assert loaded.checksums_ok is None
    assert loaded.fingerprint() == mnist.fingerprint()


def test_folder_holding_mnist_npz(tmp_path, mnist):
    small = mnist.subset(50, 20)
    save_keras_npz(tmp_path / "mnist.npz", small)

    loaded = load_mnist(str(tmp_path))

    assert loaded.source == str(tmp_path / "mnist.npz")
    assert loaded.fingerprint() == small.fingerprint()


@pytest.mark.parametrize("key", ["x_train", "y_train", "x_test", "y_test"])
def test_npz_missing_an_array_names_it(tmp_path, mnist, key):
    path = tmp_path / "mnist.npz"
    save_keras_npz(path, mnist.subset(5, 5), **{key: None})

    with pytest.raises(DataError, match=f"{re.escape(str(path))} lacks the array"):
        load_mnist(path)
    with pytest.raises(DataError, match=rf"array\(s\) {key}; a Keras-style"):
        load_mnist(path)


def test_npz_with_scaled_pixels_is_refused(tmp_path, mnist):
    small = mnist.subset(5, 5)
    path = tmp_path / "mnist.npz"
    save_keras_npz(path, small, x_train=small.X_train / 2 + 0.25)

    with pytest.raises(DataError, match="x_train holds pixel values that are not"):
        load_mnist(path)


def test_npz_with_mismatched_labels(tmp_path, mnist):
    small = mnist.subset(5, 5)
    path = tmp_path / "mnist.npz"
    save_keras_npz(path, small, y_test=small.y_test[:3])

    with pytest.raises(InputError, match="y_test has 3 labels but there are 5"):
        load_mnist(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [("mnist.npz", b"not a zip file"), ("mnist.npy", None)],
)
def test_file_that_is_not_an_npz(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros((2, 784), dtype=np.uint8))
    else:
        path.write_bytes(content)

    with pytest.raises(DataError, match=f"cannot read {re.escape(str(path))} as an"):
        load_mnist(path)


def test_missing_path(tmp_path):
    path = tmp_path / "nowhere"

    with pytest.raises(DataError, match="is neither 'embedded', 'openml' nor an"):
        load_mnist(path)


@pytest.mark.parametrize("source", [5, None, ["embedded"]])
def test_source_of_the_wrong_type(source):
    with pytest.raises(InputError, match="source must be 'embedded', 'openml'"):
        load_mnist(source)


@pytest.mark.parametrize("role", list(FILES))
def test_folder_missing_a_file_names_it(small_folder, role):
    folder = small_folder()
    (folder / f"{FILES[role]}.gz").unlink()

    with pytest.raises(DataError, match=rf"lacks the MNIST file\(s\) {FILES[role]} "):
        load_mnist(folder)


def test_empty_folder_names_all_four_files(tmp_path):
    with pytest.raises(DataError, match=", ".join(FILES.values())):
        load_mnist(tmp_path)


def test_folder_with_mismatched_counts(small_folder, mnist):
    folder = small_folder()
    labels = folder / "train-labels-idx1-ubyte.gz"
    mnistlab.write_idx(labels, mnist.y_train[:5].astype(np.uint8))

    with pytest.raises(
        DataError,
        match=f"holds 6 images but {re.escape(str(labels))} holds 5 labels",
    ):
        load_mnist(folder)


def test_folder_with_labels_in_place_of_images(small_folder, mnist):
    folder = small_folder()
    images = folder / "t10k-images-idx3-ubyte.gz"
    mnistlab.write_idx(images, mnist.y_test[:4].astype(np.uint8))

    with pytest.raises(DataError, match=r"shape \(4,\), not 28x28 images"):
        load_mnist(folder)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda raw: raw[:-1], "is truncated"),
        (lambda raw: raw + b"\x00", "has 1 unexpected bytes"),
        (lambda raw: b"\x00\x00\x10\x03" + raw[4:], "has a wrong magic number"),
        (lambda raw: gzip.compress(raw)[:30], "is not a valid gzip file"),
    ],
)
def test_damaged_file_in_folder_is_named(small_folder, damage, message):
    folder = small_folder()
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(damage(gzip.decompress(path.read_bytes())))

    with pytest.raises(DataError, match=re.escape(str(path)) + " " + message):
        load_mnist(folder)


@pytest.fixture
def offline_openml(monkeypatch):
    """Point scikit-learn's OpenML URLs at a closed port on this machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for name in OPENML_URLS:
        url = getattr(openml, name)
        assert url.startswith("https://www.openml.org/api/")
        closed = url.replace("https://www.openml.org/", f"http://127.0.0.1:{port}/")
        monkeypatch.setattr(openml, name, closed)


def test_openml_without_network_fails_fast(offline_openml, tmp_path):
    start = time.perf_counter()
    with pytest.raises(DataSourceError) as info:
        load_mnist("openml", data_home=tmp_path)

    assert time.perf_counter() - start < 5
    assert "cannot reach OpenML" in str(info.value)
    assert "network problem" in str(info.value)
    assert "source='embedded'" in str(info.value)


def test_openml_garbage_cache_is_dropped_then_fetched(offline_openml, tmp_path):
    cache = tmp_path / SEARCH_CACHE
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"\x1f\x8b garbage")

    with pytest.raises(DataSourceError, match="network problem"):
        load_mnist("openml", data_home=tmp_path)
    assert not cache.exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"{}", "KeyError: 'data'"),
        (b'{"data": {"dataset": []}}', "IndexError"),
    ],
)
def test_openml_cache_of_an_unexpected_answer(
    offline_openml, tmp_path, answer, message
):
    cache = tmp_path / SEARCH_CACHE
    cache.parent.mkdir(parents=True)
    cache.write_bytes(gzip.compress(answer))

    with pytest.raises(DataSourceError) as info:
        load_mnist("openml", data_home=tmp_path)

    assert message in str(info.value)
    assert f"download cache in {tmp_path / 'openml'} may be damaged" in str(info.value)
