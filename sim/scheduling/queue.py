"""Waiting jobs, split into sub-queues of one line, one eligibility group and one size.

Jobs in a sub-queue are interchangeable for placement (same pools, same size), so a
scheduling pass only needs each sub-queue's head: the cost of a pass grows with the number
of sub-queues (classes x sizes), not with the number of waiting jobs. Each sub-queue is a
heap on the discipline's key; jobs that leave early (patience) are dropped lazily.
"""

from __future__ import annotations

import heapq

from sim.metrics.streaming import TimeWeighted
from sim.scheduling.job import QUEUED


class SubQueue:
    __slots__ = ("line", "elig", "size", "heap", "live")

    def __init__(self, line: int, elig: int, size: int):
        self.line = line
        self.elig = elig
        self.size = size
        self.heap: list = []
        self.live = 0

    def head(self):
        heap = self.heap
        while heap[0][1].state != QUEUED:
            heapq.heappop(heap)
        return heap[0][1]


class JobQueue:
    def __init__(self, lines: int):
        self.subqueues: dict[tuple[int, int, int], SubQueue] = {}
        self.active: dict[tuple[int, int, int], SubQueue] = {}  # sub-queues with live jobs
        self.live = 0
        self.line_live = [0] * lines
        self.length = TimeWeighted()

    def push(self, job, now: float) -> None:
        k = (job.line, job.elig, job.size)
        sq = self.subqueues.get(k)
        if sq is None:
            sq = self.subqueues[k] = SubQueue(*k)
        heapq.heappush(sq.heap, (job.key, job))
        if not sq.live:
            self.active[k] = sq
        sq.live += 1
        self._count(job.line, +1, now)

    def pop(self, sq: SubQueue, job, now: float) -> None:
        """Remove `job`, the live head of `sq`, to start it."""
        heapq.heappop(sq.heap)
        self._left(sq, job, now)

    def discard(self, job, now: float) -> None:
        """A queued job left (its state is already changed); its heap entry goes lazily."""
        sq = self.subqueues[(job.line, job.elig, job.size)]
        self._left(sq, job, now)

    def _left(self, sq: SubQueue, job, now: float) -> None:
        sq.live -= 1
        if not sq.live:
            sq.heap.clear()
            del self.active[(sq.line, sq.elig, sq.size)]
        self._count(job.line, -1, now)

    def _count(self, line: int, d: int, now: float) -> None:
        self.live += d
        self.line_live[line] += d
        self.length.set(now, self.live)

    def line_head(self, line: int):
        """(job, sub-queue) first in order among the line's waiting jobs, or (None, None)."""
        best = best_sq = None
        for sq in self.active.values():
            if sq.line != line:
                continue
            h = sq.head()
            if best is None or h.key < best.key:
                best, best_sq = h, sq
        return best, best_sq

    def jobs_in_order(self, line: int | None = None):
        """Every waiting job (of one line, or all), in discipline order. O(n log n): for
        disciplines that must look past the heads (EASY backfill)."""
        items = [
            (key, job, sq)
            for sq in self.active.values()
            if line is None or sq.line == line
            for key, job in sq.heap
            if job.state == QUEUED
        ]
        items.sort(key=lambda x: x[0])
        return [(job, sq) for _, job, sq in items]

    def remove(self, sq: SubQueue, job, now: float) -> None:
        """Take a live job out from anywhere in its sub-queue (for backfill)."""
        heap = sq.heap
        for i, (_, j) in enumerate(heap):
            if j is job:
                heap[i] = heap[-1]
                heap.pop()
                if i < len(heap):
                    heapq.heapify(heap)
                break
        self._left(sq, job, now)
