"""Concession years: year k runs from the (k-1)th anniversary of the start date to the kth."""

from __future__ import annotations

import bisect
import datetime as dt

from sim.units import HOURS_PER_DAY


def anniversary(start: dt.date, years: int) -> dt.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: the 28th in other years
        return start.replace(year=start.year + years, day=28)


def year_start_hours(start: dt.date, years: int) -> list[float]:
    """Hours from the start to the beginning of years 1..years+1 (the last is the end)."""
    return [float((anniversary(start, k) - start).days * HOURS_PER_DAY) for k in range(years + 1)]


def year_of_hour(bounds: list[float], hour: float) -> int:
    """The 1-based year holding `hour` (hours before the start count in year 1)."""
    return max(1, bisect.bisect_right(bounds, hour))


def years_covering(start: dt.date, horizon_h: float) -> int:
    """How many years, the last perhaps partial, the hours up to `horizon_h` touch."""
    k = 0
    while (anniversary(start, k) - start).days * HOURS_PER_DAY < horizon_h:
        k += 1
    return k
