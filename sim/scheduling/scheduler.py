"""The scheduler: starts, stops and ends jobs on the pools, by its policies. Event callbacks,
no polling.

A job costs its arrival, its finish and, only if it has to wait, a patience timeout: three
entries at most on the clock's calendar. The scheduler acts on arrivals, finishes,
commissioning and (for disciplines that are not work-conserving) departures from the queue.
What a job is charged is for sim/economics/billing.py; what is counted, for sim/metrics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sim.metrics import ClassStats
from sim.metrics.tiers import TierStats
from sim.scheduling.calendar import Clock
from sim.scheduling.dispatch import Dispatch
from sim.scheduling.fractional import Fractional
from sim.scheduling.fragmentation import MILLI
from sim.scheduling.job import ABANDONED, COMPLETED, PREEMPTED_LOST, QUEUED, RUNNING, Job
from sim.scheduling.policy import PolicyContext
from sim.scheduling.pool import Pool
from sim.scheduling.priority import rank
from sim.scheduling.queue import JobQueue
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.scheduling.tiers import TierRules
from sim.workload.kinds import kind_of

# Finished jobs kept for reuse: enough for the finishes between two arrivals; a bound, so a
# stretch of finishes without arrivals (the end of a run) keeps no more.
SPARE_JOBS: Final = 64

if TYPE_CHECKING:
    from sim.economics.billing import Billing
    from sim.economics.pricing import PriceModel
    from sim.model.scenario import Scenario
    from sim.scheduling.cluster import Cluster
    from sim.scheduling.trace import Trace


class Scheduler:
    def __init__(self, clock: Clock, scenario: Scenario, cluster: Cluster, prices: PriceModel, billing: Billing,
                 trace: Trace | None = None):
        self.clock = clock
        self.env = clock.env
        self.scenario = scenario
        self.cluster = cluster
        self.prices = prices
        self.billing = billing
        self.routes = [billing.route(p.accelerator, p.site, p.owner) for p in cluster.pools]  # by pool id
        self.trace = trace
        policy = scenario.policy
        # Shares of one card (fractional.py), only when some class asks for them.
        self.frac = Fractional(cluster) if any(c.gpu_milli or kind_of(c.arrivals).shares_cards(c.arrivals)
                                               for c in scenario.clients) else None
        context = PolicyContext(scenario, cluster, prices, self.frac)
        self.discipline = DISCIPLINES[policy.queue](context)
        self.work_conserving = self.discipline.work_conserving
        self.placement = PLACEMENTS[policy.placement](context)
        self.reclaim = RECLAIMS[policy.reclaim](context)
        self.requeue_preempted = policy.preempted == "requeue"
        self.queue = JobQueue(1 + len(scenario.tenants))
        self.classes = [ClassStats(scenario.warmup_hours) for _ in scenario.clients]
        self.dispatch = Dispatch(self)
        self.jobs = 0  # arrived so far; also the last job id
        self.failed: dict[int, set[int]] = {}  # pool id -> its servers out of service (failures.py)
        # Price tiers: quotas and evictions (tiers.py), running totals by tier.
        self.tiers = TierRules(scenario, cluster) if scenario.tiers else None
        if self.frac is not None:
            self.frac.sample_daily(clock, self.failed)
        self.tier_stats = [TierStats() for _ in scenario.tiers]
        # A finish with nothing but whole cards, a price by the hour and no trace takes the
        # inline path of `_due` (the same steps as `_finish`; a test runs both and compares,
        # setting this False before the run: not on the class, which a compiled build's
        # instances do not read).
        self.plain_finish = not trace and not billing.contracts
        self.elig_pools = cluster.elig_pools
        # Bound once: `self._due` as an argument would make a method object per job, one more
        # object to free when its entry comes up hours later (a cache miss in a large cluster).
        self.on_due = self._due
        self.on_patience = self._on_patience
        # Finished jobs, latest last, for the next arrivals to reuse (job.py `reuse`); with
        # `reuse_jobs` False, none (for the tests that compare).
        self.spare: list[Job] = []
        self.reuse_jobs = True

    # --- entry points ---------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        """A job that accepted its quote and can eventually fit: start it or queue it."""
        if self.trace:
            self.trace.on_submit(self, job)
        if job.submit_h >= self.scenario.warmup_hours:
            self.classes[job.client].joined += 1
        if self.frac is not None:
            self.frac.joined(job)  # the workload's shapes, for fragmentation
        q = self.queue
        if self.work_conserving or (q.line_live[job.line] == 0 and (job.private or q.live == 0)):
            # After every pass no waiting job fits (work-conserving), or the newcomer heads
            # the only line it could have to wait behind (its own, empty, and for marketplace
            # work no tenant's either: their heads may hold reservations): no full pass needed.
            if job.spot or job.milli:
                pool = self.place(job)
            else:  # place(job), inline (hot)
                pool = self.placement.choose(job, self.elig_pools[job.elig])
            if pool is not None:
                self.start(job, pool)
                return
        self._enqueue(job)
        if job.patience_h is not None:
            self.clock.after(job.patience_h, self.on_patience, job)
        if not self.work_conserving or (job.private and self.reclaim.active) or (
                self.tiers is not None and not job.spot and self.tiers.spot_running):
            self.schedule()  # (a job ranked ahead of spot may evict some: tiers.py)
        elif self.trace:
            self.trace.on_pass(self)

    @property
    def running(self) -> int:
        """Jobs running now."""
        return sum(len(p.running) for p in self.cluster.pools)

    def _enqueue(self, job: Job) -> None:
        # The key depends on the job alone, so it is computed only once a job has to wait.
        # The line's rank comes first, whatever the discipline (sim/scheduling/priority.py).
        job.key = (rank(job.private, job.spot), *self.discipline.key(job))
        self.queue.push(job, self.env._now)

    def dropped(self, job: Job) -> None:
        """A job that never queued: it balked at its quote or can never fit."""
        if self.trace:
            self.trace.on_drop(self, job)

    def commissioned(self) -> None:
        """New servers came online."""
        self.schedule()

    def schedule(self) -> None:
        if self.queue.live:
            self.discipline.schedule(self.dispatch)
            if self.reclaim.active:
                while self.queue.live and self.reclaim.reclaim(self.dispatch):
                    self.discipline.schedule(self.dispatch)
            if self.tiers is not None and self.tiers.preemptible and self.queue.live:
                self.tiers.notices(self)
        if self.trace:
            self.trace.on_pass(self)  # a quiescent point: what the discipline promises holds here

    # --- helpers for policies -------------------------------------------------------------
    def place(self, job: Job) -> Pool | None:
        if job.spot and self.tiers is not None and self.tiers.room(job.tier) < job.size:
            return None  # its tier's quota is full
        if job.milli:
            return self.placement.choose_fraction(job, self.cluster.elig_pools[job.elig], self.frac)
        return self.placement.choose(job, self.cluster.elig_pools[job.elig])

    def cap(self, elig: int) -> int:
        """Largest job of group `elig` that may start now (a preemptible tier's: within its quota)."""
        c = self.cluster.cap(elig) if self.frac is None or not self.cluster.elig_milli[elig] else self.frac.cap(elig)
        if self.tiers is not None:
            tier = self.cluster.elig_tier[elig]
            if tier >= 0:
                c = min(c, self.tiers.room(tier))
        return c

    def start_queued(self, sq, job: Job, pool: Pool) -> None:
        self.queue.pop(sq, job, self.env._now)
        self.start(job, pool)

    def start(self, job: Job, pool: Pool) -> None:
        now = self.env._now  # env.now without its property call (hot)
        if job.milli:
            self.frac.start(pool, job, now)  # type: ignore[union-attr]  # a share: frac exists
        else:  # whole cards; on the server a placement picked, if one did (fragmentation-aware)
            sid, job.server = job.server, -1
            if sid >= 0 or job.size <= pool.A:
                job.sid = pool.start_one(job.size, job.private, now, sid)
            else:
                job.servers, job.sid = pool.start(job.size, job.private, now)
        pool.running.add(job)
        job.state = RUNNING
        job.start_h = job.billed_to_h = now
        job.pool = pool
        if not job.runs:
            job.first_start_h = now
            self.classes[job.client].first_start(job.pflops_hours, job.value_fen, job.submit_h, now)
        job.runs += 1
        if job.tier >= 0:
            job.evict_at_h = None
            assert self.tiers is not None  # a job has a tier only with [tiers]
            self.tiers.started(job)
            if job.runs == 1:
                stats = self.tier_stats[job.tier]
                stats.started += 1
                stats.wait_h += now - job.submit_h
                stats.waits += 1
        end_h = now + (job.duration_h if job.work_left_h is None else job.run_h)
        if job.runs == 1:  # its first run: the job is its own finish entry (calendar.py)
            job.due_callback = self.on_due
            job.due = self.clock.add(job, end_h)
        else:  # an earlier run's entry may still be pending: one of its own
            job.due = self.clock.at(end_h, self.on_due, job)
        if self.trace:
            self.trace.on_start(self, job, pool)

    def _stop(self, job: Job, bill: bool = True) -> float:
        """Release a running job's accelerators and bill the hours it ran (those not billed yet);
        returns the hours of the run."""
        now = self.env.now
        pool, start_h = job.pool, job.start_h
        if pool is None:
            raise RuntimeError(f"job {job.id} stopped before it started")
        if job.milli:
            self.frac.stop(pool, job, now)  # type: ignore[union-attr]  # a share: frac exists
        elif job.servers:
            pool.stop(job.servers, job.sid, job.size, job.private, now)
        else:
            pool.stop_one(job.sid, job.size, job.private, now)
        pool.running.remove(job)
        if job.tier >= 0:
            assert self.tiers is not None  # a job has a tier only with [tiers]
            self.tiers.stopped(job)
            self.tier_stats[job.tier].busy_accelerator_hours += job.size * (now - job.start_h)
        if bill:
            self.bill(job, now - job.billed_to_h)
        job.sid = -1
        job.servers = ()
        return now - start_h

    def bill(self, job: Job, hours: float) -> None:
        """Count the work done and charge it (a tenant's own work is not charged)."""
        size = job.size if not job.milli else job.milli / MILLI  # a share of a card: pro rata
        work = size * hours
        self.classes[job.client].accelerator_hours += work
        job.billed_accelerator_hours += work
        if not job.private:
            fen = self.billing.charge(self.env.now, job.client, size, job.submit_h, hours,
                                      self.routes[_pool_of(job).id], job.tier, job.quote_fen)
            job.billed_fen += fen
            if job.tier >= 0:
                stats = self.tier_stats[job.tier]
                stats.accelerator_hours += work
                stats.revenue_fen += fen
                if job.from_on_demand:
                    stats.from_on_demand_fen += fen

    # --- event callbacks ------------------------------------------------------------------
    def _due(self, job: Job) -> None:
        if job.due != self.env.seq or job.state != RUNNING:  # a run stopped earlier
            return
        if job.milli or job.tier >= 0 or not self.plain_finish:
            self._finish(job)
            return
        # The common case: _finish, with _stop and bill inline (on every job's path).
        now: float = self.env._now
        pool = _pool_of(job)
        size = job.size
        if job.servers:
            pool.stop(job.servers, job.sid, size, job.private, now)
            job.servers = ()
        else:
            pool.stop_one(job.sid, size, job.private, now)
        job.sid = -1
        pool.running.remove(job)
        job.state = COMPLETED
        hours = now - job.billed_to_h
        work = size * hours
        stats = self.classes[job.client]
        stats.accelerator_hours += work
        stats.completed += 1
        job.billed_accelerator_hours += work
        if not job.private:
            job.billed_fen += self.billing.charge(now, job.client, size, job.submit_h, hours,
                                                  self.routes[pool.id], -1, job.quote_fen)
        if self.reuse_jobs and len(self.spare) < SPARE_JOBS:
            self.spare.append(job)
        if self.queue.live:
            self.schedule()

    def _finish(self, job: Job) -> None:
        pool = _pool_of(job)
        self._stop(job)
        if self.billing.contracts and not job.private:  # a lease left early pays its take-or-pay minimum
            job.billed_fen += self.billing.take_or_pay(self.env.now, job.client, job.size, job.duration_h,
                                                       self.routes[pool.id])
        job.state = COMPLETED
        self.classes[job.client].completed += 1
        if job.tier >= 0:
            self.tier_stats[job.tier].completed += 1
        if self.trace:
            self.trace.on_finish(self, job, pool)
        if self.queue.live or self.trace:
            self.schedule()

    def _on_patience(self, job: Job) -> None:
        if job.state != QUEUED or job.runs:
            return
        job.state = ABANDONED
        self.queue.discard(job, self.env.now)
        self.classes[job.client].abandon(job, self.env.now)
        if self.trace:
            self.trace.on_abandon(self, job)
        if not self.work_conserving:
            self.schedule()  # the head of its line may have changed

    def preempt(self, job: Job) -> None:
        pool = job.pool
        self._stop(job)
        job.preemptions += 1
        stats = self.classes[job.client]
        stats.preemptions += 1
        if self.requeue_preempted:
            job.state = QUEUED
            self._enqueue(job)  # same key as at arrival: back in its old place
        else:
            job.state = PREEMPTED_LOST
            stats.preempted_lost += 1
        if self.trace:
            self.trace.on_preempt(self, job, pool)

    def notice(self, jobs: list[Job], stop_h: float) -> None:
        """Give running spot jobs notice: their runs stop together at `stop_h` (those that
        have not ended by then), and one scheduling pass follows."""
        for job in jobs:
            job.evict_at_h = stop_h
            if self.trace:
                self.trace.on_notice(self, job, stop_h)
        self.clock.at(stop_h, self._evict, [(job, job.runs) for job in jobs])

    def _evict(self, items) -> None:
        for job, run in items:
            if job.runs == run and job.state == RUNNING:  # not ended (finished, failed) first
                self._evict_one(job)
        self.schedule()

    def _evict_one(self, job: Job) -> None:
        pool = job.pool
        self._stop(job, bill=False)
        assert self.tiers is not None  # only spot jobs are evicted
        charged, lost, ends = self.tiers.evicted(job, self.env.now)
        self.bill(job, charged)
        job.evictions += 1
        job.lost_accelerator_hours += job.size * lost
        stats = self.tier_stats[job.tier]
        stats.evictions += 1
        stats.evicted_jobs += job.evictions == 1
        stats.lost_accelerator_hours += job.size * lost
        if ends:
            job.state = PREEMPTED_LOST
            self.classes[job.client].preempted_lost += 1
            stats.killed += 1
        else:
            job.state = QUEUED
            self._enqueue(job)  # same key as at arrival: back in its old place
        if self.trace:
            self.trace.on_evict(self, job, pool, lost)

    def fail(self, job: Job, lost: bool) -> tuple[float, int]:
        """Stop a job whose server failed. Its run is not charged (it is thrown away); the job
        goes back to its old place in the queue, or is lost (counted with preempted_lost).
        Returns the run's accelerator-hours and what it would have been charged (fen)."""
        pool = _pool_of(job)
        hours = self._stop(job, bill=False)
        size = job.size if not job.milli else job.milli / MILLI
        fen = 0 if job.private else self.billing.amount(job.client, size, job.submit_h, hours, pool.accelerator,
                                                         job.tier)
        if lost:
            job.state = PREEMPTED_LOST
            self.classes[job.client].preempted_lost += 1
        else:
            job.state = QUEUED
            self._enqueue(job)
        if self.trace:
            self.trace.on_fail(self, job, pool)
        return size * hours, fen

    def bill_running(self) -> None:
        """Bill every running job for its hours so far and go on from here: a sampled run's
        seam between windows (sim/simulation/run.py Model, time_map), so that work is charged in
        the window where it was done. A full run charges a job once, at its end; in a sampled
        run a lease of a month spans many windows, i.e. years of the calendar, and would be
        booked years late. Only the billing moves: the run keeps its start and length, so a
        job preempted and requeued later restarts whole, as in a full run."""
        now = self.env.now
        for pool in self.cluster.pools:
            for job in pool.running:
                hours = now - job.billed_to_h
                if hours > 0:
                    self.bill(job, hours)
                    job.billed_to_h = now

    def close(self) -> None:
        """At the horizon, once: bill running jobs for the hours run so far (accrual), and
        count the jobs still waiting with their waits so far."""
        now = self.env.now
        if self.frac is not None:
            self.frac.close(now)
        for pool in self.cluster.pools:
            pool.advance(now)
            for job in list(pool.running):
                self.bill(job, now - job.billed_to_h)
        for job, _ in self.queue.jobs_in_order():
            if not job.runs:
                self.classes[job.client].still_waiting(job.submit_h, now)


def _pool_of(job: Job) -> Pool:
    """The pool of a job that has started (its current or last run's)."""
    if job.pool is None:
        raise RuntimeError(f"job {job.id} has not started")
    return job.pool
