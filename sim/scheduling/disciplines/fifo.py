"""Strict FIFO: in each line, nothing starts while the job at its head cannot."""

from sim.scheduling.disciplines.base import Discipline, strict_heads


class Fifo(Discipline):
    name = "fifo"
    work_conserving = False

    def schedule(self, q) -> None:
        strict_heads(q)
