"""Per-job records of one run, for whoever wants ciw-style records rather than daily sums.

    records = JobRecords()
    result = sim.run(scenario, trace=records)
    records.frame()            # pandas, one row per arriving job
    records.table()            # pyarrow, as jobs.parquet holds it (python -m sim run --jobs)

A Trace (sim/scheduling/trace.py) that keeps every job the scheduler sees, and the time each
one left for good; the rows are read once the run is over, so a job still running at the
horizon carries what it was billed up to then. Keeping every job costs memory (about 1 KB
each): that is why records are optional. Watching a run does not change it: the same
scenario and seed give the same results with or without records.

Times are hours since the run's start (scenario.start_date, 00:00); in a sampled run, since the
start of the simulated windows laid end to end (sim/simulation/sampled.py).
"""

from __future__ import annotations

from sim.scheduling.job import ABANDONED, COMPLETED, PREEMPTED_LOST
from sim.scheduling.trace import Trace
from sim.units import FEN_PER_CNY

# (column, pyarrow type name, what it is)
COLUMNS = (
    ("job_id", "int64", "in arrival order, from 1"),
    ("class", "string", "its client class: name, or tenant/name for a tenant's own work"),
    ("tenant", "string", "the tenant whose own work it is; empty for marketplace clients"),
    ("size_accelerators", "int64", "accelerators, started together"),
    ("duration_hours", "float64", "hours of work it brings"),
    ("submit_hours", "float64", "arrival"),
    ("first_start_hours", "float64", "first start; empty if it never started"),
    ("wait_hours", "float64", "first start - arrival; empty if it never started"),
    ("end_hours", "float64", "completed, abandoned or lost; empty if still queued or running, "
                             "balked or rejected"),
    ("state", "string", "completed, running, queued, abandoned, balked, rejected or preempted-lost"),
    ("site", "string", "site of the pool it last ran on; empty if it never started"),
    ("owner", "string", "owner of that pool: operator, or the tenant's name"),
    ("accelerator", "string", "accelerator type of that pool"),
    ("preemptions", "int64", "times stopped for a tenant's own work"),
    ("billed_accelerator_hours", "float64", "work charged (or done, for a tenant's own work)"),
    ("billed_fen", "int64", "what it paid within the horizon, whole fen"),
    ("billed_cny", "float64", "the same in CNY"),
    ("pflops_hours", "float64", "its work in dense P-hours"),
    ("value_cny", "float64", "its work at the quote in force when it arrived"),
)


class JobRecords(Trace):
    def __init__(self):
        self.jobs: list = []
        self.end_h: dict[int, float] = {}
        self.scenario = None

    # --- the scheduler's calls ---------------------------------------------------------------
    def on_submit(self, s, job) -> None:
        self.scenario = s.scenario
        self.jobs.append(job)

    on_drop = on_submit

    def _left(self, s, job, pool=None) -> None:
        self.end_h[job.id] = s.env.now

    on_finish = on_abandon = on_preempt = on_fail = _left

    # --- the records ------------------------------------------------------------------------
    def columns(self) -> dict[str, list]:
        clients = self.scenario.clients if self.scenario is not None else ()
        out: dict[str, list] = {name: [] for name, _, _ in COLUMNS}
        for job in sorted(self.jobs, key=lambda j: j.id):
            c = clients[job.client]
            pool = job.pool
            started = job.runs > 0
            ended = job.state in (COMPLETED, ABANDONED, PREEMPTED_LOST)
            row = {
                "job_id": job.id, "class": c.label, "tenant": c.tenant or "", "size_accelerators": job.size,
                "duration_hours": job.duration_h, "submit_hours": job.submit_h,
                "first_start_hours": job.first_start_h if started else None, "wait_hours": job.first_start_h - job.submit_h if started else None,
                "end_hours": self.end_h.get(job.id) if ended else None, "state": job.state,
                "site": pool.site if pool is not None else None, "owner": pool.owner if pool is not None else None,
                "accelerator": pool.accelerator if pool is not None else None,
                "preemptions": job.preemptions, "billed_accelerator_hours": job.billed_accelerator_hours,
                "billed_fen": job.billed_fen, "billed_cny": job.billed_fen / FEN_PER_CNY,
                "pflops_hours": job.pflops_hours, "value_cny": job.value_fen / FEN_PER_CNY,
            }
            for name, value in row.items():
                out[name].append(value)
        return out

    def table(self):
        import pyarrow as pa

        cols = self.columns()
        return pa.table({name: pa.array(cols[name], type=getattr(pa, kind)()) for name, kind, _ in COLUMNS})

    def frame(self):
        """One row per job that arrived (balked and rejected ones too), in arrival order."""
        return self.table().to_pandas()
