"""Non-homogeneous Poisson arrivals by inverting the cumulative rate.

The rate is piecewise linear through (hour, rate) points and flat outside them; repeating
an hour with a new rate makes a step. Because build-out is planned in advance, a rate that
follows commissioned capacity is known ahead too, so no thinning (and no wasted events)
is needed: the next arrival is where the integrated rate grows by one Exp(1) draw.
"""

from __future__ import annotations

import math


class Intensity:
    __slots__ = ("t", "r", "i")

    def __init__(self, points):
        pts = sorted(points, key=lambda p: p[0])  # stable: a step keeps its before/after order
        if not pts:
            raise ValueError("an intensity needs at least one point")
        self.t = [float(p[0]) for p in pts]
        self.r = [float(p[1]) for p in pts]
        self.i = 0  # cursor: queries move forward in time

    def rate_at(self, s: float) -> float:
        t, r = self.t, self.r
        if s <= t[0]:
            return r[0]
        if s >= t[-1]:
            return r[-1]
        j = 0
        while t[j + 1] <= s:
            j += 1
        return r[j] + (r[j + 1] - r[j]) * (s - t[j]) / (t[j + 1] - t[j])

    def next_after(self, now: float, e: float) -> float:
        """Smallest s > now whose integrated rate over (now, s] equals e (inf if never)."""
        t, r = self.t, self.r
        if now >= t[-1]:  # past the last point: a constant rate, the common case
            return now + e / r[-1] if r[-1] > 0.0 else math.inf
        n = len(t)
        if now < t[0]:
            area = r[0] * (t[0] - now)
            if area >= e:
                return now + e / r[0]
            e -= area
            now = t[0]
            self.i = 0
        i = self.i
        while i + 1 < n and t[i + 1] <= now:
            i += 1
        self.i = i
        while i + 1 < n:
            t0, t1 = t[i], t[i + 1]
            if t1 > t0:
                slope = (r[i + 1] - r[i]) / (t1 - t0)
                a = r[i] + slope * (now - t0)
                b = r[i + 1]
                area = (a + b) * 0.5 * (t1 - now)
                if area >= e:
                    disc = a * a + 2.0 * slope * e
                    return now + 2.0 * e / (a + math.sqrt(max(disc, 0.0)))
                e -= area
            now = t1
            i += 1
        self.i = i
        last = r[-1]
        if last <= 0.0:
            return math.inf
        return now + e / last


class GrowingRate:
    """A rate growing (or falling) continuously at an annual rate: r0 x (1 + g) ^ (years since
    t0). The integrated rate has a closed form, so the next arrival is exact, as above."""

    __slots__ = ("t0", "r0", "k")

    def __init__(self, t0: float, r0: float, annual_growth: float, hours_per_year: float):
        self.t0 = float(t0)
        self.r0 = float(r0)
        self.k = math.log1p(annual_growth) / hours_per_year  # per hour

    def rate_at(self, s: float) -> float:
        return self.r0 * math.exp(self.k * (s - self.t0))

    def integral(self, a: float, b: float) -> float:
        """Expected arrivals in [a, b]."""
        if b <= a:
            return 0.0
        if self.k == 0.0:
            return self.r0 * (b - a)
        return self.rate_at(a) * math.expm1(self.k * (b - a)) / self.k

    def next_after(self, now: float, e: float) -> float:
        r = self.rate_at(now)
        if r <= 0.0:
            return math.inf
        if self.k == 0.0:
            return now + e / r
        x = e * self.k / r
        if x <= -1.0:  # a falling rate whose whole future holds less than e
            return math.inf
        return now + math.log1p(x) / self.k


def integral(t: list[float], r: list[float], horizon_h: float) -> float:
    """Integral over [0, horizon] of the rate through points (t, r): linear between them,
    flat outside (as Intensity draws it)."""
    total = 0.0
    if t[0] > 0.0:
        total += r[0] * (min(t[0], horizon_h))
    for i in range(len(t) - 1):
        t0, t1 = t[i], t[i + 1]
        a, b = max(t0, 0.0), min(t1, horizon_h)
        if b > a:
            slope = (r[i + 1] - r[i]) / (t1 - t0)
            total += (r[i] + slope * (a - t0) + r[i] + slope * (b - t0)) * 0.5 * (b - a)
    if horizon_h > t[-1]:
        total += r[-1] * (horizon_h - max(t[-1], 0.0))
    return total


def expected_arrivals(rate: Intensity | GrowingRate, horizon_h: float) -> float:
    """Mean arrivals of a rate over [0, horizon]."""
    if isinstance(rate, GrowingRate):
        return rate.integral(0.0, horizon_h)
    return integral(rate.t, rate.r, horizon_h)


def peak_rate(rate: Intensity | GrowingRate, horizon_h: float) -> float:
    """The highest value of a rate over [0, horizon]."""
    if isinstance(rate, GrowingRate):
        return max(rate.rate_at(0.0), rate.rate_at(horizon_h))
    return max(rate.r)
