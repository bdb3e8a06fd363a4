"""The measurements, run inside a child process (benchmarks.child) so that each one starts
from a fresh interpreter and its peak RSS is its own.

Times are CPU seconds of the process (time.process_time), the targets' "one core": unlike
wall time they do not grow while another job on the machine holds the CPU. Wall seconds
are recorded beside them.
"""

from __future__ import annotations

import gc
import resource
import time

from benchmarks import scenarios
from benchmarks.raw import raw_rate
from sim.simulation.run import Model


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(t0: tuple[float, float]) -> tuple[float, float]:
    w, c = clocks()
    return w - t0[0], c - t0[1]


def completed(model) -> int:
    return sum(c.completed for c in model.sched.classes)


def at(env, hour: float, fn) -> None:
    """Call fn() at simulated `hour`: one extra SimPy event, outside the model's own count."""
    ev = env.timeout(hour - env.now)
    ev.callbacks.append(lambda ev: fn())


def model_rate(racks: int, horizon_h: float, raw_events: int, repeats: int) -> dict:
    """Full-model throughput and bare SimPy at the same pending-event count, alternated in
    one process; the best of each is kept (least disturbed by the machine)."""
    scenario = scenarios.single_site(racks, horizon_h)
    pending = round(scenarios.expected_running(racks)) + 3  # running jobs + arrival, day, month
    raws, models = [], []
    for _ in range(repeats):
        raws.append(raw_rate(raw_events, pending))
        gc.collect()
        t0 = clocks()
        model = Model(scenario)  # building it is part of the model's cost
        result = model.run()
        wall, cpu = since(t0)
        done = completed(model)
        models.append({
            "cpu_s": cpu, "wall_s": wall, "jobs_completed": done, "jobs_arrived": model.sched.jobs,
            "model_events": model.clock.events, "jobs_per_s": done / cpu, "job_events_per_s": 3 * done / cpu,
            "utilisation": result.summary_dict()["utilisation"]["overall"],
        })
        del model, result
        gc.collect()
    raw = max(raws, key=lambda r: r["events_per_s"])
    best = max(models, key=lambda m: m["jobs_per_s"])
    return {
        "racks": racks, "accelerators": racks * scenarios.ACCELERATORS_PER_RACK,
        "horizon_h": horizon_h, "repeats": repeats, "raw": raw, "model": best,
        "raw_all_events_per_s": [r["events_per_s"] for r in raws],
        "model_all_jobs_per_s": [m["jobs_per_s"] for m in models],
        "ratio": best["job_events_per_s"] / raw["events_per_s"],
    }


def scaling_point(racks: int, warmup_h: float, jobs: int, raw_events: int) -> dict:
    """CPU seconds per completed job in steady state: timed between two markers, after a
    warm-up that fills the cluster, so start-up and the empty early hours do not count."""
    window_h = jobs / scenarios.jobs_per_hour(racks)
    end_h = warmup_h + window_h
    model = Model(scenarios.single_site(racks, end_h + 0.01))
    marks = []

    def mark(model=model):  # bound now: the name is deleted below, before the collection
        marks.append((*clocks(), completed(model), model.sched.jobs, model.sched.running))

    at(model.env, warmup_h, mark)
    at(model.env, end_h, mark)
    t0 = clocks()
    result = model.run()
    wall, cpu = since(t0)
    (w1, c1, done1, arrived1, _), (w2, c2, done2, arrived2, running) = marks
    out = {
        "racks": racks, "accelerators": racks * scenarios.ACCELERATORS_PER_RACK,
        "warmup_h": warmup_h, "window_h": window_h, "cpu_s": cpu, "wall_s": wall,
        "window_cpu_s": c2 - c1, "window_wall_s": w2 - w1,
        "jobs_completed": done2 - done1, "jobs_arrived": arrived2 - arrived1, "running": running,
        "expected_running": scenarios.expected_running(racks),
        "s_per_job": (c2 - c1) / (done2 - done1),
        "utilisation": result.summary_dict()["utilisation"]["overall"],
        "peak_rss_mib": peak_rss_mib(),
    }
    del model, result
    gc.collect()
    raw = raw_rate(raw_events, running + 3)
    out["raw_s_per_event"] = 1 / raw["events_per_s"]
    return out


def full_run(scenario, steps: int = 20) -> dict:
    """One whole run, with a progress line every 1/steps of the horizon so the parent can
    project the total and stop a run that would take far too long."""
    rss0 = peak_rss_mib()
    t0 = clocks()
    model = Model(scenario)
    horizon = model.horizon_h

    def progress(frac):
        print(f"progress {frac:.4f} {since(t0)[0]:.3f}", flush=True)

    for i in range(1, steps):
        at(model.env, horizon * i / steps, lambda f=i / steps: progress(f))
    result = model.run()
    wall, cpu = since(t0)
    s = result.summary_dict()
    return {
        "scenario": s["scenario"], "horizon_days": s["horizon_days"], "cpu_s": cpu, "wall_s": wall,
        "jobs": model.sched.jobs, "jobs_completed": completed(model), "model_events": model.clock.events,
        "accelerators": s["capacity"]["at_horizon"]["accelerators"],
        "racks": s["capacity"]["at_horizon"]["racks"],
        "utilisation": s["utilisation"]["overall"],
        "peak_rss_mib": peak_rss_mib(), "rss_before_model_mib": rss0,
    }


def sim_run(scenario, steps: int = 20) -> dict:
    """One run through sim.run, as the command line runs it (so a sampled scenario is run in
    representative periods), with progress lines for the parent."""
    import sim

    rss0 = peak_rss_mib()
    t0 = clocks()
    marks = [i / steps for i in range(1, steps)]

    def progress(now_h, horizon_h):
        while marks and now_h >= marks[0] * horizon_h:
            print(f"progress {marks.pop(0):.4f} {since(t0)[0]:.3f}", flush=True)

    result = sim.run(scenario, progress=progress)
    wall, cpu = since(t0)
    s = result.summary_dict()
    sampling = s.get("sampling")
    return {
        "scenario": s["scenario"], "horizon_days": s["horizon_days"], "cpu_s": cpu, "wall_s": wall,
        "jobs": s["simulation"]["jobs"], "model_events": s["simulation"]["events"],
        "accelerators": s["capacity"]["at_horizon"]["accelerators"],
        "racks": s["capacity"]["at_horizon"]["racks"],
        "utilisation": s["utilisation"]["overall"],
        "sampling": sampling and sampling["method"],
        "simulated_days": sampling["simulated_days"] if sampling else s["horizon_days"],
        "peak_rss_mib": peak_rss_mib(), "rss_before_model_mib": rss0,
    }
