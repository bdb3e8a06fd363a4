"""The sweep executors against a bare loop of sim.run: a fixed small sweep (Qingyang, several
intermediary fees x replications) in this process, on 1 and 2 local worker processes and on
a 2-worker Dask LocalCluster. Throughput is wall-clock (the stage uses both CPUs); overhead
per run is also counted in CPU seconds (this process and every worker), which other jobs on
the machine do not inflate."""

from __future__ import annotations

import time

from benchmarks.runner import ROOT


def timed_chunk(chunk):
    """run_chunk, and the worker's CPU seconds for it."""
    from sim.experiment.worker import run_chunk

    t0 = time.process_time()
    rows = run_chunk(chunk)
    return rows, time.process_time() - t0


def executors(horizon_days: float, points: int, reps: int, workers: int = 2) -> dict:
    from sim.experiment.dask_executor import DaskExecutor
    from sim.experiment.design import Point, run_specs_for
    from sim.experiment.local_executor import LocalExecutor
    from sim.experiment.plan import Chunk, chunk_size, chunks
    from sim.scenario import loads
    from sim.simulation.run import run

    path = ROOT / "scenarios" / "qingyang.toml"
    text = path.read_text()
    # Fees from 5 % to 40 %, each rounded to whole parts per million, as the loader requires
    # (0.05 + 0.35 / 3 would be 0.1666...).
    fees = [round(50_000 + 350_000 * i / max(1, points - 1)) / 1_000_000 for i in range(points)]
    pts = [Point(i, (fee,), (f"scenario.horizon_days={horizon_days}", f"pricing.intermediary_fee={fee}"))
           for i, fee in enumerate(fees)]
    specs = run_specs_for(pts, reps, 20231130)
    n = len(specs)

    scenarios = {p.index: loads(text, str(path), p.overrides) for p in pts}
    t0, c0 = time.perf_counter(), time.process_time()
    for s in specs:
        run(scenarios[s.point], seed=s.seed)
    bare, bare_cpu = time.perf_counter() - t0, time.process_time() - c0

    out = {"runs": n, "horizon_days": horizon_days, "workers": workers, "bare_s": bare, "bare_cpu_s": bare_cpu,
           "bare_s_per_run": bare / n}
    reference = None
    for name, make, w in (("local-1", lambda: LocalExecutor(1), 1),
                          (f"local-{workers}", lambda: LocalExecutor(workers), workers),
                          (f"dask-local-{workers}", lambda: DaskExecutor("local", workers), workers)):
        t0 = time.perf_counter()
        ex = make()
        list(ex.map_chunks(timed_chunk, [Chunk(None, "", ())] * w))  # start and import on every worker
        start = time.perf_counter() - t0
        try:
            todo = chunks(specs, chunk_size(n, w), text=text, source=str(path))
            t0, c0 = time.perf_counter(), time.process_time()
            results = list(ex.map_chunks(timed_chunk, todo))
            wall, parent_cpu = time.perf_counter() - t0, time.process_time() - c0
        finally:
            ex.close()
        rows = sorted((r for _, (rs, _) in results for r in rs), key=lambda r: (r["point"], r["rep"]))
        if reference is None:
            reference = rows
        in_process = name == "local-1"  # the chunks' CPU is this process's own
        cpu = parent_cpu if in_process else parent_cpu + sum(c for _, (_, c) in results)
        out[name] = {"start_s": start, "wall_s": wall, "runs_per_s": n / wall, "cpu_s": cpu,
                     # worker-seconds per run beyond a bare sim.run: loading, summary rows, transport
                     "overhead_cpu_ms_per_run": (cpu - bare_cpu) / n * 1e3,
                     "overhead_wall_ms_per_run": (wall * w - bare) / n * 1e3, "same_rows": rows == reference}
    one, two, dask = out["local-1"], out[f"local-{workers}"], out[f"dask-local-{workers}"]
    out["speedup"] = two["runs_per_s"] / one["runs_per_s"]
    out["dask_vs_local"] = dask["runs_per_s"] / two["runs_per_s"]
    return out
