"""The ``mnistlab`` command line: parse, call the library, render, exit."""

import argparse
import logging
import sys

from . import __version__
from .data import load_mnist
from .exceptions import MnistlabError

__all__ = ["main"]

log = logging.getLogger("mnistlab")


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="mnistlab",
        description="The Classification chapter (MNIST, scikit-learn) as software.",
    )
    parser.add_argument(
        "--version", action="version", version=f"mnistlab {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    data = commands.add_parser(
        "data", help="describe the MNIST data: source, shapes, label counts, checksums"
    )
    data.add_argument(
        "--source",
        default="embedded",
        help="'embedded' (default), 'openml', or a folder of IDX files / mnist.npz",
    )
    return parser


def _run_data(args, out):
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


def main(argv=None, *, out=None):
    """Run the command line with ``argv``; return the exit status."""
    out = sys.stdout if out is None else out
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(out)
        return 2
    try:
        return _run_data(args, out)
    except MnistlabError as exc:
        print(f"mnistlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mnistlab: interrupted", file=sys.stderr)
        return 130
