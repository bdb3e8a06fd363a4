"""A job: the unit of demand inside a run. Mutable, one object per arrival, with slots for speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attr

if TYPE_CHECKING:
    from sim.scheduling.pool import Allocation, Pool

# Where a job ended up. Every submitted job ends in exactly one of these.
QUEUED = "queued"
RUNNING = "running"
COMPLETED = "completed"
ABANDONED = "abandoned"  # patience ran out before it started
BALKED = "balked"  # the quote exceeded its maximum price
REJECTED = "rejected"  # larger than any pool it may use will ever be
PREEMPTED_LOST = "preempted-lost"  # stopped for a tenant's own work and not requeued (or evicted and killed)
STATES = (QUEUED, RUNNING, COMPLETED, ABANDONED, BALKED, REJECTED, PREEMPTED_LOST)


# attr.s, not attrs.define (the same class): mypyc compiles attr.s classes as native classes
# (make compiled), with their fields at fixed offsets; define's, as plain Python classes.
@attr.s(auto_attribs=True, slots=True, eq=False)
class Job:
    id: int
    client: int  # index of its client class in the scenario
    size: int  # accelerators, all started together (a gang)
    duration_h: float
    submit_h: float
    patience_h: float | None = None
    private: bool = False  # a tenant's own demand
    line: int = 0  # the queue it waits in
    elig: int = -1  # eligibility group: the pools it may use
    key: tuple = ()  # order inside its queue, set by the queue discipline
    state: str = QUEUED
    start_h: float | None = None  # of its current (or last) run
    billed_to_h: float = 0.0  # its current run is billed up to here: its start, or a sampled run's last seam
    first_start_h: float | None = None
    pool: Pool | None = None  # while running
    alloc: Allocation = ()  # while running
    billed_accelerator_hours: float = 0.0
    billed_fen: int = 0
    preemptions: int = 0
    runs: int = 0  # starts so far; tells a finish of the current run from a stopped one
    pflops_hours: float = 0.0  # the work it brings: size x duration x its class's dense P per accelerator
    value_fen: float = 0.0  # what that work is worth at the quote in force at its arrival
    # That quote, fen per accelerator-hour, for a class of one card type (what billing would look
    # up again); -1: a class of several types or none, whose charges look it up.
    quote_fen: float = -1.0
    # Price tiers (sim/model/tiers.py; -1: none). Only a preemptible tier's jobs are evicted.
    tier: int = -1
    spot: bool = False  # its tier is preemptible
    from_on_demand: bool = False  # it chose a preemptible tier though it would have bought another
    work_left_h: float | None = None  # work left at its current run's start; None: never evicted
    overhead_h: float = 0.0  # restart overhead at the start of its current run
    evict_at_h: float | None = None  # when its current run is stopped by an eviction under notice
    evictions: int = 0
    lost_accelerator_hours: float = 0.0  # work thrown away by evictions
    # A share of one card (sim/scheduling/fractional.py): milli-cards, 0 for whole cards; its
    # shared card while running (-1: a new one), and the server a policy picked (-1: the pool's).
    milli: int = 0
    card: int = -1
    server: int = -1
    due: int = -1  # the calendar entry (its sequence number) that ends its current run

    @property
    def run_h(self) -> float:
        """How long its current (or next) run lasts if nothing stops it."""
        return self.duration_h if self.work_left_h is None else self.work_left_h + self.overhead_h

    @property
    def end_h(self) -> float:
        """When a running job will finish."""
        if self.start_h is None:
            raise ValueError(f"job {self.id} has not started")
        return self.start_h + self.run_h
