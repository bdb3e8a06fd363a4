"""A rack group's build-out: all at once, a daily ramp, or dated tranches, with the steps counted
over the whole scenario."""

from __future__ import annotations

import math

from sim.model import limits
from sim.scenario.dates import dated_points
from sim.scenario.fields import Table
from sim.units import HOURS_PER_DAY


class BuildSteps:
    """Build-out steps counted over all rack groups: a ramp costs one per day, found before
    it is built; past the limit the first group over it is named, once."""

    def __init__(self):
        self.count = 0
        self.over = False

    def take(self, t: Table, k: str, n: int) -> bool:
        self.count += n
        if self.count <= limits.MAX_BUILD_STEPS:
            return True
        if not self.over:
            self.over = True
            t.error(k, f"rack groups' build-outs reach {self.count:,} steps here (one per tranche, one per "
                    f"day of a ramp), over the {limits.MAX_BUILD_STEPS:,} a scenario may have")
        return False


def read_online(t: Table, start, count, steps: BuildSteps):
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
        if not steps.take(t, "ramp_end", math.ceil(e - s)):
            return None
        return _ramp(s * HOURS_PER_DAY, e * HOURS_PER_DAY, count)
    tranches = dated_points(t, "tranches", "racks", start, "tranches", "tranche", integer=True, ge=0)
    if tranches is None:
        return None
    if count is not None and sum(n for _, n in tranches) != count:
        t.error("tranches", f"racks add up to {sum(n for _, n in tranches)}, but the group has {count}")
        return None
    if not steps.take(t, "tranches", len(tranches)):
        return None
    return tuple(tranches)


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
