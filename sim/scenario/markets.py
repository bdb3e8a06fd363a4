"""[market] and [markets.*]: the demand a class may take a share of, and its outside price."""

from __future__ import annotations

import attrs

from sim.model import Market, OutsidePrice, WorkPath
from sim.model.pricepath import PricePath
from sim.scenario.dates import dated_points
from sim.scenario.fields import MISSING, Table, key_text
from sim.scenario.market_build import follow_site
from sim.scenario.pricing import read_anchor, runaway
from sim.units import HOURS_PER_DAY


def read_markets(root: Table, start, horizon_days, pricing, sites, declared_sites) -> tuple[dict, dict]:
    """{"": ([market] or None, whether it was read without problems)}, and the same for each
    [markets.<name>]; a share that follows a site's build-out scaled by it; with [pricing] on a
    price path, their outside prices follow it."""
    markets = {"": _market(root.table("market", required=False), start, horizon_days)}
    named = {n: _market(t, start, horizon_days) for n, t in root.tables("markets", required=False)}
    markets = {"": follow_site(root, "market", markets[""], sites, declared_sites)}
    named = {n: follow_site(root, f"markets.{key_text(n)}", m, sites, declared_sites) for n, m in named.items()}
    if pricing is not None and pricing.path is not None:
        markets = {"": _follow(root, "market", markets[""], pricing.path)}
        named = {n: _follow(root, f"markets.{key_text(n)}", m, pricing.path) for n, m in named.items()}
    return markets, named


def _market(t: Table | None, start, horizon_days) -> tuple[Market | None, bool]:
    """The [market] section, and whether it was read without problems (or is absent)."""
    if t is None:
        return None, True
    before = len(t.problems.messages)
    work = None
    if t.has("pflops_hours_per_year") and t.has("pflops_hours_path"):
        t.error("pflops_hours_per_year", "give pflops_hours_per_year or pflops_hours_path, not both")
        for k in ("pflops_hours_per_year", "pflops_hours_path", "annual_growth"):
            t.raw(k, False)
    elif t.has("pflops_hours_per_year") or t.has("pflops_hours_path"):
        work = read_work(t, start)
    share = t.number("share_reaching_operator", 1.0 if work is None else MISSING, gt=0, le=1)
    follows = t.string("share_follows_build", "") or None  # a site's name: sim/scenario/market_build.py
    outside = None
    if t.has("outside_price_cny_per_pflops_year"):
        price = t.number("outside_price_cny_per_pflops_year", gt=0)
        anchor = read_anchor(t, "outside_price_anchor_date", start, horizon_days)
        stated = t.has("outside_price_annual_decline")
        decline = t.number("outside_price_annual_decline", 0.0, ge=0, lt=1)
        if None not in (price, anchor, decline) and not runaway(t, "outside_price_anchor_date", price, decline,
                                                                anchor, "per P-year"):
            outside = OutsidePrice(price, anchor * HOURS_PER_DAY, decline, stated)
    t.done()
    # Without a start date its dates mean nothing: the market is not read, and says so no more.
    ok = len(t.problems.messages) == before and start is not None
    return (Market(work, share, outside, follows) if ok else None), ok


def _follow(root: Table, key: str, market: tuple, path: PricePath) -> tuple:
    """A market whose outside price follows [pricing]'s path (its own decline is refused)."""
    m, ok = market
    if m is None or m.outside is None:
        return market
    if m.outside.decline_stated:
        root.problems.add(f"{key}.outside_price_annual_decline", f"give none: [pricing] names the price path "
                          f"{path.name!r}, which the outside price follows")
        return None, False
    return attrs.evolve(m, outside=attrs.evolve(m.outside, path=path)), ok


def read_work(t: Table, start) -> WorkPath | None:
    """Dense P-hours per year: `pflops_hours_per_year` (+ `annual_growth`) from the start
    date, or `pflops_hours_path` = [{ date, pflops_hours_per_year }, ...]; None if bad."""
    if t.has("pflops_hours_path"):
        if t.has("annual_growth"):
            t.raw("annual_growth")
            t.error("annual_growth", "give annual_growth with pflops_hours_per_year, not with a dated path")
        points = dated_points(t, "pflops_hours_path", "pflops_hours_per_year", start, "path points", "point",
                              ge=0)
        return WorkPath(tuple(points)) if points else None
    v = t.number("pflops_hours_per_year", ge=0)
    g = read_growth(t)
    return WorkPath(((0.0, v),), g) if None not in (v, g) else None


def read_growth(t: Table):
    """An optional continuous annual growth rate: -0.99 (falling to 1 % a year) to 10 (x11)."""
    return t.number("annual_growth", 0.0, ge=-0.99, le=10)
