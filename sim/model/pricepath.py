"""A market price path: how the price of compute moves over time, shared by the operator's
quote and competing centres' (outside) prices, so the two move together and the operator's
position against the market (its quote over the outside price) holds.

A path is a steady decline (`annual_decline`, continuous) or an index at dated points
(`points`), log-linear between them and flat before the first and after the last. Only ratios
of the index matter: a price anchored at hour a is worth price x ratio(a, h) at hour h.
"""

from __future__ import annotations

import bisect
import math

from attrs import frozen

from sim.units import HOURS_PER_YEAR


@frozen
class PricePath:
    name: str
    annual_decline: float | None = None  # a steady path
    points: tuple[tuple[float, float], ...] = ()  # (hours after the start, index > 0), in time order

    @property
    def steady(self) -> bool:
        return self.annual_decline is not None

    def log_index(self, hour: float) -> float:
        """log of the path's index at `hour` (a dated path: log-linear between points)."""
        if self.annual_decline is not None:  # steady
            return math.log1p(-self.annual_decline) * hour / HOURS_PER_YEAR
        pts = self.points
        hours = [h for h, _ in pts]
        i = bisect.bisect_right(hours, hour)
        if i == 0:
            return math.log(pts[0][1])
        if i == len(pts):
            return math.log(pts[-1][1])
        (h0, v0), (h1, v1) = pts[i - 1], pts[i]
        w = (hour - h0) / (h1 - h0)
        return (1 - w) * math.log(v0) + w * math.log(v1)

    def ratio(self, from_h: float, to_h: float) -> float:
        """What a price at `from_h` is worth at `to_h` on this path."""
        if self.annual_decline is not None:  # steady: the expression it has always used, to the last bit
            return math.exp(math.log1p(-self.annual_decline) / HOURS_PER_YEAR * (to_h - from_h))
        return math.exp(self.log_index(to_h) - self.log_index(from_h))
