"""The ``mnistlab`` command line: parse, call the library, render, exit.

``mnistlab data`` describes the data; ``mnistlab report`` runs the chapter
and writes the report. Problems with the input end with a one-line message
and exit status 2, never a traceback.
"""

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

from ._version import __version__
from .exceptions import MnistlabError

__all__ = ["main"]

log = logging.getLogger("mnistlab")

QUICK_N_TRAIN = 5000
QUICK_N_TEST = 1000
QUICK_SGD_MAX_ITER = 50


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, exit status 2."""

    def error(self, message):
        raise _UsageError(f"{message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number in (0, 1], got {text!r}"
        ) from None
    if not 0 < value <= 1:
        hint = f"; for {value:g}% write {value / 100:g}" if 1 < value <= 100 else ""
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}{hint}")
    return value


def _digit(text):
    if text.strip() not in [str(d) for d in range(10)]:
        raise argparse.ArgumentTypeError(f"must be a digit 0..9, got {text!r}")
    return int(text)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _build_parser():
    from .chapter import SECTIONS

    parser = _Parser(
        prog="mnistlab",
        description="The Classification chapter (MNIST, scikit-learn) as software.",
    )
    parser.add_argument(
        "--version", action="version", version=f"mnistlab {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    source_help = (
        "'embedded' (default), 'openml', or a folder of IDX files / an mnist.npz"
    )

    data = commands.add_parser(
        "data", help="describe the MNIST data: source, shapes, label counts, checksums"
    )
    data.add_argument("--source", default="embedded", help=source_help)

    report = commands.add_parser(
        "report",
        help="run the whole chapter and write the report",
        description="Run the chapter's experiments on MNIST and write index.html, "
        "metrics.json, run.json and figures/ into the output folder. Sections: "
        + ", ".join(SECTIONS),
    )
    report.add_argument(
        "--out",
        default="mnistlab-report",
        type=Path,
        help="output folder (default: mnistlab-report)",
    )
    report.add_argument(
        "--quick",
        action="store_true",
        help=f"a trial run in about a minute: the first {QUICK_N_TRAIN} "
        f"training and {QUICK_N_TEST} test images, ten-class SGD "
        f"stopped after {QUICK_SGD_MAX_ITER} epochs",
    )
    report.add_argument(
        "--n-train",
        type=_positive_int,
        default=None,
        help="use only the first N training images (default: all 60,000)",
    )
    report.add_argument(
        "--n-test",
        type=_positive_int,
        default=None,
        help="use only the first N test images (default: all 10,000)",
    )
    report.add_argument(
        "--only",
        nargs="+",
        metavar="SECTION",
        choices=SECTIONS,
        help="run only these sections: " + ", ".join(SECTIONS),
    )
    report.add_argument("--source", default="embedded", help=source_help)
    report.add_argument(
        "--positive-digit",
        type=_digit,
        default=5,
        help="the digit of the binary detector (default 5)",
    )
    report.add_argument(
        "--target-precision",
        type=_fraction,
        default=0.90,
        help="precision the binary threshold must reach, in (0, 1] (default 0.90)",
    )
    report.add_argument(
        "--n-jobs", type=_positive_int, default=2, help="parallel threads (default 2)"
    )
    report.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where fold results are cached (default: OUT/cache)",
    )
    report.add_argument(
        "--no-cache", action="store_true", help="compute everything and keep no cache"
    )
    report.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return parser


def _run_data(args, out):
    from .data import load_mnist

    mnist = load_mnist(args.source)
    counts = mnist.label_counts()
    lines = [
        f"source:      {mnist.source}",
        f"X_train:     {mnist.X_train.shape} {mnist.X_train.dtype}",
        f"y_train:     {mnist.y_train.shape} {mnist.y_train.dtype}",
        f"X_test:      {mnist.X_test.shape} {mnist.X_test.dtype}",
        f"y_test:      {mnist.y_test.shape} {mnist.y_test.dtype}",
        f"some_digit:  label {mnist.y_train[0]}",
        "label counts (digits 0-9):",
        "  train: " + " ".join(str(c) for c in counts["train"]),
        "  test:  " + " ".join(str(c) for c in counts["test"]),
    ]
    if mnist.checksums_ok is None:
        lines.append("checksums:   not applicable (no IDX files)")
    else:
        state = "match" if mnist.checksums_ok else "DO NOT MATCH the known MNIST files"
        lines.append(f"checksums:   {state}")
        lines += [f"  {name}  {digest}" for name, digest in mnist.checksums.items()]
    print("\n".join(lines), file=out)
    return 0


class _Progress:
    """Progress of the report's stages: a live display on a terminal, one
    log line per stage otherwise, nothing when quiet."""

    def __init__(self, sections, *, quiet, stream):
        self.quiet, self.stream = quiet, stream
        self.live = None
        if not quiet and stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} sections"),
                TimeElapsedColumn(),
                console=Console(file=stream),
            )
            self.task = self.live.add_task("starting", total=len(sections))

    def __enter__(self):
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.stop()

    def __call__(self, section, event, seconds=None):
        if self.quiet:
            return
        if self.live is not None:
            if event == "start":
                self.live.update(self.task, description=section)
            else:
                self.live.advance(self.task)
                self.live.console.print(f"  {section}: {seconds:.1f} s")
        elif event == "done":
            print(f"mnistlab: {section} done in {seconds:.1f} s", file=self.stream)


def _run_report(args, out):
    from ._io import ensure_dir
    from .cache import FoldCache
    from .chapter import check_sections, run_chapter
    from .data import load_mnist
    from .report import write_report

    # Fail on an unwritable folder before any computation, not after.
    out_dir = ensure_dir(args.out, what="output folder")
    cache = FoldCache(None)
    if not args.no_cache:
        cache_dir = args.cache_dir if args.cache_dir is not None else out_dir / "cache"
        cache = FoldCache(ensure_dir(cache_dir, what="cache folder"))
    start = time.perf_counter()
    mnist = load_mnist(args.source)
    options = {
        "sections": check_sections(args.only),
        "positive_digit": args.positive_digit,
        "target_precision": args.target_precision,
        "n_jobs": args.n_jobs,
        "cache": cache,
    }
    if args.quick:
        options.update(
            n_train=QUICK_N_TRAIN, n_test=QUICK_N_TEST, sgd_max_iter=QUICK_SGD_MAX_ITER
        )
    if args.n_train is not None:
        options["n_train"] = args.n_train
    if args.n_test is not None:
        options["n_test"] = args.n_test
    sections = check_sections(args.only)
    progress = _Progress(sections, quiet=args.quiet, stream=sys.stderr)
    with progress, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_chapter(mnist, progress=progress, **options)
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    run_info = {
        "command": ["mnistlab", *sys.argv[1:]] if sys.argv else ["mnistlab"],
        "quick": args.quick,
        "total_seconds": time.perf_counter() - start,
        "warnings": messages,
    }
    write_report(result, out_dir, run_info=run_info, cache=cache)
    if not args.quiet:
        for message in messages:
            print(f"mnistlab: warning: {message}", file=sys.stderr)
        print(f"mnistlab: report written to {out_dir / 'index.html'}", file=out)
    return 0


def main(argv=None, *, out=None):
    """Run the command line with ``argv``; return the exit status."""
    out = sys.stdout if out is None else out
    try:
        parser = _build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return 2
        level = logging.ERROR if getattr(args, "quiet", False) else logging.WARNING
        logging.basicConfig(level=level, format="mnistlab: %(message)s")
        if args.command == "data":
            return _run_data(args, out)
        return _run_report(args, out)
    except _UsageError as exc:
        print(f"mnistlab: error: {exc}", file=sys.stderr)
        return 2
    except MnistlabError as exc:
        print(f"mnistlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "mnistlab: interrupted; finished steps are cached and a re-run resumes "
            "from them",
            file=sys.stderr,
        )
        return 130
