"""A job: the unit of demand inside a run. Mutable, one object per arrival, with slots for speed."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from sim.scheduling.pool import gang_pairs
from sim.scheduling.running import Placed

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
NOT_STARTED: Final = math.nan  # start_h and first_start_h of a job yet to start (Final: a C constant when compiled)
STATES = (QUEUED, RUNNING, COMPLETED, ABANDONED, BALKED, REJECTED, PREEMPTED_LOST)


# A job's fields, in the order `renew` sets them (besides those of a calendar entry, and `slot`).
FIELDS = (
    "id", "client", "size", "duration_h", "submit_h", "patience_h", "private", "line", "elig",
    "key", "state", "start_h", "billed_to_h", "first_start_h", "pool", "sid", "servers",
    "billed_accelerator_hours", "billed_fen", "preemptions", "runs", "pflops_hours", "value_fen",
    "quote_fen", "tier", "spot", "from_on_demand", "work_left_h", "overhead_h", "evict_at_h",
    "evictions", "lost_accelerator_hours", "milli", "card", "server", "due", "due_callback",
)


class Job(Placed):
    """Slots for speed, and an `__init__` of our own (its stores in `renew`, which a reused job
    goes through too): attrs' generated one is interpreted code setting every field by name,
    which `make compiled` cannot compile (replacing it cut a compiled M/M/64 run's time per
    customer by about a fifth); this one compiles to stores at fixed offsets.

    A calendar entry too: its first run's finish is the job itself (sim/scheduling/calendar.py
    says why), firing `due_callback`; a later run's, whose earlier entry may still be pending,
    is an entry of its own."""

    __slots__ = FIELDS

    def __init__(self, id: int, client: int, size: int, duration_h: float, submit_h: float,
                 patience_h: float | None = None, private: bool = False, line: int = 0, elig: int = -1) -> None:
        self.renew(id, client, size, duration_h, submit_h, patience_h, private, line, elig)

    def renew(self, id: int, client: int, size: int, duration_h: float, submit_h: float,
              patience_h: float | None = None, private: bool = False, line: int = 0, elig: int = -1) -> None:
        """Set every field: a new job's, or a finished one's set up again as a new arrival's
        (`reuse`). Not `__init__` called again: compiled, `__init__` stores into a new object's
        empty fields and would not let go of an old one's values (a leak)."""
        self.id = id
        self.client = client  # index of its client class in the scenario
        self.size = size  # accelerators, all started together (a gang)
        self.duration_h = duration_h
        self.submit_h = submit_h
        self.patience_h = patience_h
        self.private = private  # a tenant's own demand
        self.line = line  # the queue it waits in
        self.elig = elig  # eligibility group: the pools it may use
        self.key: tuple = ()  # order inside its queue, set by the queue discipline
        self.state = QUEUED
        # Times of its current (or last) run's start and of its first: NaN until it starts
        # (`runs` says whether it has). Plain floats, not None-or-float: a compiled build keeps
        # them unboxed in the job, instead of a float object freed, cold, with the job.
        self.start_h = NOT_STARTED
        # Its current run is billed up to here: its start, or a sampled run's last seam.
        self.billed_to_h = 0.0
        self.first_start_h = NOT_STARTED
        self.pool: Pool | None = None  # while running
        self.slot = -1  # its place in its pool's running jobs (sim/scheduling/running.py)
        # While running: its server (most jobs: nothing to make at its start and free at its
        # end); a gang's whole servers in `servers` and its server with the rest in `sid` (-1:
        # none); a share of a card, its card's server. -1 and () otherwise.
        self.sid = -1
        self.servers: tuple[int, ...] = ()
        self.billed_accelerator_hours = 0.0
        self.billed_fen = 0
        self.preemptions = 0
        self.runs = 0  # starts so far
        # The work it brings: size x duration x its class's dense P per accelerator, and what
        # that work is worth at the quote in force at its arrival.
        self.pflops_hours = 0.0
        self.value_fen = 0.0
        # That quote, fen per accelerator-hour, for a class of one card type (what billing would
        # look up again); -1: a class of several types or none, whose charges look it up.
        self.quote_fen = -1.0
        # Price tiers (sim/model/tiers.py; -1: none). Only a preemptible tier's jobs are evicted.
        self.tier = -1
        self.spot = False  # its tier is preemptible
        self.from_on_demand = False  # it chose a preemptible tier though it would have bought another
        self.work_left_h: float | None = None  # work left at its current run's start; None: never evicted
        self.overhead_h = 0.0  # restart overhead at the start of its current run
        self.evict_at_h: float | None = None  # when its current run is stopped by an eviction under notice
        self.evictions = 0
        self.lost_accelerator_hours = 0.0  # work thrown away by evictions
        # A share of one card (sim/scheduling/fractional.py): milli-cards, 0 for whole cards; its
        # shared card while running (-1: a new one), and the server a policy picked (-1: the pool's).
        self.milli = 0
        self.card = -1
        self.server = -1
        self.due = -1  # the calendar entry (its sequence number) that ends its current run
        self.due_callback: Callable[[Job], None] | None = None  # run when it comes up as an entry

    def fire(self) -> None:
        due = self.due_callback
        assert due is not None  # set by whoever added it (Scheduler.start)
        due(self)

    @property
    def alloc(self) -> Allocation:
        """Its (server, accelerators) pairs while running; () otherwise. A share of a card:
        ((its card's server, 0),) (sim/scheduling/fractional.py)."""
        sid, whole = self.sid, self.servers
        if self.milli:
            return ((sid, 0),) if sid >= 0 else ()
        if not whole:
            return ((sid, self.size),) if sid >= 0 else ()
        assert self.pool is not None  # a gang's servers: running
        return gang_pairs(whole, sid, self.size, self.pool.A)

    def __repr__(self) -> str:
        return "Job(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in FIELDS) + ")"

    @property
    def run_h(self) -> float:
        """How long its current (or next) run lasts if nothing stops it."""
        return self.duration_h if self.work_left_h is None else self.work_left_h + self.overhead_h

    @property
    def end_h(self) -> float:
        """When a running job will finish."""
        if not self.runs:
            raise ValueError(f"job {self.id} has not started")
        return self.start_h + self.run_h


def reuse(spare: list[Job]) -> Job | None:
    """The latest finished job in `spare` that nothing else holds any more, taken out, for a
    new arrival to set up again (`Job.renew`); None: none. Those passed over (still held:
    by a stale calendar entry, a caller's list) are dropped.

    Why: in a large cluster a job ends hours after it was made, cold in memory. Freed, it
    would be unlinked from the collector's list (two cold neighbours written) and handed back
    to its memory pool, and the next arrival would take other memory (cachegrind, 16,000
    racks, compiled: 18.8 -> 16.2 last-level misses a job). The reference count is exact, so
    a job anything still holds is never reused."""
    while spare:
        job = spare.pop()
        if sys.getrefcount(job) == _ALONE:
            return job
    return None


def _alone() -> int:
    # `reuse`'s count for a job only the list held; compiled code holds fewer references
    # than interpreted, so it is measured, not assumed.
    spare = [Job(0, 0, 0, 0.0, 0.0)]
    job = spare.pop()
    return sys.getrefcount(job)


_ALONE: Final = _alone()
