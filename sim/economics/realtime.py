"""A price model quoted on the real calendar of a run in representative periods
(sim/model/sampling.py TimeMap): the simulated hours of its windows stand for real ones."""

from __future__ import annotations


class RealTimePrices:
    """`inner` (the scenario's price model), quoted on the real calendar.

    A job carried from one window into the next stands for a job of the same age in the
    next period, so the quote it is billed at is the one of its age before the real hour of
    the billing, not that of the real hour it was submitted (a quarter of falling prices
    earlier). At arrival the two are the same. `env`: the run's SimPy environment (its `now`)."""

    def __init__(self, inner, time_map, env=None):
        self.inner = inner
        self.time_map = time_map
        self.fee_ppm = inner.fee_ppm
        self.env = env
        self.lo = self.hi = -1.0  # the segment last used: (lo, hi] in simulated hours
        self.offset = 0.0  # its real hour minus its simulated hour

    def quote_fen(self, accelerator: str, hour: float) -> float:
        # real(now) - (now - hour) = hour + the offset of the segment `now` is in (a seam
        # belongs to the segment before it: work up to it was done there).
        now = self.env.now
        if not self.lo < now <= self.hi:
            self.lo, self.hi, self.offset = self.time_map.segment_before(now)
        return self.inner.quote_fen(accelerator, max(0.0, hour + self.offset))

    def real_hour(self, hour: float) -> float:
        """The real hour of a simulated one in the segment the run is in now (the outside
        price is read there, as the quote is)."""
        now = self.env.now
        if not self.lo < now <= self.hi:
            self.lo, self.hi, self.offset = self.time_map.segment_before(now)
        return max(0.0, hour + self.offset)
