"""The report's files, checked by their structure and content."""

import base64
import copy
import dataclasses
import json
import os
import platform
import warnings
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pytest
from sklearn.exceptions import ConvergenceWarning

import mnistlab._io
import mnistlab.report
from mnistlab.book import book_values, compare_with_book
from mnistlab.cache import library_versions
from mnistlab.chapter import SECTION_TITLES, SECTIONS, run_chapter
from mnistlab.exceptions import InputError, OutputError
from mnistlab.report import (
    _format_difference,
    _format_duration,
    _format_value,
    run_manifest,
    write_report,
)

N_TRAIN, N_TEST = 300, 100
FIGURES = {
    "data": ["first_digits", "label_counts"],
    "binary": [
        "precision_recall_vs_threshold",
        "precision_vs_recall",
        "roc_curves",
        "pr_curves",
    ],
    "multiclass": [],
    "error_analysis": [
        "confusion_matrix",
        "confusion_matrix_percent",
        "confusion_errors",
        "error_galleries",
    ],
    "multilabel": [],
    "multioutput": ["denoising"],
    "knn_tuning": ["knn_grid"],
    "augmentation": ["shifted_digits"],
}
RUN_INFO = {"command": ["mnistlab", "report", "--quick"], "quick": True}


def run(mnist, tmp_path_factory, sections=None):
    """The chapter on the first 300 images, its folds cached for the session.

    The ten-class SGD stops after 20 epochs: on so few images it would
    otherwise run its 1000 without converging.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return run_chapter(
            mnist,
            sections=sections,
            n_train=N_TRAIN,
            n_test=N_TEST,
            sgd_max_iter=20,
            cache=tmp_path_factory.getbasetemp() / "fold-cache",
        )


@pytest.fixture(scope="module")
def result(mnist, tmp_path_factory):
    return run(mnist, tmp_path_factory)


@pytest.fixture(scope="module")
def small_result(mnist, tmp_path_factory):
    """Two quick sections, one with figures and one without."""
    return run(mnist, tmp_path_factory, sections=["data", "multilabel"])


@pytest.fixture(scope="module")
def tiny_result(mnist, tmp_path_factory):
    """One section without figures, for the tests of writing and escaping."""
    return run(mnist, tmp_path_factory, sections=["multilabel"])


def shared_report(result, tmp_path_factory):
    """The full report, written once in the session's base folder.

    The browser tests read the same folder, so that the session draws the
    figures of the full chapter only once. Tests never write into it.
    """
    out_dir = tmp_path_factory.getbasetemp() / "full-report"
    if not (out_dir / "index.html").exists():
        write_report(result, out_dir, run_info=RUN_INFO)
    return out_dir


@pytest.fixture(scope="module")
def report_dir(result, tmp_path_factory):
    return shared_report(result, tmp_path_factory)


class Page(HTMLParser):
    """The parts of the page the tests look at: the header, then each section.

    ``parts`` maps "header" and each section's id to its text, images and
    table rows; ``section_ids`` lists the ids of the <section> elements.
    """

    def __init__(self, text):
        super().__init__()
        self.tags, self.parts, self.section_ids, self.headings = [], {}, [], {}
        self.part = self.row = None
        self.in_h2 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("header", "section"):
            self.part = "header" if tag == "header" else attrs["id"]
            self.parts[self.part] = {"text": [], "imgs": [], "rows": []}
            if tag == "section":
                self.section_ids.append(attrs["id"])
        elif tag == "h2":
            self.in_h2 = True
        elif tag == "img":
            self.parts[self.part]["imgs"].append(attrs)
        elif tag == "tr" and self.part is not None:
            self.row = {"class": attrs.get("class", ""), "key": attrs.get("data-key")}
            self.row["cells"] = []
            self.parts[self.part]["rows"].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.row["cells"].append("")

    def handle_endtag(self, tag):
        if tag in ("header", "section"):
            self.part = None
        elif tag == "h2":
            self.in_h2 = False
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.part is None:
            return
        if self.in_h2:
            self.headings[self.part] = data.strip()
        self.parts[self.part]["text"].append(data)
        if self.row is not None and self.row["cells"]:
            self.row["cells"][-1] += data

    def text(self, part):
        return " ".join(" ".join(self.parts[part]["text"]).split())

    def rows(self, part):
        return self.parts[part]["rows"]


@pytest.fixture(scope="module")
def page(report_dir):
    return Page((report_dir / "index.html").read_text(encoding="utf-8"))


def strict_json(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_report_writes_every_file(report_dir):
    names = {path.name for path in report_dir.iterdir()}
    figures = {path.name for path in (report_dir / "figures").iterdir()}

    assert names == {"index.html", "metrics.json", "run.json", "figures"}
    expected = {f"{name}.png" for names in FIGURES.values() for name in names}
    assert figures == expected
    for name in figures:
        assert (report_dir / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_section_per_section_run_in_chapter_order(page):
    assert page.section_ids == list(SECTIONS)
    assert {k: v for k, v in page.headings.items() if k != "header"} == SECTION_TITLES


def test_figures_are_embedded_copies_of_the_files(page, report_dir):
    for section, names in FIGURES.items():
        imgs = page.parts[section]["imgs"]
        assert len(imgs) == len(names)
        for img, name in zip(imgs, names, strict=True):
            prefix, _, data = img["src"].partition(",")
            assert prefix == "data:image/png;base64"
            png = (report_dir / "figures" / f"{name}.png").read_bytes()
            assert base64.b64decode(data, validate=True) == png
            assert len(img["alt"]) > 20
            assert int(img["width"]) > 100 and int(img["height"]) > 100


def test_page_needs_nothing_from_outside(page):
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base"}
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "srcset"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:", "#")), (tag, name, value[:60])
    (policy,) = [a for t, a in page.tags if a.get("http-equiv")]
    assert "default-src 'none'" in policy["content"]


def test_metrics_json_is_the_run_strict_and_sorted(report_dir, result):
    text = (report_dir / "metrics.json").read_text(encoding="utf-8")

    metrics = strict_json(text)
    assert metrics == result.metrics()
    assert text == json.dumps(metrics, allow_nan=False, indent=2, sort_keys=True) + "\n"


def test_metrics_json_has_the_chapters_keys(report_dir):
    metrics = strict_json((report_dir / "metrics.json").read_text(encoding="utf-8"))

    assert {"source", "n_train", "n_test"} <= set(metrics["dataset"])
    assert metrics["dataset"]["n_train"] == N_TRAIN
    binary = metrics["binary"]
    assert {
        "positive_digit",
        "cv_accuracy",
        "manual_cv_accuracy",
        "baseline_cv_accuracy",
        "confusion_matrix",
        "precision",
        "recall",
        "f1",
        "threshold",
        "roc_auc",
        "random_forest",
    } <= set(binary)
    assert {"target_precision", "threshold", "precision", "recall"} <= set(
        binary["threshold"]
    )
    assert set(binary["roc_auc"]) == {"sgd", "random_forest"}
    assert set(binary["random_forest"]) == {"precision", "recall", "f1"}
    assert {
        "sgd_cv_accuracy",
        "sgd_scaled_cv_accuracy",
        "confusion_matrix",
        "trace",
        "largest_error",
    } <= set(metrics["multiclass"])
    assert {"f1_macro", "f1_weighted"} <= set(metrics["multilabel"])
    assert {"rmse_noisy", "rmse_denoised"} <= set(metrics["multioutput"])
    assert {
        "knn_best_params",
        "knn_best_cv_score",
        "knn_test_accuracy",
        "augmented_test_accuracy",
    } <= set(metrics["exercises"])


def test_a_second_run_gives_an_identical_metrics_json(
    mnist, tmp_path_factory, report_dir, tmp_path, monkeypatch
):
    # The second run takes every fold from the cache; only its timings differ.
    again = run(mnist, tmp_path_factory)
    # Figures are compared on a smaller report below; skip drawing them here.
    monkeypatch.setattr(mnistlab.report, "_render_figures", lambda *args: [])

    write_report(again, tmp_path)

    assert (tmp_path / "metrics.json").read_bytes() == (
        report_dir / "metrics.json"
    ).read_bytes()
    computed = [step for t in again.timings.values() for step in t["computed"]]
    assert computed == []
    manifest = strict_json((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert manifest["total"]["reused"] > 0


def test_writing_twice_gives_identical_files(small_result, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"

    write_report(small_result, first, run_info=RUN_INFO)
    write_report(small_result, second, run_info=RUN_INFO)

    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 5
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _refuse_to_draw(spec, section):
    raise AssertionError(f"figure {spec.name} was drawn again")


def test_a_cached_figure_is_copied_not_drawn(small_result, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    write_report(small_result, tmp_path / "first", cache=cache)
    monkeypatch.setattr(mnistlab.report, "_draw", _refuse_to_draw)

    write_report(small_result, tmp_path / "second", cache=cache)

    for name in FIGURES["data"]:
        png = f"figures/{name}.png"
        first = (tmp_path / "first" / png).read_bytes()
        assert first[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / "second" / png).read_bytes() == first
    assert (tmp_path / "second" / "index.html").read_bytes() == (
        tmp_path / "first" / "index.html"
    ).read_bytes()


def test_a_figure_is_drawn_again_when_its_results_change(
    small_result, tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    write_report(small_result, tmp_path / "first", cache=cache)
    data = small_result.sections["data"]
    counts = copy.deepcopy(data.label_counts)
    counts["train"][0] += 1
    changed = dataclasses.replace(
        small_result,
        sections={
            **small_result.sections,
            "data": dataclasses.replace(data, label_counts=counts),
        },
    )
    drawn = []
    draw = mnistlab.report._draw
    monkeypatch.setattr(
        mnistlab.report,
        "_draw",
        lambda spec, section: drawn.append(spec.name) or draw(spec, section),
    )

    write_report(changed, tmp_path / "second", cache=cache)

    # Both figures of the changed section, no other.
    assert drawn == FIGURES["data"]
    figures = tmp_path / "first" / "figures", tmp_path / "second" / "figures"
    first, second = ((f / "label_counts.png").read_bytes() for f in figures)
    assert first != second


def test_a_damaged_cached_figure_is_drawn_again(small_result, tmp_path):
    cache = tmp_path / "cache"
    write_report(small_result, tmp_path / "first", cache=cache)
    for entry in cache.rglob("*.npz"):
        entry.write_bytes(entry.read_bytes()[:100])

    write_report(small_result, tmp_path / "second", cache=cache)

    for name in FIGURES["data"]:
        png = f"figures/{name}.png"
        assert (tmp_path / "second" / png).read_bytes() == (
            tmp_path / "first" / png
        ).read_bytes()


def test_run_json_manifest(report_dir, result):
    manifest = strict_json((report_dir / "run.json").read_text(encoding="utf-8"))

    versions = manifest["versions"]
    assert versions["python"] == platform.python_version()
    assert library_versions().items() <= versions.items()
    assert {"matplotlib", "jinja2", "joblib"} <= set(versions)
    assert manifest["platform"]["cpu_count"] == os.cpu_count()
    assert manifest["platform"]["machine"] == platform.machine()
    assert manifest["options"] == json.loads(json.dumps(result.options))
    assert manifest["options"]["random_state"] == 42
    assert manifest["dataset"]["fingerprint"] == result.dataset["fingerprint"]
    assert manifest["dataset"]["checksums"] == result.dataset["checksums"]
    assert manifest["quick_run"] is True
    assert manifest["run_info"] == RUN_INFO
    assert list(manifest["sections"]) == sorted(SECTIONS)
    for name, timing in result.timings.items():
        entry = manifest["sections"][name]
        assert entry["wall_seconds"] == timing["wall"]
        assert entry["cpu_seconds"] == timing["cpu"]
        assert entry["reused"] == timing["reused"]
        assert entry["computed"] == timing["computed"]
    total = sum(t["wall"] for t in result.timings.values())
    assert manifest["total"]["wall_seconds"] == pytest.approx(total, rel=1e-12)


def test_summary_states_the_run(page, result):
    words = page.text("header")
    metrics = result.metrics()

    assert "embedded" in words
    assert f"{N_TRAIN:,} training and {N_TEST:,} test images" in words
    assert "Quick run on a subset" in words
    assert "Warnings during the run" not in words
    assert "stopped after 20 epochs" in words
    for number in (
        f"{metrics['binary']['roc_auc']['sgd']:.4f}",
        f"{metrics['binary']['threshold']['threshold']:.6g}",
        f"{metrics['multilabel']['f1_macro']:.4f}",
        f"{metrics['exercises']['knn_test_accuracy']:.4f}",
        f"{metrics['exercises']['augmented_test_accuracy']:.4f}",
    ):
        assert number in words
    for name, title in SECTION_TITLES.items():
        assert title in words
        assert _format_duration(result.timings[name]["wall"]) in words


@pytest.mark.parametrize(
    ("section", "book", "keys"),
    [
        ("binary", "binary", None),
        ("multiclass", "multiclass", lambda k: k not in ("trace", "largest_error")),
        ("error_analysis", "multiclass", lambda k: k in ("trace", "largest_error")),
        ("multilabel", "multilabel", None),
        ("knn_tuning", "exercises", lambda k: k.startswith("knn_")),
        ("augmentation", "exercises", lambda k: k.startswith("augmented")),
    ],
)
def test_book_table_of_each_section(page, result, section, book, keys):
    expected = compare_with_book(result.metrics(), book)
    expected = [row for row in expected if keys is None or keys(row["key"])]

    rows = [row for row in page.rows(section) if row["key"]]

    assert [row["key"] for row in rows] == [row["key"] for row in expected]
    with_notes = any(row["note"] for row in expected)
    for row, want in zip(rows, expected, strict=True):
        assert row["class"] == ("match" if want["match"] else "differs")
        cells = [" ".join(c.split()) for c in row["cells"]]
        assert cells[:3] == [
            want["label"],
            _format_value(want["value"]),
            _format_value(want["book"]),
        ]
        assert cells[3] == _format_difference(want["difference"])
        assert len(cells) == (6 if with_notes else 5)
        if with_notes:
            assert cells[5] == want["note"]


def test_matching_rows_are_marked(page):
    rows = [row for row in page.rows("binary") if row["key"]]
    some_digit = next(row for row in rows if row["key"] == "some_digit_prediction")

    # The first training image is a 5 whatever the subset: the one row that
    # matches the book on 300 images.
    assert some_digit["class"] == "match"
    assert "yes" in some_digit["cells"][4]


def test_binary_section_sets_the_baseline_beside_sgd(page, result):
    binary = result.metrics()["binary"]
    rows = page.rows("binary")
    header = next(row for row in rows if "never-5 baseline" in row["cells"])

    assert header["cells"][:3] == ["fold", "SGD", "never-5 baseline"]
    folds = rows[rows.index(header) + 1 : rows.index(header) + 4]
    for row, sgd, base in zip(
        folds, binary["cv_accuracy"], binary["baseline_cv_accuracy"], strict=True
    ):
        assert row["cells"][1:3] == [_format_value(sgd), _format_value(base)]


def test_binary_section_says_the_first_edition_is_not_reproduced(page):
    note = book_values()["first_edition"]["note"]

    assert note[1:] in page.text("binary")
    assert "0.7687" in page.text("binary")


def test_exercises_quote_the_books_timings(page, result):
    timings = book_values()["timings"]
    text = page.text("knn_tuning")

    assert f"{timings['knn_grid_search_minutes_2nd_edition']} minutes" in text
    assert f"{timings['knn_grid_search_minutes_1st_edition']} minutes" in text
    assert _format_duration(result.timings["knn_tuning"]["wall"]) in text
    minutes = timings["multiclass_sgd_cv_minutes_each"]
    assert f"{minutes} minutes" in page.text("multiclass")


def test_sections_not_run_are_absent(small_result, tmp_path):
    write_report(small_result, tmp_path)

    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert page.section_ids == ["data", "multilabel"]
    figures = sorted(path.name for path in (tmp_path / "figures").iterdir())
    assert figures == ["first_digits.png", "label_counts.png"]
    metrics = strict_json((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"dataset", "multilabel"}
    assert "Key numbers" in page.text("header")


def test_figures_of_an_earlier_report_are_removed(small_result, tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "roc_curves.png").write_bytes(b"old")
    (figures / "notes.txt").write_text("kept")

    write_report(small_result, tmp_path)

    names = sorted(path.name for path in figures.iterdir())
    assert names == ["first_digits.png", "label_counts.png", "notes.txt"]


class HalfWriter:
    """A file that takes half of the bytes it is given, then is interrupted."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.handle.close()

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise KeyboardInterrupt


class Interrupted:
    """Interrupt the atomic write of the file ``name`` half-way through."""

    def __init__(self, monkeypatch, name):
        self.name = name
        self.armed = False
        self.real_open, self.real_fdopen = os.open, os.fdopen
        monkeypatch.setattr(mnistlab._io.os, "open", self.open)
        monkeypatch.setattr(mnistlab._io.os, "fdopen", self.fdopen)

    def open(self, path, *args, **kwargs):
        # atomic_write_bytes opens ".<name>.<random>.tmp" beside the target.
        self.armed = os.path.basename(path).startswith(f".{self.name}.")
        return self.real_open(path, *args, **kwargs)

    def fdopen(self, fd, *args, **kwargs):
        handle = self.real_fdopen(fd, *args, **kwargs)
        return HalfWriter(handle) if self.armed else handle


def test_an_interrupted_write_keeps_the_previous_index(
    tiny_result, tmp_path, monkeypatch
):
    write_report(tiny_result, tmp_path)
    before = (tmp_path / "index.html").read_bytes()
    changed = dataclasses.replace(
        tiny_result, dataset={**tiny_result.dataset, "source": "another copy"}
    )
    Interrupted(monkeypatch, "index.html")

    with pytest.raises(KeyboardInterrupt):
        write_report(changed, tmp_path)

    assert (tmp_path / "index.html").read_bytes() == before
    # run.json came before index.html: written whole, the new version.
    manifest = strict_json((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert manifest["dataset"]["source"] == "another copy"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("name", ["index.html", "metrics.json", "first_digits.png"])
def test_an_interrupted_first_write_leaves_no_partial_file(
    small_result, tmp_path, monkeypatch, name
):
    Interrupted(monkeypatch, name)

    with pytest.raises(KeyboardInterrupt):
        write_report(small_result, tmp_path)

    assert not (tmp_path / "index.html").exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_report_leaves_no_figure_open(report_dir):
    assert plt.get_fignums() == []


def test_page_escapes_the_runs_text(tiny_result, tmp_path):
    odd = dataclasses.replace(
        tiny_result, dataset={**tiny_result.dataset, "source": "<b>x</b> & y"}
    )

    write_report(odd, tmp_path)

    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert "<b>x</b>" not in text


def test_page_lists_the_runs_warnings(tiny_result, tmp_path):
    caught = ["ConvergenceWarning: Maximum number of iteration reached"]

    write_report(tiny_result, tmp_path, run_info={"warnings": caught})

    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert "Warnings during the run" in page.text("header")
    assert caught[0] in page.text("header")


def test_report_refuses_what_is_not_a_chapter_result(tmp_path):
    with pytest.raises(InputError, match="must be a ChapterResult .*got dict"):
        write_report({}, tmp_path)


@pytest.mark.parametrize(
    ("run_info", "match"),
    [
        (["a"], "run_info must be a dict or None, got list"),
        ({"when": object()}, "run_info must hold JSON values"),
    ],
)
def test_report_refuses_run_info_json_cannot_hold(
    tiny_result, tmp_path, run_info, match
):
    with pytest.raises(InputError, match=match):
        write_report(tiny_result, tmp_path / "out", run_info=run_info)
    assert not (tmp_path / "out").exists()


def test_report_refuses_a_file_as_folder(tiny_result, tmp_path):
    path = tmp_path / "file"
    path.write_text("")

    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_report(tiny_result, path)


def test_run_manifest_turns_numpy_values_into_json(tiny_result):
    import numpy as np

    manifest = run_manifest(tiny_result, run_info={"n": np.int64(3)})

    assert manifest["run_info"] == {"n": 3}
    assert type(manifest["run_info"]["n"]) is int


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (True, "True"),
        (3, "3"),
        (0.8370879772350012, "0.837088"),
        (3370.0194991439557, "3370.02"),
        ([[1, 2], [3, 4]], "[[1, 2], [3, 4]]"),
        ({"n_neighbors": 4, "weights": "distance"}, "n_neighbors=4, weights=distance"),
    ],
)
def test_format_value(value, text):
    assert _format_value(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (0, "0"), (0.0, "0"), (-641, "-641"), (0.00193, "+0.00193")],
)
def test_format_difference(value, text):
    assert _format_difference(value) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.421, "0.42 s"),
        (12.34, "12.3 s"),
        (245, "4 min 05 s"),
        (7380, "2 h 03 min"),
        (582.5 * 60, "9 h 42 min"),
    ],
)
def test_format_duration(seconds, text):
    assert _format_duration(seconds) == text
