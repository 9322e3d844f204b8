"""Cross-validation that fits each fold once.

The chapter asks the same fold models for their accuracy
(``cross_val_score``), their predictions (``cross_val_predict``) and their
decision scores (``cross_val_predict(..., method="decision_function")``).
Here each fold is fitted once, asked everything at once, and its answers are
kept in the :class:`~mnistlab.cache.FoldCache`; the results equal those of
the separate scikit-learn calls, since each fit is deterministic.
"""

import hashlib
import logging
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from .cache import FoldCache
from .exceptions import MnistlabWarning

__all__ = [
    "Task",
    "assemble",
    "data_fingerprint",
    "fold_accuracies",
    "fold_labels",
    "fold_tasks",
    "full_fit_task",
    "lazy",
    "run_tasks",
    "stratified_folds",
]

log = logging.getLogger("mnistlab")


def stratified_folds(y, *, cv=3, shuffle=False, random_state=None, stratify=True):
    """The (train, test) index pairs that scikit-learn's ``cv=int`` uses.

    For a classifier and class labels this is ``StratifiedKFold(cv)``
    (no shuffling), for multilabel targets ``KFold(cv)``.
    """
    if stratify:
        splitter = StratifiedKFold(cv, shuffle=shuffle, random_state=random_state)
    else:
        splitter = KFold(cv, shuffle=shuffle, random_state=random_state)
    X_dummy = np.zeros((len(y), 1))
    folds = [(train, test) for train, test in splitter.split(X_dummy, y)]
    _warn_missing_classes(y, folds)
    return folds


def fold_labels(folds, n_samples):
    """For each sample, the number of the fold in which it is a test sample."""
    labels = np.full(n_samples, -1, dtype=np.int64)
    for i, (_, test) in enumerate(folds):
        labels[test] = i
    return labels


def _warn_missing_classes(y, folds):
    """Warn when a fold trains without a class that it is tested on."""
    y = np.asarray(y)
    if y.ndim != 1:
        return
    for i, (train, test) in enumerate(folds):
        missing = np.setdiff1d(np.unique(y[test]), np.unique(y[train]))
        if len(missing):
            warnings.warn(
                f"fold {i + 1} of {len(folds)} trains without the class(es) "
                f"{missing.tolist()} that it is tested on: the labels look sorted "
                "and the folds are not shuffled; shuffle the data (or use "
                "stratified folds) so every fold sees every class",
                MnistlabWarning,
                stacklevel=3,
            )
            return


def lazy(make):
    """Wrap ``make`` so that it runs once, on first call, even across threads.

    For data that only a computed fold needs: a run served from the cache
    then never makes it.
    """
    lock = threading.Lock()
    made = []

    def get():
        with lock:
            if not made:
                made.append(make())
            return made[0]

    return get


def describe(estimator):
    """A JSON-serialisable description of an estimator and its parameters."""
    params = {
        name: value
        if isinstance(value, int | float | str | bool | None)
        else repr(value)
        for name, value in sorted(estimator.get_params(deep=True).items())
    }
    return {"class": type(estimator).__name__, "params": params}


def data_fingerprint(*arrays):
    """A SHA-256 over arrays' shapes, dtypes and bytes (identifies the data)."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def index_digest(indices):
    """A short digest of an index array (identifies a fold)."""
    return hashlib.sha256(np.ascontiguousarray(indices, dtype=np.int64)).hexdigest()[
        :16
    ]


@dataclass
class Task:
    """One fit (or other computation) whose arrays are cached.

    Attributes
    ----------
    description : dict
        What is computed; becomes the cache key. ``description["name"]``
        labels the task in logs and in the run manifest.
    compute : callable
        Returns a dict of arrays.
    """

    description: dict
    compute: object


def _run_one(task, cache):
    start = time.perf_counter()
    arrays = cache.get(task.description, task.compute)
    log.debug("%s: %.1f s", task.description.get("name"), time.perf_counter() - start)
    return arrays


def run_tasks(tasks, *, cache=None, n_jobs=None):
    """Run tasks, in parallel threads, each served from the cache if it can be.

    scikit-learn's fitting loops release the GIL, so threads share the data
    without copies and keep both cores busy.

    Returns
    -------
    results : list of dict
        The arrays of each task, in order.
    """
    cache = cache if cache is not None else FoldCache(None)
    if n_jobs in (None, 1) or len(tasks) <= 1:
        return [_run_one(task, cache) for task in tasks]
    return Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(_run_one)(task, cache) for task in tasks
    )


def fold_tasks(
    name, estimator, X, y, folds, *, methods=("predict",), data_key, extra=None
):
    """One :class:`Task` per fold: fit a clone on the training part and
    apply each of ``methods`` to the test part.

    ``X`` is an array, or a function without arguments that returns it
    (called only when a fold has to be computed).
    """
    tasks = []
    for i, (train, test) in enumerate(folds):
        description = {
            "name": f"{name} fold {i + 1}/{len(folds)}",
            "estimator": describe(estimator),
            "data": data_key,
            "train": index_digest(train),
            "test": index_digest(test),
            "methods": list(methods),
            "extra": extra,
        }
        tasks.append(
            Task(description, _fold_compute(estimator, X, y, train, test, methods))
        )
    return tasks


def full_fit_task(name, estimator, X, y, *, data_key):
    """A :class:`Task` that fits a clone on all of ``X`` and asks it for the
    prediction and decision score of the first image (``some_digit``).

    ``X`` is an array or a function that returns it, as in :func:`fold_tasks`.
    """

    def compute():
        data = X() if callable(X) else X
        model = clone(estimator).fit(data, y)
        return {
            "predict": model.predict(data[:1]),
            "decision_function": model.decision_function(data[:1]),
        }

    description = {
        "name": name,
        "estimator": describe(estimator),
        "data": data_key,
        "on": "some_digit",
    }
    return Task(description, compute)


def _fold_compute(estimator, X, y, train, test, methods):
    def compute():
        # X may be a function that makes the array, so that nothing is
        # converted when every fold comes from the cache.
        data = X() if callable(X) else X
        model = clone(estimator).fit(data[train], y[train])
        X_test = data[test]
        return {method: getattr(model, method)(X_test) for method in methods}

    return compute


def assemble(fold_results, folds, method, n_samples):
    """Put each fold's output back in sample order, as ``cross_val_predict``."""
    first = fold_results[0][method]
    out = np.empty((n_samples, *first.shape[1:]), dtype=first.dtype)
    for result, (_, test) in zip(fold_results, folds, strict=True):
        out[test] = result[method]
    return out


def fold_accuracies(fold_results, folds, y):
    """Accuracy of each fold's predictions, as ``cross_val_score`` reports."""
    return [
        float(np.mean(result["predict"] == y[test]))
        for result, (_, test) in zip(fold_results, folds, strict=True)
    ]
