"""Reading Alibaba's GPU-sharing cluster trace (cluster-trace-gpu-v2023, "OpenB"): its node
list and its pod list, as Weng et al. ("Beware of Fragmentation", USENIX ATC'23) published them.

Node list: sn, cpu_milli, memory_mib, gpu (or num_gpu), model. Pod list: name, cpu_milli,
memory_mib, num_gpu, gpu_milli, gpu_spec, qos, pod_phase, creation_time, deletion_time,
scheduled_time (seconds; scheduled_time may be empty for a pod never scheduled). gpu_milli is
the share of each of its num_gpu cards a pod asks for: a share (< 1000) only with one card;
gpu_spec the models it may run on ("A|B", empty: any). Every row is checked; the first bad one
stops the read with a TraceError naming the file, the line and the column. Only files a user
gives are read: the project ships a synthetic fixture in this format for its tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import NoReturn

import numpy as np
from attrs import frozen

from sim.model.workload import TraceJobs
from sim.workload.trace import SECONDS_PER_HOUR, TraceError, read_text

MILLI = 1000  # milli-cards in one card
MAX_ROWS = 10_000_000
TRACE_ZERO = dt.datetime(1970, 1, 1)  # the pod list's times count from an undated zero
HOURS_PER_WEEK = 168.0


@frozen
class Node:
    sn: str
    cpu_milli: int
    memory_mib: int
    gpus: int
    model: str


@frozen
class Pod:
    name: str
    cpu_milli: int
    memory_mib: int
    num_gpu: int
    gpu_milli: int
    gpu_spec: tuple[str, ...]  # () : any model
    qos: str
    pod_phase: str
    creation_s: int
    deletion_s: int
    scheduled_s: int | None

    @property
    def gpu_demand_milli(self) -> int:
        return self.num_gpu * self.gpu_milli


NODE_COLUMNS = ("sn", "cpu_milli", "memory_mib", "gpu", "model")
POD_COLUMNS = ("name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase",
               "creation_time", "deletion_time", "scheduled_time")


class _Rows:
    """The rows of a CSV file with the named columns, each with a way to say what is wrong."""

    def __init__(self, path, columns: tuple[str, ...], aliases: dict[str, str] | None = None,
                 text: str | None = None):
        self.source = str(path)
        if text is None:
            text, self.digest = read_text(path)
        self.reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(self.reader, None)
        except csv.Error as e:
            raise TraceError(self.source, "line 1", f"not CSV: {e}") from None
        if not header:
            raise TraceError(self.source, "line 1", "empty file: expected a header " + ",".join(columns))
        header = [h.strip() for h in header]
        self.header = header
        self.col = {}
        for name in columns:
            found = name if name in header else next((a for a, n in (aliases or {}).items() if n == name and a in header),
                                                     None)
            if found is None:
                raise TraceError(self.source, "line 1", f"no column {name!r} in the header ({','.join(header)[:200]})")
            self.col[name] = header.index(found)
        self.line = 1
        self.row: list[str] = []

    def __iter__(self):
        width = len(self.header)
        n = 0
        while True:
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise TraceError(self.source, f"line {self.reader.line_num}", f"not CSV: {e}") from None
            self.line = self.reader.line_num
            if not row or row == [""]:
                continue
            if len(row) != width:
                raise TraceError(self.source, f"line {self.line}", f"{len(row)} columns, the header has {width}")
            n += 1
            if n > MAX_ROWS:
                raise TraceError(self.source, "", f"more than {MAX_ROWS:,} rows")
            self.row = row
            yield self

    def fail(self, name: str, problem: str) -> NoReturn:
        c = self.col[name]
        raise TraceError(self.source, f"line {self.line}, column {c + 1} ({self.header[c]})", problem)

    def text(self, name: str, empty: bool = False) -> str:
        v = self.row[self.col[name]].strip()
        if not v and not empty:
            self.fail(name, "empty")
        return v

    def whole(self, name: str, lo: int = 0, hi: int | None = None, empty: bool = False) -> int | None:
        v = self.row[self.col[name]].strip()
        if not v and empty:
            return None
        try:
            n = int(v)
        except ValueError:
            self.fail(name, f"not a whole number: {v[:40]!r}")
        if n < lo or (hi is not None and n > hi):
            self.fail(name, f"must be {lo} to {hi}, got {n}" if hi is not None else f"must be at least {lo}, got {n}")
        return n


def read_nodes(path) -> tuple[list[Node], str]:
    """The nodes of an OpenB node list, in file order, and the SHA-256 of its text."""
    rows = _Rows(path, NODE_COLUMNS, {"num_gpu": "gpu"})
    nodes = []
    seen: set[str] = set()
    for r in rows:
        sn = r.text("sn")
        if sn in seen:
            r.fail("sn", f"node {sn!r} is listed twice")
        seen.add(sn)
        cpu, mem = r.whole("cpu_milli", 1), r.whole("memory_mib", 1)
        gpus = r.whole("gpu", 0, 64)
        assert cpu is not None and mem is not None and gpus is not None  # not empty=True
        nodes.append(Node(sn, cpu, mem, gpus, r.text("model") if gpus else r.text("model", empty=True)))
    if not nodes:
        raise TraceError(rows.source, "", "no nodes")
    return nodes, rows.digest


def read_pods(path, text: str | None = None) -> tuple[list[Pod], str]:
    """The pods of an OpenB pod list, in file order, and the SHA-256 of its text (of `text`,
    read already, "" then)."""
    rows = _Rows(path, POD_COLUMNS, text=text)
    if text is not None:
        rows.digest = ""
    pods = []
    for r in rows:
        name = r.text("name")
        cpu, mem = r.whole("cpu_milli", 0), r.whole("memory_mib", 0)
        n = r.whole("num_gpu", 0, 64)
        milli = r.whole("gpu_milli", 0, MILLI)
        assert cpu is not None and mem is not None and n is not None and milli is not None
        if n == 0 and milli:
            r.fail("gpu_milli", f"a pod of no GPU asks for none, got {milli}")
        if n and not milli:
            r.fail("gpu_milli", f"must be 1 to {MILLI} for a pod of {n} GPU(s), got 0")
        if n > 1 and milli != MILLI:
            r.fail("gpu_milli", f"a share of a card (< {MILLI}) only with one GPU; {n} GPUs at {milli}")
        spec = r.text("gpu_spec", empty=True)
        models = tuple(m.strip() for m in spec.split("|")) if spec else ()
        if any(not m for m in models):
            r.fail("gpu_spec", f"an empty model name in {spec[:60]!r} (models are separated by |)")
        created = r.whole("creation_time", 0)
        deleted = r.whole("deletion_time", 0)
        scheduled = r.whole("scheduled_time", 0, empty=True)
        assert created is not None and deleted is not None
        if deleted < created:
            r.fail("deletion_time", f"{deleted} is before its creation_time {created}")
        pods.append(Pod(name, cpu, mem, n, milli, models, r.text("qos"), r.text("pod_phase"), created, deleted,
                        scheduled))
    if not pods:
        raise TraceError(rows.source, "", "no pods")
    return pods, rows.digest


def pod_jobs(text: str, source: str) -> TraceJobs:
    """A pod list as a trace to replay (`format = "openb"`): each pod with a GPU a job arriving
    at its creation_time, running deletion_time - creation_time, with its cards, its share of
    one card (0: whole cards) and its gpu_spec models; pods of no GPU are left out and counted.
    Hours count from the trace's zero (its times are seconds from it, no calendar date)."""
    pods, _ = read_pods(source, text)
    kept = [p for p in pods if p.num_gpu]
    if not kept:
        raise TraceError(source, "", "no pod asks for a GPU")
    created = np.array([p.creation_s for p in kept], dtype=np.int64)
    order = np.argsort(created, kind="stable")  # ties in file order
    kept = [kept[i] for i in order]
    arrival_h = created[order] / SECONDS_PER_HOUR
    weeks = int(arrival_h[-1] // HOURS_PER_WEEK) + 1
    return TraceJobs(
        arrival_h=arrival_h,
        size=np.array([p.num_gpu for p in kept], dtype=np.int64),
        duration_h=np.array([p.deletion_s - p.creation_s for p in kept], dtype=np.float64) / SECONDS_PER_HOUR,
        origin=TRACE_ZERO,
        period_h=weeks * HOURS_PER_WEEK,
        milli=np.array([p.gpu_milli if p.gpu_milli < MILLI else 0 for p in kept], dtype=np.int64),
        models=tuple(p.gpu_spec for p in kept),
        skipped=len(pods) - len(kept),
    )
