"""File-system helpers: making writes durable (the run store and the writer), and reading
only regular files (scenarios, sweeps, traces, earlier results), never blocking on a FIFO or a
device."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class NotRegularFile(OSError):
    """A path to read is a directory, FIFO, device or socket; str() is the problem, one line."""


def not_regular(mode: int, what: str = "file") -> str | None:
    """Why a file of this st_mode is not read (`what`: "scenario file", "trace file"...), or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return f"is a directory, not a {what}"
    for test, name in _KINDS:
        if test(mode):
            return f"is {name}, not a regular file"
    return "is not a regular file"


def open_regular(path, what: str = "file"):
    """`path` opened for binary reading if it is a regular file; NotRegularFile if not. The
    mode is checked before the open and again on the file opened, and the open does not wait:
    a path swapped for a FIFO in between is refused too, without blocking."""
    problem = not_regular(os.stat(path).st_mode, what)
    if problem:
        raise NotRegularFile(problem)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | os.O_CLOEXEC)
    f = os.fdopen(fd, "rb")
    problem = not_regular(os.fstat(fd).st_mode, what)
    if problem:
        f.close()
        raise NotRegularFile(problem)
    return f


def sync_dir(path: Path) -> None:
    """Make renames in `path` durable; not every system can open or sync a directory."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_synced(path: Path, data: bytes, *, exclusive: bool) -> None:
    """Write `data` to `path` whole and fsync it; `exclusive`: the file must not exist yet
    (else it is truncated)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
