"""Load a scenario file into validated model objects, or fail with every problem at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sys
import tomllib
from pathlib import Path

import attrs

from sim.model import (
    OPERATOR,
    AcceleratorType,
    ArrivalTimes,
    ClientClass,
    Exponential,
    Fixed,
    Lognormal,
    OfferedLoad,
    Policy,
    Pricing,
    RackGroup,
    RatePath,
    Scenario,
    ServerModel,
    Site,
    Sizes,
    Tenant,
    servers_within_power,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import INT64, MISSING, Problems, Table, check_number, describe, key_text, one_line
from sim.scenario.overrides import apply_overrides
from sim.scheduling.cluster import Cluster
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.units import HOURS_PER_DAY, cny_per_pflops_year_to_cny_per_accelerator_hour

MAX_HORIZON_DAYS = 36500  # 100 years
LAST_END = dt.date(9998, 12, 31)  # calendar arithmetic must stay inside year 9999
MAX_SERVERS_PER_GROUP = 10**7  # a run holds every server in memory


def load_scenario(path, overrides=()) -> Scenario:
    """Read `path` (a TOML scenario), apply `key=value` overrides, validate, build the model."""
    return loads(read_scenario(path).decode("utf-8"), str(path), overrides)


def read_scenario(path) -> bytes:
    """The bytes of a scenario file, checked to be UTF-8 text; a ScenarioError if not readable."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
        data.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError([one_line(f"{source}: no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([one_line(f"{source}: is a directory, not a scenario file")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([one_line(f"{source}: not UTF-8 text")]) from None
    except OSError as e:
        raise ScenarioError([one_line(f"{source}: cannot read: {e.strerror or e}")]) from None
    except ValueError as e:  # a path Python cannot pass to the system, e.g. with a NUL byte
        raise ScenarioError([one_line(f"{source}: cannot read: {e}")]) from None
    return data


def loads(text: str, source: str = "<scenario>", overrides=()) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([one_line(f"{source}: invalid TOML: {e}")]) from None
    except RecursionError:
        raise ScenarioError([one_line(f"{source}: invalid TOML: arrays or tables nested too deeply")]) from None
    except ValueError:  # tomllib lets Python's limit on integer digits through
        raise ScenarioError([f"{source}: invalid TOML: an integer of more than "
                             f"{sys.get_int_max_str_digits()} digits"]) from None
    problems = Problems(source)
    apply_overrides(data, overrides, problems)
    if problems.messages:
        raise ScenarioError(problems.messages)
    scenario = _build(Table(problems, data), source)
    if problems.messages:
        raise ScenarioError(problems.messages)
    return attrs.evolve(scenario, source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        overrides=tuple(overrides))


# --- sections -------------------------------------------------------------------------------
def _build(root: Table, source: str):
    meta = root.table("scenario")
    name = description = seed = start = horizon = warmup = std_kw = None
    enforce = True
    if meta is not None:
        name = meta.string("name", Path(source).stem)
        description = meta.string("description", "")
        start = _date(meta, "start_date")
        seed, horizon, warmup = _seed_and_horizon(meta, start)
        std_kw = meta.number("standard_rack_kw", gt=0)
        enforce = meta.boolean("enforce_power", True)
        meta.done()
    policy = _policy(root.table("policy", required=False))
    # Names declared in the file, valid or not: a reference to a declared entry that has its
    # own problems is not reported again as a reference to nothing.
    declared = {k: _declared(root, k) for k in ("accelerators", "servers", "sites", "tenants")}
    accelerators = _accelerators(root)
    servers = _servers(root, accelerators, declared["accelerators"])
    tenants, demand = _tenants(root)
    sites, capacity_ok = _sites(root, start, servers, declared["servers"], declared["tenants"], std_kw, enforce)
    capacity_ok &= len(tenants) == len(declared["tenants"])
    pricing = _pricing(root.table("pricing"), accelerators, declared["accelerators"])
    clients = [
        _client(t, n, None, start, declared["accelerators"], declared["sites"])
        for n, t in root.tables("clients", required=False)
    ]
    for tenant, classes in demand:
        clients.extend(_client(t, n, tenant, start, declared["accelerators"], declared["sites"])
                       for n, t in classes)
    root.done()
    _check_used_accelerators_priced(root, sites)
    scenario = Scenario(
        name=name, description=description, source=source, seed=seed, start_date=start,
        horizon_hours=None if horizon is None else horizon * HOURS_PER_DAY, standard_rack_kw=std_kw,
        enforce_power=enforce, accelerators=accelerators, servers=servers, sites=tuple(sites),
        tenants=tuple(tenants), clients=tuple(c for c in clients if c is not None), pricing=pricing,
        policy=policy, warmup_hours=0.0 if warmup is None else warmup * HOURS_PER_DAY,
    )
    if capacity_ok:
        # Pools depend on racks and tenants alone: with those whole, job sizes can be checked
        # even when other parts of the file have problems, so all are reported at once.
        _check_job_sizes(scenario, root.problems)
    return None if root.problems.messages else scenario


def _seed_and_horizon(meta: Table, start):
    seed = meta.number("seed", integer=True, ge=0)
    horizon = meta.number("horizon_days", gt=0, le=MAX_HORIZON_DAYS)
    warmup = meta.number("warmup_days", 0.0, ge=0)
    if start is not None and horizon is not None and (LAST_END - start).days < horizon:
        meta.error("horizon_days", f"the run must end by {LAST_END}, got {horizon!r} days from {start}")
        horizon = None
    if horizon is not None and warmup is not None and warmup >= horizon:
        meta.error("warmup_days", f"must be shorter than the horizon ({horizon!r} days), got {warmup!r}")
        warmup = None
    return seed, horizon, warmup


def check_seed_and_horizon(scenario: Scenario, seed, horizon_days, warmup_days=None) -> None:
    """Check a seed, horizon and warm-up given beside a loaded scenario (sim.run's arguments)
    exactly as the file's would be; ScenarioError if not."""
    values = {"seed": scenario.seed if seed is None else seed,
              "horizon_days": scenario.horizon_hours / HOURS_PER_DAY if horizon_days is None else horizon_days,
              "warmup_days": scenario.warmup_hours / HOURS_PER_DAY if warmup_days is None else warmup_days}
    problems = Problems(scenario.source)
    meta = Table(problems, values, "scenario")
    _seed_and_horizon(meta, scenario.start_date)
    if problems.messages:
        raise ScenarioError(problems.messages)


def _declared(root: Table, k: str) -> set[str]:
    v = root.data.get(k)
    return set(v) if isinstance(v, dict) else set()


def _date(t: Table, k: str):
    v = t.raw(k)
    if v is MISSING:
        return None
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        t.error(k, f"must be a date (YYYY-MM-DD), got {describe(v)}")
        return None
    return v


def _policy(t: Table | None) -> Policy:
    if t is None:
        return Policy()
    d = Policy()
    p = Policy(
        placement=t.string("placement", d.placement, choices=PLACEMENTS) or d.placement,
        queue=t.string("queue", d.queue, choices=DISCIPLINES) or d.queue,
        reclaim=t.string("reclaim", d.reclaim, choices=RECLAIMS) or d.reclaim,
        preempted=t.string("preempted", d.preempted, choices=("requeue", "lost")) or d.preempted,
    )
    t.done()
    return p


def _accelerators(root: Table) -> dict[str, AcceleratorType]:
    out = {}
    for name, t in root.tables("accelerators"):
        dense = t.number("pflops_fp16_dense", gt=0)
        sparse = t.number("pflops_fp16_sparse", gt=0)
        power = t.number("power_w", gt=0)
        t.done()
        if None not in (dense, sparse, power):
            if sparse < dense:
                t.error("pflops_fp16_sparse", f"must be >= pflops_fp16_dense ({dense}), got {sparse!r}")
                continue
            out[name] = AcceleratorType(name, dense, sparse, power)
    return out


def _servers(root: Table, accelerators, declared) -> dict[str, ServerModel]:
    out = {}
    for name, t in root.tables("servers"):
        acc = t.string("accelerator")
        if acc is not None and acc not in accelerators:
            if acc not in declared:
                t.error("accelerator", f"no accelerator named {acc!r} in [accelerators]")
            acc = None
        n = t.number("accelerators_per_server", integer=True, ge=1, le=64)
        kw = t.number("power_kw", gt=0)
        idle = t.number("idle_power_fraction", ge=0, le=1)
        busy = t.number("busy_power_fraction", gt=0, le=1)
        stated = t.number("stated_pflops_per_server", None, gt=0)
        t.done()
        if idle is not None and busy is not None and busy < idle:
            t.error("busy_power_fraction", f"must be >= idle_power_fraction ({idle}), got {busy!r}")
            continue
        if None not in (acc, n, kw, idle, busy):
            out[name] = ServerModel(name, accelerators[acc], n, kw, idle, busy, stated)
    return out


def _tenants(root: Table):
    """Tenants, and their private demand tables to read once sites are known."""
    out = []
    demand = []
    for name, t in root.tables("tenants", required=False):
        if name == OPERATOR:
            t.error("", f"{OPERATOR!r} is the operator, not a tenant")
        share = t.number("opt_in_fraction", ge=0, le=1)
        rent = t.number("colocation_cny_per_kw_month", ge=0)
        classes = t.tables("demand", required=False)
        t.done()
        demand.append((name, classes))
        if share is not None and rent is not None:
            out.append(Tenant(name, share, rent))
    return out, demand


def _sites(root: Table, start, servers, declared_servers, tenants, std_kw,
           enforce) -> tuple[list[Site], bool]:
    """The sites, and whether every rack group in the file was built (the capacity is whole)."""
    out = []
    whole = isinstance(root.data.get("sites"), dict)
    for name, t in root.tables("sites"):
        pue = t.number("pue", ge=1.0)
        price = t.number("electricity_cny_per_kwh", ge=0)
        racks = t.data.get("racks")
        groups = [
            g for g in (_rack_group(rt, gname, name, start, servers, declared_servers, tenants, std_kw, enforce)
                        for gname, rt in t.tables("racks"))
            if g is not None
        ]
        whole &= isinstance(racks, dict) and len(groups) == len(racks) > 0
        t.done()
        out.append(Site(name, pue, price, tuple(groups)))  # with problems, used only to check job sizes
    return out, whole and len(out) == len(root.data["sites"])


def _rack_group(t: Table, name, site, start, servers, declared_servers, tenants, std_kw, enforce):
    owner = t.string("owner")
    if owner is not None and owner != OPERATOR and owner not in tenants:
        t.error("owner", f"must be {OPERATOR!r} or a tenant in [tenants], got {owner!r}")
        owner = None
    model = t.string("server")
    if model is not None and model not in servers:
        if model not in declared_servers:
            t.error("server", f"no server named {model!r} in [servers]")
        model = None
    power = t.number("power_kw", gt=0)
    count = None
    if t.has("count") and t.has("standard_racks"):
        t.error("count", "give count or standard_racks, not both")
        t.raw("standard_racks")
    elif t.has("standard_racks"):
        std = t.number("standard_racks", ge=0)
        if None not in (std, power, std_kw):
            # A standard rack is a unit of power: so many of them fill this many real racks.
            racks = std * std_kw / power
            if not racks <= INT64[1]:
                t.error("standard_racks", f"{std!r} standard racks of {std_kw} kW fill too many "
                        f"{power} kW racks ({racks:.3g})")
            else:
                count = math.floor(round(racks, 9))
    else:
        count = t.number("count", integer=True, ge=0)
    per_rack = t.number("servers_per_rack", None, integer=True, ge=1)
    online = _online(t, start, count)
    t.done()
    if None in (owner, model, power, count, online):
        return None
    server = servers[model]
    if not math.isfinite(power / server.power_kw):
        t.error("power_kw", f"a {power} kW rack would hold {power / server.power_kw} {model} servers "
                f"of {server.power_kw} kW")
        return None
    within = servers_within_power(power, server.power_kw)
    if per_rack is None:
        if within == 0:
            t.error("power_kw", f"a {power} kW rack cannot power one {model} server ({server.power_kw} kW): "
                    "use bigger racks, or set servers_per_rack with enforce_power = false")
            return None
        per_rack = within
    elif per_rack > within and enforce:
        t.error("servers_per_rack", f"{per_rack} servers of {server.power_kw} kW need "
                f"{per_rack * server.power_kw:g} kW, over the {power} kW rack budget (at most {within}); "
                "set enforce_power = false to model it anyway")
        return None
    if count * per_rack > MAX_SERVERS_PER_GROUP:
        t.error("count" if t.has("count") else "standard_racks",
                f"{count:,} racks x {per_rack:,} servers per rack = {count * per_rack:,} servers, "
                f"over the {MAX_SERVERS_PER_GROUP:,} a rack group may hold")
        return None
    return RackGroup(name, site, owner, count, power, server, per_rack, within, online)


def _online(t: Table, start, count):
    """Build-out as (hour, racks) tranches: all at once, a daily linear ramp, or tranches."""
    kinds = [k for k in ("online", "ramp_start", "tranches") if t.has(k)]
    if t.has("ramp_end") and "ramp_start" not in kinds:
        kinds.append("ramp_start")
    if len(kinds) > 1:
        t.error(kinds[1], f"give one build-out: online, ramp_start/ramp_end or tranches, not {' and '.join(kinds)}")
        for k in ("online", "ramp_start", "ramp_end", "tranches"):
            t.raw(k, False)
        return None
    if not kinds:
        return ((0.0, count),) if count is not None else None
    if kinds[0] == "online":
        d = t.day("online", start)
        return ((d * HOURS_PER_DAY, count),) if None not in (d, count) else None
    if kinds[0] == "ramp_start":
        s, e = t.day("ramp_start", start), t.day("ramp_end", start)
        if None in (s, e, count):
            return None
        if e <= s:
            t.error("ramp_end", "must be after ramp_start")
            return None
        return _ramp(s * HOURS_PER_DAY, e * HOURS_PER_DAY, count)
    steps = _dated_points(t, "tranches", "racks", start, "tranches", "tranche", integer=True, ge=0)
    if steps is None:
        return None
    if count is not None and sum(n for _, n in steps) != count:
        t.error("tranches", f"racks add up to {sum(n for _, n in steps)}, but the group has {count}")
        return None
    return tuple(steps)


def _dated_points(t: Table, key: str, value: str, start, plural: str, singular: str, **check):
    """An array of {date, <value>} tables in date order, as [(hour, value)]; None if any is bad.
    Every entry is checked, so all its problems are reported at once."""
    points = []
    last = None
    ok = True
    for pt in t.array_of_tables(key):
        d = pt.day("date", start)
        v = pt.number(value, **check)
        pt.done()
        if d is not None and last is not None and d < last:
            pt.error("date", f"{plural} must be in date order")
            ok = False
        if None in (d, v):
            ok = False
        else:
            last = d
            points.append((d * HOURS_PER_DAY, v))
    if t.data[key] == []:
        t.error(key, f"must list at least one {singular}")
    return points if ok and points else None


def _ramp(s_h: float, e_h: float, count: int):
    """Racks online rise linearly from 0 at s to count at e, counted at each day's end."""
    steps = []
    online = 0
    t = s_h
    while online < count:
        t = min(t + HOURS_PER_DAY, e_h)
        now = count if t >= e_h else math.floor(count * (t - s_h) / (e_h - s_h))
        if now > online:
            steps.append((t, now - online))
            online = now
    return tuple(steps)


def _pricing(t: Table | None, accelerators, declared) -> Pricing | None:
    if t is None:
        return None
    basis = t.string("basis", "dense", choices=("dense", "sparse"))
    decline = t.number("annual_decline", 0.0, ge=0, lt=1)
    fee = t.number("intermediary_fee", ge=0, le=1)
    per_type = {}
    ok = True
    if t.has("price_cny_per_pflops_year") == t.has("cny_per_accelerator_hour"):
        t.error("price_cny_per_pflops_year", "give price_cny_per_pflops_year or [pricing.cny_per_accelerator_hour], "
                "exactly one")
        t.raw("price_cny_per_pflops_year", False)
        t.raw("cny_per_accelerator_hour", False)
    elif t.has("price_cny_per_pflops_year"):
        p = t.number("price_cny_per_pflops_year", gt=0)
        if p is not None and basis is not None:
            per_type = {
                n: cny_per_pflops_year_to_cny_per_accelerator_hour(p, a.pflops(basis))
                for n, a in accelerators.items()
            }
            for n, price in per_type.items():
                if not math.isfinite(price):
                    t.error("price_cny_per_pflops_year", f"{p!r} CNY per P-year gives no finite price "
                            f"per accelerator-hour for {n!r}")
                    ok = False
                    break
    else:
        table = t.table("cny_per_accelerator_hour")
        if table is not None:
            for n in list(table.data):
                v = table.number(n, gt=0)
                if n not in declared:
                    table.error(n, f"no accelerator named {n!r} in [accelerators]")
                elif v is not None:
                    per_type[n] = v
    t.done()
    if None in (basis, decline, fee) or not ok:
        return None
    return Pricing(basis, per_type, decline, fee)


def _duration(t: Table | None):
    if t is None:
        return None
    kind = t.string("dist", choices=("lognormal", "exponential", "fixed"))
    out = None
    if kind is None:  # the other keys depend on the kind: nothing more to say about them
        for k in ("median_hours", "sigma", "mean_hours", "hours"):
            t.raw(k, False)
    if kind == "lognormal":
        median, sigma = t.number("median_hours", gt=0), t.number("sigma", gt=0, le=10)
        out = Lognormal(median, sigma) if None not in (median, sigma) else None
    elif kind == "exponential":
        mean = t.number("mean_hours", gt=0)
        out = Exponential(mean) if mean is not None else None
    elif kind == "fixed":
        hours = t.number("hours", gt=0)
        out = Fixed(hours) if hours is not None else None
    t.done()
    return out


def _sizes(t: Table | None):
    if t is None:
        return None
    values = t.raw("values")
    weights = t.raw("weights", False)
    t.done()
    ok = True
    if values is MISSING:
        return None
    if not isinstance(values, list) or not values:
        t.error("values", f"must be a non-empty array of accelerator counts, got {describe(values)}")
        return None
    for i, v in enumerate(values):
        ok &= check_number(t, f"values[{i}]", v, integer=True, ge=1) is not None
    if weights is MISSING:
        weights = [1.0] * len(values)
    elif not isinstance(weights, list) or len(weights) != len(values):
        t.error("weights", f"must be an array of {len(values)} numbers, one per value")
        return None
    else:
        for i, w in enumerate(weights):
            ok &= check_number(t, f"weights[{i}]", w, ge=0) is not None
        if ok and sum(weights) <= 0:
            t.error("weights", "must not all be zero")
            ok = False
        elif ok and not math.isfinite(sum(weights)):
            t.error("weights", "must add up to a finite number")
            ok = False
    if ok and len(set(values)) != len(values):
        t.error("values", "must not repeat a size")
        ok = False
    return Sizes(tuple(values), tuple(float(w) for w in weights)) if ok else None


def _arrivals(t: Table | None, start):
    if t is None:
        return None
    kinds = [k for k in ("offered_load", "rate_per_hour", "ramp", "at_hours") if t.has(k)]
    out = None
    if len(kinds) != 1:
        t.error(kinds[1] if kinds else "rate_per_hour",
                "give exactly one of offered_load, rate_per_hour, ramp or at_hours")
        for k in kinds:
            t.raw(k)
    elif kinds[0] == "at_hours":
        v = t.raw("at_hours")
        if not isinstance(v, list):
            t.error("at_hours", f"must be an array of hours, got {describe(v)}")
        else:
            hours = [check_number(t, f"at_hours[{i}]", h, ge=0) for i, h in enumerate(v)]
            if None not in hours:
                if hours != sorted(hours):
                    t.error("at_hours", "must be in increasing order")
                else:
                    out = ArrivalTimes(tuple(float(h) for h in hours))
    elif kinds[0] == "offered_load":
        f = t.number("offered_load", gt=0, le=10)
        out = OfferedLoad(f) if f is not None else None
    elif kinds[0] == "rate_per_hour":
        r = t.number("rate_per_hour", ge=0)
        out = RatePath(((0.0, r),)) if r is not None else None
    else:
        points = _dated_points(t, "ramp", "rate_per_hour", start, "ramp points", "point", ge=0)
        out = RatePath(tuple(points)) if points else None
    t.done()
    return out


def _client(t: Table, name, tenant, start, accelerators, sites):
    """A client class; None if its sizes or where it may run are wrong (other parts may be None
    when the file has problems: the class then serves only to check job sizes)."""
    arrivals = _arrivals(t.table("arrivals"), start)
    sizes = _sizes(t.table("sizes"))
    duration = _duration(t.table("duration"))
    patience = _duration(t.table("patience", required=False))
    price = None if tenant else t.number("max_price_cny_per_accelerator_hour", None, gt=0)
    types = t.strings("accelerators", None)
    where = t.strings("sites", None)
    ok = (types is not None or not t.has("accelerators")) and (where is not None or not t.has("sites"))
    for a in types or ():
        if a not in accelerators:
            t.error("accelerators", f"no accelerator named {a!r} in [accelerators]")
            ok = False
    for s in where or ():
        if s not in sites:
            t.error("sites", f"no site named {s!r} in [sites]")
            ok = False
    t.done()
    if sizes is None or not ok:
        return None
    return ClientClass(name, arrivals, sizes, duration, patience, price, types, where, tenant)


def _check_used_accelerators_priced(root: Table, sites) -> None:
    """With prices given per accelerator, every accelerator some rack holds needs one."""
    pricing = root.data.get("pricing")
    priced = pricing.get("cny_per_accelerator_hour") if isinstance(pricing, dict) else None
    if isinstance(priced, dict) and "price_cny_per_pflops_year" not in pricing:
        used = {}  # accelerator -> the first site that has it
        for s in sites:
            for g in s.rack_groups:
                used.setdefault(g.server.accelerator.name, s.name)
        for a, site in used.items():
            if a not in priced:
                root.problems.add("pricing.cny_per_accelerator_hour", f"no price for {a!r}, used in site {site!r}")


def _check_job_sizes(scenario: Scenario, problems: Problems) -> None:
    """A class whose sizes can never fit any pool it may use is a mistake in the file."""
    cluster = Cluster(scenario)
    for c in scenario.clients:
        largest = max((p.planned_accelerators for p in cluster.pools_for(c)), default=0)
        biggest = max(c.sizes.values)
        if biggest > largest:
            where = (f"tenants.{key_text(c.tenant)}.demand.{key_text(c.name)}" if c.tenant
                     else f"clients.{key_text(c.name)}")
            problems.add(f"{where}.sizes.values",
                         f"a job of {biggest} accelerators is larger than any pool this class may use "
                         f"(largest: {largest} accelerators at full build-out)")
