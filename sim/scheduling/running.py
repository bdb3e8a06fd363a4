"""A pool's running jobs in the order they started: added and removed in O(1), without hashing.

A job keeps its place in a list (`Placed.slot`); removing it leaves a hole, and the list is
compacted (holes out, places renumbered) once it has four times as many places as jobs. The
dict by job id it replaces touched three cold places when a job that started hours ago ended
(its hash slot, its entry, its key's int object, which it then freed); this touches one, the
place, and the renumbering's share: a third of a job's place a removal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from sim.scheduling.calendar import Entry

SLACK: Final = 64  # places beyond four per job before compacting (few jobs: no churn)


class Placed(Entry):
    """What a `Running` list holds (a job, sim/scheduling/job.py, whose module imports the
    pools and so cannot be imported here): its place there, -1 while in none. Typed, so that
    compiled code sets it at a fixed offset, not by name."""

    __slots__ = ("slot",)
    slot: int


class Running:
    __slots__ = ("places", "live")

    def __init__(self) -> None:
        self.places: list[Placed | None] = []  # None: a hole, a job that ended
        self.live = 0

    def __len__(self) -> int:
        return self.live

    def __iter__(self) -> Iterator[Any]:
        """The running jobs in start order; none may be added or removed meanwhile."""
        return (job for job in self.places if job is not None)

    def add(self, job: Placed) -> None:
        places = self.places
        job.slot = len(places)
        places.append(job)
        self.live += 1

    def remove(self, job: Placed) -> None:
        places = self.places
        places[job.slot] = None
        job.slot = -1
        live = self.live - 1
        self.live = live
        if len(places) > 4 * live + SLACK:
            self._compact()

    def _compact(self) -> None:
        places: list[Placed | None] = [job for job in self.places if job is not None]
        for i, job in enumerate(places):
            job.slot = i  # type: ignore[union-attr]  # no holes left
        self.places = places
