import collections
import dataclasses

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

import mnistlab.multioutput
from mnistlab import FoldCache, InputError
from mnistlab.multioutput import add_noise, pixel_mode, psnr, rmse, run_denoising

N_TRAIN, N_TEST = 3000, 200


def test_noise_is_seeded_and_in_range(mnist):
    X = mnist.X_train[:50]

    first = add_noise(X, random_state=42)
    second = add_noise(X, random_state=42)
    other = add_noise(X, random_state=43)

    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    assert first.dtype == np.uint8
    added = first.astype(int) - X
    assert added.min() >= 0
    assert added.max() <= 99


def test_noise_is_the_chapters_draw(mnist):
    # The chapter seeds NumPy's global RandomState with 42 (the same stream)
    # and draws randint(0, 100, (n, 784)); here the sum is also clipped.
    X = mnist.X_train[:20]
    noise = np.random.RandomState(42).randint(0, 100, (len(X), 784))

    X_mod = add_noise(X, random_state=42)

    np.testing.assert_array_equal(X_mod, np.clip(X + noise, 0, 255))


def test_bright_pixels_saturate_instead_of_wrapping():
    X = np.full((40, 784), 250, dtype=np.uint8)

    X_mod = add_noise(X, random_state=0)

    noise = np.random.RandomState(0).randint(0, 100, size=X.shape)
    np.testing.assert_array_equal(X_mod, np.minimum(250 + noise, 255))
    assert X_mod.min() == 250
    assert (X_mod == 255).mean() > 0.9


def test_negative_noise_saturates_at_zero():
    X = np.full((10, 784), 3, dtype=np.uint8)

    X_mod = add_noise(X, low=-50, high=0, random_state=0)

    noise = np.random.RandomState(0).randint(-50, 0, size=X.shape)
    np.testing.assert_array_equal(X_mod, np.maximum(3 + noise, 0))


def test_one_state_draws_train_then_test(mnist):
    X = mnist.X_train[:6]
    rng = np.random.RandomState(7)

    first = add_noise(X[:4], random_state=rng)
    second = add_noise(X[4:], random_state=rng)

    both = add_noise(X, random_state=7)
    np.testing.assert_array_equal(np.concatenate([first, second]), both)


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (0, 1, "must hold at least two values"),
        (5, 5, "must hold at least two values"),
        (10, 3, "must hold at least two values"),
        (-300, 0, "exceeds what a pixel 0..255 can take"),
        (0, 1000, "exceeds what a pixel 0..255 can take"),
        (0.5, 100, "low must be a whole number"),
        (0, True, "high must be a whole number"),
    ],
)
def test_bad_noise_ranges(mnist, low, high, message):
    with pytest.raises(InputError, match=message):
        add_noise(mnist.X_train[:2], low=low, high=high)


def brute_force_mode(values):
    """Most common value of each (query, output), the smallest on a tie."""
    n_queries, _, n_outputs = values.shape
    mode = np.empty((n_queries, n_outputs), dtype=values.dtype)
    for q in range(n_queries):
        for out in range(n_outputs):
            counts = collections.Counter(values[q, :, out].tolist())
            best = max(counts.values())
            mode[q, out] = min(v for v, c in counts.items() if c == best)
    return mode


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("n_values", [2, 4, 256])
def test_pixel_mode_equals_brute_force(k, n_values):
    rng = np.random.RandomState(k * 1000 + n_values)
    values = rng.randint(0, n_values, size=(30, k, 40)).astype(np.uint8)

    np.testing.assert_array_equal(pixel_mode(values), brute_force_mode(values))


def test_pixel_mode_ties_go_to_the_smallest_value():
    values = np.array([[[200], [3], [200], [3], [9]]], dtype=np.uint8)

    np.testing.assert_array_equal(pixel_mode(values), [[3]])


@pytest.fixture(scope="module")
def denoising(mnist):
    X_train, X_test = mnist.X_train[:N_TRAIN], mnist.X_test[:N_TEST]
    return run_denoising(X_train, X_test, n_examples=N_TEST)


def test_denoising_equals_kneighbors_classifier(mnist, denoising):
    X_train, X_test = mnist.X_train[:N_TRAIN], mnist.X_test[:N_TEST]
    rng = np.random.RandomState(42)
    noise = rng.randint(0, 100, (len(X_train), 784))
    X_train_mod = np.clip(X_train + noise, 0, 255).astype(np.float64)
    noise = rng.randint(0, 100, (len(X_test), 784))
    X_test_mod = np.clip(X_test + noise, 0, 255).astype(np.float64)

    knn_clf = KNeighborsClassifier()
    knn_clf.fit(X_train_mod, X_train)
    clean_digits = knn_clf.predict(X_test_mod)

    np.testing.assert_array_equal(denoising.examples_denoised, clean_digits)
    np.testing.assert_array_equal(denoising.examples_noisy, X_test_mod)
    np.testing.assert_array_equal(denoising.examples_clean, X_test)
    np.testing.assert_allclose(
        denoising.rmse_denoised, rmse(clean_digits, X_test), rtol=1e-9, atol=0
    )
    np.testing.assert_allclose(
        denoising.rmse_noisy, rmse(X_test_mod, X_test), rtol=1e-9, atol=0
    )


def test_denoising_removes_noise(denoising):
    assert denoising.rmse_denoised < denoising.rmse_noisy
    assert denoising.psnr_denoised > denoising.psnr_noisy
    assert (denoising.n_train, denoising.n_test) == (N_TRAIN, N_TEST)
    assert denoising.metrics()["noise_range"] == [0, 100]


def test_rmse_and_psnr():
    a = np.zeros((2, 784))
    b = np.full((2, 784), 3.0)

    assert rmse(a, b) == 3.0
    np.testing.assert_allclose(psnr(a, b), 20 * np.log10(255 / 3), rtol=1e-12)
    assert psnr(a, a) == float("inf")


def test_examples_are_the_first_test_images(mnist):
    X_train, X_test = mnist.X_train[:300], mnist.X_test[:40]

    result = run_denoising(X_train, X_test, n_examples=3)

    assert result.examples_denoised.shape == (3, 784)
    np.testing.assert_array_equal(result.examples_clean, X_test[:3])


def test_a_cached_run_draws_no_noise_and_gives_the_same_result(
    mnist, tmp_path, monkeypatch
):
    X_train, X_test = mnist.X_train[:300], mnist.X_test[:40]
    cache = FoldCache(tmp_path)
    first = run_denoising(X_train, X_test, cache=cache)

    def no_noise(*args, **kwargs):
        raise AssertionError("noise was drawn again")

    monkeypatch.setattr(mnistlab.multioutput, "add_noise", no_noise)
    second = run_denoising(X_train, X_test, cache=cache)

    assert cache.hits == ["KNN neighbours of the noisy test images"]
    assert dataclasses.asdict(second).keys() == dataclasses.asdict(first).keys()
    for name, value in dataclasses.asdict(first).items():
        np.testing.assert_array_equal(getattr(second, name), value, err_msg=name)


@pytest.mark.parametrize("change", [{"random_state": 0}, {"noise": (0, 50)}])
def test_another_seed_or_range_is_not_taken_from_the_cache(mnist, tmp_path, change):
    X_train, X_test = mnist.X_train[:300], mnist.X_test[:40]
    cache = FoldCache(tmp_path)
    first = run_denoising(X_train, X_test, cache=cache)

    other = run_denoising(X_train, X_test, cache=cache, **change)

    assert cache.hits == []
    assert len(cache.misses) == 2
    assert other.rmse_noisy != first.rmse_noisy


@pytest.mark.parametrize("noise", [100, (0, 50, 100), (0, 1)])
def test_bad_noise_is_refused_before_any_work(mnist, noise):
    with pytest.raises(InputError, match="noise"):
        run_denoising(mnist.X_train[:20], mnist.X_test[:5], noise=noise)
