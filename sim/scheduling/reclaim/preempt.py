"""A tenant's own work stops marketplace jobs on its opted-in servers to start at once.

Victims are the most recently started marketplace jobs in one opted-in pool (least work
lost), and only as many as the tenant's job needs; a pool is touched only if evicting all
its marketplace jobs would make room. Each victim is billed for the time it ran and is
requeued or lost, as the scenario says.
"""

from sim.scheduling.pool import SHARED_POOL, WhatIf


def _room_without_market(pool, size: int) -> bool:
    w = WhatIf(pool)
    for job in pool.running.values():
        if not job.private:
            w.release(job.alloc)
    return w.fits(size)


class Preempt:
    name = "preempt"
    active = True

    def __init__(self, context):
        self.context = context

    def reclaim(self, s) -> bool:
        """Make room for one blocked tenant head; True if it started."""
        q = s.queue
        for line in range(1, len(q.line_live)):
            if not q.line_live[line]:
                continue
            job, sq = q.line_head(line)
            if s.place(job) is not None:
                continue  # the discipline holds it back; not for reclaim to override
            for pool in s.cluster.elig_pools[job.elig]:
                if pool.kind != SHARED_POOL or not _room_without_market(pool, job.size):
                    continue
                for victim in reversed([j for j in pool.running.values() if not j.private]):
                    s.preempt(victim)
                    if pool.fits(job.size):
                        break
                s.start_queued(sq, job, pool)
                return True
        return False
