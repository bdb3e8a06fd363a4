"""A client class's `workload` table: a replayed trace, or the shape of generated arrivals;
and the duration laws beyond the three basic ones (weibull, gamma, mixture).

    [clients.philly]
    workload = { trace = "traces/philly_jobs.csv.gz", market_share = 0.5, loop = true }

    [clients.fitted]
    arrivals = { rate_per_hour = 31.5 }
    sizes = ...
    duration = ...
    [clients.fitted.workload]
    hour_of_day = [24 weights]
    day_of_week = [7 weights, Monday first]
    bursts = { busy_time_share = 0.15, busy_job_share = 0.99, mean_busy_hours = 3 }
    durations = [{ sizes = [1], dist = "lognormal", median_hours = 0.3, sigma = 2.0 }, ...]
"""

from __future__ import annotations

import math
from pathlib import Path

import attrs

from sim.model.demand import Fixed, Sizes
from sim.model.workload import (
    HOURS_PER_MONTH,
    Bursts,
    Contracts,
    Gamma,
    Lease,
    Mixture,
    Shaped,
    SizeBand,
    TraceReplay,
    Weibull,
)
from sim.scenario.fields import MISSING, Table, check_number, describe, key_text
from sim.workload.formats import FORMATS, read_trace
from sim.workload.kinds import kind_of
from sim.workload.trace import TraceError

# The repository's data folder, next to the package: traces are found from any working directory.
REPO_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"

EXTRA_DURATIONS = ("weibull", "gamma", "mixture")
MAX_MIXTURE_COMPONENTS = 16


# --- traces ---------------------------------------------------------------------------------
def trace_path(raw: str, source: str) -> tuple[Path | None, list[Path]]:
    """The trace file `raw` names: as given if absolute; else beside the scenario file, else
    in the repository's data folder. (found or None, the places looked in)."""
    p = Path(raw)
    if p.is_absolute():
        return (p if _exists(p) else None), [p]
    places = []
    scenario_file = Path(source)
    if _exists(scenario_file) and scenario_file.is_file():
        places.append(scenario_file.parent / p)
    places.append(REPO_DATA_DIR / p)
    for place in places:
        if _exists(place):
            return place, places
    return None, places


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except (OSError, ValueError):  # a name too long, or with a NUL byte: no such file
        return False


# How a replay's job count is scaled: at most one of these (annual_growth goes with
# pflops_hours_per_year).
REPLAY_SCALING = ("scale", "load", "market_share", "pflops_hours_per_year", "pflops_hours_path")


def read_replay(client: Table, w: Table, market=None, market_ok: bool = True, work_reader=None):
    """(TraceReplay, the trace's sizes, its mean duration) from a workload table with a
    trace; Nones where something is wrong. `market` is the scenario's [market] (for
    `market_share`; `market_ok` False if it had problems, reported already) and
    `work_reader(table)` reads pflops_hours_per_year / pflops_hours_path from a table."""
    for k in ("arrivals", "sizes", "duration", "lease"):
        if client.has(k):
            client.raw(k)
            client.error(k, "not with workload.trace: the trace gives arrivals, sizes and durations")
    raw = w.string("trace")
    fmt = w.string("format", "philly", choices=FORMATS)
    speedup = w.number("speedup", 1.0, ge=1e-6, le=1e6)
    loop = w.boolean("loop", False)
    ok, scale, load, work, share = _replay_scaling(w, market, market_ok, work_reader)
    for k in ("hour_of_day", "day_of_week", "bursts", "durations"):
        if w.has(k):
            w.raw(k)
            w.error(k, "not with trace: a replay keeps the trace's own times and durations")
    w.done()
    if None in (raw, fmt, speedup, loop) or not ok:
        return None, None, None
    found, places = trace_path(raw, w.problems.source)
    if found is None:
        w.error("trace", f"no such file {raw!r} (looked for {', '.join(str(p) for p in places)})")
        return None, None, None
    try:
        jobs, digest = read_trace(found, fmt)
    except TraceError as e:
        w.error("trace", str(e))
        return None, None, None
    values, counts = _counts(jobs.size)
    spec = TraceReplay(str(found), fmt, digest, jobs, speedup, scale, load, loop, work, share)
    return spec, Sizes(values, counts), Fixed(float(jobs.duration_h.mean()))


def _replay_scaling(w: Table, market, market_ok: bool, work_reader):
    """(ok, scale, load, work, market share): the one way a replay's job count is scaled."""
    given = [k for k in REPLAY_SCALING if w.has(k)]
    if len(given) > 1:
        for k in given + ["annual_growth"]:
            w.raw(k, False)
        w.error(given[1], f"give one of {', '.join(REPLAY_SCALING[:-1])} or {REPLAY_SCALING[-1]}, "
                f"not {given[0]} and {given[1]}")
        return False, None, None, None, None
    kind = given[0] if given else None
    if w.has("annual_growth") and kind not in ("pflops_hours_per_year", "pflops_hours_path"):
        for k in given + ["annual_growth"]:
            w.raw(k, False)
        w.error("annual_growth", "goes with pflops_hours_per_year only"
                + (" (a market share grows as [market] does)" if kind == "market_share" else ""))
        return False, None, None, None, None
    if kind == "scale":
        scale = w.number("scale", ge=0, le=1e6)
        return scale is not None, scale, None, None, None
    if kind == "load":
        load = w.number("load", gt=0, le=10)
        return load is not None, None, load, None, None
    if kind == "market_share":
        share = w.number("market_share", gt=0, le=1)
        if market_ok and (market is None or market.work is None):
            w.error("market_share", "a share of the market needs [market] pflops_hours_per_year or "
                    "pflops_hours_path")
            return False, None, None, None, None
        if share is None or market is None:
            return False, None, None, None, None
        return True, None, None, market.work.scaled(share * market.share_reaching_operator), share
    if kind is not None:
        work = work_reader(w)
        return work is not None, None, None, work, None
    return True, None, None, None, None


def _counts(sizes) -> tuple[tuple[int, ...], tuple[float, ...]]:
    import numpy as np

    values, counts = np.unique(sizes, return_counts=True)
    return tuple(int(v) for v in values), tuple(float(c) for c in counts)


# --- shaped arrivals ------------------------------------------------------------------------
def read_shaping(w: Table, arrivals, start, sizes, duration_reader):
    """Shaped(arrivals, ...) from a workload table without a trace; None if anything is wrong."""
    ok = True
    hour = _weights(w, "hour_of_day", 24)
    day = _weights(w, "day_of_week", 7)
    ok &= (hour is not None or not w.has("hour_of_day")) and (day is not None or not w.has("day_of_week"))
    bursts = None
    if w.has("bursts"):
        bursts = _bursts(w.table("bursts"))
        ok &= bursts is not None
    bands = ()
    if w.has("durations"):
        bands = _bands(w, sizes, duration_reader)
        ok &= bands is not None
    w.done()
    if arrivals is not None and not kind_of(arrivals).shapeable:
        w.error("", f"shapes rate_per_hour, ramp, P-hours, market_share or offered_load arrivals, "
                    f"not {type(arrivals).__name__}")
        ok = False
    if not ok or arrivals is None:
        return None
    return Shaped(arrivals, hour, day, start.weekday() if start is not None else 0, bursts, bands or ())


def _weights(w: Table, k: str, n: int):
    v = w.raw(k, False)
    if v is MISSING:
        return None
    if not isinstance(v, list) or len(v) != n:
        w.error(k, f"must be an array of {n} weights, got {describe(v)}"
                + (f" of {len(v)}" if isinstance(v, list) and v else ""))
        return None
    out = [check_number(w, f"{k}[{i}]", x, ge=0) for i, x in enumerate(v)]
    if None in out:
        return None
    if sum(out) <= 0 or not math.isfinite(sum(out)):
        w.error(k, "must add up to a finite number above zero")
        return None
    return tuple(float(x) for x in out)


def _bursts(t: Table | None):
    if t is None:
        return None
    p = t.number("busy_time_share", gt=0, lt=1)
    q = t.number("busy_job_share", ge=0, le=1)
    hours = t.number("mean_busy_hours", gt=0)
    t.done()
    if None in (p, q, hours):
        return None
    if hours < 1 / 3600:
        t.error("mean_busy_hours", f"must be at least 1/3600 (one second), got {hours!r}")
        return None
    if not hours * (1 - p) / p <= 1e9:
        t.error("busy_time_share", f"quiet spells of {hours * (1 - p) / p:.3g} hours: too long to simulate")
        return None
    return Bursts(p, q, hours)


def _bands(w: Table, sizes, duration_reader):
    bands, ok = [], True
    seen: dict[int, int] = {}  # size -> its band's index
    for i, bt in enumerate(w.array_of_tables("durations")):
        values = bt.raw("sizes")
        band_sizes = None
        if values is not MISSING:
            if not isinstance(values, list) or not values:
                bt.error("sizes", f"must be a non-empty array of job sizes, got {describe(values)}")
            else:
                checked = [check_number(bt, f"sizes[{j}]", v, integer=True, ge=1) for j, v in enumerate(values)]
                if None not in checked:
                    band_sizes = tuple(checked)
        duration = duration_reader(_without(bt, "sizes"))
        if band_sizes is None or duration is None:
            ok = False
            continue
        for s in band_sizes:
            if s in seen:
                bt.error("sizes", f"size {s} is already in durations[{seen[s]}]")
                ok = False
            seen[s] = i
        if sizes is not None and not set(band_sizes) & set(sizes.values):
            bt.error("sizes", f"none of {list(band_sizes)} is among the class's sizes.values")
            ok = False
        bands.append(SizeBand(band_sizes, duration))
    if w.data.get("durations") == []:
        w.error("durations", "must list at least one band")
        ok = False
    return tuple(bands) if ok else None


def _without(t: Table, k: str) -> Table:
    """The same table seen without key `k` (already read), for a reader that checks every key."""
    rest = Table(t.problems, {x: v for x, v in t.data.items() if x != k}, t.path)
    return rest


# --- more duration laws ---------------------------------------------------------------------
def extra_duration(t: Table, kind: str, hours, duration_reader):
    """weibull / gamma: scale_hours and shape; mixture: components, each a duration table
    with a weight. `hours(t, k)` reads a duration in hours (at least a second)."""
    if kind in ("weibull", "gamma"):
        scale = hours(t, "scale_hours")
        shape = t.number("shape", gt=0, le=1000)
        if shape is not None and shape < 0.01:
            t.error("shape", f"must be at least 0.01, got {shape!r}")
            shape = None
        if None in (scale, shape):
            return None
        return (Weibull if kind == "weibull" else Gamma)(scale, shape)
    parts = t.array_of_tables("components")
    if t.data.get("components") == []:
        t.error("components", "must list at least one component")
        return None
    if len(parts) > MAX_MIXTURE_COMPONENTS:
        t.error("components", f"{len(parts)} components, over the {MAX_MIXTURE_COMPONENTS} a mixture may have")
        return None
    weights, components, ok = [], [], bool(parts)
    for part in parts:
        weight = part.number("weight", gt=0)
        if part.data.get("dist") == "mixture":
            part.raw("dist")
            part.error("dist", "a mixture's components cannot be mixtures")
            ok = False
            continue
        d = duration_reader(_without(part, "weight"))
        if weight is None or d is None:
            ok = False
        else:
            weights.append(float(weight))
            components.append(d)
    if ok and not math.isfinite(sum(weights)):
        t.error("components", "weights must add up to a finite number")
        ok = False
    return Mixture(tuple(weights), tuple(components)) if ok else None


# --- lease contracts ------------------------------------------------------------------------
def read_lease(client: Table, t: Table | None, arrivals, tenant):
    """(Contracts, the class's duration: a contract's mean length) from a lease table; Nones
    where something is wrong."""
    if t is None:
        return None, None
    if client.has("duration"):
        client.raw("duration")
        client.error("duration", "not with lease: a contract lasts as its term, renewals and early exit say")
    if tenant:
        client.error("lease", "leases are marketplace contracts, not a tenant's own demand")
    if client.has("max_price_cny_per_accelerator_hour"):
        client.error("max_price_cny_per_accelerator_hour", "not with lease: a contract has its own price")
    term = t.number("term_months", gt=0, le=1200)
    price = t.number("cny_per_server_month", ge=0)
    renew = t.number("renewal_probability", ge=0, le=1)
    take = t.number("take_or_pay", 0.0, ge=0, le=1)
    leave = t.number("early_exit_probability", 0.0, ge=0, le=1)
    t.done()
    if None in (term, price, renew, take, leave) or tenant:
        return None, None
    if term * HOURS_PER_MONTH < 1 / 3600:
        t.error("term_months", f"must be at least one second, got {term!r}")
        return None, None
    if renew == 1 and leave == 0:
        t.error("renewal_probability", "1 with no early exits: contracts would never end")
        return None, None
    if arrivals is None or not kind_of(arrivals).leasable:
        return None, None
    lease = Lease(float(term), float(price), float(renew), float(take), float(leave))
    return Contracts(arrivals, lease), Fixed(lease.mean_hours)


def check_leases(scenario, cluster, problems):
    """Lease sizes are whole servers of the one server size a lease class may use; the
    scenario with each lease's accelerators per server filled in."""
    clients = list(scenario.clients)
    for i, c in enumerate(clients):
        if c.arrivals is None or kind_of(c.arrivals).lease(c.arrivals) is None:
            continue
        key = f"clients.{key_text(c.name)}"
        per_server = sorted({p.A for p in cluster.pools_for(c)})
        if len(per_server) != 1:
            problems.add(f"{key}.lease", f"the servers this class may use hold {' or '.join(map(str, per_server))} "
                         "accelerators: a lease rents one size of server (limit it with accelerators or sites)")
            continue
        a = per_server[0]
        odd = [v for v in c.sizes.values if v % a]
        if odd:
            problems.add(f"{key}.sizes.values", f"{odd[0]} accelerators is not a whole number of {a}-accelerator "
                         "servers, which a lease rents")
            continue
        lease = attrs.evolve(c.arrivals.lease, accelerators_per_server=a)
        clients[i] = attrs.evolve(c, arrivals=attrs.evolve(c.arrivals, lease=lease))
    return attrs.evolve(scenario, clients=tuple(clients))
