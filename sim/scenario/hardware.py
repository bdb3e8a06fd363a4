"""[accelerators], [servers] and [generations]: the cards, the servers that hold them, and the
generations of cards a run ages prices against."""

from __future__ import annotations

from sim.model import AcceleratorType, ServerModel, limits
from sim.model.generations import Generation
from sim.scenario.fields import Table, at_least, did_you_mean
from sim.units import HOURS_PER_DAY


def read_accelerators(root: Table) -> dict[str, AcceleratorType]:
    out = {}
    for name, t in root.tables("accelerators"):
        dense, sparse = (at_least(t, k, t.number(k, gt=0), limits.MIN_PFLOPS, "one GFLOPS")
                         for k in ("pflops_fp16_dense", "pflops_fp16_sparse"))
        power = t.number("power_w", gt=0)
        stated = t.number("stated_pflops", None, gt=0)  # a claim's per-card figure: reported, never priced
        t.done()
        if None not in (dense, sparse, power) and (stated is not None or not t.has("stated_pflops")):
            if sparse < dense:
                t.error("pflops_fp16_sparse", f"must be >= pflops_fp16_dense ({dense}), got {sparse!r}")
                continue
            out[name] = AcceleratorType(name, dense, sparse, power, stated)
    return out


def read_servers(root: Table, accelerators, declared) -> dict[str, ServerModel]:
    out = {}
    sites = root.data.get("sites")
    # Sites built from an OpenB node list need no [servers] (sim/scenario/openb.py makes theirs).
    listed = isinstance(sites, dict) and any(isinstance(s, dict) and "openb_nodes" in s for s in sites.values())
    for name, t in root.tables("servers", required=not listed):
        acc = t.string("accelerator")
        if acc is not None and acc not in accelerators:
            if acc not in declared:
                t.error("accelerator", f"no accelerator named {acc!r} in [accelerators]"
                        + did_you_mean(acc, declared))
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


def read_generations(root: Table, start, declared_accelerators) -> dict[str, Generation] | None:
    """[generations.NAME]: an accelerator generation's availability date, dense P and power per
    card, and its server (cards, maximum draw, price, O&M); `accelerator` names the
    [accelerators] type a run prices as it. {} when there are none, None if any is bad."""
    out: dict[str, Generation] = {}
    ok = True
    typed: dict[str, str] = {}
    dated: dict[float, str] = {}
    for name, t in root.tables("generations", required=False):
        days = t.day("available", start)
        if days is not None and days in dated:
            t.error("available", f"the same date as generation {dated[days]!r}: which is newer is then unknown")
            ok = False
        elif days is not None:
            dated[days] = name
        acc = t.string("accelerator", None)
        if acc is not None and acc not in declared_accelerators:
            t.error("accelerator", f"no accelerator named {acc!r} in [accelerators]" + did_you_mean(acc, declared_accelerators))
            acc, ok = None, False
        elif acc is not None and acc in typed:
            t.error("accelerator", f"{acc!r} is already generation {typed[acc]!r}: a card type is one generation")
            ok = False
        elif acc is not None:
            typed[acc] = name
        values = (
            t.number("pflops_fp16_dense", gt=0), t.number("power_w", gt=0),
            t.number("accelerators_per_server", integer=True, ge=1), t.number("server_power_kw", gt=0),
            t.number("server_price_cny", ge=0), t.number("server_price_change_per_year", 0.0, gt=-1, le=10),
            t.number("server_om_cny_per_year", 0.0, ge=0),
        )
        t.done()
        if days is None or None in values:
            ok = False
            continue
        out[name] = Generation(name, days * HOURS_PER_DAY, *values, accelerator=acc)
    return out if ok else None
