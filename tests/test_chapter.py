import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from mnistlab import InputError
from mnistlab.cache import FoldCache
from mnistlab.chapter import SECTIONS, check_sections, run_chapter

SMALL_RUN = [
    "data",
    "binary",
    "multilabel",
    "multioutput",
    "knn_tuning",
    "augmentation",
]
# On 5400 images every SGD fit of the 5-detector converges (on 3000, four of
# them run all their 1000 epochs and warn), so the run takes seconds.
N_TRAIN, N_TEST = 5400, 500


def test_sections_default_to_all():
    assert check_sections(None) == list(SECTIONS)


def test_sections_come_in_chapter_order():
    assert check_sections(["augmentation", "data", "binary"]) == [
        "data",
        "binary",
        "augmentation",
    ]


def test_error_analysis_brings_multiclass():
    assert check_sections(["error_analysis"]) == ["multiclass", "error_analysis"]


def test_unknown_sections_are_named_with_the_valid_ones():
    with pytest.raises(InputError) as excinfo:
        check_sections(["binary", "plots", "roc"])

    message = str(excinfo.value)
    assert "unknown section(s) 'plots', 'roc'" in message
    assert "choose among " + ", ".join(SECTIONS) in message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cv": 1}, r"cv must be a whole number of folds >= 2, got 1"),
        ({"cv": True}, "cv must be a whole number"),
        ({"cv": 3.0}, "cv must be a whole number"),
        ({"target_precision": 90}, r"pass 0\.9"),
        ({"positive_digit": 10}, "positive_digit must be a digit 0..9"),
        ({"sections": ["binary", "denoise"]}, "unknown section"),
    ],
)
def test_bad_options(mnist, options, message):
    with pytest.raises(InputError, match=message):
        run_chapter(mnist, n_train=10, n_test=10, **options)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chapter-cache")


def small_run(mnist, cache):
    return run_chapter(
        mnist,
        sections=SMALL_RUN,
        n_train=N_TRAIN,
        n_test=N_TEST,
        n_jobs=2,
        cache=cache,
    )


@pytest.fixture(scope="module")
def first_run(mnist, cache_dir):
    return small_run(mnist, FoldCache(cache_dir))


def test_metrics_are_strict_json(first_run):
    text = json.dumps(first_run.metrics(), allow_nan=False)

    metrics = json.loads(text)
    assert metrics == first_run.metrics()
    assert list(first_run.sections) == SMALL_RUN
    assert metrics["dataset"]["n_train"] == N_TRAIN
    assert metrics["dataset"]["n_test"] == N_TEST
    assert metrics["dataset"]["some_digit_label"] == 5
    assert set(metrics) == {
        "dataset",
        "binary",
        "multilabel",
        "multioutput",
        "exercises",
    }


def test_augmentation_uses_the_tuned_parameters(first_run):
    exercises = first_run.metrics()["exercises"]

    assert exercises["augmentation"]["params"] == exercises["knn_best_params"]
    assert (
        exercises["augmented_test_accuracy"]
        == (exercises["augmentation"]["augmented_test_accuracy"])
    )


def test_two_runs_give_identical_metrics(mnist, first_run):
    second = small_run(mnist, FoldCache(None))

    assert second.metrics() == first_run.metrics()
    assert all(t["reused"] == [] for t in second.timings.values())


def test_cached_run_computes_nothing(mnist, first_run, cache_dir):
    again = small_run(mnist, FoldCache(cache_dir))

    assert again.metrics() == first_run.metrics()
    assert all(t["computed"] == [] for t in again.timings.values())
    assert sum(len(t["reused"]) for t in again.timings.values()) == sum(
        len(t["computed"]) for t in first_run.timings.values()
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_error_analysis_runs_multiclass_first(mnist):
    result = run_chapter(
        mnist, sections=["error_analysis"], n_train=600, n_test=50, sgd_max_iter=3
    )

    assert list(result.sections) == ["multiclass", "error_analysis"]
    y_pred = result.sections["multiclass"].y_train_pred
    expected = confusion_matrix(mnist.y_train[:600], y_pred, labels=range(10))
    metrics = result.metrics()
    assert metrics["multiclass"]["confusion_matrix"] == expected.tolist()
    assert metrics["multiclass"]["trace"] == int(np.trace(expected))
    json.dumps(metrics, allow_nan=False)
