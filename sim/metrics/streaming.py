"""Time-weighted areas and log-spaced histograms."""

from __future__ import annotations

import math
from math import log10


class TimeWeighted:
    """Area under a step function of time, for time averages (queue length, busy counts)."""

    __slots__ = ("value", "last_h", "area")

    def __init__(self, value: float = 0.0, start_h: float = 0.0):
        self.value = value
        self.last_h = start_h
        self.area = 0.0

    def set(self, now: float, value: float) -> None:
        self.area += self.value * (now - self.last_h)
        self.last_h = now
        self.value = value

    def area_until(self, now: float) -> float:
        return self.area + self.value * (now - self.last_h)


class LogHistogram:
    """Counts in log-spaced bins: quantiles to within one bin (about 4.7 % at 50 per decade).

    Values at or below `low` (a job that started at once has a wait of exactly 0) count in
    a bin of their own and report as 0. Count, sum and maximum are kept exactly.
    """

    __slots__ = ("low", "per_decade", "counts", "last", "zero", "n", "total", "max")

    def __init__(self, low: float = 1e-4, high: float = 1e6, per_decade: int = 50):
        self.low = low
        self.per_decade = per_decade
        self.counts = [0] * (int(round(math.log10(high / low) * per_decade)) + 1)
        self.last = len(self.counts) - 1
        self.zero = 0
        self.n = 0
        self.total = 0.0
        self.max = 0.0

    def add(self, x: float) -> None:
        self.n += 1
        self.total += x
        if x > self.max:
            self.max = x
        if x <= self.low:
            self.zero += 1
            return
        i = int(log10(x / self.low) * self.per_decade)
        self.counts[i if i < self.last else self.last] += 1

    def merge(self, other: LogHistogram) -> None:
        """Add another histogram with the same bins."""
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.zero += other.zero
        self.n += other.n
        self.total += other.total
        self.max = max(self.max, other.max)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    def quantile(self, q: float) -> float:
        """Geometric middle of the bin holding the q-quantile; 0 when it falls among zeros."""
        if not self.n:
            return 0.0
        rank = q * self.n
        seen = self.zero
        if seen >= rank and self.zero:
            return 0.0
        for i, c in enumerate(self.counts):
            seen += c
            if seen >= rank and c:
                return min(self.low * 10 ** ((i + 0.5) / self.per_decade), self.max)
        return self.max
