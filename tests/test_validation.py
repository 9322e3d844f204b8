import re

import numpy as np
import pandas as pd
import pytest

from mnistlab.exceptions import InputError, MnistlabWarning
from mnistlab.validation import (
    check_binary_target,
    check_digit,
    check_fraction,
    check_images,
    check_labels,
)

# The first ten training labels of MNIST: no 6, 7 or 8 among them.
FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_images_from_a_dataframe(mnist):
    frame = pd.DataFrame(mnist.X_train[:5], columns=[f"pixel{i}" for i in range(784)])

    X = check_images(frame)

    assert X.dtype == np.uint8
    np.testing.assert_array_equal(X, mnist.X_train[:5])


def test_images_as_integral_floats_become_uint8(mnist):
    X = check_images(mnist.X_train[:3].astype(np.float64))

    assert X.dtype == np.uint8
    np.testing.assert_array_equal(X, mnist.X_train[:3])


def test_images_as_strings_become_numbers():
    X = check_images(np.full(784, "255"))

    assert X.dtype == np.uint8
    assert X.shape == (1, 784)
    assert (X == 255).all()


def test_fractional_pixels_stay_float():
    X = check_images(np.full((2, 784), 127.5))

    assert X.dtype == np.float64
    np.testing.assert_allclose(X, 127.5, rtol=0, atol=0)


def test_pixels_scaled_to_one_warn():
    with pytest.warns(MnistlabWarning, match=r"looks scaled to \[0, 1\]"):
        X = check_images(np.full((2, 784), 0.5))
    assert X.dtype == np.float64


def test_stack_of_28x28_images_is_flattened(mnist):
    stack = mnist.X_train[:4].reshape(4, 28, 28)

    X = check_images(stack)

    assert X.shape == (4, 784)
    np.testing.assert_array_equal(X, mnist.X_train[:4])


@pytest.mark.parametrize("shape", [(784,), (28, 28)])
def test_single_image_becomes_one_row(mnist, shape):
    X = check_images(mnist.some_digit.reshape(shape))

    assert X.shape == (1, 784)
    np.testing.assert_array_equal(X[0], mnist.some_digit)


def test_single_image_refused_when_a_set_is_needed(mnist):
    with pytest.raises(InputError, match=r"got shape \(784,\)"):
        check_images(mnist.some_digit, allow_single=False)


@pytest.mark.parametrize("shape", [(5, 100), (100,), (3, 28, 27), (2, 2, 28, 28)])
def test_wrong_shape_mentions_784(shape):
    with pytest.raises(
        InputError,
        match=r"X must have shape \(n_samples, 784\).* got shape "
        + re.escape(str(shape)),
    ):
        check_images(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "values from -1 to 0; signed bytes"),
        (256, "values from 0 to 256$"),
        (255.5, r"values from 0.0 to 255.5$"),
        (-300, "values from -300 to 0$"),
    ],
)
def test_pixels_outside_0_255_raise(value, message):
    X = np.zeros((2, 784), dtype=type(value))
    X[1, 7] = value

    with pytest.raises(
        InputError, match="must hold pixel values in 0..255, got " + message
    ):
        check_images(X)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels_raise(value):
    X = np.zeros((1, 784))
    X[0, 0] = value

    with pytest.raises(InputError, match="contains NaN or infinite pixel values"):
        check_images(X)


@pytest.mark.parametrize(
    "X", [np.full(784, "dark"), np.zeros((1, 784), dtype="datetime64[s]")]
)
def test_non_numbers_raise(X):
    with pytest.raises(InputError, match="must hold numbers"):
        check_images(X, name="images")


def test_empty_set_raises():
    with pytest.raises(InputError, match=r"X holds no images \(shape \(0, 784\)\)"):
        check_images(np.zeros((0, 784)))


def test_signed_bytes_are_read_as_unsigned_with_a_warning():
    X = np.tile(np.array([-1, 0, 127, -128], dtype=np.int8), 196)

    with pytest.warns(MnistlabWarning, match="X is a signed 8-bit array"):
        result = check_images(X)

    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result[0, :4], [255, 0, 127, 128])


def test_labels_as_strings_compare_to_digits():
    y = check_labels(np.array(list("5041921314")))

    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, FIRST_LABELS)
    np.testing.assert_array_equal(y == 5, [True] + [False] * 9)


@pytest.mark.parametrize(
    "y",
    [
        pd.Series(FIRST_LABELS, dtype="int32"),
        pd.Series([str(d) for d in FIRST_LABELS], dtype="category"),
        pd.DataFrame({"class": FIRST_LABELS}),
        np.array(FIRST_LABELS, dtype=np.uint8).reshape(1, -1),
        np.array(FIRST_LABELS, dtype=np.float32),
        [str(d) for d in FIRST_LABELS],
    ],
)
def test_labels_convert_to_int64(y):
    result = check_labels(y)

    assert result.dtype == np.int64
    assert result.shape == (10,)
    np.testing.assert_array_equal(result, FIRST_LABELS)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([1, 10], "must hold digit labels 0..9, got values from 1 to 10"),
        ([-1, 3], "must hold digit labels 0..9, got values from -1 to 3"),
        ([1e300, 1.0], r"must hold digit labels 0..9, got values from 1.0 to 1e\+300"),
        (
            np.array([2**63 + 5, 1], dtype=np.uint64),
            "must hold digit labels 0..9, got values from 1 to 922",
        ),
        ([2.5, 1.0], "must hold whole digit labels"),
        ([np.nan, 1.0], "must hold whole digit labels"),
        (["5", "five"], "must hold digit labels 0..9, got values such as"),
        ([True, False], "must hold digit labels 0..9, got values such as"),
        (np.zeros((2, 3)), r"must be 1-D, one label per image, got shape \(2, 3\)"),
    ],
)
def test_bad_labels_raise(y, message):
    with pytest.raises(InputError, match="y_train " + message):
        check_labels(y, name="y_train")


def test_label_count_must_match_the_images():
    with pytest.raises(InputError, match="y has 10 labels but there are 9 images"):
        check_labels(FIRST_LABELS, n_samples=9)


def test_binary_target_from_string_labels():
    target = check_binary_target([str(d) for d in FIRST_LABELS], 5)

    assert target.dtype == bool
    np.testing.assert_array_equal(target, np.array(FIRST_LABELS) == 5)


@pytest.mark.parametrize(
    ("labels", "digit", "n_positive"),
    [(FIRST_LABELS, 7, 0), (FIRST_LABELS, "8", 0), ([5, 5, 5], 5, 3)],
)
def test_binary_target_with_a_single_class_raises(labels, digit, n_positive):
    with pytest.raises(
        InputError,
        match=rf"y == {digit} has a single class \({n_positive} positives among "
        rf"{len(labels)}\).* the subset contains that digit",
    ):
        check_binary_target(labels, digit)


@pytest.mark.parametrize("digit", [10, -1, True, 5.0, "five", None])
def test_bad_digit_raises(digit):
    with pytest.raises(InputError, match="positive_digit must be a digit 0..9, got"):
        check_digit(digit)


@pytest.mark.parametrize("digit", [0, 9, np.int64(5), " 3 "])
def test_digit_is_returned_as_int(digit):
    assert check_digit(digit) == int(str(digit))
    assert type(check_digit(digit)) is int


@pytest.mark.parametrize("value", [0.9, 1, 1e-9, np.float64(0.25)])
def test_fraction_in_range(value):
    result = check_fraction(value, name="train_size")

    assert type(result) is float
    assert result == float(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (90, r"train_size must be in \(0, 1\], got 90 \(for 90%, pass 0.9\)"),
        (0, r"train_size must be in \(0, 1\], got 0$"),
        (-0.1, r"train_size must be in \(0, 1\], got -0.1$"),
        (1.5, r"\(for 1.5%, pass 0.015\)"),
        (float("nan"), "got nan$"),
        (True, r"must be a number in \(0, 1\], got True"),
        ("0.5", r"must be a number in \(0, 1\], got '0.5'"),
    ],
)
def test_fraction_out_of_range_raises(value, message):
    with pytest.raises(InputError, match=message):
        check_fraction(value, name="train_size")
