"""The trace formats a replay reads, by name: Philly (trace.py) and OpenB pod lists (openb.py,
which reads its rows with trace.py's helpers: hence this registry of its own)."""

from __future__ import annotations

from sim.model.workload import TraceJobs
from sim.workload.openb import pod_jobs
from sim.workload.trace import parse_philly, read_parsed

FORMATS = {"philly": parse_philly, "openb": pod_jobs}


def read_trace(path, fmt: str = "philly") -> tuple[TraceJobs, str]:
    """The jobs of a trace file in format `fmt` and the SHA-256 of its (decompressed) text."""
    return read_parsed(path, FORMATS[fmt])
