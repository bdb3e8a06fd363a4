"""Job sizes, durations and patience as scipy distributions, drawn from seeded streams."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.model.demand import Duration, Exponential, Fixed, Lognormal, Sizes
from sim.workload.random import Draws


def frozen_duration(spec: Duration):
    """The scipy distribution of a duration spec, in hours (None for a fixed value)."""
    if isinstance(spec, Lognormal):
        return stats.lognorm(s=spec.sigma, scale=spec.median_hours)
    if isinstance(spec, Exponential):
        return stats.expon(scale=spec.mean_hours)
    return None


def mean_hours(spec: Duration) -> float:
    if isinstance(spec, Fixed):
        return spec.hours
    return float(frozen_duration(spec).mean())


def duration_draws(spec: Duration, rng: np.random.Generator):
    if isinstance(spec, Fixed):
        hours = spec.hours
        return lambda: hours
    dist = frozen_duration(spec)
    return Draws(rng, lambda r, n: dist.rvs(size=n, random_state=r))


def frozen_sizes(spec: Sizes):
    w = np.asarray(spec.weights, dtype=float)
    return stats.rv_discrete(values=(np.asarray(spec.values), w / w.sum()))


def size_draws(spec: Sizes, rng: np.random.Generator):
    if len(spec.values) == 1:
        size = spec.values[0]
        return lambda: size
    dist = frozen_sizes(spec)
    return Draws(rng, lambda r, n: dist.rvs(size=n, random_state=r))
