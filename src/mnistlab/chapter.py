"""The whole chapter, section by section, on one dataset."""

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .binary import run_binary
from .cache import as_cache
from .cv import data_fingerprint
from .error_analysis import analyse_errors
from .exceptions import InputError
from .exercises import run_augmentation, tune_knn
from .multiclass import run_multiclass
from .multilabel import run_multilabel
from .multioutput import run_denoising
from .validation import check_digit, check_fraction

__all__ = ["SECTIONS", "ChapterResult", "DataSummary", "run_chapter"]

log = logging.getLogger("mnistlab")

SECTIONS = (
    "data",
    "binary",
    "multiclass",
    "error_analysis",
    "multilabel",
    "multioutput",
    "knn_tuning",
    "augmentation",
)
SECTION_TITLES = {
    "data": "The data",
    "binary": "A binary classifier: the 5-detector",
    "multiclass": "Multiclass classification",
    "error_analysis": "Error analysis",
    "multilabel": "Multilabel classification",
    "multioutput": "Multioutput classification: removing noise",
    "knn_tuning": "Exercise 1: a KNN past 97% accuracy",
    "augmentation": "Exercise 2: data augmentation by shifting",
}
# A section that needs another's results runs it too.
REQUIRES = {"error_analysis": ("multiclass",)}
DEFAULT_AUGMENTATION_PARAMS = {"n_neighbors": 4, "weights": "distance"}


@dataclass
class DataSummary:
    """What the data section shows: the source, counts and a few digits."""

    source: str
    n_train: int
    n_test: int
    label_counts: dict
    checksums: dict
    checksums_ok: object
    some_digit: np.ndarray
    some_digit_label: int
    first_digits: np.ndarray
    first_labels: np.ndarray

    def metrics(self):
        return {
            "source": self.source,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "label_counts": self.label_counts,
            "checksums_ok": self.checksums_ok,
            "some_digit_label": self.some_digit_label,
        }


@dataclass
class ChapterResult:
    """The results of each section run, with timings and options.

    Attributes
    ----------
    sections : dict of str to result
        One result object per section run, in chapter order.
    timings : dict of str to dict
        Per section: ``wall`` and ``cpu`` seconds, and the names of the cached
        steps it ``reused`` and ``computed``.
    options : dict
        The options of the run.
    dataset : dict
        ``source``, ``n_train``, ``n_test``, ``fingerprint``, ``checksums``.
    """

    sections: dict
    timings: dict
    options: dict
    dataset: dict
    warnings: list = field(default_factory=list)

    def metrics(self):
        """Every number of the run, as strict-JSON values (``metrics.json``)."""
        out = {"dataset": {k: self.dataset[k] for k in ("source", "n_train", "n_test")}}
        s = self.sections
        if "data" in s:
            out["dataset"].update(s["data"].metrics())
        if "binary" in s:
            out["binary"] = s["binary"].metrics()
        if "multiclass" in s:
            out["multiclass"] = s["multiclass"].metrics()
        if "error_analysis" in s:
            errors = s["error_analysis"].metrics()
            top = errors["most_confused"][0] if errors["most_confused"] else None
            out.setdefault("multiclass", {}).update(
                {
                    "confusion_matrix": errors["confusion_matrix"],
                    "trace": errors["trace"],
                    "most_confused": errors["most_confused"],
                    "largest_error": None
                    if top is None
                    else {k: top[k] for k in ("true", "predicted", "count")},
                    "gallery_pair": errors["pair"],
                    "gallery_counts": errors["gallery_counts"],
                }
            )
        if "multilabel" in s:
            out["multilabel"] = s["multilabel"].metrics()
        if "multioutput" in s:
            out["multioutput"] = s["multioutput"].metrics()
        if "knn_tuning" in s:
            out["exercises"] = s["knn_tuning"].metrics()
        if "augmentation" in s:
            aug = s["augmentation"].metrics()
            out.setdefault("exercises", {}).update(
                {
                    "augmented_test_accuracy": aug["augmented_test_accuracy"],
                    "augmentation": aug,
                }
            )
        return _json_safe(out)


def _json_safe(value):
    """Replace what strict JSON cannot hold: NumPy scalars and non-finite floats."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def check_sections(sections):
    """Return the sections to run, in chapter order, with what they need.

    Raises
    ------
    InputError
        If a name is not a section.
    """
    if sections is None:
        return list(SECTIONS)
    sections = list(sections)
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        raise InputError(
            f"unknown section(s) {', '.join(map(repr, unknown))}; choose among "
            f"{', '.join(SECTIONS)}"
        )
    wanted = set(sections)
    for name in sections:
        wanted.update(REQUIRES.get(name, ()))
    return [name for name in SECTIONS if name in wanted]


def run_chapter(
    mnist,
    *,
    sections=None,
    positive_digit=5,
    target_precision=0.90,
    cv=3,
    random_state=42,
    n_train=None,
    n_test=None,
    n_jobs=2,
    sgd_max_iter=None,
    cache=None,
    progress=None,
):
    """Run the chapter's sections on a dataset.

    Parameters
    ----------
    mnist : MNIST
        The data, e.g. from :func:`mnistlab.load_mnist`.
    sections : list of str, default=None
        Which of :data:`SECTIONS` to run (all by default); a section that
        needs another's results brings it along.
    positive_digit : int, default=5
        The digit of the binary detector.
    target_precision : float in (0, 1], default=0.90
        The precision the binary threshold must reach.
    cv : int, default=3
        Folds of the chapter's cross-validations (the grid search of
        exercise 1 uses 5, as the exercise asks).
    random_state : int, default=42
        Seed of every model, fold shuffle and noise draw.
    n_train, n_test : int, default=None
        Use only the first images of each split (quick runs).
    n_jobs : int, default=2
        Parallel threads.
    sgd_max_iter : int, default=None
        Cap on the ten-class SGD's epochs, for quick trial runs; ``None``
        keeps scikit-learn's default (1000), as the chapter does.
    cache : FoldCache or path-like, default=None
        Where fold results are kept; ``None`` keeps nothing.
    progress : callable, default=None
        Called as ``progress(section, "start")`` and ``progress(section,
        "done", seconds)``.

    Returns
    -------
    result : ChapterResult
    """
    names = check_sections(sections)
    positive_digit = check_digit(positive_digit)
    target_precision = check_fraction(target_precision, name="target_precision")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise InputError(f"cv must be a whole number of folds >= 2, got {cv!r}")
    cache = as_cache(cache)
    data = mnist.subset(n_train, n_test)
    fingerprint = data_fingerprint(data.X_train, data.y_train, data.X_test, data.y_test)
    options = {
        "sections": names,
        "positive_digit": positive_digit,
        "target_precision": target_precision,
        "cv": cv,
        "knn_tuning_cv": 5,
        "random_state": random_state,
        "noise": [0, 100],
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "n_jobs": n_jobs,
        "sgd_max_iter": sgd_max_iter,
    }
    runners = _runners(data, fingerprint, options, cache)
    results, timings = {}, {}
    for name in names:
        if progress is not None:
            progress(name, "start")
        hits, misses = len(cache.hits), len(cache.misses)
        wall, cpu = time.perf_counter(), time.process_time()
        results[name] = runners[name](results)
        timings[name] = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "reused": cache.hits[hits:],
            "computed": cache.misses[misses:],
        }
        log.debug("%s: %.1f s", name, timings[name]["wall"])
        if progress is not None:
            progress(name, "done", timings[name]["wall"])
    dataset = {
        "source": data.source,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "fingerprint": fingerprint,
        "checksums": data.checksums,
        "checksums_ok": data.checksums_ok,
    }
    return ChapterResult(results, timings, options, dataset)


def _runners(data, fingerprint, options, cache):
    X_train, y_train = data.X_train, data.y_train
    X_test, y_test = data.X_test, data.y_test
    common = {"cache": cache, "data_key": fingerprint}
    n_jobs, seed, cv = options["n_jobs"], options["random_state"], options["cv"]

    def summary(_):
        return DataSummary(
            source=data.source,
            n_train=len(y_train),
            n_test=len(y_test),
            label_counts=data.label_counts(),
            checksums=data.checksums,
            checksums_ok=data.checksums_ok,
            some_digit=data.some_digit,
            some_digit_label=int(y_train[0]),
            first_digits=X_train[:100],
            first_labels=y_train[:100],
        )

    def augmentation(results):
        tuned = results.get("knn_tuning")
        params = tuned.best_params if tuned else DEFAULT_AUGMENTATION_PARAMS
        return run_augmentation(X_train, y_train, X_test, y_test, cache=cache, **params)

    return {
        "data": summary,
        "binary": lambda _: run_binary(
            X_train,
            y_train,
            positive_digit=options["positive_digit"],
            target_precision=options["target_precision"],
            cv=cv,
            random_state=seed,
            n_jobs=n_jobs,
            **common,
        ),
        "multiclass": lambda _: run_multiclass(
            X_train,
            y_train,
            cv=cv,
            random_state=seed,
            n_jobs=n_jobs,
            max_iter=options["sgd_max_iter"],
            **common,
        ),
        "error_analysis": lambda r: analyse_errors(
            X_train, y_train, r["multiclass"].y_train_pred
        ),
        "multilabel": lambda _: run_multilabel(X_train, y_train, cv=cv, **common),
        "multioutput": lambda _: run_denoising(
            X_train, X_test, random_state=seed, cache=cache
        ),
        "knn_tuning": lambda _: tune_knn(
            X_train, y_train, X_test, y_test, cv=5, **common
        ),
        "augmentation": augmentation,
    }
