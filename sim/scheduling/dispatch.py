"""What a queue discipline or reclaim policy sees of the scheduler: the waiting jobs, where
each could start now, and the few actions that change anything."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scheduling.job import Job
    from sim.scheduling.pool import Pool
    from sim.scheduling.queue import JobQueue, SubQueue


class Dispatch:
    __slots__ = ("_s", "queue", "line_live", "cluster", "place", "cap")

    def __init__(self, scheduler):
        self._s = scheduler
        self.queue: JobQueue = scheduler.queue
        self.line_live: list[int] = self.queue.line_live  # waiting jobs per line (a list, read only)
        self.cluster = scheduler.cluster
        # place(job) -> the pool the placement picks now, or None
        self.place: Callable[[Job], Pool | None] = scheduler.place
        # cap(elig) -> the largest job some pool of group elig can start now
        self.cap: Callable[[int], int] = scheduler.cap

    # --- reading ---------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._s.clock.env.now

    @property
    def live(self) -> int:
        """Jobs waiting, all lines."""
        return self.queue.live

    def subqueues(self) -> Iterable[SubQueue]:
        """Sub-queues with waiting jobs: each holds jobs of one line, eligibility and size."""
        return self.queue.active.values()

    def line_head(self, line: int):
        """(job, sub-queue) first in order among the line's waiting jobs, or (None, None)."""
        return self.queue.line_head(line)

    def jobs_in_order(self, line: int | None = None):
        """[(job, sub-queue)] of every waiting job in key order (O(n log n))."""
        return self.queue.jobs_in_order(line)

    def pools(self, elig: int) -> tuple[Pool, ...]:
        return self.cluster.elig_pools[elig]

    # --- acting ------------------------------------------------------------------------------
    def start_head(self, sq: SubQueue, job: Job, pool: Pool) -> None:
        """Start `job`, the head of `sq`, on `pool`."""
        self._s.start_queued(sq, job, pool)

    def start_any(self, sq: SubQueue, job: Job, pool: Pool) -> None:
        """Start `job` from anywhere in `sq` (backfill) on `pool`."""
        self.queue.remove(sq, job, self._s.clock.env.now)
        self._s.start(job, pool)

    def preempt(self, job: Job) -> None:
        """Stop a running marketplace job (billed for the time run; requeued or lost)."""
        self._s.preempt(job)
