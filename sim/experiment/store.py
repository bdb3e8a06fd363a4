"""Saved chunks of an unfinished batch of runs, so that a sweep stopped by Ctrl-C, kill -9 or
a crash resumes where it stopped, with no run twice and none missing.

    <folder>/.<kind>-runs-<identity[:16]>/p12-r0.jsonl  one finished chunk
    <folder>/.<kind>-runs.lock                          held while a batch of this kind runs here

A chunk is a header line, {"format", "identity", "rows", "sha256"}, then its rows, one JSON
line each (JSON keeps every float exact). The identity names the plan: the sweep file, the
scenario text, the runs and their seeds, the code; the checksum covers the rows' bytes. A chunk
file is written under a temporary name, flushed to disk and renamed: it exists whole or not at
all.

Nothing found in the store is trusted. A chunk whose header, checksum, identity or rows do
not check out (a flipped digit, a truncation, a chunk of another sweep, a run this plan does
not have, a point or seed that is not the run's) is removed and its runs are run again; a file
this store did not write is left alone and not read. Each says so in one warning
(StoreWarning). A store that cannot be used at all (a file where its folder should be, no
permission) is a StoreError: one line.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import warnings
from pathlib import Path

from sim.durable import sync_dir, write_synced

try:
    import fcntl
except ImportError:  # not POSIX: no guard against two sweeps writing one folder
    fcntl = None  # type: ignore[assignment]  # the module or None, checked where used

FORMAT = "computesim-runs/1"
MAX_CHUNK_BYTES = 256 * 2**20  # a chunk is at most 64 runs of a few thousand numbers: far less
CHUNK_NAME = re.compile(r"p(\d+)-r(\d+)\.jsonl")
IDENTITY = ("point", "rep", "seed")

# The stores this process opened, for the command line to say truthfully, after Ctrl-C, how
# many runs are on disk (a signal can come between a chunk's rename and any count kept beside it).
OPENED: list[RunStore] = []


class StoreBusy(OSError):
    """Another process is running this sweep into the same folder."""


class StoreError(Exception):
    """The store cannot be used (a file where its folder should be, no permission): one line."""


class StoreWarning(UserWarning):
    """A damaged chunk (its runs are run again) or a file the store did not write (ignored)."""


class Damaged(ValueError):
    """Why a chunk is not used."""


class RunStore:
    def __init__(self, folder: Path, kind: str, identity: str, plan: dict | None = None):
        """`plan`: key -> (point, rep, seed) of every run the batch has; None takes any key."""
        self.folder = Path(folder)
        self.kind = kind
        self.identity = identity
        self.plan = plan
        self.path = self.folder / f".{kind}-runs-{identity[:16]}"
        self._lock_fd: int | None = None

    # --- opening and closing ---------------------------------------------------------------
    def open(self) -> RunStore:
        lock = self.folder / f".{self.kind}-runs.lock"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as e:
            raise StoreError(f"{lock}: cannot keep this {self.kind}'s saved runs: {_why(e)}") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise StoreBusy(errno.EBUSY, f"another {self.kind} is running into {self.folder}") from None
        self._lock_fd = fd
        try:
            if self.path.is_symlink() or (self.path.exists() and not self.path.is_dir()):
                raise StoreError(f"{self.path}: not a folder, so this {self.kind}'s runs cannot be saved "
                                 "there; remove it and run the same command again")
            self.path.mkdir(exist_ok=True)
            for entry in os.scandir(self.path):
                if entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)  # a write that a kill cut short
        except OSError as e:
            self.close()
            raise StoreError(f"{self.path}: cannot keep this {self.kind}'s saved runs: {_why(e)}") from None
        except StoreError:
            self.close()
            raise
        OPENED.append(self)
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
    def load(self) -> list[dict]:
        """Every run saved whole, once: damaged chunks are removed (their runs are run again)
        and files this store did not write are left alone, each with one StoreWarning."""
        rows, damaged, foreign = self._scan()
        for path, why in damaged:
            warnings.warn(StoreWarning(f"{path}: {why}; removed, its runs are run again"), stacklevel=2)
            try:
                os.unlink(path)
            except OSError:
                pass  # the next save of this chunk replaces it; the clean-up at the end removes it
        for path in foreign:
            warnings.warn(StoreWarning(f"{path}: not a chunk this {self.kind} saved; ignored"), stacklevel=2)
        return rows

    def rows(self) -> list[dict]:
        """Every run saved whole, once (nothing removed, nothing said)."""
        return self._scan()[0]

    def count(self) -> int:
        try:
            return len(self.rows())
        except (OSError, StoreError):
            return 0

    def _scan(self) -> tuple[list[dict], list[tuple[Path, str]], list[Path]]:
        chunks, damaged, foreign = {}, [], []
        try:
            entries = sorted(os.scandir(self.path), key=lambda e: e.name)
        except OSError as e:
            raise StoreError(f"{self.path}: cannot read this {self.kind}'s saved runs: {_why(e)}") from None
        for entry in entries:
            path = Path(entry.path)
            if not CHUNK_NAME.fullmatch(entry.name) or not _regular(entry):
                foreign.append(path)
                continue
            try:
                chunks[path] = self._read(path)
            except Damaged as e:
                damaged.append((path, str(e)))
        # Two whole chunks that disagree on a run: neither is trusted.
        seen: dict[str, tuple[Path, str]] = {}
        bad: dict[Path, str] = {}
        for path, rows in chunks.items():
            for row in rows:
                text = json.dumps(row, sort_keys=True)  # NaN equals NaN here
                other = seen.setdefault(row["key"], (path, text))
                if other[1] != text:
                    bad[path] = bad[other[0]] = f"disagrees with another saved chunk on run {row['key']}"
        damaged += sorted(bad.items())
        out: dict[str, dict] = {}
        for path, rows in chunks.items():
            if path not in bad:
                for row in rows:
                    out.setdefault(row["key"], row)
        return list(out.values()), sorted(damaged), foreign

    def _read(self, path: Path) -> list[dict]:
        try:
            if path.stat().st_size > MAX_CHUNK_BYTES:
                raise Damaged(f"larger than any chunk ({MAX_CHUNK_BYTES:,} bytes)")
            data = path.read_bytes()
        except OSError as e:
            raise Damaged(f"cannot be read ({_why(e)})") from None
        head, newline, body = data.partition(b"\n")
        try:
            header = json.loads(head)
        except ValueError:
            header = None
        if not newline or not isinstance(header, dict) or header.get("format") != FORMAT:
            raise Damaged("not a whole chunk of saved runs (no header)")
        if header.get("identity") != self.identity:
            raise Damaged("saved by another version of this sweep or of computesim")
        if header.get("sha256") != hashlib.sha256(body).hexdigest():
            raise Damaged("checksum does not match (the file was cut short or changed)")
        try:
            rows = [json.loads(line) for line in body.decode("utf-8").splitlines()]
        except ValueError:
            raise Damaged("rows are not JSON") from None
        if len(rows) != header.get("rows") or not rows:
            raise Damaged("holds another number of rows than its header says")
        for row in rows:
            self._check(row)
        name = CHUNK_NAME.fullmatch(path.name)
        if name is None or name.groups() != (str(rows[0]["point"]), str(rows[0]["rep"])):
            raise Damaged("its name is not its first run's")
        return rows

    def _check(self, row) -> None:
        if not isinstance(row, dict) or not isinstance(row.get("key"), str):
            raise Damaged("a row without a run's key")
        if not all(type(row.get(k)) is int for k in IDENTITY):
            raise Damaged(f"run {row['key']}: point, replication and seed must be whole numbers")
        if self.plan is not None and self.plan.get(row["key"]) != tuple(row[k] for k in IDENTITY):
            raise Damaged(f"run {row['key']} is not a run of this plan, or not with this point and seed")
        for k, v in row.items():
            if k != "key" and (type(v) not in (int, float)):
                raise Damaged(f"run {row['key']}: {k} is not a number")

    def save(self, rows: list[dict]) -> None:
        if not rows:
            return
        first = rows[0]
        name = f"p{first['point']}-r{first['rep']}.jsonl"
        tmp = self.path / f"{name}.tmp"
        body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows).encode("utf-8")
        header = {"format": FORMAT, "identity": self.identity, "rows": len(rows),
                  "sha256": hashlib.sha256(body).hexdigest()}
        try:
            write_synced(tmp, json.dumps(header).encode("utf-8") + b"\n" + body, exclusive=False)
            os.rename(tmp, self.path / name)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise StoreError(f"{self.path / name}: cannot save finished runs: {_why(e)}") from None
        sync_dir(self.path)

    def discard(self) -> None:
        """Remove the saved chunks of this kind, this plan's and any older plan's: once the
        results are written, they hold nothing more."""
        prefix = f".{self.kind}-runs-"
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return
        for p in entries:
            if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)


def _regular(entry: os.DirEntry) -> bool:
    try:
        return stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return False


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__
