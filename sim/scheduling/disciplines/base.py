"""The queue-discipline interface: the order of waiting jobs and which of them start now.

Lines are independent queues: line 0 is the marketplace, line 1 + i is tenant i's private
demand. A tenant's own work has priority on its racks, so its key sorts before marketplace
work wherever both compete (the opted-in servers).
"""

from __future__ import annotations


class Discipline:
    name = ""
    work_conserving = True  # never leaves a job waiting while some placement for it exists

    def key(self, job) -> tuple:
        return (0 if job.private else 1, job.id)

    def schedule(self, s) -> None:  # pragma: no cover - interface
        """Start every waiting job the discipline allows to start now (s: the scheduler)."""
        raise NotImplementedError


def greedy(s) -> None:
    """Repeatedly start the first job, in key order, that fits somewhere now.

    Only sub-queue heads matter: a sub-queue's jobs share size and pools, so if its head
    does not fit, none of them does. Leaves no waiting job that could start: work-conserving.
    """
    q = s.queue
    cluster = s.cluster
    while q.live:
        caps: dict[int, int] = {}
        best = best_sq = None
        for sq in q.active.values():
            head = sq.head()
            if best is not None and head.key >= best.key:
                continue
            cap = caps.get(sq.elig)
            if cap is None:
                cap = caps[sq.elig] = cluster.cap(sq.elig)
            if sq.size <= cap:
                best, best_sq = head, sq
        if best is None:
            return
        s.start_queued(best_sq, best, s.place(best))
