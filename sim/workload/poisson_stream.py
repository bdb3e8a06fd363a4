"""Poisson arrivals at a rate that varies over time, one job record each: on every generated
job's path, so a module of its own that `make compiled` builds (sim/compiled.py)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from sim.model.client import ClientClass
from sim.workload.arrivals import Intensity
from sim.workload.record import Draws, JobRecord


class PoissonStream:
    """Poisson arrivals at a rate that varies over time: Exp(1) gaps in integrated rate."""

    def __init__(self, index: int, client: ClientClass, seed: int, intensity: Intensity):
        self.draws = Draws(index, client, seed)
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
