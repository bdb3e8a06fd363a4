"""The kinds of arrivals, by the type of their record: one line each.

A class's `arrivals` record (sim/model) is plain data; its kind (sim/workload/kind.py
ArrivalsKind) answers what the loader, the work budget, representative periods, billing and
the summary ask of it. A new kind of arrivals is a module holding its record, its stream and
its kind, and one line here (or `KINDS[Record] = Kind()` from outside, as a test may)."""

from __future__ import annotations

from sim.model.demand import ArrivalTimes, MarketShare, OfferedLoad, RatePath, Work
from sim.model.workload import Contracts, Shaped, TraceReplay
from sim.workload.contracts import ContractArrivals
from sim.workload.kind import ArrivalsKind
from sim.workload.poisson import (
    LoadArrivals,
    MarketShareArrivals,
    RateArrivals,
    TimesArrivals,
    WorkArrivals,
)
from sim.workload.record import JobStream
from sim.workload.replay import ReplayArrivals
from sim.workload.service import Service, ServiceArrivals
from sim.workload.shaped import ShapedArrivals


def kind_of(spec) -> ArrivalsKind:
    """The kind of an arrivals record."""
    try:
        return KINDS[type(spec)]
    except KeyError:
        raise TypeError(f"{type(spec).__name__} is no kind of arrivals: add it to KINDS "
                        "(sim/workload/kinds.py)") from None


KINDS: dict[type, ArrivalsKind] = {
    RatePath: RateArrivals(),
    Work: WorkArrivals(),
    MarketShare: MarketShareArrivals(),
    OfferedLoad: LoadArrivals(),
    ArrivalTimes: TimesArrivals(),
    TraceReplay: ReplayArrivals(),
    Shaped: ShapedArrivals(kind_of),
    Contracts: ContractArrivals(kind_of),
    Service: ServiceArrivals(),
}


def stream_for(index: int, client, seed: int, capacity_path, horizon_h: float | None = None) -> JobStream:
    """The job stream a class's arrivals describe. `capacity_path` is the commissioned
    accelerators of the pools the class may use, for arrivals that follow capacity;
    `horizon_h`, the run's, for kinds that need it (`needs_horizon`: a service's replicas)."""
    kind = kind_of(client.arrivals)
    if kind.needs_horizon and horizon_h is not None:
        return kind.stream(index, client, seed, capacity_path, horizon_h=horizon_h)  # type: ignore[call-arg]
    return kind.stream(index, client, seed, capacity_path)


def job_rate(client):
    """The arrival rate of a class whose demand does not follow capacity (jobs per hour)."""
    kind = kind_of(client.arrivals)
    if kind.follows_build_out(client.arrivals):
        raise TypeError(f"{kind.name} arrivals follow capacity: they have no rate of their own")
    return kind.rate(client, ())


def arrivals_keys() -> dict[str, ArrivalsKind]:
    """Keys of an `arrivals` table read by a kind itself (`ArrivalsKind.read`), not the loader."""
    return {k.arrivals_key: k for k in KINDS.values() if k.arrivals_key is not None}
