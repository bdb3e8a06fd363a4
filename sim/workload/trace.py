"""Reading job traces into TraceJobs: one reader per format, starting with the Philly CSV.

A reader checks every row and stops at the first problem with a TraceError naming the file,
the line and the column. Jobs are sorted by submission time (stably: ties keep file order);
seconds become hours. Parsed traces are cached by path, size and modification time, since a
scenario is often loaded and then run, or loaded many times in tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import math
import os
import zlib
from typing import NoReturn

import numpy as np

from sim.durable import NotRegularFile, not_regular, open_regular
from sim.model.workload import TraceJobs
from sim.units import SECONDS_PER_HOUR

HOURS_PER_WEEK = 168.0
MAX_TRACE_BYTES = 2 * 1024**3  # decompressed; far beyond any trace a run could replay
MAX_TRACE_JOBS = 20_000_000  # as many as a run may ask for (sim/model/limits.py MAX_JOBS)


class TraceError(ValueError):
    """A problem with a trace file: `where` is "line N, column C (name)" or "" for the file."""

    def __init__(self, path: str, where: str, problem: str):
        self.path, self.where, self.problem = path, where, problem
        super().__init__(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


def read_text(path) -> tuple[str, str]:
    """The decompressed text of a trace file (gzip if it starts with gzip's magic bytes) and
    its SHA-256."""
    source = str(path)
    try:
        with open_regular(path, "trace file") as f:
            head = f.read(2)
            f.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=f) as g:
                    data = g.read(MAX_TRACE_BYTES + 1)
            else:
                data = f.read(MAX_TRACE_BYTES + 1)
    except FileNotFoundError:
        raise TraceError(source, "", "no such file") from None
    except IsADirectoryError:
        raise TraceError(source, "", "is a directory, not a trace file") from None
    except NotRegularFile as e:
        raise TraceError(source, "", str(e)) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise TraceError(source, "", f"not a readable gzip file: {e}") from None
    except OSError as e:
        raise TraceError(source, "", f"cannot read: {e.strerror or e}") from None
    if len(data) > MAX_TRACE_BYTES:
        raise TraceError(source, "", f"more than {MAX_TRACE_BYTES:,} bytes of text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TraceError(source, f"line {line}", "not UTF-8 text") from None
    return text, hashlib.sha256(data).hexdigest()


# --- Philly (Pollux/Sia extraction): timestamp,duration,num_gpus,gpu_time,cluster ------------
PHILLY_COLUMNS = ("timestamp", "duration", "num_gpus", "gpu_time")


def _philly_rows(text: str, source: str):
    """(submitted, seconds, gpus) for each row, checked; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise TraceError(source, "line 1", f"not CSV: {e}") from None
    if header is None:
        raise TraceError(source, "line 1", "empty file: expected a header " + ",".join(PHILLY_COLUMNS) + ",...")
    col = {}
    for name in PHILLY_COLUMNS:
        if name not in header:
            raise TraceError(source, "line 1", f"no column {name!r} in the header ({','.join(header)[:200]})")
        col[name] = header.index(name)
    width = len(header)
    at = [col[n] for n in PHILLY_COLUMNS]

    fromiso = dt.datetime.fromisoformat
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise TraceError(source, f"line {reader.line_num}", f"not CSV: {e}") from None
        if not row or row == [""]:
            continue
        if len(row) != width:
            raise TraceError(source, f"line {reader.line_num}", f"{len(row)} columns, the header has {width}")
        # The common case first, checked in one go; a row that fails is looked at again.
        try:
            submitted, seconds, n, total = fromiso(row[at[0]]), float(row[at[1]]), int(row[at[2]]), float(row[at[3]])
            ok = (submitted.tzinfo is None and 0.0 < seconds < math.inf and n >= 1
                  and abs(total - seconds * n) <= 1e-6 * max(1.0, total))
        except ValueError:
            ok = False
        if not ok:
            _row_problem(source, reader.line_num, header, at, row)
        yield submitted, seconds, n


def _row_problem(source: str, line: int, header, at, row) -> None:
    """Raise the TraceError for the first bad field of a row that failed the quick check."""

    def fail(i: int, problem: str) -> NoReturn:
        raise TraceError(source, f"line {line}, column {at[i] + 1} ({header[at[i]]})", problem)

    stamp, secs, gpus, gpu_time = (row[c] for c in at)
    try:
        submitted = dt.datetime.fromisoformat(stamp)
    except ValueError:
        fail(0, f"not a time YYYY-MM-DD HH:MM:SS: {stamp[:40]!r}")
    if submitted.tzinfo is not None:
        fail(0, f"has a time zone; expected naive wall-clock time: {stamp[:40]!r}")
    seconds = _number(secs)
    if seconds is None or not 0.0 < seconds < math.inf:
        fail(1, f"must be a finite number of seconds > 0, got {secs[:40]!r}")
    try:
        n = int(gpus)
    except ValueError:
        fail(2, f"not a whole number of GPUs: {gpus[:40]!r}")
    if n < 1:
        fail(2, f"must be at least 1, got {gpus[:40]!r}")
    total = _number(gpu_time)
    if total is None or not math.isfinite(total):
        fail(3, f"not a finite number: {gpu_time[:40]!r}")
    fail(3, f"{gpu_time[:40]!r} is not duration x num_gpus ({seconds * n:g})")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_philly(text: str, source: str) -> TraceJobs:
    stamps, secs, gpus = [], [], []
    for submitted, seconds, n in _philly_rows(text, source):
        stamps.append(submitted)
        secs.append(seconds)
        gpus.append(n)
        if len(stamps) > MAX_TRACE_JOBS:
            raise TraceError(source, "", f"more than {MAX_TRACE_JOBS:,} jobs")
    if not stamps:
        raise TraceError(source, "", "no jobs")
    first = min(stamps)
    origin = dt.datetime(first.year, first.month, first.day)
    # Whole microseconds since the origin: exact, so that ties sort in file order.
    offset = np.array([(s - origin) // dt.timedelta(microseconds=1) for s in stamps], dtype=np.int64)
    order = np.argsort(offset, kind="stable")
    arrival_h = offset[order] / (SECONDS_PER_HOUR * 1e6)
    weeks = int(arrival_h[-1] // HOURS_PER_WEEK) + 1  # the last submission falls inside the period
    return TraceJobs(
        arrival_h=arrival_h,
        size=np.asarray(gpus, dtype=np.int64)[order],
        duration_h=np.asarray(secs, dtype=np.float64)[order] / SECONDS_PER_HOUR,
        origin=origin,
        period_h=weeks * HOURS_PER_WEEK,
    )


FORMATS = {"philly": parse_philly}  # with OpenB pod lists: sim/workload/formats.py


@functools.lru_cache(maxsize=8)
def _cached(path: str, parse, size: int, mtime_ns: int) -> tuple[TraceJobs, str]:
    text, digest = read_text(path)
    return parse(text, path), digest


def read_trace(path, fmt: str = "philly") -> tuple[TraceJobs, str]:
    """The jobs of a trace file and the SHA-256 of its (decompressed) text."""
    return read_parsed(path, FORMATS[fmt])


def read_parsed(path, parse) -> tuple[TraceJobs, str]:
    """The jobs of a trace file as `parse(text, source)` reads them, and the SHA-256 of its text."""
    source = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise TraceError(source, "", "no such file") from None
    except (OSError, ValueError) as e:
        raise TraceError(source, "", f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    problem = not_regular(st.st_mode, "trace file")  # a FIFO or a device would block the read
    if problem:
        raise TraceError(source, "", problem)
    return _cached(source, parse, st.st_size, st.st_mtime_ns)
