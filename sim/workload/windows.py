"""A scenario on the simulated time of its sampled run (sim/model/sampling.py): build-out
moved onto the windows, long classes shortened (time_scale), and each class's arrivals mapped
as their kind says (sim/workload/kind.py ArrivalsKind.on_windows)."""

from __future__ import annotations

import math

import attrs

from sim.model.demand import Exponential, Fixed, Lognormal
from sim.model.sampling import Sampling, TimeMap
from sim.units import HOURS_PER_DAY
from sim.workload.kinds import kind_of


def _online(tm: TimeMap, online) -> tuple[tuple[float, int], ...]:
    out: dict[float, int] = {}
    for t, n in online:
        s = 0.0 if t <= 0.0 else tm.compress(t)
        if s is not None:
            out[s] = out.get(s, 0) + n
    return tuple(sorted(out.items()))


def _mean_hours(d) -> float:
    if isinstance(d, Lognormal):
        return d.median_hours * math.exp(d.sigma ** 2 / 2)
    if isinstance(d, Exponential):
        return d.mean_hours
    return d.hours


def _scaled(d, factor: float):
    if d is None:
        return None
    if isinstance(d, Lognormal):
        return Lognormal(d.median_hours * factor, d.sigma)
    if isinstance(d, Exponential):
        return Exponential(d.mean_hours * factor)
    if isinstance(d, Fixed):
        return Fixed(d.hours * factor)
    return d


# A class's jobs are shortened to last this share of a window on average, at most (see time_scale).
SETTLE_SHARE = 0.5


def time_scale(client, window_h: float) -> float:
    """The factor on the durations (and patience) of a class's jobs in a sampled run: 1, or
    SETTLE_SHARE x window / mean duration for a class whose jobs last longer on average.

    Carried from window to window, a job lives on in simulated time: a month-long lease would
    span ten 3-day windows, i.e. years of the calendar, and the class would take years to
    settle after any change (a build-out, the start). Shortened, with proportionally more
    arrivals (the same accelerator-hours, so the same offered load, utilisation and money),
    its jobs settle within a window, as the real ones do within the period it stands for.
    Classes whose kind keeps its jobs (explicit arrival times) are left alone."""
    mean = _mean_hours(client.duration)
    target = window_h * SETTLE_SHARE
    if not kind_of(client.arrivals).scales_in_windows or not mean > target:
        return 1.0
    return target / mean


def compressed(scenario, sampling: Sampling):
    """`scenario` rewritten onto the simulated time of its sampled run, and the TimeMap."""
    changes = [t for g in scenario.rack_groups for t, _ in g.online if t > 0]
    changes += [t for c in scenario.clients for t in kind_of(c.arrivals).changes_h(c.arrivals) if t > 0]
    tm = TimeMap.build(sampling, scenario.start_date, scenario.horizon_hours, changes)
    sites = tuple(
        attrs.evolve(site, rack_groups=tuple(attrs.evolve(g, online=_online(tm, g.online))
                                             for g in site.rack_groups))
        for site in scenario.sites
    )
    clients = []
    window_h = sampling.window_days * HOURS_PER_DAY
    for c in scenario.clients:
        k = time_scale(c, window_h)
        a = kind_of(c.arrivals).on_windows(c.arrivals, tm, k)
        clients.append(attrs.evolve(c, arrivals=a, duration=_scaled(c.duration, k), patience=_scaled(c.patience, k)))
    warm = tm.compress(scenario.warmup_hours) if scenario.warmup_hours else 0.0
    out = attrs.evolve(scenario, sites=sites, clients=tuple(clients), horizon_hours=tm.sim_horizon_h,
                       warmup_hours=min(warm if warm is not None else 0.0, tm.sim_horizon_h))
    return out, tm
