"""FIFO with EASY backfill.

The head of each line that cannot start gets a reservation: the earliest time some pool it
may use would fit it, from the running jobs' known end times (clients' duration estimates
are exact here). Later jobs start out of order only where they cannot delay a reservation:
on another pool, or finishing by the reserved time. Backfill decides when a job starts,
never where: it starts only if the pool the placement policy picks is free of conflicting
reservations, so owned-first still never sends work to a tenant while an operator slot is
free. Capacity still to be commissioned is not counted, so a head that only future racks
could hold reserves nothing.
"""

import math

from sim.scheduling.job import QUEUED
from sim.scheduling.disciplines.base import Discipline, strict_heads
from sim.scheduling.pool import WhatIf


def earliest_fit(pool, size: int, now: float) -> float:
    """When `pool` would first fit `size`, if running jobs end as planned and nothing starts."""
    w = WhatIf(pool)
    if w.fits(size):
        return now
    for job in sorted(pool.running.values(), key=lambda j: (j.end_h, j.id)):
        w.release(job.alloc)
        if w.fits(size):
            return job.end_h
    return math.inf


class EasyBackfill(Discipline):
    name = "easy-backfill"
    work_conserving = False

    def schedule(self, q) -> None:
        now = q.now
        heads = set()
        reservations = []  # (pool, reserved start) of blocked heads
        for job in strict_heads(q):
            heads.add(job.id)
            best = (None, math.inf)
            for p in q.pools(job.elig):
                t = earliest_fit(p, job.size, now)
                if t < best[1]:
                    best = (p, t)
            if best[0] is not None:
                reservations.append(best)
        if not q.live:
            return
        for job, sq in q.jobs_in_order():
            if job.id in heads or job.state != QUEUED:
                continue
            pool = q.place(job)
            if pool is None:
                continue
            end = now + job.duration_h
            if all(end <= t for rp, t in reservations if rp is pool):
                q.start_any(sq, job, pool)
