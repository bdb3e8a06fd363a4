"""The job record every stream yields, and one class's per-job draws (sizes, durations,
patience, price limit, willingness to pay), each from its own seeded stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, Protocol

from sim.model.client import ClientClass
from sim.units import FEN_PER_CNY
from sim.workload.distributions import duration_draws, size_draws, wtp_draws
from sim.workload.random import draws, generator


class JobRecord(NamedTuple):
    # sim/scheduling/intake.py unpacks a record whole (every job's path): a new field is read there too.
    arrival_h: float
    client: int  # index of the client class in the scenario
    size: int  # accelerators
    duration_h: float
    patience_h: float | None  # None: waits for ever
    max_price_fen: float | None  # per accelerator-hour; None: accepts any quote
    wtp_fen_per_pflops_hour: float | None = None  # the most it pays per dense P-hour; None: no limit
    milli: int = 0  # its own share of one card (a replayed pod list); 0: the class's
    models: tuple[str, ...] = ()  # the accelerator types it may run on besides the class's; (): any


class JobStream(Protocol):
    def __iter__(self) -> Iterator[JobRecord]: ...


class Draws:
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
