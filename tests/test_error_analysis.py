import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from mnistlab import InputError
from mnistlab.error_analysis import analyse_errors

N_SAMPLES = 3000


@pytest.fixture(scope="module")
def predictions(mnist):
    """Real images and labels, with a fifth of the predictions wrong."""
    X, y_true = mnist.X_train[:N_SAMPLES], mnist.y_train[:N_SAMPLES]
    rng = np.random.RandomState(0)
    y_pred = y_true.copy()
    wrong = rng.rand(N_SAMPLES) < 0.2
    # Mostly 5 taken for 3 and 8, as the chapter's classifier does.
    y_pred[wrong] = rng.choice(10, size=wrong.sum())
    y_pred[(y_true == 5) & (rng.rand(N_SAMPLES) < 0.3)] = 8
    y_pred[(y_true == 5) & (rng.rand(N_SAMPLES) < 0.1)] = 3
    return X, y_true, y_pred


@pytest.fixture(scope="module")
def analysis(predictions):
    return analyse_errors(*predictions, gallery_size=25)


def test_confusion_matrix_is_sklearns(predictions, analysis):
    _, y_true, y_pred = predictions

    np.testing.assert_array_equal(
        analysis.confusion_matrix, confusion_matrix(y_true, y_pred)
    )


def test_normalized_rows_sum_to_one(analysis):
    cm = analysis.confusion_matrix

    np.testing.assert_allclose(analysis.normalized.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(
        analysis.normalized, cm / cm.sum(axis=1, keepdims=True), rtol=1e-15, atol=0
    )


def test_errors_drop_the_diagonal(analysis):
    expected = analysis.normalized.copy()
    np.fill_diagonal(expected, 0)

    np.testing.assert_array_equal(np.diag(analysis.errors), np.zeros(10))
    np.testing.assert_array_equal(analysis.errors, expected)


def test_most_confused_sorted_by_count(analysis):
    cm = analysis.confusion_matrix
    cells = [
        (cm[t, p], t, p) for t in range(10) for p in range(10) if t != p and cm[t, p]
    ]
    expected = sorted(cells, key=lambda c: (-c[0], c[1], c[2]))[:10]

    ranked = analysis.most_confused

    assert [(c["count"], c["true"], c["predicted"]) for c in ranked] == expected
    assert (ranked[0]["true"], ranked[0]["predicted"]) == (5, 8)
    for cell in ranked:
        assert cell["rate"] == analysis.normalized[cell["true"], cell["predicted"]]


@pytest.mark.parametrize("top", [1, 3, 90, 200])
def test_top_limits_the_ranking(predictions, top):
    analysis = analyse_errors(*predictions, top=top)

    cm = analysis.confusion_matrix
    n_confused = np.count_nonzero(cm) - np.count_nonzero(np.diag(cm))
    assert len(analysis.most_confused) == min(top, n_confused)


@pytest.mark.parametrize("pair", [(3, 5), (5, 8), (9, 4)])
@pytest.mark.parametrize("gallery_size", [1, 25, 1000])
def test_galleries_hold_exactly_the_right_images(predictions, pair, gallery_size):
    X, y_true, y_pred = predictions
    a, b = pair

    analysis = analyse_errors(X, y_true, y_pred, pair=pair, gallery_size=gallery_size)

    assert analysis.pair == pair
    cells = [(a, a), (a, b), (b, a), (b, b)]
    assert list(analysis.galleries) == [f"{t}_as_{p}" for t, p in cells]
    for (true, predicted), key in zip(cells, analysis.galleries, strict=True):
        rows = [
            i for i in range(len(X)) if y_true[i] == true and y_pred[i] == predicted
        ]
        np.testing.assert_array_equal(analysis.galleries[key], X[rows[:gallery_size]])
        assert analysis.gallery_totals[key] == len(rows)
        assert (
            analysis.gallery_totals[key] == analysis.confusion_matrix[true, predicted]
        )


def test_a_digit_never_seen_gives_a_zero_row(predictions):
    X, y_true, y_pred = predictions
    seen = y_true != 7

    analysis = analyse_errors(X[seen], y_true[seen], y_pred[seen])

    np.testing.assert_array_equal(analysis.normalized[7], np.zeros(10))
    assert np.isfinite(analysis.normalized).all()
    np.testing.assert_allclose(np.delete(analysis.normalized.sum(axis=1), 7), 1)


def test_metrics(analysis):
    metrics = analysis.metrics()

    assert metrics["trace"] == int(np.trace(analysis.confusion_matrix))
    assert metrics["confusion_matrix"] == analysis.confusion_matrix.tolist()
    assert metrics["pair"] == [3, 5]
    assert metrics["gallery_counts"] == analysis.gallery_totals


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ((3, 3), "two different digits"),
        ((3,), "pair must be two digits"),
        ((3, 5, 8), "pair must be two digits"),
        ((3, 10), "must be a digit 0..9"),
    ],
)
def test_bad_pair(predictions, pair, message):
    with pytest.raises(InputError, match=message):
        analyse_errors(*predictions, pair=pair)


def test_predictions_of_another_length(predictions):
    X, y_true, y_pred = predictions

    with pytest.raises(InputError, match="y_pred has 2999 labels"):
        analyse_errors(X, y_true, y_pred[:-1])
