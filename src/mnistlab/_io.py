"""Small file-system helpers shared by the package: atomic writes."""

import contextlib
import os
import tempfile
import uuid
from pathlib import Path

from .exceptions import OutputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "ensure_dir"]


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` so that readers see the old or the new file.

    The bytes go to a temporary file in the same folder, which is flushed and
    then renamed over ``path``; an interruption leaves the old file intact.
    """
    path = Path(path)
    # Not mkstemp, whose 0600 mode would survive the rename: created this way
    # the file gets the usual permissions of the umask.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text):
    """Write ``text`` as UTF-8 with :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def ensure_dir(path, *, what="output folder"):
    """Create the folder ``path`` if needed and check that it can be written.

    Raises
    ------
    OutputError
        If ``path`` is a file, cannot be created, or is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"the {what} {path} is a file, not a folder; choose another path"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe."):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(
            f"cannot write to the {what} {path} ({reason}); choose a folder "
            "you can write to"
        ) from exc
    return path
