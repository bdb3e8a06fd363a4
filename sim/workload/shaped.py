"""Shaped arrivals for generated classes: daily and weekly profiles, bursts, durations by size.

The rate at hour t is base(t) x hour_of_day(t) x day_of_week(t) x burst state(t), each
factor averaging 1, so the mean rate is the base rate. Candidates come at base(t) x the
largest profile product x the burst state's multiplier, by inverting the integrated base
rate as plain Poisson arrivals do; each is kept with probability profile(t) / largest
(thinning). The burst state is a two-state Markov chain with exponential spells; a
candidate that would fall after the spell ends is dropped and drawing starts again at the
switch, which is exact because Poisson gaps are memoryless.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import cast

import attrs

from sim.model.client import ClientClass
from sim.model.workload import Contracts, Shaped
from sim.workload.distributions import duration_draws, mean_hours
from sim.workload.kind import ArrivalsKind
from sim.workload.random import draws, generator
from sim.workload.record import Draws, JobRecord


def normalised(weights) -> tuple[float, ...] | None:
    """Weights scaled to mean 1 (None stays None)."""
    if weights is None:
        return None
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


def band_of(spec: Shaped) -> dict:
    """Size -> the duration spec of its band."""
    return {size: band.duration for band in spec.durations for size in band.sizes}


def accelerator_hours_per_job(client: ClientClass) -> float:
    """Mean accelerators x hours of one job of a shaped class, durations by size band."""
    bands = band_of(_shaped(client))
    sizes = client.sizes
    total = sum(sizes.weights)
    return sum(w * v * mean_hours(bands.get(v, client.duration))
               for v, w in zip(sizes.values, sizes.weights, strict=True)) / total


def _shaped(client: ClientClass) -> Shaped:
    return cast(Shaped, client.arrivals)  # the shaped kind's own record (KINDS picks the kind by it)


class ShapedStream:
    def __init__(self, index: int, client: ClientClass, seed: int, intensity, draws_):
        spec = _shaped(client)
        self.spec = spec
        self.index = index
        self.draws = draws_  # sizes, the class's own durations, patience, price, Exp(1) gaps
        who = ("client", client.tenant or "", client.name)
        self.intensity = intensity  # the base rate the profiles and bursts shape
        self.hour = normalised(spec.hour_of_day)
        self.day = normalised(spec.day_of_week)
        self.top = (max(self.hour) if self.hour else 1.0) * (max(self.day) if self.day else 1.0)
        self.thin = draws(generator(seed, *who, "thinning"), lambda r, n: r.random(n))
        self.spells = draws(generator(seed, *who, "bursts"), lambda r, n: r.standard_exponential(n))
        self.bands = {}
        for b, band in enumerate(spec.durations):
            it = duration_draws(band.duration, generator(seed, *who, "durations", str(b)))
            for size in band.sizes:
                self.bands[size] = it

    def profile(self, t: float) -> float:
        p = 1.0
        if self.hour is not None:
            p *= self.hour[int(t % 24.0)]
        if self.day is not None:
            p *= self.day[(self.spec.start_weekday + int(t // 24.0)) % 7]
        return p

    def _times(self) -> Iterator[float]:
        gaps, thin, spells = self.draws.gaps, self.thin, self.spells
        next_after, top = self.intensity.next_after, self.top
        shaped = self.hour is not None or self.day is not None
        b = self.spec.bursts
        t = 0.0
        if b is None:
            mult, end, busy = 1.0, math.inf, False
        else:
            busy = next(thin) < b.busy_time_share  # the chain starts in its stationary state
            mult = b.busy_multiplier if busy else b.quiet_multiplier
            end = next(spells) * (b.mean_busy_hours if busy else b.mean_quiet_hours)
        while True:
            scale = top * mult
            c = next_after(t, next(gaps) / scale) if scale > 0.0 else math.inf
            if c == math.inf and scale > 0.0:
                return  # the base rate is zero from here on
            if c >= end:
                if b is None:
                    return  # a zero rate and no spells to end it: nothing more arrives
                t, busy = end, not busy
                mult = b.busy_multiplier if busy else b.quiet_multiplier
                end = t + next(spells) * (b.mean_busy_hours if busy else b.mean_quiet_hours)
                continue
            t = c
            if shaped and next(thin) * top >= self.profile(t):
                continue
            yield t

    def __iter__(self) -> Iterator:
        d = self.draws
        size, default, patience, price = d.size, d.duration, d.patience, d.max_price_fen
        bands, index = self.bands, self.index
        for t in self._times():
            s = next(size)
            yield JobRecord(t, index, s, next(bands.get(s, default)),
                            next(patience) if patience is not None else None, price)


class ShapedArrivals(ArrivalsKind):
    """A `workload` table's profiles, bursts and durations by size over a class's generated
    arrivals, the base: it asks the base's kind (`kind_of`) for the rate it shapes."""

    name = "shaped"
    # Not sampled: the profiles are on the real calendar: not mapped onto windows yet

    def __init__(self, kind_of):
        self.kind_of = kind_of

    def _base(self, client: ClientClass):
        """(the base's kind, the class with the base as its arrivals)."""
        base = cast("Shaped | Contracts", client.arrivals).base  # a wrapper kind's own records
        return self.kind_of(base), attrs.evolve(client, arrivals=base)

    def stream(self, index, client, seed, capacity_path):
        kind, plain = self._base(client)
        # The base rate (jobs per hour): a rate path, absolute work over the P-hours of one job,
        # or a share of the capacity, with durations by size band.
        intensity = kind.rate(plain, capacity_path, accelerator_hours_per_job(client))
        return ShapedStream(index, client, seed, intensity, Draws(index, client, seed))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        # Profiles and bursts average 1: as many jobs as the base brings.
        kind, plain = self._base(client)
        return kind.expected_jobs(plain, horizon_h, capacity_h, accelerator_hours_per_job(client))

    def follows_build_out(self, spec):
        return self.kind_of(spec.base).follows_build_out(spec.base)

    def market_share(self, spec):
        return self.kind_of(spec.base).market_share(spec.base)
