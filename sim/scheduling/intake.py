"""Where job records become jobs: at each arrival, the quote check, the pools the job may
use, and the hand-over to the scheduler. One calendar entry per arrival, no process per job."""

from __future__ import annotations

from sim.economics.market import price_response
from sim.scheduling.job import BALKED, REJECTED, Job
from sim.workload.demand import reference_pflops


class Intake:
    """One client class's arrivals, from its job stream up to the horizon."""

    def __init__(self, clock, sched, index: int, client, records, horizon_h: float):
        self.clock = clock
        self.sched = sched
        self.index = index
        self.horizon_h = horizon_h
        self.records = iter(records)
        cluster = sched.cluster
        self.pools = cluster.pools_for(client)
        self.types = tuple(sorted({p.accelerator for p in self.pools}))
        tenants = [t.name for t in sched.scenario.tenants]
        self.line = 1 + tenants.index(client.tenant) if client.is_private else 0
        self.private = client.is_private
        self.stats = sched.classes[index]
        self._elig: dict[tuple[str, ...], int] = {}
        self.prefer = client.prefer_sites
        self.default_elig = self._eligibility(self.types)  # every type it accepts is affordable
        self.max_size = cluster.elig_max_size
        self.pflops = reference_pflops(client, self.pools)  # P-hours per accelerator-hour of its work
        self.response = price_response(client, self.types, sched.prices, sched.scenario)

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        rec = next(self.records, None)
        if rec is not None and rec.arrival_h < self.horizon_h:
            self.clock.source_at(rec.arrival_h, self._arrive, rec)

    def _eligibility(self, types: tuple[str, ...]) -> int:
        e = self._elig.get(types)
        if e is None:
            cluster = self.sched.cluster
            e = self._elig[types] = cluster.eligibility(tuple(p for p in self.pools if p.accelerator in types),
                                                       self.prefer)
        return e

    def _arrive(self, rec) -> None:
        self._next()
        sched = self.sched
        sched.jobs += 1
        now = rec.arrival_h
        job = Job(sched.jobs, self.index, rec.size, rec.duration_h, now, rec.patience_h, self.private, self.line)
        stats = self.stats
        affordable, quote_fen = self.response.offer(rec.max_price_fen, rec.wtp_fen_per_pflops_hour, now)
        work = rec.size * rec.duration_h
        job.pflops_hours, job.value_fen = work * self.pflops, work * quote_fen
        stats.offer(job)
        elig = self.default_elig
        if affordable is not None:
            if not affordable:
                job.state = BALKED
                stats.balk(job)
                sched.dropped(job)
                return
            if len(affordable) < len(self.types):
                elig = self._eligibility(affordable)
        job.elig = elig
        if job.size > self.max_size[elig]:
            job.state = REJECTED
            stats.reject(job)
            sched.dropped(job)
            return
        sched.submit(job)
