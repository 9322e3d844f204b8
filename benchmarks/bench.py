"""Time the chapter stage by stage: plain scikit-learn against mnistlab.

Every (stage, side) pair runs in its own fresh Python process, one after the
other, on the same embedded MNIST, with nothing cached, so that the wall time
and the peak memory of each run are its own. The plain side is the chapter's
code (``plain.py``); the mnistlab side is one call to
``mnistlab.chapter.run_chapter``. The numbers both sides compute are compared
key by key, and a table is printed and written to ``--out``.

Run from the repository root::

    python benchmarks/bench.py                  # everything, over an hour
    python benchmarks/bench.py --n-train 5000   # a quick check
"""

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

STAGES = (
    "binary",
    "multiclass",
    "multilabel",
    "multioutput",
    "knn_tuning",
    "augmentation",
)
SIDES = ("plain", "mnistlab")
SIDE_MODULES = {"plain": "plain", "mnistlab": "mnistlab.chapter"}
MNISTLAB_N_JOBS = 2
FLOAT_RTOL = 1e-9
SAMPLE_SECONDS = 0.2
MB = 1024 * 1024
BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent


def run_plain(stage, mnist):
    """Run one stage as the chapter writes it; return ``(metrics, extras)``."""
    import plain

    return plain.STAGES[stage](mnist), {}


def run_mnistlab(stage, mnist):
    """Run one stage through mnistlab; return ``(metrics, extras)``.

    ``extras`` carries ``floor_seconds``: the stage's CPU seconds divided by
    the number of cores used.
    """
    from mnistlab.chapter import run_chapter

    sections, group = MNISTLAB_SECTIONS[stage]
    result = run_chapter(mnist, sections=sections, cache=None, n_jobs=MNISTLAB_N_JOBS)
    metrics = dict(result.metrics()[group])
    # The floor: every distinct fit once, on one core each, spread over the
    # cores; estimated by the CPU seconds the stage used over the core count.
    cpu = sum(timing["cpu"] for timing in result.timings.values())
    return metrics, {"floor_seconds": cpu / MNISTLAB_N_JOBS}


# Which mnistlab sections make each stage, and where metrics.json keeps them.
MNISTLAB_SECTIONS = {
    "binary": (["binary"], "binary"),
    "multiclass": (["multiclass", "error_analysis"], "multiclass"),
    "multilabel": (["multilabel"], "multilabel"),
    "multioutput": (["multioutput"], "multioutput"),
    "knn_tuning": (["knn_tuning"], "exercises"),
    "augmentation": (["augmentation"], "exercises"),
}


RUNNERS = {"plain": run_plain, "mnistlab": run_mnistlab}


def _to_json(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def worker(stage, side, n_train):
    """Run one stage on one side in this process and print the result as JSON.

    Loading the data and importing the side's modules happen before the clock
    starts: both sides share them, and the stage's own work is what is timed.
    """
    import mnistlab

    mnist = mnistlab.load_mnist().subset(n_train=n_train)
    importlib.import_module(SIDE_MODULES[side])

    start = time.perf_counter()
    metrics, extras = RUNNERS[side](stage, mnist)
    seconds = time.perf_counter() - start

    result = {"seconds": seconds, "metrics": metrics, **extras}
    sys.stdout.write("\n" + json.dumps(result, default=_to_json) + "\n")
    sys.stdout.flush()


def _children_by_parent():
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _process_memory(pid):
    """Proportional set size of one process in bytes (RSS if PSS is unreadable).

    PSS splits pages shared between processes (joblib's memory-mapped arrays)
    among them, so a sum over a process tree counts each page once.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def tree_memory(pid):
    """Memory of a process and all its descendants now, in bytes (Linux)."""
    if not Path("/proc").is_dir():
        return 0
    children = _children_by_parent()
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += _process_memory(current)
        pending.extend(children.get(current, ()))
    return total


def _maxrss_bytes(usage):
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    return usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def _last_json_line(text):
    for line in reversed(text.splitlines()):
        if line.strip():
            return json.loads(line)
    raise ValueError("the worker printed nothing")


def run_worker(stage, side, n_train):
    """Run one (stage, side) in a fresh process; return its measurements.

    The process is waited for with ``wait4``, which gives this child's own peak
    resident set (``peak_rss``); its whole process tree, joblib workers
    included, is sampled every ``SAMPLE_SECONDS`` for ``peak_tree``.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", stage, side]
    if n_train is not None:
        command += ["--n-train", str(n_train)]

    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=stdout, stderr=stderr, start_new_session=True
        )
        peak_tree = 0
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                peak_tree = max(peak_tree, tree_memory(process.pid))
                time.sleep(SAMPLE_SECONDS)
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            os.waitpid(process.pid, 0)
            raise
        process.returncode = os.waitstatus_to_exitcode(status)
        process_seconds = time.perf_counter() - start

        stdout.seek(0)
        stderr.seek(0)
        out_text = stdout.read().decode(errors="replace")
        err_text = stderr.read().decode(errors="replace")

    if err_text.strip():
        sys.stderr.write(err_text)
    run = {
        "stage": stage,
        "side": side,
        "process_seconds": process_seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss": _maxrss_bytes(usage),
        "peak_tree": max(peak_tree, _maxrss_bytes(usage)),
        "returncode": process.returncode,
    }
    try:
        if process.returncode != 0:
            raise ValueError(f"exit status {process.returncode}")
        run.update(_last_json_line(out_text))
    except ValueError as exc:
        lines = [line for line in err_text.splitlines() if line.strip()]
        run["error"] = lines[-1] if lines else str(exc)
    return run


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare(expected, actual, path=""):
    """List the places where mnistlab's numbers differ from the plain ones.

    Parameters
    ----------
    expected : object
        The plain side's value: a dict, list, bool, int, float or str.
    actual : object
        mnistlab's value for the same key.
    path : str, default=""
        Where ``expected`` sits, for the messages.

    Returns
    -------
    disagreements : list of tuple of (str, object, object)
        ``(path, expected, actual)`` for every key of ``expected`` that is
        missing from ``actual`` or differs: bools, ints and strings exactly,
        floats to ``FLOAT_RTOL`` relative, lists element by element. Keys that
        only ``actual`` has are not compared.

    Examples
    --------
    >>> compare({"f1": 0.5, "cm": [[1, 2]]}, {"f1": 0.5, "cm": [[1, 3]]})
    [('cm[0][1]', 2, 3)]
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [(path, expected, actual)]
        disagreements = []
        for key, value in expected.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                disagreements.append((where, value, "<missing>"))
            else:
                disagreements += compare(value, actual[key], where)
        return disagreements

    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [(path, expected, actual)]
        disagreements = []
        for index, (value, other) in enumerate(zip(expected, actual, strict=True)):
            disagreements += compare(value, other, f"{path}[{index}]")
        return disagreements

    if isinstance(expected, float):
        agree = _is_number(actual) and (
            math.isclose(expected, actual, rel_tol=FLOAT_RTOL, abs_tol=0.0)
            or (math.isnan(expected) and math.isnan(actual))
        )
    elif isinstance(expected, bool):
        agree = isinstance(actual, bool) and actual == expected
    elif isinstance(expected, int):
        agree = _is_number(actual) and isinstance(actual, int) and actual == expected
    else:
        agree = type(actual) is type(expected) and actual == expected
    return [] if agree else [(path, expected, actual)]


def machine_description():
    """CPU, cores, memory and library versions of this machine, as text lines."""
    import numpy
    import scipy
    import sklearn
    import sklearn.neighbors  # noqa: F401  (loads OpenMP for threadpoolctl)
    import threadpoolctl

    import mnistlab

    cpu = platform.processor() or platform.machine()
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    pools = []
    for pool in threadpoolctl.threadpool_info():
        version = f" {pool['version']}" if pool.get("version") else ""
        details = ", ".join(
            str(pool[key])
            for key in ("threading_layer", "architecture")
            if pool.get(key)
        )
        details = f" ({details})" if details else ""
        pools.append(
            f"{pool['user_api']}: {pool['internal_api']}{version}{details}, "
            f"{pool['num_threads']} threads"
        )
    thread_vars = [
        f"{name}={os.environ[name]}"
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        if name in os.environ
    ]

    return [
        f"CPU: {cpu}",
        f"cores: {os.cpu_count()} ({usable} usable by this process)",
        f"memory: {memory}",
        f"OS: {platform.platform()}",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"numpy {numpy.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, mnistlab {mnistlab.__version__}"
        f"{_source_revision()}",
        "thread pools: " + ("; ".join(pools) or "none found"),
        "thread variables: " + (", ".join(thread_vars) or "none set"),
    ]


def _source_revision():
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(REPO_DIR), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f" (commit {head}{', with local changes' if changes else ''})"


def _seconds(value):
    return "—" if value is None else f"{value:.2f}"


def _megabytes(value):
    return "—" if value is None else f"{value / MB:.0f}"


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return "—"
    return f"{numerator / denominator:.2f}"


def summarise(stages, runs):
    """Rows of the table and the disagreements, from the finished runs."""
    rows, disagreements = [], {}
    totals = {"plain": 0.0, "mnistlab": 0.0, "floor": 0.0}
    both_plain = both_mnistlab = 0.0
    peaks = {"plain": None, "mnistlab": None, "tree": None}
    floor_known = True
    n_compared = n_agreeing = 0

    for stage in stages:
        plain, lab = runs.get((stage, "plain")), runs.get((stage, "mnistlab"))
        plain_ok = plain is not None and "error" not in plain
        lab_ok = lab is not None and "error" not in lab
        plain_s = plain["seconds"] if plain_ok else None
        lab_s = lab["seconds"] if lab_ok else None
        floor_s = lab.get("floor_seconds") if lab_ok else None

        if plain_ok and lab_ok:
            found = compare(plain["metrics"], lab["metrics"])
            disagreements[stage] = found
            agree = "yes" if not found else f"no ({len(found)})"
            n_compared += 1
            n_agreeing += not found
            both_plain += plain_s
            both_mnistlab += lab_s
        elif (plain is not None and not plain_ok) or (lab is not None and not lab_ok):
            agree = "failed"
        else:
            agree = "—"

        for side, run, ok in (("plain", plain, plain_ok), ("mnistlab", lab, lab_ok)):
            if ok:
                totals[side] += run["seconds"]
                peaks[side] = max(peaks[side] or 0, run["peak_rss"])
        if lab_ok:
            peaks["tree"] = max(peaks["tree"] or 0, lab["peak_tree"])
            floor_known = floor_known and floor_s is not None
            totals["floor"] += floor_s or 0.0

        rows.append(
            [
                stage,
                _seconds(plain_s),
                _seconds(lab_s),
                _seconds(floor_s),
                _ratio(lab_s, floor_s),
                _ratio(plain_s, lab_s),
                _megabytes(plain["peak_rss"]) if plain_ok else "—",
                _megabytes(lab["peak_rss"]) if lab_ok else "—",
                _megabytes(lab["peak_tree"]) if lab_ok else "—",
                agree,
            ]
        )

    any_lab = peaks["mnistlab"] is not None
    total_floor = totals["floor"] if any_lab and floor_known else None
    rows.append(
        [
            "**total**",
            _seconds(totals["plain"]) if peaks["plain"] is not None else "—",
            _seconds(totals["mnistlab"]) if any_lab else "—",
            _seconds(total_floor),
            _ratio(totals["mnistlab"] if any_lab else None, total_floor),
            _ratio(both_plain if n_compared else None, both_mnistlab),
            _megabytes(peaks["plain"]),
            _megabytes(peaks["mnistlab"]),
            _megabytes(peaks["tree"]),
            f"{n_agreeing}/{n_compared}" if n_compared else "—",
        ]
    )
    return rows, disagreements


HEADER = [
    "stage",
    "plain s",
    "mnistlab s",
    "floor s",
    "wall/floor",
    "plain/mnistlab",
    "plain MB",
    "mnistlab MB",
    "mnistlab tree MB",
    "agree",
]


def markdown_table(header, rows):
    """A Markdown table, columns padded so it also reads as plain text."""
    widths = [
        max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))
    ]
    lines = []
    for index, row in enumerate([header, *rows]):
        cells = [
            str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def _short(value, limit=120):
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def disagreement_lines(disagreements):
    """One line for each differing number, grouped by stage."""
    lines = []
    for stage, found in disagreements.items():
        for path, expected, actual in found:
            lines.append(
                f"- {stage}: `{path}` plain {_short(expected)}, "
                f"mnistlab {_short(actual)}"
            )
    return lines


def failure_lines(runs):
    """One line for each run that did not finish."""
    return [
        f"- {run['stage']} ({run['side']}): {run['error']}"
        for run in runs.values()
        if "error" in run
    ]


RESULTS_NOTE = (
    "Seconds are the wall time of the stage's own work in a fresh process, "
    "after loading the data and importing the side's modules. `floor s` is "
    "mnistlab's own estimate of the best possible wall time (its single-core fit "
    "times summed, over {n_jobs} workers) and `wall/floor` its wall time over "
    "that. `plain MB` and `mnistlab MB` are the peak resident set of the worker "
    "process (`ru_maxrss`); `mnistlab tree MB` is the largest proportional set "
    "size of that process and its children together (joblib workers: mnistlab "
    "runs with `n_jobs={n_jobs}`), sampled every {sample} s. Agreement covers "
    "every number the plain side computes: bools, ints and lists of ints "
    "exactly, floats to {rtol:g} relative. The total ratio is over the stages "
    "both sides finished."
)
RUNS_NOTE = (
    "`process s` includes starting Python, the imports and loading the data; "
    "`CPU s` is the user plus system time of the process and of the children it "
    "waited for."
)


def render_results(args, command, machine, started, runs):
    """The Markdown written to ``--out``."""
    rows, disagreements = summarise(args.stages, runs)
    n_train = "all 60,000" if args.n_train is None else f"the first {args.n_train:,}"
    lines = [
        "# Chapter benchmark: plain scikit-learn against mnistlab",
        "",
        f"Command: `{command}`",
        "",
        f"Started {started}; data: the embedded MNIST, {n_train} training "
        "images, all 10,000 test images; sides: " + ", ".join(args.sides) + ".",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine],
        "",
        "## Results",
        "",
        markdown_table(HEADER, rows),
        "",
        textwrap.fill(
            RESULTS_NOTE.format(
                n_jobs=MNISTLAB_N_JOBS, sample=SAMPLE_SECONDS, rtol=FLOAT_RTOL
            ),
            width=79,
        ),
        "",
        "## Disagreements",
        "",
    ]
    found = disagreement_lines(disagreements)
    lines += found or ["None among the stages both sides finished."]
    failures = failure_lines(runs)
    if failures:
        lines += ["", "## Failed runs", "", *failures]

    lines += [
        "",
        "## Runs",
        "",
        markdown_table(
            ["stage", "side", "stage s", "process s", "CPU s", "peak MB", "tree MB"],
            [
                [
                    run["stage"],
                    run["side"],
                    _seconds(run.get("seconds")),
                    _seconds(run["process_seconds"]),
                    _seconds(run["cpu_seconds"]),
                    _megabytes(run["peak_rss"]),
                    _megabytes(run["peak_tree"]),
                ]
                for run in runs.values()
            ],
        ),
        "",
        textwrap.fill(RUNS_NOTE, width=79),
    ]
    return "\n".join(lines) + "\n", rows, found, failures


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Compare plain scikit-learn with mnistlab, stage by stage."
    )
    parser.add_argument(
        "--stages",
        nargs="+",
        choices=STAGES,
        default=list(STAGES),
        help="stages to run, in the chapter's order (default: all)",
    )
    parser.add_argument(
        "--sides",
        nargs="+",
        choices=SIDES,
        default=list(SIDES),
        help="implementations to run (default: both)",
    )
    parser.add_argument(
        "--n-train",
        type=_positive_int,
        default=None,
        metavar="N",
        help="use only the first N training images (default: all 60,000)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH_DIR / "RESULTS.md",
        help="where to write the Markdown results (default: benchmarks/RESULTS.md)",
    )
    parser.add_argument(
        "--worker",
        nargs=2,
        metavar=("STAGE", "SIDE"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.worker is not None:
        stage, side = args.worker
        if stage not in STAGES or side not in SIDES:
            parser.error(f"--worker takes a stage and a side, got {stage} {side}")
    args.stages = [stage for stage in STAGES if stage in args.stages]
    args.sides = [side for side in SIDES if side in args.sides]
    return args


# mnistlab's peak resident memory for any stage (and so for the full report,
# which runs the stages one after the other and keeps only their results).
MEMORY_BUDGET = 3 * 1024 * MB


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker is not None:
        worker(*args.worker, args.n_train)
        return 0

    command = shlex.join(["python", *sys.argv])
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = machine_description()
    print(*machine, sep="\n")
    print()

    runs = {}
    for stage in args.stages:
        for side in args.sides:
            print(f"{stage} / {side} ...", flush=True)
            run = runs[stage, side] = run_worker(stage, side, args.n_train)
            if "error" in run:
                print(f"  failed: {run['error']}", flush=True)
            else:
                print(
                    f"  {run['seconds']:.2f} s, peak {run['peak_rss'] / MB:.0f} MB",
                    flush=True,
                )
            text, rows, found, failures = render_results(
                args, command, machine, started, runs
            )
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)

    print()
    print(markdown_table(HEADER, rows))
    if found:
        print("\nDisagreements:", *found, sep="\n")
    if failures:
        print("\nFailed runs:", *failures, sep="\n")
    over = [
        f"{stage}: {run['peak_rss'] / MB:.0f} MB"
        for (stage, side), run in runs.items()
        if side == "mnistlab" and "error" not in run and run["peak_rss"] > MEMORY_BUDGET
    ]
    if over:
        print(f"\nOver the {MEMORY_BUDGET / MB:.0f} MB memory budget:", *over, sep="\n")
    print(f"\nWritten to {args.out}")
    return 1 if found or failures or over else 0


if __name__ == "__main__":
    sys.exit(main())
