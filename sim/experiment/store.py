"""Saved chunks of an unfinished batch of runs, so that a sweep stopped by Ctrl-C, kill -9 or
a crash resumes where it stopped, with no run twice and none missing.

    <folder>/.<kind>-runs-<digest>/p12-r0.jsonl    one finished chunk: its rows, one JSON line each
    <folder>/.<kind>-runs.lock                     held while a batch of this kind runs here

A chunk file is written under a temporary name, flushed to disk and renamed: it exists whole
or not at all. The digest names the plan (scenario text, runs, seeds, package version), so
chunks of an edited sweep are never mixed in. JSON keeps every float exact.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

from sim.durable import sync_dir, write_synced

try:
    import fcntl
except ImportError:  # not POSIX: no guard against two sweeps writing one folder
    fcntl = None


# The stores this process opened, for the command line to say truthfully, after Ctrl-C, how
# many runs are on disk (a signal can come between a chunk's rename and any count kept beside it).
OPENED: list["RunStore"] = []


class StoreBusy(OSError):
    """Another process is running this sweep into the same folder."""


class RunStore:
    def __init__(self, folder: Path, kind: str, digest: str):
        self.folder = Path(folder)
        self.kind = kind
        self.path = self.folder / f".{kind}-runs-{digest}"
        self._lock_fd = None

    # --- opening and closing ---------------------------------------------------------------
    def open(self) -> "RunStore":
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / f".{self.kind}-runs.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StoreBusy(errno.EBUSY, f"another {self.kind} is running into {self.folder}") from None
        self._lock_fd = fd
        self.path.mkdir(exist_ok=True)
        OPENED.append(self)
        for p in self.path.glob("*.tmp"):  # a write that a kill cut short
            p.unlink(missing_ok=True)
        return self

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()

    # --- rows -------------------------------------------------------------------------------
    def rows(self) -> list[dict]:
        """Every saved row, once per key."""
        out = {}
        for p in sorted(self.path.glob("*.jsonl")):
            for line in p.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                out.setdefault(row["key"], row)
        return list(out.values())

    def save(self, rows: list[dict]) -> None:
        if not rows:
            return
        first = rows[0]
        name = f"p{first['point']}-r{first['rep']}.jsonl"
        tmp = self.path / f"{name}.tmp"
        data = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode("utf-8")
        write_synced(tmp, data, exclusive=False)
        os.rename(tmp, self.path / name)
        sync_dir(self.path)

    def discard(self) -> None:
        """Remove the saved chunks of this kind, this plan's and any older plan's: once the
        results are written, they hold nothing more."""
        prefix = f".{self.kind}-runs-"
        for p in self.folder.iterdir():
            if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
