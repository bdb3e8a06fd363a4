"""Strict FIFO: in each line, nothing starts while the job at its head cannot."""

from sim.scheduling.disciplines.base import Discipline


class Fifo(Discipline):
    name = "fifo"
    work_conserving = False

    def schedule(self, s) -> None:
        q = s.queue
        for line, live in enumerate(q.line_live):
            while live:
                job, sq = q.line_head(line)
                pool = s.place(job)
                if pool is None:
                    break
                s.start_queued(sq, job, pool)
                live = q.line_live[line]
