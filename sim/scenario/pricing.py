"""[pricing] and [price_paths]: the marketplace's prices, how they fall, and the anchor dates
they fall from."""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise

from sim.economics.pricing import PRICE_MODELS
from sim.model import Pricing, limits
from sim.model.generations import superseded_h
from sim.model.pricepath import PricePath
from sim.scenario.dates import dated_points, read_date
from sim.scenario.fields import MAX_DAYS, Table, did_you_mean
from sim.units import HOURS_PER_DAY, PPM, cny_per_pflops_year_to_cny_per_accelerator_hour


def read_price_paths(root: Table, start) -> dict[str, PricePath] | None:
    """[price_paths.NAME]: `annual_decline = x` (steady) or `points = [{ date, index }, ...]`
    (dates strictly increasing, index > 0); {} when there are none, None if any is bad."""
    out: dict[str, PricePath] = {}
    ok = True
    for name, t in root.tables("price_paths", required=False):
        if t.has("annual_decline") == t.has("points"):
            t.error("", "give annual_decline or points, exactly one")
            for k in ("annual_decline", "points"):
                t.raw(k, False)
            t.done()
            ok = False
            continue
        if t.has("annual_decline"):
            d = t.number("annual_decline", ge=0, lt=1)
            t.done()
            if d is None:
                ok = False
            else:
                out[name] = PricePath(name, annual_decline=d)
            continue
        pts = dated_points(t, "points", "index", start, "points", "point", gt=0, le=1e6)
        t.done()
        if pts is not None and any(b[0] <= a[0] for a, b in pairwise(pts)):
            t.error("points", "dates must strictly increase (one index per date)")
            pts = None
        if pts is None:
            ok = False
        else:
            out[name] = PricePath(name, points=tuple(pts))
    return out if ok else None


def read_pricing(t: Table | None, accelerators, declared, start, horizon_days, paths=None,
                 generations=None) -> Pricing | None:
    if t is None:
        return None
    anchor = read_anchor(t, "anchor_date", start, horizon_days)
    vat_stated = t.has("vat_included")
    # Unstated, prices are taken to include VAT, as Chinese contract prices are usually quoted
    # (the seed's 12万 CNY per P-year anchor does); the summary says which.
    vat = t.boolean("vat_included", True)
    basis = t.string("basis", "dense")
    if basis is not None and basis != "dense":
        t.error("basis", f"a price per P per year is per dense FP16 P, got {basis!r}: a card's sparse (or a "
                "claim's) figure would raise its bill with no more work done; remove the key or set \"dense\"")
        basis = None
    model = t.string("model", "declining", choices=PRICE_MODELS)  # looked up now: models added later count
    path, decline = _path_and_decline(t, paths)
    fee = t.number("intermediary_fee", ge=0, le=1)
    # A card's price per P against the newest generation's ([generations]); 0: no ageing.
    ageing = t.number("ageing_per_year", 0.0, ge=0, lt=1)
    # Cost of a busy accelerator-hour besides its power (the floor no offer goes below).
    variable = t.number("variable_cost_cny_per_accelerator_hour", 0.0, ge=0)
    if fee is not None and abs(fee * PPM - round(fee * PPM)) > 1e-6:
        # The ledger splits fees in integer parts per million: anything finer would be lost.
        t.error("intermediary_fee", f"must be a whole number of parts per million (a multiple of 0.000001), "
                f"got {fee!r}")
        fee = None
    per_type, per_p_year, ok = _prices(t, accelerators, declared, basis)
    t.done()
    if decline is None or None in (basis, fee, model, anchor, vat, ageing, variable) or not ok:
        return None
    gens = list((generations or {}).values())
    superseded = {g.accelerator: superseded_h(gens, g) for g in gens if g.accelerator is not None}
    steady = path.annual_decline if path is not None and path.steady else decline
    if runaway(t, "anchor_date", max(per_type.values(), default=0.0), steady or 0.0, anchor, "per accelerator-hour"):
        return None
    return Pricing(basis, per_type, steady if path is None or path.steady else 0.0, fee, model,
                   anchor * HOURS_PER_DAY, vat, vat_stated, per_p_year, path, ageing,
                   {k: v for k, v in superseded.items() if math.isfinite(v)}, variable)


def _path_and_decline(t: Table, paths):
    """The price path [pricing] names (None if none or bad) and the annual decline it states (0
    with a path, which names its own course; None if bad)."""
    path = None
    if t.has("path"):
        if t.has("annual_decline"):
            t.error("annual_decline", "give annual_decline or path, not both (a path names its own course)")
        name = t.string("path")
        if name is not None and paths is not None:
            path = paths.get(name)
            if path is None:
                known = ", ".join(sorted(paths)) or "none"
                t.error("path", f"no price path named {name!r} in [price_paths] (named: {known})")
        decline = 0.0 if path is not None and not t.has("annual_decline") else None
        t.raw("annual_decline", False)
    else:
        decline = t.number("annual_decline", 0.0, ge=0, lt=1)
    return path, decline


def _prices(t: Table, accelerators, declared, basis):
    """(price per accelerator-hour by card, the price per P-year if that is how it is given,
    whether every card's price is finite): from price_cny_per_pflops_year or
    [pricing.cny_per_accelerator_hour], exactly one."""
    per_type = {}
    per_p_year = None
    ok = True
    if t.has("price_cny_per_pflops_year") == t.has("cny_per_accelerator_hour"):
        t.error("price_cny_per_pflops_year", "give price_cny_per_pflops_year or [pricing.cny_per_accelerator_hour], "
                "exactly one")
        t.raw("price_cny_per_pflops_year", False)
        t.raw("cny_per_accelerator_hour", False)
    elif t.has("price_cny_per_pflops_year"):
        p = per_p_year = t.number("price_cny_per_pflops_year", gt=0)
        if p is not None and basis is not None:
            per_type = {
                n: cny_per_pflops_year_to_cny_per_accelerator_hour(p, a.pflops_fp16_dense)
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
                    table.error(n, f"no accelerator named {n!r} in [accelerators]" + did_you_mean(n, declared))
                elif v is not None:
                    per_type[n] = v
    return per_type, per_p_year, ok


def read_anchor(t: Table, k: str, start, horizon_days):
    """An anchor date for a price path, as days after the start (default: the start itself);
    it may lie before the start but not after the run's end. None if bad."""
    if not t.has(k):
        t.raw(k, False)
        return 0
    d = read_date(t, k)
    if d is None:
        return None
    if start is None:
        return None
    days = (d - start).days
    if horizon_days is not None and days > horizon_days:
        end = start + dt.timedelta(days=horizon_days)
        t.error(k, f"must be on or before the run's end ({end}), got {d}: a price path runs from a date it has seen")
        return None
    if days < -MAX_DAYS:
        t.error(k, f"must be within {MAX_DAYS} days of start_date, got {d}")
        return None
    return days


def runaway(t: Table, k: str, price: float, decline: float, anchor_days: float, unit: str) -> bool:
    """A price anchored after the start was higher before it: at the start, price x (1 - decline)
    ^ -(years to the anchor). True (and a problem) if that would be beyond any real price."""
    if anchor_days <= 0 or not decline:
        return False
    years = anchor_days / 365
    top = math.exp(math.log(price) - years * math.log1p(-decline)) if price > 0 else 0.0
    if top <= limits.MAX_PRICE_CNY:
        return False
    t.error(k, f"falling {decline:g} a year towards a date {years:.3g} years after the start, the price at the "
            f"start would be {top:.3g} CNY {unit}, over {limits.MAX_PRICE_CNY:g}")
    return True
