"""Two or more scenarios side by side, with common random numbers: paired differences and
ratios of the headline metrics, each with a 95 % interval.

Common random numbers: replication r of every scenario runs with the same seed,
run_seed(seed, r), where `seed` is the one given or the first scenario's. The model draws
every random number from a stream keyed by the seed and a purpose that names the client
class (("client", tenant, class, "sizes"), sim/workload/random.py), never by the scenario's
name or its other classes, so a class of the same name draws the same arrivals, sizes,
durations, patience and willingness to pay in every scenario: the difference between two
scenarios in one replication is the effect of what differs between them, not of luck.
The replications pair up, and the paired difference has a far narrower interval than the
difference of two independent means.

- Difference (scenario - baseline, the first scenario): the mean of the per-replication
  differences with its Student-t interval (n - 1 degrees of freedom).
- Ratio (scenario / baseline): the ratio of the means, with Fieller's interval from the
  paired replications: the set of rho for which the mean of (scenario - rho x baseline) is
  within its t-interval of zero. It is exact under the same normality the t-intervals
  assume, asymmetric where it should be, and unbounded (reported as NaN) when the
  baseline's mean cannot be told from zero; the delta method's symmetric interval, which it
  approaches when the baseline's relative error is small, can cover impossible ratios with
  the handful of replications a comparison usually has.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np
from attrs import frozen

from sim.economics.money import COMPARED_LINES
from sim.experiment.batch import run_chunks
from sim.experiment.intervals import CONFIDENCE, Interval, interval, intervals, numeric, t_quantile
from sim.experiment.plan import RunSpec, chunk_size, chunks, run_key
from sim.experiment.replicate import Replications, metric_names
from sim.experiment.seeds import run_seed
from sim.experiment.worker import run_chunk
from sim.model.scenario import Scenario
from sim.scenario import check_seed_and_horizon
from sim.scenario.argument import load_argument, split_argument  # noqa: F401  (re-exported)
from sim.units import HOURS_PER_DAY

DEFAULT_REPS = 10

# The headline metrics (issue 18), in groups for the table and the chart; a metric no
# scenario's runs have (NPV without [finance]) is left out.
GROUPS = (
    ("capacity", ("capacity.planned.accelerators", "capacity.at_horizon.accelerators",
                  "capacity.at_horizon.pflops_fp16_dense", "capacity.at_horizon.pflops_fp16_sparse")),
    ("utilisation", ("utilisation.overall", "utilisation.operator", "utilisation.third_party")),
    ("jobs", ("jobs.total.submitted", "jobs.total.completed", "jobs.total.balked", "jobs.total.abandoned",
              "jobs.total.rejected")),
    ("waits", ("wait_hours.mean", "wait_hours.p90")),
    ("revenue", tuple(f"revenue_cny.{k}" for k in COMPARED_LINES)),  # the money model's, but pass-throughs
    ("finance", ("finance.npv_cny", "finance.irr")),
    # Price tiers (a scenario with [tiers]): what spot sells, what it took from on-demand, its evictions.
    ("tiers", ("tiers.on-demand.revenue_cny", "tiers.spot.revenue_cny", "tiers.spot.revenue_from_on_demand_cny",
               "tiers.spot.jobs_chosen", "tiers.spot.evictions", "tiers.spot.eviction_rate",
               "tiers.spot.work_lost_accelerator_hours", "tiers.spot.wait_hours_mean", "tiers.spot.allocation_rate")),
)
METRICS = tuple(m for _, ms in GROUPS for m in ms)


@frozen
class Ratio:
    """scenario / baseline: the ratio of the means and Fieller's interval (NaN: unbounded)."""

    estimate: float
    low: float
    high: float


@frozen
class MetricComparison:
    metric: str
    values: tuple[Interval, ...]  # per scenario: mean and 95 % t-interval
    differences: tuple[Interval | None, ...]  # scenario - baseline, paired; None for the baseline
    ratios: tuple[Ratio | None, ...]  # scenario / baseline; None for the baseline


@frozen
class Comparison:
    """Scenarios run with common random numbers: each headline metric's means and its paired
    differences and ratios to the first scenario's (`comparison["metric"]`, `frame()`)."""

    labels: tuple[str, ...]  # one per scenario, the first the baseline
    replications: tuple[Replications, ...]
    seed: int  # replication r of every scenario ran with run_seed(seed, r)
    metrics: tuple[MetricComparison, ...]  # the headline metrics any scenario has, in METRICS order

    def __repr__(self) -> str:
        return f"Comparison(labels={list(self.labels)!r}, reps={self.reps}, metrics={len(self.metrics)})"

    @property
    def reps(self) -> int:
        return len(self.replications[0].rows)

    @property
    def seeds(self) -> list[int]:
        return [r["seed"] for r in self.replications[0].rows]

    def __getitem__(self, metric: str) -> MetricComparison:
        for m in self.metrics:
            if m.metric == metric:
                return m
        raise KeyError(metric)

    def table_rows(self) -> list[dict]:
        """One row per metric and scenario: the value's interval, and the difference and ratio
        to the baseline (empty for the baseline itself)."""
        rows = []
        for m in self.metrics:
            for label, v, d, r in zip(self.labels, m.values, m.differences, m.ratios, strict=True):
                row = {"metric": m.metric, "scenario": label, "n": v.n, "mean": v.mean, "low": v.low,
                       "high": v.high}
                if d is not None and r is not None:  # not the baseline
                    row.update(diff=d.mean, diff_low=d.low, diff_high=d.high,
                               ratio=r.estimate, ratio_low=r.low, ratio_high=r.high)
                rows.append(row)
        return rows

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.table_rows(), columns=TABLE_COLUMNS)

    def replication_rows(self) -> list[dict]:
        """Every run: the scenario's label, then its row."""
        return [{"scenario": label, **row} for label, reps in zip(self.labels, self.replications, strict=True)
                for row in reps.rows]

    def replications_frame(self):
        import pandas as pd

        return pd.DataFrame(self.replication_rows())


TABLE_COLUMNS = ("metric", "scenario", "n", "mean", "low", "high", "diff", "diff_low", "diff_high",
                 "ratio", "ratio_low", "ratio_high")


def compare(scenarios, reps: int = DEFAULT_REPS, *, seed: int | None = None, horizon_days: float | None = None,
            workers: int | None = None, dask: str | None = None, executor=None, labels=None,
            on_chunk=None) -> Comparison:
    """Run each scenario `reps` times with common random numbers and compare every headline
    metric to the first scenario's (see the module's docstring for the method).

    `scenarios`: loaded Scenarios, or names/paths with overrides after an `@`, as the command
    line takes them ("qingyang@policy.queue=fifo"). Replication r of every scenario runs with
    seed run_seed(seed, r), `seed` defaulting to the first scenario's; each class draws the
    same random stream in every scenario. `horizon_days` replaces every scenario's horizon.
    Runs go to local processes (`workers`, default all cores; 1 runs here), Dask (`dask`)
    or `executor`; `on_chunk(rows)` is called as each chunk of runs comes back."""
    scenarios = [load_argument(s) if isinstance(s, str) else s for s in scenarios]
    if len(scenarios) < 2:
        raise ValueError(f"compare needs at least two scenarios, got {len(scenarios)}")
    if not all(isinstance(s, Scenario) for s in scenarios):
        raise TypeError("compare takes Scenarios or scenario names")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"reps must be a whole number >= 1, got {reps!r}")
    labels = unique_labels(labels if labels is not None else [default_label(s) for s in scenarios])
    if len(labels) != len(scenarios):
        raise ValueError(f"{len(labels)} labels for {len(scenarios)} scenarios")
    seed = scenarios[0].seed if seed is None else seed
    for s in scenarios:  # every problem before any run
        check_seed_and_horizon(s, seed, horizon_days)
    if horizon_days is not None:
        scenarios = [attrs.evolve(s, horizon_hours=horizon_days * HOURS_PER_DAY) for s in scenarios]
    seeds = [run_seed(seed, r) for r in range(reps)]
    rows = _run_all(scenarios, seeds, executor, workers, dask, on_chunk)
    replications = []
    for i, s in enumerate(scenarios):
        mine = [{k: v for k, v in r.items() if k != "point"} for r in rows if r["point"] == i]
        replications.append(Replications(s, tuple(mine), intervals(mine, metric_names(mine))))
    return comparison_of(tuple(labels), tuple(replications), seed)


def comparison_of(labels, replications, seed: int, metrics: Sequence[str] = METRICS) -> Comparison:
    """The comparison of replications paired by position (replication r with replication r)."""
    present = [m for m in metrics if any(m in r.intervals for r in replications)]
    base = replications[0]
    out = []
    for m in present:
        values = tuple(r.intervals.get(m) or interval([]) for r in replications)
        a = column(base.rows, m)
        diffs: list[Interval | None] = [None]  # the baseline against itself: none
        ratios: list[Ratio | None] = [None]
        for other in replications[1:]:
            b = column(other.rows, m)
            diffs.append(interval(b - a))
            ratios.append(fieller(a, b))
        out.append(MetricComparison(m, values, tuple(diffs), tuple(ratios)))
    return Comparison(labels, replications, seed, tuple(out))


def column(rows, metric: str) -> np.ndarray:
    return np.array([float(r[metric]) if numeric(r.get(metric)) else math.nan for r in rows], dtype=float)


def fieller(base: np.ndarray, other: np.ndarray, confidence: float = CONFIDENCE) -> Ratio:
    """mean(other) / mean(base) and Fieller's interval over the pairs where both are known.

    Where every pair is in exactly the estimate's proportion (one scenario compared with
    itself) the interval is that one point: Fieller's pivot is 0/0 there, and the paired runs
    leave no doubt."""
    ok = ~(np.isnan(base) | np.isnan(other))
    a, b = base[ok], other[ok]
    n = len(a)
    if n == 0 or a.mean() == 0.0:
        return Ratio(math.nan, math.nan, math.nan)
    estimate = float(b.mean() / a.mean())
    if n < 2:
        return Ratio(estimate, math.nan, math.nan)
    if np.all(b == estimate * a):  # every pair in the same proportion (identical scenarios): no doubt
        return Ratio(estimate, estimate, estimate)
    # A common scale leaves the ratio alone and keeps the quadratic's terms near 1, so that
    # its discriminant does not cancel away in floating point (money is ~1e7 CNY).
    scale = abs(a.mean())
    a, b = a / scale, b / scale
    k = t_quantile(n, confidence) ** 2 / n
    cov = np.cov(a, b, ddof=1)
    qa = a.mean() ** 2 - k * cov[0, 0]
    qb = a.mean() * b.mean() - k * cov[0, 1]
    qc = b.mean() ** 2 - k * cov[1, 1]
    if qa <= 0.0:  # the baseline's mean is within its interval of zero: no bounded interval
        return Ratio(estimate, math.nan, math.nan)
    root = math.sqrt(max(qb * qb - qa * qc, 0.0))  # >= 0 in exact arithmetic when qa > 0
    return Ratio(estimate, float((qb - root) / qa), float((qb + root) / qa))


# --- running -------------------------------------------------------------------------------------
def _run_all(scenarios, seeds, executor, workers, dask, on_chunk) -> list[dict]:
    """Every scenario's replications as one batch (point = the scenario's index), so that
    the executor's workers are kept busy across scenarios; rows sorted by (point, rep)."""
    def make_chunks(n_workers):
        size = chunk_size(len(scenarios) * len(seeds), n_workers)
        work = []
        for i, s in enumerate(scenarios):
            specs = [RunSpec(run_key(i, r), i, r, seed) for r, seed in enumerate(seeds)]
            work += chunks(specs, size, text=None, source=s.source, base=s)
        return work

    return run_chunks(make_chunks, executor=executor, workers=workers, dask=dask, on_chunk=on_chunk,
                      fn=run_chunk)


# --- naming scenarios ----------------------------------------------------------------------------
def default_label(s: Scenario) -> str:
    return f"{s.name}@{','.join(s.overrides)}" if s.overrides else s.name


def unique_labels(labels) -> list[str]:
    """The same label twice (one file compared with itself) becomes `name`, `name#2`."""
    out = []
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return out


__all__ = ["Comparison", "METRICS", "MetricComparison", "Ratio", "compare", "comparison_of", "fieller",
           "load_argument", "split_argument"]
