"""A tenant's own work stops marketplace jobs on its opted-in servers to start at once.

Victims are the most recently started marketplace jobs in one opted-in pool (least work
lost), and only as many as the tenant's job needs; a pool is touched only if evicting all
its marketplace jobs would make room. Each victim is billed for the time it ran and is
requeued or lost, as the scenario says. A preemptible tier's (spot) jobs are left to
sim/scheduling/tiers.py, which stops them only after their notice: here they count as staying.
"""

from sim.scheduling.pool import SHARED_POOL, WhatIf
from sim.scheduling.reclaim.base import Reclaim


def _room_without_market(pool, size: int) -> bool:
    w = WhatIf(pool)
    for job in pool.running:
        if not job.private and not job.spot:
            w.release(job.alloc)
    return w.fits(size)


class Preempt(Reclaim):
    name = "preempt"
    active = True

    def reclaim(self, q) -> bool:
        """Make room for one blocked tenant head; True if it started."""
        for line in range(1, len(q.line_live)):
            if not q.line_live[line]:
                continue
            job, sq = q.line_head(line)
            if q.place(job) is not None:
                continue  # the discipline holds it back; not for reclaim to override
            for pool in q.pools(job.elig):
                if pool.kind != SHARED_POOL or not _room_without_market(pool, job.size):
                    continue
                for victim in reversed([j for j in pool.running if not j.private and not j.spot]):
                    q.preempt(victim)
                    if pool.fits(job.size):
                        break
                q.start_head(sq, job, pool)
                return True
        return False
