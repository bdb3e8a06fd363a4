"""What a batch of runs is: one spec per (point, replication), grouped into chunks for executors.

A chunk carries everything a worker needs, the scenario text included, so that a worker
needs only the installed package, not the repository's files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path

from attrs import frozen

from sim.model.scenario import Scenario
from sim.version import __version__

CHUNKS_PER_WORKER = 16  # balance uneven runs, show progress, lose little to a kill; still few tasks
MAX_RUNS_PER_CHUNK = 64  # and to lose little work to a kill


@frozen
class RunSpec:
    key: str  # stable name of the run: "p3/r1"
    point: int
    rep: int
    seed: int
    overrides: tuple[str, ...] = ()  # "key=value" on top of the base scenario


@frozen
class Chunk:
    """Runs for one task: the base scenario as text (or as a loaded Scenario, for the API's
    replications of a scenario that has no file) and the runs."""

    text: str | None
    source: str
    runs: tuple[RunSpec, ...]
    base: Scenario | None = None
    horizon_days: float | None = None


def run_key(point: int, rep: int) -> str:
    return f"p{point}/r{rep}"


def chunk_size(n_runs: int, workers: int) -> int:
    return max(1, min(MAX_RUNS_PER_CHUNK, math.ceil(n_runs / (max(1, workers) * CHUNKS_PER_WORKER))))


def chunks(specs, size: int, **payload) -> list[Chunk]:
    specs = list(specs)
    return [Chunk(runs=tuple(specs[i:i + size]), **payload) for i in range(0, len(specs), size)]


def digest(kind: str, scenario_sha256: str, specs, sweep_sha256: str = "") -> str:
    """Names one plan: the same runs of the same scenario text, from the same sweep file, with
    the same code (its version and its source). Chunks saved under another are never mixed in."""
    text = json.dumps({"kind": kind, "scenario_sha256": scenario_sha256, "sweep_sha256": sweep_sha256,
                       "version": __version__, "code_sha256": code_sha256(),
                       "runs": [[s.key, s.seed, list(s.overrides)] for s in specs]}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def code_sha256() -> str:
    """The package's Python source, hashed: an edit changes the numbers a run may give even
    where the version number stays."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()
