"""Independent replications of one scenario: seeds spawned from its seed, t-intervals."""

from __future__ import annotations

from attrs import frozen

from sim.experiment.batch import run_specs
from sim.experiment.intervals import Interval, intervals
from sim.experiment.plan import RunSpec, run_key
from sim.experiment.seeds import run_seed
from sim.experiment.worker import IDENTITY
from sim.model.limits import MAX_RUNS
from sim.model.scenario import Scenario
from sim.scenario.argument import as_scenario

# What `run --reps` prints; intervals.csv holds every metric.
HEADLINE = (
    "utilisation.overall", "utilisation.operator", "utilisation.third_party",
    "jobs.total.submitted", "jobs.total.completed", "jobs.total.abandoned", "jobs.total.balked",
    "wait_hours.mean", "wait_hours.p90", "queue.mean_length",
    "revenue_cny.compute_sales_operator_capacity", "revenue_cny.intermediary_fee",
    "revenue_cny.colocation_rent", "revenue_cny.electricity_cost",
    "revenue_cny.operator_revenue", "revenue_cny.operator_net",
    "revenue_per_pflops_year_cny.operator_net",
    "finance.npv_cny", "finance.irr",  # with [finance]: over the years the run covers
)


@frozen
class Replications:
    """Replications of one scenario: a row per run (`frame()`) and every metric's mean with its
    95 % t-interval (`intervals`, `intervals_frame()`)."""

    scenario: Scenario
    rows: tuple[dict, ...]  # one per replication, in order: rep, key, seed, every metric
    intervals: dict[str, Interval]  # every metric: mean and 95 % t-interval

    def __repr__(self) -> str:
        return f"Replications(scenario={self.scenario.name!r}, reps={len(self.rows)}, metrics={len(self.intervals)})"

    @property
    def metrics(self) -> list[str]:
        return list(self.intervals)

    def frame(self):
        import pandas as pd

        return pd.DataFrame(list(self.rows))

    def intervals_frame(self):
        import attrs
        import pandas as pd

        return pd.DataFrame([{"metric": m, **attrs.asdict(iv)} for m, iv in self.intervals.items()])


def replication_specs(root_seed: int, reps: int) -> list[RunSpec]:
    """Replication r runs with the seed spawned from the scenario's seed on the key (r,)."""
    return [RunSpec(run_key(0, r), 0, r, run_seed(root_seed, r)) for r in range(reps)]


def replicate(scenario: Scenario | str, reps: int, *, workers: int | None = None, dask: str | None = None,
              executor=None, on_chunk=None) -> Replications:
    """Run `scenario` `reps` times with spawned seeds on local processes (`workers`, default
    all cores) or Dask (`dask`); the same scenario, seed and reps give the same rows whatever
    runs them. `scenario`: a Scenario, or a name or path with @overrides as `run` takes it."""
    scenario = as_scenario(scenario)
    if not 1 <= reps <= MAX_RUNS:
        raise ValueError(f"reps must be 1 to {MAX_RUNS:,}, got {reps}")
    specs = replication_specs(scenario.seed, reps)
    rows = run_specs(specs, {"text": None, "source": scenario.source, "base": scenario},
                     executor=executor, workers=workers, dask=dask, on_chunk=on_chunk)
    rows = [{k: v for k, v in r.items() if k != "point"} for r in rows]
    metrics = metric_names(rows)
    return Replications(scenario, tuple(rows), intervals(rows, metrics))


def metric_names(rows) -> list[str]:
    """Metric columns in order of first appearance (rows of one scenario share them)."""
    seen = dict.fromkeys(k for r in rows for k in r if k not in IDENTITY)
    return list(seen)
