"""The work a scenario asks for, measured before it runs: expected jobs over the horizon,
expected server failures and repairs, and the daily rows and ledger postings of days x sites.

A run that would take hours or exhaust memory is refused at load with one line naming the
class that asks for most; the limits are in sim/model/limits.py and a scenario raises the
job limit on purpose with `[scenario] max_jobs = N`.
"""

from __future__ import annotations

import datetime as dt
import math

from sim.model.client import ClientClass
from sim.model.limits import MAX_DAILY_ROWS, MAX_LEDGER_POSTINGS, MAX_RATE_POINTS
from sim.model.site import OPERATOR
from sim.scenario.fields import key_text
from sim.scheduling.cluster import Cluster
from sim.units import HOURS_PER_DAY
from sim.workload.arrivals import integral  # noqa: F401  (where tests find it)
from sim.workload.kinds import kind_of


def client_key(c: ClientClass) -> str:
    """The dotted key of a class's table in the file."""
    if c.tenant:
        return f"tenants.{key_text(c.tenant)}.demand.{key_text(c.name)}"
    return f"clients.{key_text(c.name)}"


def capacity_hours(cluster: Cluster, horizon_h: float) -> list[float]:
    """Commissioned accelerator-hours of each pool over [0, horizon], from the build-out plan."""
    out = [0.0] * len(cluster.pools)
    for t, pid, n in cluster.plan:
        if t < horizon_h:
            out[pid] += n * cluster.pools[pid].A * (horizon_h - t)
    return out


def expected_jobs(c: ClientClass, cluster: Cluster, horizon_h: float, capacity_h: list[float]) -> float:
    """Mean number of arrivals of class `c` before the horizon, as its kind of arrivals says;
    `capacity_h`: each pool's commissioned accelerator-hours (capacity_hours)."""
    area = sum(capacity_h[p.id] for p in cluster.pools_for(c)) if capacity_h else 0.0
    return kind_of(c.arrivals).expected_jobs(c, horizon_h, area)


def rate_points_problem(scenario, cluster: Cluster) -> tuple[str, str] | None:
    """An offered load's rate follows every build-out step of the pools it may use: with many
    classes and steps that alone is too much to hold. (key, problem) or None."""
    loads = [c for c in scenario.clients if kind_of(c.arrivals).follows_build_out(c.arrivals)]
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
    kind = kind_of(c.arrivals)
    why = kind.why(c, horizon_h, most)
    days = horizon_h / HOURS_PER_DAY
    return (f"{client_key(c)}.{kind.table}",
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
