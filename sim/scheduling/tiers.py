"""Preemption across price tiers: a preemptible tier's (spot) jobs give way to every other
tier's and to tenants' own work, after a notice and never inside their protected runtime,
and hold at most their quota of the capacity they may use.

A waiting job ranked ahead of spot that no pool can take now looks, pool by pool, for spot
jobs whose leaving would make room; it gives them notice (first those that can be stopped
soonest, the most recently started first among equals), only as many as it needs, and none
if those already under notice will make room. The jobs noticed together stop together (one
calendar entry, then one pass), at the latest of their stop times: for each, the later of its
notice's end and its protected runtime's end. What a job keeps of its work follows its tier's
`on_eviction` (sim/model/tiers.py).
"""

from __future__ import annotations

import math

from sim.model.tiers import KILL, OPERATOR_CAPACITY, OPTED_IN_CAPACITY, PAUSE
from sim.scheduling.job import QUEUED
from sim.scheduling.pool import OPERATOR_POOL, SHARED_POOL, WhatIf
from sim.scheduling.priority import SPOT_RANK

KINDS = {OPERATOR_CAPACITY: (OPERATOR_POOL,), OPTED_IN_CAPACITY: (SHARED_POOL,)}
MARKET_KINDS = (OPERATOR_POOL, SHARED_POOL)


def kinds_of(capacity: str) -> tuple[int, ...]:
    return KINDS.get(capacity, MARKET_KINDS)


class TierRules:
    def __init__(self, scenario, cluster):
        self.tiers = scenario.tiers
        self.pools = [tuple(p for p in cluster.pools if p.kind in kinds_of(t.capacity)) for t in self.tiers]
        self.busy = [0] * len(self.tiers)  # accelerators each tier's running jobs hold
        self.spot_on_pool = [0] * len(cluster.pools)  # accelerators preemptible jobs hold, by pool
        self.spot_running = 0
        self.quota = [t.quota if t.preemptible and t.quota < 1 else None for t in self.tiers]
        self.preemptible = any(t.preemptible for t in self.tiers)

    def room(self, tier: int) -> int:
        """Accelerators a tier's jobs may still take under its quota (a large number: no quota)."""
        q = self.quota[tier]
        if q is None:
            return 1 << 62
        return int(q * sum(p.accelerators for p in self.pools[tier]) + 1e-9) - self.busy[tier]

    def started(self, job) -> None:
        self.busy[job.tier] += job.size
        if job.spot:
            self.spot_on_pool[job.pool.id] += job.size
            self.spot_running += 1

    def stopped(self, job) -> None:
        self.busy[job.tier] -= job.size
        if job.spot:
            self.spot_on_pool[job.pool.id] -= job.size
            self.spot_running -= 1

    # --- notices ----------------------------------------------------------------------------
    def stop_time(self, job, now: float) -> float:
        t = self.tiers[job.tier]
        return max(now + t.notice_h, job.start_h + t.protected_runtime_h)

    def notices(self, sched) -> None:
        """Give notice to the spot jobs that blocked work ranked ahead of them needs gone."""
        if not self.spot_running:
            return
        q = sched.queue
        if sched.work_conserving:
            heads = [sq.head() for sq in q.active.values()]
        else:
            heads = [q.line_head(line)[0] for line, live in enumerate(q.line_live) if live]
        for job in sorted((j for j in heads if j.key[0] < SPOT_RANK), key=lambda j: j.key):
            if job.state == QUEUED and sched.place(job) is None:
                self._make_room(sched, job)

    def _make_room(self, sched, job) -> None:
        now = sched.env.now
        for pool in sched.cluster.elig_pools[job.elig]:
            if not self.spot_on_pool[pool.id]:
                continue
            spot = [j for j in pool.running if j.spot]
            noticed = [j for j in spot if j.evict_at_h is not None]
            w = WhatIf(pool)
            for j in noticed:
                w.release(j.alloc)
            if w.fits(job.size):
                return  # notices already given will make room
            rest = sorted((j for j in spot if j.evict_at_h is None), key=lambda j: (self.stop_time(j, now), -j.start_h))
            whole = WhatIf(pool)
            for j in spot:
                whole.release(j.alloc)
            if not whole.fits(job.size):
                continue
            victims = []
            for victim in rest:
                w.release(victim.alloc)
                victims.append(victim)
                if w.fits(job.size):
                    break
            # All stop together, at the latest of their stop times, and one pass follows: freed
            # one by one, the first ones' room would go back to spot before the rest is free.
            sched.notice(victims, max(self.stop_time(v, now) for v in victims))
            return

    # --- evictions --------------------------------------------------------------------------
    def evicted(self, job, now: float) -> tuple[float, float, bool]:
        """(hours of the run to charge, hours of work lost, whether the job ends) for a run
        stopped by an eviction now; sets the work the job has left."""
        t = self.tiers[job.tier]
        ran = now - job.start_h
        work = max(0.0, ran - job.overhead_h)
        left = job.duration_h if job.work_left_h is None else job.work_left_h
        if t.on_eviction == KILL:
            kept = 0.0
        elif t.on_eviction == PAUSE:
            kept = work
        elif t.checkpoint_interval_h is None:
            kept = 0.0
        else:
            kept = math.floor(work / t.checkpoint_interval_h + 1e-9) * t.checkpoint_interval_h
        kept = min(kept, work, left)
        lost = work - kept
        job.work_left_h = left - kept
        job.overhead_h = t.restart_overhead_h
        charged = ran if t.bill_lost_work else ran - lost
        return charged, lost, t.on_eviction == KILL
