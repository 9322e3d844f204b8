"""The report command through ``main(argv)`` and as a real process."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnistlab.cli import main

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# 5,400 images: enough for every SGD fit of the binary section to converge.
QUICK = ["--n-train", "5400", "--n-test", "500", "--quiet"]
FAST_SECTIONS = ["data", "binary", "multilabel", "multioutput", "knn_tuning"]


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert err.startswith("mnistlab: error:"), err
    assert "\n" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["report", "--only", "nonsense"], "invalid choice"),
        (["report", "--target-precision", "90"], "0.9"),
        (["report", "--target-precision", "0"], "(0, 1]"),
        (["report", "--target-precision", "-0.5"], "(0, 1]"),
        (["report", "--positive-digit", "12"], "digit 0..9"),
        (["report", "--n-jobs", "0"], "at least 1"),
        (["report", "--source", "/no/such/folder"], "neither"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2_with_one_line(argv, expected, capsys, tmp_path):
    assert (
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] == "report" else argv)
        == 2
    )
    assert expected in _one_line_error(capsys)


def test_output_path_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert main(["report", "--out", str(target), *QUICK, "--only", "data"]) == 2
    assert "is a file" in _one_line_error(capsys)
    assert target.read_text() == "not a folder"


def test_output_folder_that_cannot_be_created_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", "--out", str(blocker / "sub"), *QUICK]) == 2
    assert "cannot write" in _one_line_error(capsys)


def test_damaged_data_source_is_refused(tmp_path, capsys):
    from mnistlab.data import embedded_dir

    folder = tmp_path / "mnist"
    folder.mkdir()
    for path in embedded_dir().glob("*.gz"):
        data = path.read_bytes()
        if path.name.startswith("t10k-images"):
            data = data[: len(data) // 2]
        (folder / path.name).write_bytes(data)
    argv = ["report", "--out", str(tmp_path / "out"), "--source", str(folder)]
    assert main([*argv, *QUICK]) == 2
    assert "t10k-images" in _one_line_error(capsys)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "--out", str(out), *QUICK, "--only", *FAST_SECTIONS]) == 0
    return out


def test_report_writes_its_files(report_dir):
    for name in ("index.html", "metrics.json", "run.json"):
        assert (report_dir / name).is_file()
    assert list((report_dir / "figures").glob("*.png"))
    metrics = json.loads((report_dir / "metrics.json").read_text())
    assert metrics["dataset"] == {**metrics["dataset"], "n_train": 5400, "n_test": 500}
    assert set(metrics) == {
        "dataset",
        "binary",
        "multilabel",
        "multioutput",
        "exercises",
    }
    binary = metrics["binary"]
    for key in (
        "cv_accuracy",
        "manual_cv_accuracy",
        "baseline_cv_accuracy",
        "confusion_matrix",
        "precision",
        "recall",
        "f1",
    ):
        assert key in binary
    assert set(binary["threshold"]) >= {
        "target_precision",
        "threshold",
        "precision",
        "recall",
    }
    assert set(binary["roc_auc"]) == {"sgd", "random_forest"}
    assert set(metrics["exercises"]) >= {
        "knn_best_params",
        "knn_best_cv_score",
        "knn_test_accuracy",
    }


def test_rerun_reuses_the_cache_and_gives_identical_metrics(report_dir):
    before = (report_dir / "metrics.json").read_bytes()
    assert (
        main(["report", "--out", str(report_dir), *QUICK, "--only", *FAST_SECTIONS])
        == 0
    )
    assert (report_dir / "metrics.json").read_bytes() == before
    run = json.loads((report_dir / "run.json").read_text())
    stages = run["timings"] if "timings" in run else run["sections"]
    computed = [step for stage in stages.values() for step in stage["computed"]]
    assert computed == []


def _run_report(out, *extra):
    cmd = [
        sys.executable,
        "-m",
        "mnistlab",
        "report",
        "--out",
        str(out),
        "--n-train",
        "5400",
        "--n-test",
        "300",
        "--only",
        "binary",
        "--quiet",
        *extra,
    ]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_killed_run_resumes_from_the_cache(tmp_path):
    reference = tmp_path / "reference"
    assert _run_report(reference).wait(timeout=300) == 0

    out = tmp_path / "killed"
    process = _run_report(out)
    cache = out / "cache"
    deadline = time.monotonic() + 300
    # Kill it hard once some fold results are stored, before it finishes.
    while len(list(cache.rglob("*.npz"))) < 3 and time.monotonic() < deadline:
        assert process.poll() is None, "the run finished before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "metrics.json").exists()
    stored = len(list(cache.rglob("*.npz")))
    assert stored >= 3

    assert _run_report(out).wait(timeout=300) == 0
    run = json.loads((out / "run.json").read_text())
    stages = run["timings"] if "timings" in run else run["sections"]
    assert len(stages["binary"]["reused"]) >= stored
    assert (out / "metrics.json").read_bytes() == (
        reference / "metrics.json"
    ).read_bytes()
    assert not [p for p in Path(out).rglob("*.tmp")]
