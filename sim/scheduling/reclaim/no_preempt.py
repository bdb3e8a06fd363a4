"""A tenant's own work waits for marketplace jobs on its opted-in servers to finish."""

from sim.scheduling.reclaim.base import Reclaim


class NoPreempt(Reclaim):
    name = "no-preempt"
    active = False
