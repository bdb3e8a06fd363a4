"""Price tiers: on-demand, spot, reserved (more by name), each a label a marketplace job
carries, with its price, the capacity it may use and, for a preemptible tier, what an
eviction does to it. A scenario without [tiers] has none, and runs exactly as before."""

from __future__ import annotations

from attrs import frozen

# Capacity a tier may use: operator-owned servers, tenants' opted-in servers, or both.
OPERATOR_CAPACITY = "operator"
OPTED_IN_CAPACITY = "opted-in"
ALL_CAPACITY = "all"
CAPACITIES = (OPERATOR_CAPACITY, OPTED_IN_CAPACITY, ALL_CAPACITY)

# What an eviction does to a preemptible job.
KILL = "kill"  # the job ends; all its work is lost
REQUEUE = "requeue"  # back in its old place; the work since its last checkpoint is lost
PAUSE = "pause"  # back in its old place; it resumes with the work it has left
ON_EVICTION = (KILL, REQUEUE, PAUSE)


@frozen
class Tier:
    name: str
    discount: float = 0.0  # off the on-demand quote, in [0, 1)
    price_cny_per_accelerator_hour: float | None = None  # a fixed price instead of a discount
    capacity: str = ALL_CAPACITY
    preemptible: bool = False
    notice_h: float = 0.0  # between the eviction notice and the stop
    protected_runtime_h: float = 0.0  # from each start, no eviction stops the job
    on_eviction: str = REQUEUE
    checkpoint_interval_h: float | None = None  # None: no checkpoints (a requeued job starts over)
    restart_overhead_h: float = 0.0  # added to every run after an eviction (reload, warm-up)
    quota: float = 1.0  # share of the capacity it may use that its jobs may hold at once
    fee: float | None = None  # the intermediary fee on its sales on third-party capacity; None: [pricing]'s
    bill_lost_work: bool = False  # whether the hours of work an eviction throws away are charged

    @property
    def multiplier(self) -> float:
        return 1.0 - self.discount


@frozen
class Tolerance:
    """A class's tolerance for interruption, per job uniform on [low, high]: the share of what
    a run without interruption is worth to the job that a preemptible tier's run is worth."""

    low: float
    high: float
