"""One arrival stream per client class: draws jobs and hands them to the scheduler.

The arrival is a chain of timeouts with a callback (no process per job). Every arrival
draws its size, duration and patience, whether or not the job is then accepted, so one
class's random streams never depend on what happened to its jobs.
"""

from __future__ import annotations

import math

from sim.model.demand import ArrivalTimes, OfferedLoad
from sim.model.job import BALKED, REJECTED, Job
from sim.units import FEN_PER_CNY
from sim.workload.arrivals import Intensity
from sim.workload.distributions import duration_draws, mean_hours, size_draws
from sim.workload.random import draws, generator


def intensity_for(client, capacity_path) -> Intensity:
    """Arrival rate over time; an offered load follows the class's commissioned capacity."""
    arrivals = client.arrivals
    if not isinstance(arrivals, OfferedLoad):
        return Intensity(arrivals.points)
    per_job = client.sizes.mean * mean_hours(client.duration)  # accelerator-hours per job
    scale = arrivals.fraction / per_job
    points = []
    previous = 0.0
    for t, accelerators in capacity_path:
        points.append((t, previous))
        previous = scale * accelerators
        points.append((t, previous))
    return Intensity(points)


class ArrivalSource:
    def __init__(self, env, sched, index: int, client, seed: int, horizon_h: float):
        self.env = env
        self.sched = sched
        self.index = index
        self.client = client
        self.horizon_h = horizon_h
        cluster = sched.cluster
        self.pools = cluster.pools_for(client)
        self.types = tuple(sorted({p.accelerator for p in self.pools}))
        name = f"client:{client.key}"
        # Explicit arrival times, or a Poisson stream: Exp(1) gaps in integrated rate.
        self.times = iter(client.arrivals.hours) if isinstance(client.arrivals, ArrivalTimes) else None
        self.intensity = None if self.times else intensity_for(client, cluster.capacity_path(self.pools))
        self.gaps = draws(generator(seed, name + ":arrivals"), lambda r, n: r.standard_exponential(n))
        self.size = size_draws(client.sizes, generator(seed, name + ":sizes"))
        self.duration = duration_draws(client.duration, generator(seed, name + ":durations"))
        self.patience = (
            duration_draws(client.patience, generator(seed, name + ":patience"))
            if client.patience is not None else None
        )
        self.max_price_fen = (
            client.max_price_cny_per_accelerator_hour * FEN_PER_CNY
            if client.max_price_cny_per_accelerator_hour is not None else None
        )
        tenants = [t.name for t in sched.scenario.tenants]
        self.line = 1 + tenants.index(client.tenant) if client.is_private else 0
        self.private = client.is_private
        self._elig: dict[tuple[str, ...], int] = {}
        self.default_elig = self._eligibility(self.types)  # every type it accepts is affordable
        self.max_size = cluster.elig_max_size

    def start(self) -> None:
        self._next(self.env.now)

    def _next(self, now: float) -> None:
        if self.times is None:
            t = self.intensity.next_after(now, next(self.gaps))
        else:
            t = next(self.times, math.inf)
        if t >= self.horizon_h:
            return
        ev = self.env.timeout(t - now)
        ev.callbacks.append(self._arrive)
        self.sched.events += 1

    def _eligibility(self, types: tuple[str, ...]) -> int:
        e = self._elig.get(types)
        if e is None:
            cluster = self.sched.cluster
            e = self._elig[types] = cluster.eligibility(tuple(p for p in self.pools if p.accelerator in types))
        return e

    def _arrive(self, ev) -> None:
        now = self.env.now
        self._next(now)
        sched = self.sched
        sched.jobs += 1
        job = Job(
            sched.jobs, self.index, next(self.size), next(self.duration), now,
            next(self.patience) if self.patience is not None else None,
            self.private, self.line,
        )
        stats = sched.classes[self.index]
        stats.submitted += 1
        elig = self.default_elig
        if self.max_price_fen is not None:
            quote = sched.prices.quote_fen
            limit = self.max_price_fen
            affordable = [t for t in self.types if quote(t, now) <= limit]
            if not affordable:
                job.state = BALKED
                stats.balked += 1
                sched.dropped(job)
                return
            if len(affordable) < len(self.types):
                elig = self._eligibility(tuple(affordable))
        job.elig = elig
        if job.size > self.max_size[elig]:
            job.state = REJECTED
            stats.rejected += 1
            sched.dropped(job)
            return
        sched.submit(job)
