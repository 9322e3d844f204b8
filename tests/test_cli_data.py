import io

import numpy as np
import pytest

from mnistlab import __version__
from mnistlab.cli import main

TRAIN_LINE = "  train: 5923 6742 5958 6131 5842 5421 5918 6265 5851 5949"
TEST_LINE = "  test:  980 1135 1032 1010 982 892 958 1028 974 1009"


def run(argv):
    out = io.StringIO()
    status = main(argv, out=out)
    return status, out.getvalue().splitlines()


def test_data_describes_the_embedded_mnist(capsys):
    status, lines = run(["data"])

    assert status == 0
    assert lines[:9] == [
        "source:      embedded",
        "X_train:     (60000, 784) uint8",
        "y_train:     (60000,) int64",
        "X_test:      (10000, 784) uint8",
        "y_test:      (10000,) int64",
        "some_digit:  label 5",
        "label counts (digits 0-9):",
        TRAIN_LINE,
        TEST_LINE,
    ]
    assert lines[9] == "checksums:   match"
    assert lines[10] == (
        "  train-images-idx3-ubyte  "
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
    )
    assert len(lines) == 14
    assert capsys.readouterr() == ("", "")


def test_data_flags_a_folder_that_is_not_mnist(small_folder):
    folder = small_folder(6, 4)

    status, lines = run(["data", "--source", str(folder)])

    assert status == 0
    assert lines[0] == f"source:      {folder}"
    assert "  train: 1 1 1 0 1 1 0 0 0 1" in lines
    assert "checksums:   DO NOT MATCH the known MNIST files" in lines


def test_data_from_npz_has_no_checksums(tmp_path, mnist):
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=mnist.X_train[:8],
        y_train=mnist.y_train[:8],
        x_test=mnist.X_test[:2],
        y_test=mnist.y_test[:2],
    )

    status, lines = run(["data", "--source", str(path)])

    assert status == 0
    assert lines[1] == "X_train:     (8, 784) uint8"
    assert lines[-1] == "checksums:   not applicable (no IDX files)"


@pytest.mark.parametrize("source", ["/nonexistent", "embeded"])
def test_data_with_a_missing_source_fails_in_one_line(capsys, source):
    status, lines = run(["data", "--source", source])

    assert status == 2
    assert lines == []
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"mnistlab: error: source '{source}' is neither")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_data_with_a_damaged_folder_names_the_file(capsys, small_folder):
    folder = small_folder()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b not gzip")

    status, _ = run(["data", "--source", str(folder)])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"mnistlab: error: {folder}/t10k-labels-idx1-ubyte.gz ")
    assert "is not a valid gzip file" in err
    assert err.count("\n") == 1


def test_no_command_prints_help():
    status, lines = run([])

    assert status == 2
    assert lines[0].startswith("usage: mnistlab")


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])

    assert info.value.code == 0
    assert capsys.readouterr().out == f"mnistlab {__version__}\n"
