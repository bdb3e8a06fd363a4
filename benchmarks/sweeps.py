"""The sweep executors against a bare loop of sim.run: a fixed small sweep (Qingyang, several
intermediary fees x replications) in this process, on 1 and 2 local worker processes and on
a 2-worker Dask LocalCluster. Wall seconds: this stage uses both CPUs."""

from __future__ import annotations

import time

from benchmarks.runner import ROOT


def executors(horizon_days: float, points: int, reps: int, workers: int = 2) -> dict:
    from sim.experiment.batch import run_specs
    from sim.experiment.dask_executor import DaskExecutor
    from sim.experiment.design import Point, run_specs_for
    from sim.experiment.local_executor import LocalExecutor
    from sim.experiment.plan import Chunk
    from sim.experiment.run import run
    from sim.experiment.worker import run_chunk
    from sim.scenario import loads

    path = ROOT / "scenarios" / "qingyang.toml"
    text = path.read_text()
    pts = [Point(i, (fee,), (f"scenario.horizon_days={horizon_days}", f"pricing.intermediary_fee={fee}"))
           for i, fee in enumerate(0.05 + 0.35 * i / max(1, points - 1) for i in range(points))]
    specs = run_specs_for(pts, reps, 20231130)
    payload = {"text": text, "source": str(path)}
    n = len(specs)

    scenarios = {p.index: loads(text, str(path), p.overrides) for p in pts}
    t0 = time.perf_counter()
    for s in specs:
        run(scenarios[s.point], seed=s.seed)
    bare = time.perf_counter() - t0

    out = {"runs": n, "horizon_days": horizon_days, "workers": workers, "bare_s": bare,
           "bare_s_per_run": bare / n}
    reference = None
    for name, make, w in (("local-1", lambda: LocalExecutor(1), 1),
                          (f"local-{workers}", lambda: LocalExecutor(workers), workers),
                          (f"dask-local-{workers}", lambda: DaskExecutor("local", workers), workers)):
        t0 = time.perf_counter()
        ex = make()
        list(ex.map_chunks(run_chunk, [Chunk(None, "", ())] * w))  # start and import on every worker
        start = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            rows = run_specs(specs, payload, executor=ex)
            wall = time.perf_counter() - t0
        finally:
            ex.close()
        if reference is None:
            reference = rows
        out[name] = {"start_s": start, "wall_s": wall, "runs_per_s": n / wall,
                     # worker-seconds per run beyond a bare sim.run: loading, summary rows, transport, idling
                     "overhead_s_per_run": (wall * w - bare) / n, "same_rows": rows == reference}
    one, two, dask = out["local-1"], out[f"local-{workers}"], out[f"dask-local-{workers}"]
    out["speedup"] = two["runs_per_s"] / one["runs_per_s"]
    out["dask_vs_local"] = dask["runs_per_s"] / two["runs_per_s"]
    return out
