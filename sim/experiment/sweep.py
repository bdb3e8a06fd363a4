"""Running a sweep: its points x replications on an executor, resumable through a RunStore,
into a tidy table (one row per run) and a table of intervals by point."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from attrs import frozen

from sim.experiment.batch import run_specs
from sim.experiment.design import Point, expand, run_specs_for
from sim.experiment.intervals import interval_columns, matrix
from sim.experiment.plan import digest
from sim.experiment.replicate import metric_names
from sim.experiment.store import RunStore
from sim.experiment.sweepfile import Sweep, load_sweep, sweep_path
from sim.experiment.worker import run_chunk

INTERVAL_COLUMNS = ("n", "mean", "sd", "half_width", "low", "high")


@frozen
class SweepResult:
    """A sweep's runs: a row per point and replication (`frame()`), with its parameters and
    every metric."""

    sweep: Sweep
    points: tuple[Point, ...]
    rows: tuple[dict, ...]  # point, rep, key, seed, each parameter, every metric; by (point, rep)
    metrics: tuple[str, ...]

    def __repr__(self) -> str:
        return f"SweepResult(sweep={self.sweep.name!r}, points={len(self.points)}, runs={len(self.rows)})"

    @property
    def columns(self) -> list[str]:
        return ["point", "rep", "key", "seed", *(p.name for p in self.sweep.parameters), *self.metrics]

    def frame(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=self.columns)

    def point_rows(self) -> list[dict]:
        return point_table(self.sweep.parameters, self.points, self.rows, self.metrics)

    def points_frame(self):
        """One row per point and metric: the parameters, n, mean, sd and the 95 % t-interval."""
        import pandas as pd

        return pd.DataFrame(self.point_rows())


def point_table(parameters, points, rows, metrics) -> list[dict]:
    """Long format: for each point, each metric's interval over the point's replications."""
    by_point: dict[int, list[dict]] = {}
    for r in rows:
        by_point.setdefault(r["point"], []).append(r)
    out = []
    for pt in points:
        runs = by_point.get(pt.index, [])
        if not runs:
            continue
        c = interval_columns(matrix(runs, metrics))
        head = {"point": pt.index, **{p.name: v for p, v in zip(parameters, pt.values, strict=True)}}
        for j, m in enumerate(metrics):
            out.append({**head, "metric": m, **{k: (int(c[k][j]) if k == "n" else float(c[k][j]))
                                                 for k in INTERVAL_COLUMNS}})
    return out


def tidy(parameters, points, rows) -> list[dict]:
    """Worker rows with the point's parameter values after the seed."""
    values = {pt.index: pt.values for pt in points}
    out = []
    for r in rows:
        head = {k: r[k] for k in ("point", "rep", "key", "seed")}
        params = dict(zip((p.name for p in parameters), values[r["point"]], strict=True))
        metrics = {k: v for k, v in r.items() if k not in head and k not in params}
        out.append({**head, **params, **metrics})
    return out


class Batch(Protocol):
    """What run_points reads of a sweep (a Sweep, or an uncertainty study's Source)."""

    @property
    def scenario_text(self) -> str: ...
    @property
    def scenario_source(self) -> str: ...
    @property
    def scenario_sha256(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def parameters(self) -> tuple: ...


def run_points(kind: str, sweep: Batch, points, replications: int, *, workers=None, dask=None,
               executor=None, store_dir=None, progress=None, chunk_runs=None, specs=None,
               fn=run_chunk) -> tuple[list[dict], list[str]]:
    """Every (point, replication) of `points`: (tidy rows by key, metric names). With
    `store_dir`, finished chunks are saved there and a rerun runs only what is missing.
    `specs`: the runs, when not one seed per (point, replication); `fn`: what a worker runs."""
    specs = run_specs_for(points, replications, sweep.seed) if specs is None else list(specs)
    payload = {"text": sweep.scenario_text, "source": sweep.scenario_source}
    plan = {s.key: (s.point, s.rep, s.seed) for s in specs}
    store = (RunStore(Path(store_dir), kind, digest(kind, sweep.scenario_sha256, specs, sweep.sha256), plan)
             if store_dir else None)
    if store is not None:
        store.open()
    try:
        saved = store.load() if store is not None else []
        done = {r["key"] for r in saved}
        todo = [s for s in specs if s.key not in done]
        total, count = len(specs), len(specs) - len(todo)
        if progress is not None:
            progress(count, total)

        def on_chunk(rows):
            nonlocal count
            if store is not None:
                store.save(rows)
            count += len(rows)
            if progress is not None:
                progress(count, total)

        fresh = run_specs(todo, payload, executor=executor, workers=workers, dask=dask,
                          on_chunk=on_chunk, chunk_runs=chunk_runs, fn=fn)
    finally:
        if store is not None:
            store.close()
    wanted = {s.key for s in specs}
    rows = sorted((r for r in saved + fresh if r["key"] in wanted), key=lambda r: (r["point"], r["rep"]))
    return tidy(sweep.parameters, points, rows), metric_names(rows)


def discard_saved(kind: str, store_dir) -> None:
    """After the results are written: the saved chunks hold nothing more."""
    RunStore(Path(store_dir), kind, "").discard()


def sweep(sweep_or_path, *, workers: int | None = None, dask: str | None = None, executor=None,
          store_dir=None, progress=None, chunk_runs: int | None = None) -> SweepResult:
    """Run a sweep file (a path, or a loaded Sweep) on local processes (`workers`, default
    all cores), a Dask cluster (`dask`: "tcp://host:port" or "local") or a given executor.
    `store_dir`: save finished chunks there and resume from them; `progress(done, total)`."""
    s = sweep_or_path if isinstance(sweep_or_path, Sweep) else load_sweep(sweep_path(sweep_or_path))
    points = expand(s)
    rows, metrics = run_points("sweep", s, points, s.replications, workers=workers, dask=dask,
                               executor=executor, store_dir=store_dir, progress=progress,
                               chunk_runs=chunk_runs)
    metrics = [m for m in metrics if m not in {p.name for p in s.parameters}]
    return SweepResult(s, tuple(points), tuple(rows), tuple(metrics))
