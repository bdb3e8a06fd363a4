"""FIFO with backfill: oldest first, and any later job that fits starts at once."""

from sim.scheduling.disciplines.base import Discipline, greedy


class FifoBackfill(Discipline):
    name = "fifo-backfill"
    work_conserving = True

    def schedule(self, q) -> None:
        greedy(q)
