"""[clients.*] and [tenants.*.demand.*]: client classes, their arrivals, job sizes, durations,
patience, prices and where they may run."""

from __future__ import annotations

import math

from sim.model import ClientClass, Exponential, Fixed, Lognormal, Sizes, WillingnessToPay, limits
from sim.model.workload import Gamma, Mixture, Weibull
from sim.scenario.arrivals import read_arrivals
from sim.scenario.fields import MISSING, Table, at_least, check_number, describe, did_you_mean
from sim.scenario.fractions import read_gpu_milli
from sim.scenario.markets import read_work
from sim.scenario.tiers import read_class_tiers
from sim.scenario.workload import EXTRA_DURATIONS, extra_duration, read_lease, read_replay, read_shaping


def read_clients(root: Table, demand, start, declared: dict, markets: dict, named: dict) -> list:
    """(class or None, stated reference P or None) for the marketplace's classes, then each
    tenant's own (`demand`: (tenant, its [tenants.*.demand] tables))."""
    clients = [
        _client(t, n, None, start, declared["accelerators"], declared["sites"], markets, named)
        for n, t in root.tables("clients", required=False)
    ]
    for tenant, classes in demand:
        clients.extend(_client(t, n, tenant, start, declared["accelerators"], declared["sites"], markets, named)
                       for n, t in classes)
    return clients


def check_class_count(root: Table, clients: list) -> None:
    if len(clients) > limits.MAX_CLIENT_CLASSES:
        root.error("clients", f"{len(clients):,} client classes (marketplace and tenants' own), over the "
                   f"{limits.MAX_CLIENT_CLASSES:,} a run may have")


def _client(t: Table, name, tenant, start, accelerators, sites, markets, named):
    """(class, stated reference P or None); class None if its sizes or where it may run are
    wrong (other parts may be None when the file has problems: the class then serves only to
    check job sizes)."""
    workload = t.table("workload", required=False)
    if workload is not None and workload.has("trace"):
        market, market_ok = markets[""]  # a trace replays a share of [market] (named markets: not yet)
        arrivals, sizes, duration = read_replay(t, workload, market, market_ok, lambda w: read_work(w, start))
    else:
        arrivals = read_arrivals(t.table("arrivals"), start, markets, named)
        sizes = _sizes(t.table("sizes"))
        if t.has("lease"):
            arrivals, duration = read_lease(t, t.table("lease"), arrivals, tenant)
        else:
            duration = read_duration(t.table("duration"))
        if workload is not None:
            arrivals = read_shaping(workload, arrivals, start, sizes, read_duration)
    patience = read_duration(t.table("patience", required=False))
    price = None if tenant else t.number("max_price_cny_per_accelerator_hour", None, gt=0)
    wtp = None if tenant else _willingness(t.table("willingness_to_pay", required=False))
    reference = at_least(t, "reference_pflops_dense", t.number("reference_pflops_dense", None, gt=0),
                         limits.MIN_PFLOPS, "one GFLOPS")
    types = t.strings("accelerators", None)
    where = t.strings("sites", None)
    ok = (types is not None or not t.has("accelerators")) and (where is not None or not t.has("sites"))
    for a in types or ():
        if a not in accelerators:
            t.error("accelerators", f"no accelerator named {a!r} in [accelerators]" + did_you_mean(a, accelerators))
            ok = False
    for s in where or ():
        if s not in sites:
            t.error("sites", f"no site named {s!r} in [sites]" + did_you_mean(s, sites))
            ok = False
    tier_names, tolerance = read_class_tiers(t, tenant)
    milli = read_gpu_milli(t, sizes)
    ok &= milli is not None
    prefer = t.strings("prefer_sites", None)
    ok &= prefer is not None or not t.has("prefer_sites")
    for s in prefer or ():
        if s not in sites:
            t.error("prefer_sites", f"no site named {s!r} in [sites]" + did_you_mean(s, sites))
            ok = False
        elif where is not None and s not in where:
            t.error("prefer_sites", f"{s!r} is not among the sites it accepts ({', '.join(where)})")
            ok = False
    if prefer is not None and len(set(prefer)) < len(prefer):
        t.error("prefer_sites", "names a site twice")
        ok = False
    t.done()
    if sizes is None or not ok:
        return None, None
    return ClientClass(name, arrivals, sizes, duration, patience, price, types, where, tenant,
                       willingness_to_pay=wtp, prefer_sites=tuple(prefer or ()), tiers=tier_names,
                       interruption_tolerance=tolerance, gpu_milli=milli or 0), reference


def read_duration(t: Table | None):
    if t is None:
        return None
    kind = t.string("dist", choices=("lognormal", "exponential", "fixed", *EXTRA_DURATIONS))
    out: Lognormal | Exponential | Fixed | Weibull | Gamma | Mixture | None = None
    if kind is None:  # the other keys depend on the kind: nothing more to say about them
        for k in ("median_hours", "sigma", "mean_hours", "hours", "scale_hours", "shape", "components"):
            t.raw(k, False)
    if kind == "lognormal":
        median, sigma = _hours(t, "median_hours"), t.number("sigma", gt=0, le=10)
        out = Lognormal(median, sigma) if None not in (median, sigma) else None
    elif kind == "exponential":
        mean = _hours(t, "mean_hours")
        out = Exponential(mean) if mean is not None else None
    elif kind == "fixed":
        hours = _hours(t, "hours")
        out = Fixed(hours) if hours is not None else None
    elif kind in EXTRA_DURATIONS:
        out = extra_duration(t, kind, _hours, read_duration)
    t.done()
    return out


def _hours(t: Table, k: str):
    return at_least(t, k, t.number(k, gt=0), limits.MIN_DURATION_HOURS, "one second")


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


def _willingness(t: Table | None):
    """A lognormal willingness to pay per dense P-hour; None if absent or bad."""
    if t is None:
        return None
    kind = t.string("dist", choices=("lognormal",))
    median = t.number("median_cny_per_pflops_hour", gt=0)
    sigma = t.number("sigma", ge=0, le=10)
    t.done()
    return WillingnessToPay(median, sigma) if None not in (kind, median, sigma) else None
