"""The work a scenario asks for, measured before it runs: expected jobs over the horizon,
expected server failures and repairs, and the daily rows and ledger postings of days x sites.

A run that would take hours or exhaust memory is refused at load with one line naming the
class that asks for most; the limits are in sim/model/limits.py and a scenario raises the
job limit on purpose with `[scenario] max_jobs = N`.
"""

from __future__ import annotations

import datetime as dt
import math

import attrs

from sim.model.client import ClientClass
from sim.model.demand import ArrivalTimes, MarketShare, OfferedLoad, Work
from sim.model.limits import MAX_DAILY_ROWS, MAX_LEDGER_POSTINGS, MAX_RATE_POINTS
from sim.model.site import OPERATOR
from sim.model.workload import Contracts, Shaped, TraceReplay
from sim.scenario.fields import key_text
from sim.scheduling.cluster import Cluster
from sim.units import HOURS_PER_DAY, HOURS_PER_YEAR
from sim.workload import replay
from sim.workload.arrivals import GrowingRate
from sim.workload.demand import job_rate, path_rate, pflops_hours_per_job
from sim.workload.distributions import mean_hours
from sim.workload.shaped import accelerator_hours_per_job


def client_key(c: ClientClass) -> str:
    """The dotted key of a class's table in the file."""
    if c.tenant:
        return f"tenants.{key_text(c.tenant)}.demand.{key_text(c.name)}"
    return f"clients.{key_text(c.name)}"


def integral(t: list[float], r: list[float], horizon_h: float) -> float:
    """Integral over [0, horizon] of the rate through points (t, r): linear between them,
    flat outside (as sim.workload.arrivals.Intensity draws it)."""
    total = 0.0
    if t[0] > 0.0:
        total += r[0] * (min(t[0], horizon_h))
    for i in range(len(t) - 1):
        t0, t1 = t[i], t[i + 1]
        a, b = max(t0, 0.0), min(t1, horizon_h)
        if b > a:
            slope = (r[i + 1] - r[i]) / (t1 - t0)
            total += (r[i] + slope * (a - t0) + r[i] + slope * (b - t0)) * 0.5 * (b - a)
    if horizon_h > t[-1]:
        total += r[-1] * (horizon_h - max(t[-1], 0.0))
    return total


def capacity_hours(cluster: Cluster, horizon_h: float) -> list[float]:
    """Commissioned accelerator-hours of each pool over [0, horizon], from the build-out plan."""
    out = [0.0] * len(cluster.pools)
    for t, pid, n in cluster.plan:
        if t < horizon_h:
            out[pid] += n * cluster.pools[pid].A * (horizon_h - t)
    return out


def expected_jobs(c: ClientClass, cluster: Cluster, horizon_h: float, capacity_h: list[float]) -> float:
    """Mean number of arrivals of class `c` before the horizon. An offered load's rate is
    fraction x commissioned accelerators / (mean size x mean hours), as in
    sim.workload.stream.offered_load_intensity; its integral is that over the pools' capacity-hours."""
    a = c.arrivals
    if isinstance(a, Contracts):  # signings as the base says; each lasts the class's mean duration
        a = a.base
    if isinstance(a, TraceReplay):
        area = sum(capacity_h[p.id] for p in cluster.pools_for(c))
        work = None
        if a.work is not None:  # the target's P-hours over the hours replayed
            end = horizon_h if a.loop else min(horizon_h, a.jobs.period_h / a.speedup)
            rate = path_rate(a.work.points, a.work.annual_growth, 1.0 / HOURS_PER_YEAR)
            work = rate.integral(0.0, end) if isinstance(rate, GrowingRate) else integral(rate.t, rate.r, end)
        return replay.expected_jobs(a, area, horizon_h, work, c.pflops_dense)
    if isinstance(a, Shaped):  # profiles and bursts average 1: as many jobs as the base brings
        if isinstance(a.base, OfferedLoad):
            area = sum(capacity_h[p.id] for p in cluster.pools_for(c))
            return a.base.fraction * area / accelerator_hours_per_job(c)
        a = a.base
    if isinstance(a, ArrivalTimes):
        return float(sum(1 for h in a.hours if h < horizon_h))
    if isinstance(a, OfferedLoad):
        area = sum(capacity_h[p.id] for p in cluster.pools_for(c))
        return a.fraction * area / (c.sizes.mean * mean_hours(c.duration))
    if isinstance(a, (Work, MarketShare)) and c.pflops_dense is None:
        return 0.0  # not resolved: the file has problems, reported already
    if a is not c.arrivals:  # a wrapped base (contracts, shaped): its own rate
        c = attrs.evolve(c, arrivals=a)
    rate = job_rate(c)
    if isinstance(rate, GrowingRate):
        return rate.integral(0.0, horizon_h)
    return integral(rate.t, rate.r, horizon_h)


def peak_rate(c: ClientClass, horizon_h: float) -> float:
    """The highest arrival rate of a class over [0, horizon], jobs per hour."""
    rate = job_rate(c)
    if isinstance(rate, GrowingRate):
        return max(rate.rate_at(0.0), rate.rate_at(horizon_h))
    return max(rate.r)


def rate_points_problem(scenario, cluster: Cluster) -> tuple[str, str] | None:
    """An offered load's rate follows every build-out step of the pools it may use: with many
    classes and steps that alone is too much to hold. (key, problem) or None."""
    loads = [c for c in scenario.clients
             if isinstance(c.arrivals, OfferedLoad) or isinstance(getattr(c.arrivals, "base", None), OfferedLoad)]
    points = len(loads) * len(cluster.plan)
    if points > MAX_RATE_POINTS:
        return (f"{client_key(loads[-1])}.arrivals.offered_load",
                f"{len(loads):,} offered-load classes following {len(cluster.plan):,} build-out steps make "
                f"{points:,} rate points, over the {MAX_RATE_POINTS:,} a run may hold; use rates, "
                "or fewer tranches and shorter ramps")
    return None


def total_jobs(scenario, cluster: Cluster, horizon_h: float) -> float:
    capacity_h = capacity_hours(cluster, horizon_h)
    return sum(expected_jobs(c, cluster, horizon_h, capacity_h) for c in scenario.clients)


def jobs_problem(scenario, cluster: Cluster, horizon_h: float, max_jobs: float,
                 remedy: str = "[scenario] max_jobs") -> tuple[str, str] | None:
    """(key of the class that asks for most, problem) if the expected jobs over the horizon
    exceed `max_jobs`; None if they do not. `remedy` says how to raise the limit."""
    capacity_h = capacity_hours(cluster, horizon_h)
    counts = [(expected_jobs(c, cluster, horizon_h, capacity_h), c) for c in scenario.clients]
    total = sum(n for n, _ in counts)
    if total <= max_jobs:
        return None
    most, c = max(counts, key=lambda x: x[0])
    if isinstance(c.arrivals, Contracts):
        c = attrs.evolve(c, arrivals=c.arrivals.base)
    if isinstance(c.arrivals, TraceReplay):
        a = c.arrivals
        how = (f", load {a.load:g}" if a.load is not None else f", scale {a.scale:g}" if a.scale is not None
               else f", up to {replay.work_most(a.work, 0.0, horizon_h):.3g} dense P-hours a year" if a.work is not None
               else "")
        why = (f"a replay of {len(a.jobs.arrival_h):,} trace jobs every {a.jobs.period_h / a.speedup / HOURS_PER_DAY:g} "
               f"days{how}")
    elif isinstance(c.arrivals, Shaped):
        why = f"shaped arrivals averaging {most / (horizon_h or 1):.3g} jobs per hour"
    elif isinstance(c.arrivals, OfferedLoad):
        why = (f"offered_load {c.arrivals.fraction:g} with jobs of {c.sizes.mean:.3g} accelerators x "
               f"{mean_hours(c.duration):.3g} hours on average")
    elif isinstance(c.arrivals, ArrivalTimes):
        why = f"{len(c.arrivals.hours):,} arrival times"
    elif isinstance(c.arrivals, (Work, MarketShare)):
        peak = peak_rate(c, horizon_h) * pflops_hours_per_job(c) * HOURS_PER_YEAR
        why = (f"up to {peak:.3g} dense P-hours per year in jobs of {c.sizes.mean:.3g} accelerators x "
               f"{mean_hours(c.duration):.3g} hours x {c.pflops_dense:.3g} P on average")
    else:
        why = f"a rate of up to {peak_rate(c, horizon_h):.3g} jobs per hour"
    days = horizon_h / HOURS_PER_DAY
    return (f"{client_key(c)}.{'workload' if isinstance(c.arrivals, TraceReplay) else 'arrivals'}",
            f"about {total:,.0f} jobs expected over the {days:g}-day horizon ({most:,.0f} from this class: {why}), "
            f"over the limit of {max_jobs:,.0f}; shorten the horizon or lower the rate, or raise the limit on "
            f"purpose with {remedy}")


# --- server failures ---------------------------------------------------------------------------
def failures_and_repairs(mtbf_h: float, mttr_h: float, hours: float) -> float:
    """Expected failures plus repairs of one server that is up at the start and in service for
    `hours`: a two-state Markov chain failing at rate a = 1/MTBF while up and repaired at b =
    1/MTTR while down. Its chance of being up at t is b/s + (a/s) e^(-s t), s = a + b, so failures
    are a x (time up) and repairs b x (time down) integrated over [0, hours]:
    2ab T / s + a (a - b) / s^2 x (1 - e^(-s T))."""
    if hours <= 0:
        return 0.0
    a, b = 1.0 / mtbf_h, 1.0 / mttr_h
    s = a + b
    return 2 * a * b * hours / s + a * (a - b) / (s * s) * -math.expm1(-s * hours)


def failure_events(scenario, cluster: Cluster, horizon_h: float) -> dict[str, float]:
    """Expected failure and repair events over [0, horizon] by server model, from each pool's
    commissioning plan (servers fail from the hour they come online)."""
    out: dict[str, float] = {}
    if scenario.failures is None:
        return out
    models = scenario.failures.servers
    for t, pid, n in cluster.plan:
        name = cluster.pools[pid].server.name
        spec = models.get(name)
        if spec is not None and t < horizon_h:
            out[name] = out.get(name, 0.0) + n * failures_and_repairs(spec.mtbf_hours, spec.mttr_hours,
                                                                      horizon_h - t)
    return out


def failures_problem(scenario, cluster: Cluster, horizon_h: float, max_events: float,
                     remedy: str = "[scenario] max_failure_events") -> tuple[str, str] | None:
    """(key of the server model that fails most, problem) if the expected failures and repairs
    over the horizon exceed `max_events`; None if not."""
    events = failure_events(scenario, cluster, horizon_h)
    total = sum(events.values())
    if total <= max_events:
        return None
    name, most = max(events.items(), key=lambda x: x[1])
    spec = scenario.failures.servers[name]
    servers = sum(n for _, pid, n in cluster.plan if cluster.pools[pid].server.name == name)
    return (f"failures.servers.{key_text(name)}.mtbf_hours",
            f"about {total:,.0f} failures and repairs expected over the {horizon_h / HOURS_PER_DAY:g}-day horizon "
            f"({most:,.0f} from {servers:,} servers failing every {spec.mtbf_hours:g} h and repaired in "
            f"{spec.mttr_hours:g} h on average), over the limit of {max_events:,.0f}; lengthen the time between "
            f"failures or shorten the horizon, or raise the limit on purpose with {remedy}")


# --- daily rows and postings -----------------------------------------------------------------
def daily_counts(cluster: Cluster, horizon_h: float, months: int) -> tuple[int, int, int]:
    """(days, daily rows, ledger postings) of a run: a row a day for the run and one for each
    site and owner class (sim.simulation.recorder); each day an electricity posting per site
    and owner and a power-over-allowance posting per site and tenant (at most), each month a
    rent posting per tenant and site."""
    days = math.ceil(horizon_h / HOURS_PER_DAY - 1e-9)
    groups = {(p.site, p.owner == OPERATOR) for p in cluster.pools}
    owners = {(p.site, p.owner) for p in cluster.pools}
    tenants = sum(1 for _, o in owners if o != OPERATOR)
    rows = days * (1 + len(groups))
    postings = days * (len(owners) + tenants) + months * tenants
    return days, rows, postings


def daily_problem(scenario, cluster: Cluster, horizon_h: float, max_rows: float,
                  remedy: str = "[scenario] max_daily_rows") -> tuple[str, str] | None:
    """The run's daily rows and ledger postings grow as days x sites: (key, problem) if over
    their limits, None if not."""
    end = scenario.start_date + dt.timedelta(hours=horizon_h)
    months = (end.year - scenario.start_date.year) * 12 + end.month - scenario.start_date.month + 1
    days, rows, postings = daily_counts(cluster, horizon_h, months)
    sites = len(scenario.sites)
    shorter = ("shorten the horizon, simulate representative periods (--sample), or model fewer sites"
               if scenario.sampling is None else "shorten the horizon, sample fewer days, or model fewer sites")
    if rows > max_rows:
        return ("sites", f"{days:,} days x {rows // days - 1:,} site and owner classes (of {sites:,} sites) make "
                         f"{rows:,} daily rows, over the limit of {max_rows:,.0f}; {shorter}, or raise the "
                         f"limit on purpose with {remedy}")
    # One budget for the days: raising the rows raises the postings in proportion.
    max_postings = MAX_LEDGER_POSTINGS * max_rows / MAX_DAILY_ROWS
    if postings > max_postings:
        return ("sites", f"{days:,} days of electricity and power-over-allowance bills for {sites:,} sites' "
                         f"owners and tenants make about {postings:,} ledger postings, over the limit of "
                         f"{max_postings:,.0f}; {shorter}, or give fewer tenants racks at each site, or raise "
                         f"the limit on purpose with {remedy} (postings: {MAX_LEDGER_POSTINGS // MAX_DAILY_ROWS} "
                         "per row)")
    return None
