"""Per client class: outcome counts, accelerator-hours of work done, and waits."""

from __future__ import annotations

from sim.metrics.streaming import LogHistogram

COUNTERS = ("submitted", "balked", "rejected", "started", "completed", "abandoned",
            "preemptions", "preempted_lost")


# Demand by outcome, each as (dense P-hours, fen at the quote in force); lost to waiting is
# what is left: offered - lost to price - lost to no capacity - accepted.
DEMAND = ("offered", "lost_to_price", "lost_to_no_capacity", "accepted")


class ClassStats:
    __slots__ = COUNTERS + ("joined", "accelerator_hours", "waits", "abandoned_waits", "waiting_at_horizon",
                            "measured_from_h") + \
        tuple(f"{d}_{u}" for d in DEMAND for u in ("pflops_hours", "fen"))
    # The attributes __init__ sets by name from COUNTERS and DEMAND, for the type checker (a
    # test checks that the two lists agree).
    submitted: int
    balked: int
    rejected: int
    started: int
    completed: int
    abandoned: int
    preemptions: int
    preempted_lost: int
    offered_pflops_hours: float
    offered_fen: float
    lost_to_price_pflops_hours: float
    lost_to_price_fen: float
    lost_to_no_capacity_pflops_hours: float
    lost_to_no_capacity_fen: float
    accepted_pflops_hours: float
    accepted_fen: float

    def __init__(self, measured_from_h: float = 0.0):
        for c in COUNTERS:
            setattr(self, c, 0)
        self.joined = 0  # submitted after the warm-up and handed to the scheduler (not balked/rejected)
        self.accelerator_hours = 0.0  # work done (completed, preempted or at the horizon)
        self.waits = LogHistogram()  # before the first start, of jobs submitted after the warm-up
        self.abandoned_waits = LogHistogram()  # until they left, of those whose patience ran out first
        self.waiting_at_horizon = LogHistogram()  # waits so far of those never started by the horizon
        self.measured_from_h = measured_from_h
        for d in DEMAND:
            setattr(self, f"{d}_pflops_hours", 0.0)
            setattr(self, f"{d}_fen", 0.0)

    # A job is given by its numbers, not the job: the statistics sit below the scheduler.
    def offer(self, pflops_hours: float, value_fen: float) -> None:
        """A job arrives, bringing its P-hours and its worth at the quote in force."""
        self.submitted += 1
        self.offered_pflops_hours += pflops_hours
        self.offered_fen += value_fen

    def balk(self, pflops_hours: float, value_fen: float) -> None:
        """It goes elsewhere: the quote was above what it would pay."""
        self.balked += 1
        self.lost_to_price_pflops_hours += pflops_hours
        self.lost_to_price_fen += value_fen

    def reject(self, pflops_hours: float, value_fen: float) -> None:
        """No pool it may use could ever hold it."""
        self.rejected += 1
        self.lost_to_no_capacity_pflops_hours += pflops_hours
        self.lost_to_no_capacity_fen += value_fen

    def first_start(self, pflops_hours: float, value_fen: float, submit_h: float, now: float) -> None:
        """Its first start, `now`, after it arrived at `submit_h`."""
        self.started += 1
        self.accepted_pflops_hours += pflops_hours
        self.accepted_fen += value_fen
        if submit_h >= self.measured_from_h:
            self.waits.add(now - submit_h)

    def abandon(self, job, now: float) -> None:
        """Its patience ran out before it started: it leaves the queue."""
        self.abandoned += 1
        if job.submit_h >= self.measured_from_h:
            self.abandoned_waits.add(now - job.submit_h)

    def still_waiting(self, submit_h: float, now: float) -> None:
        """At the horizon, a job that never started."""
        if submit_h >= self.measured_from_h:
            self.waiting_at_horizon.add(now - submit_h)
