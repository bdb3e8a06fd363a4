"""Writing results safely: every file goes to a temporary name and is renamed into place.

A run that fails or is killed before the rename leaves the previous file as it was, whole.
`write_all` writes every file of a set to its temporary name first and renames them only
once all are on disk, summary.json last: a failure while writing (disk full, an exception,
Ctrl-C, a kill) leaves the whole previous set as it was, and no temporary file behind
except after a kill, when nothing can run; the next run's files replace the set.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stage(path: Path, data: bytes) -> Path:
    """Write `data` to a new temporary file beside `path`, flushed to disk; return its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        _unlink(Path(tmp))
        raise
    return Path(tmp)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _sync_dir(path: Path) -> None:
    """Make the renames in `path` durable; not every system can open a directory."""
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


def write_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise
    _sync_dir(path.parent)


def write_all(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write rendered files (name -> bytes) into `out_dir`: all to temporary names, then each
    renamed into place in the given order (put the file that marks a whole set last)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            staged.append((_stage(out_dir / name, data), out_dir / name))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)  # those already renamed are gone from their temporary names
        raise
    _sync_dir(out_dir)
    return [path for _, path in staged]
