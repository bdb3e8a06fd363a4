"""Job sizes, durations and patience as scipy distributions, drawn from seeded streams."""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

from sim.model.demand import Duration, Exponential, Fixed, Lognormal, Sizes, WillingnessToPay
from sim.model.workload import Gamma, Mixture, Weibull
from sim.units import FEN_PER_CNY
from sim.workload.random import draws

Component = Duration | Weibull | Gamma  # one law (a mixture's components are these)
AnyDuration = Component | Mixture


def frozen_duration(spec: Component):
    """The scipy distribution of a duration spec, in hours (None for a fixed value)."""
    if isinstance(spec, Lognormal):
        return stats.lognorm(s=spec.sigma, scale=spec.median_hours)
    if isinstance(spec, Exponential):
        return stats.expon(scale=spec.mean_hours)
    if isinstance(spec, Weibull):
        return stats.weibull_min(c=spec.shape, scale=spec.scale_hours)
    if isinstance(spec, Gamma):
        return stats.gamma(a=spec.shape, scale=spec.scale_hours)
    return None


def mean_hours(spec: AnyDuration) -> float:
    if isinstance(spec, Fixed):
        return spec.hours
    if isinstance(spec, Mixture):
        return sum(w * mean_hours(c) for w, c in zip(spec.weights, spec.components, strict=True)) / sum(spec.weights)
    return float(frozen_duration(spec).mean())


def _mixture_block(spec: Mixture):
    """draw(rng, n) for a mixture: n component choices, then each component's draws in place."""
    p = np.asarray(spec.weights, dtype=float)
    p = p / p.sum()
    parts = [frozen_duration(c) for c in spec.components]

    def draw(r: np.random.Generator, n: int) -> np.ndarray:
        which = r.choice(len(p), size=n, p=p)
        out = np.empty(n)
        for k, (c, dist) in enumerate(zip(spec.components, parts, strict=True)):
            at = np.flatnonzero(which == k)
            out[at] = c.hours if isinstance(c, Fixed) else dist.rvs(size=len(at), random_state=r)
        return out

    return draw


def duration_draws(spec: AnyDuration, rng: np.random.Generator):
    """Iterator of durations in hours (next() gives one)."""
    if isinstance(spec, Fixed):
        return itertools.repeat(spec.hours)
    if isinstance(spec, Mixture):
        return draws(rng, _mixture_block(spec))
    dist = frozen_duration(spec)
    return draws(rng, lambda r, n: dist.rvs(size=n, random_state=r))


def frozen_sizes(spec: Sizes):
    w = np.asarray(spec.weights, dtype=float)
    return stats.rv_discrete(values=(np.asarray(spec.values), w / w.sum()))


def size_draws(spec: Sizes, rng: np.random.Generator):
    """Iterator of job sizes in accelerators (next() gives one)."""
    if len(spec.values) == 1:
        return itertools.repeat(spec.values[0])
    dist = frozen_sizes(spec)
    return draws(rng, lambda r, n: dist.rvs(size=n, random_state=r))


def wtp_draws(spec: WillingnessToPay, rng: np.random.Generator):
    """Iterator of willingness to pay, fen per dense P-hour (lognormal: median x e^(sigma Z))."""
    median_fen = spec.median_cny_per_pflops_hour * FEN_PER_CNY
    return draws(rng, lambda r, n: median_fen * np.exp(spec.sigma * r.standard_normal(n)))
