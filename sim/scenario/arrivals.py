"""A client class's `arrivals`: the one key that says how its jobs arrive."""

from __future__ import annotations

from sim.model import ArrivalTimes, MarketShare, OfferedLoad, RatePath, Work
from sim.scenario.dates import dated_points
from sim.scenario.fields import Table, check_number, describe, did_you_mean, key_text
from sim.scenario.markets import read_growth, read_work
from sim.workload.kinds import arrivals_keys

ARRIVALS = ("offered_load", "rate_per_hour", "ramp", "at_hours", "pflops_hours_per_year", "pflops_hours_path",
            "market_share")


def read_arrivals(t: Table | None, start, markets: dict, named: dict):
    """`markets`: {"": ([market] or None, read without problems)}; `named`: the same for
    each [markets.<name>]."""
    if t is None:
        return None
    extra = arrivals_keys()  # keys of kinds that read themselves (ArrivalsKind.read)
    names = ARRIVALS + tuple(k for k in extra if k not in ARRIVALS)
    kinds = [k for k in names if t.has(k)]
    out = None
    if t.has("market") and "market_share" not in kinds:
        t.raw("market")
        t.error("market", "names the market a market_share is of: give it with market_share")
    if len(kinds) != 1:
        t.error(kinds[1] if kinds else "rate_per_hour",
                f"give exactly one of {', '.join(names[:-1])} or {names[-1]}")
        for k in kinds + ["annual_growth", "market"]:
            t.raw(k, False)
    elif kinds[0] in extra:
        out = extra[kinds[0]].read(t, start)
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
        g = read_growth(t)
        out = RatePath(((0.0, r),), g) if None not in (r, g) else None
    elif kinds[0] == "ramp":
        points = dated_points(t, "ramp", "rate_per_hour", start, "ramp points", "point", ge=0)
        out = RatePath(tuple(points)) if points else None
    elif kinds[0] == "market_share":
        share = t.number("market_share", gt=0, le=1)
        given = t.has("market")  # absent: [market]; else a [markets.<name>]
        name = t.string("market", "")
        if name is None:
            pass  # not a string: reported
        elif given and name not in named:
            known = f" (named: {', '.join(sorted(named))})" if named else ""
            t.error("market", f"no market named {name!r} in [markets]" + (did_you_mean(name, named) or known))
        else:
            market, market_ok = named[name] if given else markets[""]
            if market_ok and (market is None or market.work is None):
                section = f"[markets.{key_text(name)}]" if given else "[market]"
                t.error("market_share", f"a share of the market needs {section} pflops_hours_per_year or "
                        "pflops_hours_path")
            elif share is not None and market is not None:
                out = MarketShare(share, market.work.scaled(share * market.share_reaching_operator), name)
    else:
        work = read_work(t, start)
        out = Work(work) if work is not None else None
    t.done()
    return out
