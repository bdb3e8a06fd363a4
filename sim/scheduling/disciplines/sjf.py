"""Shortest job first, by requested duration; any job that fits starts (work-conserving).

The requested duration is the job's true duration: clients here estimate perfectly."""

from sim.scheduling.disciplines.base import Discipline, greedy


class ShortestJobFirst(Discipline):
    name = "sjf"
    work_conserving = True

    def key(self, job) -> tuple:
        return (job.duration_h, job.id)

    def schedule(self, q) -> None:
        greedy(q)
