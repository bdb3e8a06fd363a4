"""Dates in a scenario table: one date, and arrays of dated points (ramps, tranches, paths)."""

from __future__ import annotations

import datetime as dt

from sim.scenario.fields import MISSING, Table, describe
from sim.units import HOURS_PER_DAY


def read_date(t: Table, k: str):
    v = t.raw(k)
    if v is MISSING:
        return None
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        t.error(k, f"must be a date (YYYY-MM-DD), got {describe(v)}")
        return None
    return v


def dated_points(t: Table, key: str, value: str, start, plural: str, singular: str, **check):
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
