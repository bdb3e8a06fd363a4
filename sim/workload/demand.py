"""Absolute demand as a Poisson job rate: dense P-hours per year over the P-hours one job brings.

A job brings (mean size) x (mean hours) accelerator-hours, each worth the class's dense P per
accelerator (`ClientClass.pflops_dense`). A job's hours do not change with the card it lands
on: a class whose cards differ in dense P states a reference P, and its demand is counted at it.
"""

from __future__ import annotations

from sim.model.client import ClientClass
from sim.units import HOURS_PER_YEAR
from sim.workload.arrivals import GrowingRate, Intensity
from sim.workload.distributions import mean_hours


def pflops_hours_per_job(client: ClientClass) -> float:
    """Mean dense P-hours of one job of the class."""
    if client.pflops_dense is None:
        raise ValueError(f"client class {client.label!r}: no dense P per accelerator resolved")
    return client.sizes.mean * mean_hours(client.duration) * client.pflops_dense


def path_rate(points, annual_growth: float, scale: float = 1.0):
    """A rate through (hour, value) points times `scale`: piecewise linear, or growing from
    the one point."""
    if annual_growth:
        (t0, v0), = points
        return GrowingRate(t0, v0 * scale, annual_growth, HOURS_PER_YEAR)
    return Intensity([(t, v * scale) for t, v in points])


def mean_pflops(pools) -> float | None:
    """Dense P per accelerator of `pools`, weighted by their accelerators at full build-out."""
    n = sum(p.planned_accelerators for p in pools)
    if not n:
        return None
    return sum(p.planned_accelerators * p.server.accelerator.pflops_fp16_dense for p in pools) / n


def reference_pflops(client: ClientClass, pools) -> float:
    """The dense P per accelerator a class's work counts at: resolved at load, or (for a
    scenario built by hand) its pools' capacity-weighted mean; 0 if it has no pool."""
    if client.pflops_dense is not None:
        return client.pflops_dense
    return mean_pflops(pools) or 0.0
