"""The summary's `fractions` section: allocation rate and fragmentation of a run whose
scenario has classes of a share of one card (sim/scheduling/fractional.py)."""

from __future__ import annotations

from sim.scheduling.fragmentation import MILLI
from sim.simulation.results import FractionReport


def _r(x: float, nd: int = 6) -> float:
    return round(float(x), nd)


def fraction_report(model) -> FractionReport | None:
    sched = model.sched
    frac = sched.frac
    if frac is None:
        return None
    cluster = sched.cluster
    pools = cluster.pools
    commissioned = sum(p.area_servers * p.A for p in pools)
    busy = sum(p.area_busy_market + p.area_busy_private for p in pools)
    shared = sum(sc.area_open for sc in frac.cards)
    milli_h = sum(sc.area_milli for sc in frac.cards)
    allocated = busy - shared + milli_h / MILLI
    free, frag, _ = frac.fragmentation(sched.failed)  # for the shapes of the jobs that joined
    daily = frac.samples
    return FractionReport(
        allocation_rate=_r(allocated / commissioned) if commissioned else 0.0,
        busy_rate=_r(busy / commissioned) if commissioned else 0.0,
        fractional_accelerator_hours=_r(milli_h / MILLI, 3),
        shared_card_hours=_r(shared, 3),
        free_accelerators_at_horizon=_r(free / MILLI, 3),
        fragmented_accelerators_at_horizon=_r(frag / MILLI, 3),
        fragmentation_rate_at_horizon=_r(frag / free) if free else 0.0,
        fragmentation_rate_daily_mean=_r(sum(daily) / len(daily)) if daily else 0.0,
        fragmentation_daily_samples=len(daily),
    )
