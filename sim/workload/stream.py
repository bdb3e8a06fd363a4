"""The workload seam: a job stream yields job records in arrival order.

A stream is any iterable of `JobRecord`s with non-decreasing `arrival_h`; it may be endless
(the run stops taking records at the horizon). Every record carries its own draws, so what
happens to one job never shifts another's numbers. A new source of jobs (a trace reader, a
fitted model) is one more class with `__iter__`, added to `STREAMS` by its arrivals type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import attrs

from sim.model.client import ClientClass
from sim.model.demand import ArrivalTimes, MarketShare, OfferedLoad, RatePath, Work
from sim.model.workload import Contracts, Shaped, TraceReplay
from sim.units import FEN_PER_CNY
from sim.workload.arrivals import Intensity
from sim.workload.contracts import ContractStream
from sim.workload.demand import job_rate
from sim.workload.distributions import duration_draws, mean_hours, size_draws, wtp_draws
from sim.workload.random import draws, generator
from sim.workload.record import JobRecord, JobStream  # noqa: F401  (the seam's names, re-exported)
from sim.workload.replay import ReplayStream
from sim.workload.shaped import ShapedStream


class _Draws:
    """One class's size, duration and patience draws, each from its own seeded stream."""

    def __init__(self, index: int, client: ClientClass, seed: int):
        who = ("client", client.tenant or "", client.name)
        self.index = index
        self.size = size_draws(client.sizes, generator(seed, *who, "sizes"))
        self.duration = duration_draws(client.duration, generator(seed, *who, "durations"))
        self.patience = (duration_draws(client.patience, generator(seed, *who, "patience"))
                         if client.patience is not None else None)
        self.max_price_fen = (client.max_price_cny_per_accelerator_hour * FEN_PER_CNY
                              if client.max_price_cny_per_accelerator_hour is not None else None)
        self.gaps = draws(generator(seed, *who, "arrivals"), lambda r, n: r.standard_exponential(n))
        self.wtp = (wtp_draws(client.willingness_to_pay, generator(seed, *who, "wtp"))
                    if client.willingness_to_pay is not None else None)

    def records(self, times: Iterable[float]) -> Iterator[JobRecord]:
        size, duration, patience, wtp = self.size, self.duration, self.patience, self.wtp
        index, price = self.index, self.max_price_fen
        for t in times:
            yield JobRecord(t, index, next(size), next(duration),
                            next(patience) if patience is not None else None, price,
                            next(wtp) if wtp is not None else None)


class PoissonStream:
    """Poisson arrivals at a rate that varies over time: Exp(1) gaps in integrated rate."""

    def __init__(self, index: int, client: ClientClass, seed: int, intensity: Intensity):
        self.draws = _Draws(index, client, seed)
        self.intensity = intensity

    def __iter__(self) -> Iterator[JobRecord]:
        # One generator for times and records, with Intensity.next_after's constant-rate case
        # (past the last point) inline: a record is on every job's path.
        d = self.draws
        size, duration, patience, wtp = d.size, d.duration, d.patience, d.wtp
        index, price, gaps = d.index, d.max_price_fen, d.gaps
        next_after = self.intensity.next_after
        last_h, last_rate = self.intensity.t[-1], self.intensity.r[-1]
        t = 0.0
        while True:
            if t >= last_h and last_rate > 0.0:
                t = t + next(gaps) / last_rate
            else:
                t = next_after(t, next(gaps))
                if t == math.inf:
                    return
            yield JobRecord(t, index, next(size), next(duration),
                            next(patience) if patience is not None else None, price,
                            next(wtp) if wtp is not None else None)


class TimesStream:
    """Arrivals at given hours: for hand-built cases and tests."""

    def __init__(self, index: int, client: ClientClass, seed: int, hours: Iterable[float]):
        self.draws = _Draws(index, client, seed)
        self.hours = tuple(hours)

    def __iter__(self) -> Iterator[JobRecord]:
        return self.draws.records(self.hours)


def offered_load_intensity(client: ClientClass, capacity_path) -> Intensity:
    """The rate that keeps `fraction` of the class's commissioned capacity busy on average.
    `capacity_path`: [(hour, accelerators commissioned from then on)]."""
    if not isinstance(client.arrivals, OfferedLoad):
        raise TypeError(f"client class {client.name!r}: its arrivals are not an offered load")
    per_job = client.sizes.mean * mean_hours(client.duration)  # accelerator-hours per job
    scale = client.arrivals.fraction / per_job
    points = []
    previous = 0.0
    for t, accelerators in capacity_path:
        points.append((t, previous))
        previous = scale * accelerators
        points.append((t, previous))
    return Intensity(points)


# arrivals type -> f(class index, class, seed, capacity path): its job stream. Each entry is
# called only with a class whose arrivals are of its type.
STREAMS: dict[type, Callable[..., JobStream]] = {
    RatePath: lambda i, c, seed, path: PoissonStream(i, c, seed, job_rate(c)),
    Work: lambda i, c, seed, path: PoissonStream(i, c, seed, job_rate(c)),
    MarketShare: lambda i, c, seed, path: PoissonStream(i, c, seed, job_rate(c)),
    OfferedLoad: lambda i, c, seed, path: PoissonStream(i, c, seed, offered_load_intensity(c, path)),
    ArrivalTimes: lambda i, c, seed, path: TimesStream(i, c, seed, c.arrivals.hours),
    TraceReplay: lambda i, c, seed, path: ReplayStream(
        i, c, seed, path, _Draws(i, c, seed), generator(seed, "client", c.tenant or "", c.name, "replay")),
    Shaped: lambda i, c, seed, path: ShapedStream(i, c, seed, path, _Draws(i, c, seed)),
    Contracts: lambda i, c, seed, path: ContractStream(
        c.arrivals.lease, stream_for(i, attrs.evolve(c, arrivals=c.arrivals.base), seed, path),
        generator(seed, "client", c.tenant or "", c.name, "contracts")),
}


def stream_for(index: int, client: ClientClass, seed: int, capacity_path) -> JobStream:
    """The job stream a class's arrivals spec describes. `capacity_path` is the commissioned
    accelerators of the pools the class may use, for arrivals that follow capacity."""
    return STREAMS[type(client.arrivals)](index, client, seed, capacity_path)
