"""FIFO with EASY backfill.

The head of each line that cannot start gets a reservation: the earliest time some pool it
may use would fit it, from the running jobs' known end times (clients' duration estimates
are exact here). Later jobs start out of order only where they cannot delay a reservation:
on another pool, or finishing by the reserved time. Lines are taken in priority order
(sim/scheduling/priority.py), so a blocked tenant head's reservation binds marketplace work,
the marketplace's head included; a marketplace reservation never holds back a tenant's job.
Backfill decides when a job starts, never where: it starts only if the pool the placement
policy picks is free of conflicting reservations, so owned-first still never sends work to a tenant while an operator slot is
free. Capacity still to be commissioned is not counted, so a head that only future racks
could hold reserves nothing.
"""

import math

from sim.scheduling.disciplines.base import Discipline
from sim.scheduling.job import QUEUED
from sim.scheduling.pool import WhatIf
from sim.scheduling.priority import lines_in_order, rank


def earliest_fit(pool, size: int, now: float) -> float:
    """When `pool` would first fit `size`, if running jobs end as planned and nothing starts."""
    w = WhatIf(pool)
    if w.fits(size):
        return now
    for job in sorted(pool.running, key=lambda j: (j.end_h, j.id)):
        w.release(job.alloc)
        if w.fits(size):
            return job.end_h
    return math.inf


class EasyBackfill(Discipline):
    name = "easy-backfill"
    work_conserving = False

    def schedule(self, q) -> None:
        # A head held back by a reservation though it fits may fit elsewhere once backfill has
        # changed what the placement picks: pass again until such a pass starts nothing.
        while self._pass(q):
            pass

    def _pass(self, q) -> bool:
        """One pass; True if a head that fits was held back and something started after it."""
        now = q.now
        held = started = False  # started: something started after a head was held
        heads = set()
        reservations: list[tuple[object, float, int]] = []  # (pool, reserved start, rank) of blocked heads
        line_live = q.line_live
        # Heads line by line, highest priority first: a head that fits starts unless it would
        # delay the reservation of a line ahead of it (a tenant's head on its opted-in pool).
        for line in lines_in_order(len(line_live)):
            while line_live[line]:
                job, sq = q.line_head(line)
                pool = q.place(job)
                if pool is not None:
                    if _clear(job, pool, now, reservations):
                        q.start_head(sq, job, pool)
                        started = held
                        continue
                    held = True
                heads.add(job.id)
                best: tuple[object, float] = (None, math.inf)  # not (None, float): compiled code enforces it
                for p in q.pools(job.elig):
                    t = earliest_fit(p, job.size, now)
                    if t < best[1]:
                        best = (p, t)
                if best[0] is not None:
                    reservations.append((best[0], best[1], rank(job.private, job.spot)))
                break
        if not q.live:
            return False
        for job, sq in q.jobs_in_order():
            if job.id in heads or job.state != QUEUED:
                continue
            pool = q.place(job)
            if pool is not None and _clear(job, pool, now, reservations):
                q.start_any(sq, job, pool)
                started = held
        return started


def _clear(job, pool, now: float, reservations) -> bool:
    """`job` started on `pool` now would delay no reservation there of a line at or ahead of
    its own (a marketplace reservation never holds back a tenant's own work)."""
    end = now + job.run_h
    own = rank(job.private, job.spot)
    return all(end <= t for rp, t, r in reservations if rp is pool and r <= own)
