"""Shared parts of queue disciplines (the interface is QueueDiscipline in sim/scheduling/policy.py).

The priority between lines (a tenant's own work before marketplace work) is not a
discipline's business: it is sim/scheduling/priority.py's one rule. The scheduler puts a
line's rank in front of every key, and `strict_heads` walks the lines in priority order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from mypy_extensions import mypyc_attr

from sim.scheduling.priority import lines_in_order

if TYPE_CHECKING:
    from sim.scheduling.dispatch import Dispatch


@mypyc_attr(allow_interpreted_subclasses=True)  # a new policy is a subclass (docs/architecture.md)
class Discipline:
    name: ClassVar[str] = ""
    work_conserving: ClassVar[bool] = True

    def __init__(self, context):
        self.context = context

    def key(self, job) -> tuple:
        """Order among waiting jobs of the same rank (the scheduler puts the rank first)."""
        return (job.id,)

    def schedule(self, q) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def greedy(q: Dispatch) -> None:
    """Repeatedly start the first job, in key order, that fits somewhere now.

    Only sub-queue heads matter: a sub-queue's jobs share size and pools, so if its head
    does not fit, none of them does. Leaves no waiting job that could start: work-conserving.
    """
    cap_of = q.cap
    while q.live:
        caps: dict[int, int] = {}
        best = best_sq = None
        for sq in q.subqueues():
            # Whether it fits first: a cap is shared by a group's sub-queues and kept, a head
            # may have to drop jobs that left; the first head of least key is kept either way.
            cap = caps.get(sq.elig)
            if cap is None:
                cap = caps[sq.elig] = cap_of(sq.elig)
            if sq.size > cap:
                continue
            head = sq.head()
            if best is None or head.key < best.key:
                best, best_sq = head, sq
        if best is None or best_sq is None:
            return
        pool = q.place(best)
        if pool is None:  # the group's cap said it fits: a placement that finds no pool is wrong
            raise RuntimeError(f"job {best.id} fits its group's cap but the placement found no pool")
        q.start_head(best_sq, best, pool)


def strict_heads(q) -> list:
    """In each line, highest priority first, start heads in order until one cannot start
    (strict FIFO per line). Returns the heads left blocked, one per line still waiting."""
    blocked = []
    line_live = q.line_live
    for line in lines_in_order(len(line_live)):
        while line_live[line]:
            job, sq = q.line_head(line)
            pool = q.place(job)
            if pool is None:
                blocked.append(job)
                break
            q.start_head(sq, job, pool)
    return blocked
