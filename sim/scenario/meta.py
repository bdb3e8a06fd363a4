"""[scenario]: the run's name, seed, start date, horizon and warm-up, the standard rack, and the
work budget a file may raise on purpose (sim/model/limits.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs

from sim.model import Scenario, limits
from sim.model.limits import MAX_HORIZON_DAYS
from sim.model.sampling import Sampling
from sim.scenario.budget import daily_counts, daily_problem, failure_events, failures_problem, jobs_problem, total_jobs
from sim.scenario.dates import read_date
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import Problems, Table, at_least, name_problem
from sim.scenario.sections import read_sampling
from sim.scheduling.cluster import Cluster
from sim.units import HOURS_PER_DAY


@attrs.frozen
class Meta:
    """What [scenario] says, a value with a problem None; without the table, the defaults (no
    name, seed or dates: the sections that need them then say what they can)."""

    name: str | None = None
    description: str | None = None
    seed: int | None = None
    start: dt.date | None = None
    horizon: float | None = None  # days
    warmup: float | None = None  # days
    std_kw: float | None = None
    enforce: bool | None = True
    max_jobs: int | None = limits.MAX_JOBS
    max_servers: int | None = limits.MAX_SERVERS
    max_failures: int | None = limits.MAX_FAILURE_EVENTS
    max_rows: int | None = limits.MAX_DAILY_ROWS
    sampling: Sampling | None = None
    check: tuple[float, str] | None = None

    @property
    def budget(self) -> tuple[int, int, int] | None:
        """(max_daily_rows, max_jobs, max_failure_events); None if any of them has a problem."""
        if self.max_rows is None or self.max_jobs is None or self.max_failures is None:
            return None
        return self.max_rows, self.max_jobs, self.max_failures


def read_meta(meta: Table | None, source: str) -> Meta:
    if meta is None:
        return Meta()
    name = meta.string("name", Path(source).stem)
    problem = None if name is None else name_problem(name)
    if problem:
        meta.error("name", problem)
        name = None
    description = meta.string("description", "")
    start = read_date(meta, "start_date")
    seed, horizon, start = _seed_and_horizon(meta, start)
    warmup = _warmup(meta, horizon)
    std_kw = at_least(meta, "standard_rack_kw", meta.number("standard_rack_kw", gt=0),
                      limits.MIN_STANDARD_RACK_KW, "one watt")
    enforce = meta.boolean("enforce_power", True)
    # The work budget, raised on purpose: see sim/model/limits.py.
    max_jobs = meta.number("max_jobs", limits.MAX_JOBS, integer=True, ge=1)
    max_servers = meta.number("max_servers", limits.MAX_SERVERS, integer=True, ge=1)
    max_failures = meta.number("max_failure_events", limits.MAX_FAILURE_EVENTS, integer=True, ge=1)
    max_rows = meta.number("max_daily_rows", limits.MAX_DAILY_ROWS, integer=True, ge=1)
    sampling = read_sampling(meta)
    check = _leasing_check(meta.table("leasing_check", required=False))
    meta.done()
    return Meta(name, description, seed, start, horizon, warmup, std_kw, enforce, max_jobs, max_servers,
                max_failures, max_rows, sampling, check)


def _seed_and_horizon(meta: Table, start):
    """Seed, horizon (days) and start date, each None if it has a problem."""
    seed = meta.number("seed", integer=True, ge=0)
    horizon = meta.number("horizon_days", gt=0, le=MAX_HORIZON_DAYS)
    for line in limits.run_problems(seed, horizon, start):
        meta.problems.add_line(line)
        key = line.split(":", 1)[0]
        if key == "scenario.seed":
            seed = None
        elif key == "scenario.horizon_days":
            horizon = None
        else:
            start = None
    return seed, horizon, start


def _warmup(meta: Table, horizon):
    """Days at the start left out of wait, queue and utilisation statistics (never out of money)."""
    warmup = meta.number("warmup_days", 0.0, ge=0)
    if horizon is not None and warmup is not None and warmup >= horizon:
        meta.error("warmup_days", f"must be shorter than the horizon ({horizon!r} days), got {warmup!r}")
        return None
    return warmup


def check_seed_and_horizon(scenario: Scenario, seed, horizon_days, warmup_days=None) -> None:
    """Check a seed, horizon and warm-up given beside a loaded scenario (sim.run's arguments)
    exactly as the file's would be; ScenarioError if not.

    A horizon longer than the scenario's own may ask for no more jobs (failures, daily rows)
    than the default budget or the scenario's own horizon, whichever is more: a budget raised
    in the file was raised for that file's horizon."""
    values = {"seed": scenario.seed if seed is None else seed,
              "horizon_days": scenario.horizon_hours / HOURS_PER_DAY if horizon_days is None else horizon_days,
              "warmup_days": scenario.warmup_hours / HOURS_PER_DAY if warmup_days is None else warmup_days}
    problems = Problems(scenario.source)
    meta = Table(problems, values, "scenario")
    _, horizon, _ = _seed_and_horizon(meta, scenario.start_date)
    _warmup(meta, horizon)
    if horizon is not None and horizon * HOURS_PER_DAY > scenario.horizon_hours:
        cluster = Cluster(scenario)
        allowed = max(limits.MAX_JOBS, total_jobs(scenario, cluster, scenario.horizon_hours))
        h, own_h = horizon * HOURS_PER_DAY, scenario.horizon_hours
        loading = ", loading it with this horizon_days"
        rows = max(limits.MAX_DAILY_ROWS, daily_counts(cluster, own_h, 0)[1])
        events = max(limits.MAX_FAILURE_EVENTS, sum(failure_events(scenario, cluster, own_h).values()))
        for problem in (daily_problem(scenario, cluster, h, rows, remedy="[scenario] max_daily_rows" + loading),
                        jobs_problem(scenario, cluster, h, allowed, remedy="[scenario] max_jobs" + loading),
                        failures_problem(scenario, cluster, h, events,
                                         remedy="[scenario] max_failure_events" + loading)):
            if problem:
                problems.add(*problem)
                break
    if problems.messages:
        raise ScenarioError(problems.messages)


def _leasing_check(t: Table | None):
    """leasing_check = { share, source }: a reported rack-use rate shown beside the leasing."""
    if t is None:
        return None
    share = t.number("share", gt=0, le=1)
    source = t.string("source")
    t.done()
    return None if None in (share, source) else (share, source)
