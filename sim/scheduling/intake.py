"""Where job records become jobs: at each arrival, the quote check, the pools the job may
use, and the hand-over to the scheduler. One calendar entry per arrival, no process per job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.economics.market import price_response
from sim.economics.tiers import TierChoice
from sim.scheduling.fragmentation import MILLI
from sim.scheduling.job import BALKED, REJECTED, Job, reuse
from sim.scheduling.tiers import kinds_of
from sim.workload.demand import reference_pflops
from sim.workload.kinds import kind_of
from sim.workload.random import draws, generator

if TYPE_CHECKING:
    from sim.metrics.classes import ClassStats
    from sim.scheduling.calendar import Clock
    from sim.scheduling.scheduler import Scheduler
    from sim.workload.record import JobRecord


class Intake:
    """One client class's arrivals, from its job stream up to the horizon."""

    def __init__(self, clock: Clock, sched: Scheduler, index: int, client, records, horizon_h: float):
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
        self.stats: ClassStats = sched.classes[index]
        self._elig: dict[tuple, int] = {}  # by types, or (tier, types)
        self.prefer = client.prefer_sites
        self.milli = client.gpu_milli
        self.default_elig = self._eligibility(self.types)  # every type it accepts is affordable
        self.max_size = cluster.elig_max_size
        self.pflops = reference_pflops(client, self.pools)  # P-hours per accelerator-hour of its work
        self.response = price_response(client, self.types, sched.prices, sched.scenario)
        # One card type: the quote an arrival is offered is the one its charges are at (the same
        # prices, hour and type), so it is kept on the job, not looked up again; unless the
        # quote also moves with the clock (PriceModel.fixed_quotes). Not for a tenant's own
        # demand, which is not offered one.
        self.one_type: bool = (len(self.types) == 1 and not client.is_private
                         and getattr(sched.prices, "fixed_quotes", False))
        self.choice = self._tier_choice(client, sched.scenario)

    def _tier_choice(self, client, scenario):
        """With [tiers], a marketplace class's choice among those it may use; None: no tiers
        (a scenario without them, a tenant's own demand, a lease class)."""
        if not scenario.tiers or client.is_private or kind_of(client.arrivals).lease(client.arrivals) is not None:
            return None
        self.tier_pools = {}
        options = []
        for i, t in enumerate(scenario.tiers):
            if client.tiers is not None and t.name not in client.tiers:
                continue
            pools = tuple(p for p in self.pools if p.kind in kinds_of(t.capacity))
            if pools:
                self.tier_pools[i] = pools
                options.append((i, t, tuple(sorted({p.accelerator for p in pools}))))
        tol = client.interruption_tolerance
        low, high = (0.0, 0.0) if tol is None else (tol.low, tol.high)
        # A stream of its own: the class's other draws are those of a run without tiers.
        self.tolerance = draws(generator(scenario.seed, "client", client.tenant or "", client.name,
                                         "interruption tolerance"), lambda r, n: r.uniform(low, high, n))
        return TierChoice(self.response, options)

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        rec = next(self.records, None)
        if rec is not None and rec.arrival_h < self.horizon_h:
            self.clock.source_at(rec.arrival_h, self._arrive, rec)

    def _eligibility(self, types: tuple[str, ...], milli: int | None = None) -> int:
        milli = self.milli if milli is None else milli
        key = types if milli == self.milli else (types, "milli", milli)
        e = self._elig.get(key)
        if e is None:
            cluster = self.sched.cluster
            e = self._elig[key] = cluster.eligibility(tuple(p for p in self.pools if p.accelerator in types),
                                                     self.prefer, milli=milli)
        return e

    def _tier_eligibility(self, tier: int, types: tuple[str, ...]) -> int:
        key = (tier, types)
        e = self._elig.get(key)
        if e is None:
            pools = tuple(p for p in self.tier_pools[tier] if p.accelerator in types)
            spot = self.sched.scenario.tiers[tier].preemptible
            e = self._elig[key] = self.sched.cluster.eligibility(pools, self.prefer, tier if spot else -1, self.milli)
        return e

    def _arrive(self, rec: JobRecord) -> None:
        if self.choice is not None:
            return self._arrive_tiered(rec)
        nxt = next(self.records, None)  # _next(), inline (every job's path)
        if nxt is not None and nxt.arrival_h < self.horizon_h:
            self.clock.source_at(nxt.arrival_h, self._arrive, nxt)
        sched = self.sched
        sched.jobs += 1
        # The record's fields in one unpacking, not one attribute read each (every job's path).
        now, _, size, duration_h, patience_h, max_price_fen, wtp, rec_milli, models = rec
        spare = sched.spare
        job = reuse(spare) if spare else None
        if job is None:
            job = Job(sched.jobs, self.index, size, duration_h, now, patience_h, self.private, self.line)
        else:
            job.renew(sched.jobs, self.index, size, duration_h, now, patience_h, self.private, self.line)
        stats = self.stats
        affordable, quote_fen = self.response.offer(max_price_fen, wtp, now)
        work = size * duration_h
        milli = rec_milli or self.milli  # a replayed pod's own share first, else the class's
        if milli:  # a share of one card: its work and value pro rata
            job.milli = milli
            work *= milli / MILLI
        job.pflops_hours, job.value_fen = work * self.pflops, work * quote_fen
        if self.one_type:
            job.quote_fen = quote_fen
        stats.offer(job.pflops_hours, job.value_fen)
        elig = self.default_elig
        if affordable is not None:
            if not affordable:
                job.state = BALKED
                stats.balk(job.pflops_hours, job.value_fen)
                sched.dropped(job)
                return
            if len(affordable) < len(self.types):
                elig = self._eligibility(affordable)
        if models or milli != self.milli:  # a pod's own models and share: a group of its own
            types = tuple(t for t in (self.types if affordable is None else affordable)
                          if not models or t in models)
            if not types:  # none of its models here
                job.state = REJECTED
                stats.reject(job.pflops_hours, job.value_fen)
                sched.dropped(job)
                return
            elig = self._eligibility(types, milli)
        job.elig = elig
        if size > self.max_size[elig]:
            job.state = REJECTED
            stats.reject(job.pflops_hours, job.value_fen)
            sched.dropped(job)
            return
        sched.submit(job)

    def _arrive_tiered(self, rec) -> None:
        """An arrival that chooses its tier first (sim/economics/tiers.py)."""
        self._next()
        sched = self.sched
        sched.jobs += 1
        now = rec.arrival_h
        job = Job(sched.jobs, self.index, rec.size, rec.duration_h, now, rec.patience_h, self.private, self.line)
        tier, bought, price_fen, from_on_demand = self.choice.choose(rec.max_price_fen, rec.wtp_fen_per_pflops_hour,
                                                                     next(self.tolerance), now)
        work = rec.size * rec.duration_h
        if self.milli:  # a share of one card: its work and value pro rata
            job.milli = self.milli
            work *= self.milli / MILLI
        job.pflops_hours, job.value_fen = work * self.pflops, work * price_fen
        self.stats.offer(job.pflops_hours, job.value_fen)
        if tier is None:
            job.state = BALKED
            self.stats.balk(job.pflops_hours, job.value_fen)
            sched.dropped(job)
            return
        job.tier, job.spot, job.from_on_demand = tier, sched.scenario.tiers[tier].preemptible, from_on_demand
        job.elig = elig = self._tier_eligibility(tier, bought)
        if job.size > self.max_size[elig]:
            job.state = REJECTED
            self.stats.reject(job.pflops_hours, job.value_fen)
            sched.dropped(job)
            return
        stats = sched.tier_stats[tier]
        stats.chosen += 1
        stats.from_on_demand += from_on_demand
        sched.submit(job)
