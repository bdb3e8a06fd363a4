"""Per client class: outcome counts, accelerator-hours of work done, and waits."""

from __future__ import annotations

from sim.metrics.streaming import LogHistogram

COUNTERS = ("submitted", "balked", "rejected", "started", "completed", "abandoned",
            "preemptions", "preempted_lost")


class ClassStats:
    __slots__ = COUNTERS + ("joined", "accelerator_hours", "waits", "waiting_at_horizon", "measured_from_h")

    def __init__(self, measured_from_h: float = 0.0):
        for c in COUNTERS:
            setattr(self, c, 0)
        self.joined = 0  # submitted after the warm-up and handed to the scheduler (not balked/rejected)
        self.accelerator_hours = 0.0  # work done (completed, preempted or at the horizon)
        self.waits = LogHistogram()  # before the first start, of jobs submitted after the warm-up
        self.waiting_at_horizon = LogHistogram()  # waits so far of those never started by the horizon
        self.measured_from_h = measured_from_h

    def first_start(self, submit_h: float, now: float) -> None:
        self.started += 1
        if submit_h >= self.measured_from_h:
            self.waits.add(now - submit_h)

    def still_waiting(self, submit_h: float, now: float) -> None:
        """At the horizon, a job that never started."""
        if submit_h >= self.measured_from_h:
            self.waiting_at_horizon.add(now - submit_h)
