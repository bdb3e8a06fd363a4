"""Running totals by price tier (sim/model/tiers.py), for the summary's `tiers` section."""

from __future__ import annotations


class TierStats:
    __slots__ = ("chosen", "from_on_demand", "started", "completed", "killed", "evictions", "evicted_jobs",
                 "accelerator_hours", "busy_accelerator_hours", "lost_accelerator_hours", "revenue_fen",
                 "from_on_demand_fen", "wait_h", "waits")

    def __init__(self):
        self.chosen = 0  # jobs that chose the tier and were submitted
        self.from_on_demand = 0  # of which would have bought a tier that is not preemptible
        self.started = 0
        self.completed = 0
        self.killed = 0  # evicted and ended (on_eviction = "kill")
        self.evictions = 0  # runs stopped by evictions
        self.evicted_jobs = 0  # jobs evicted at least once
        self.accelerator_hours = 0.0  # billed work
        self.busy_accelerator_hours = 0.0  # held, work lost to evictions and restart overheads included
        self.lost_accelerator_hours = 0.0  # work thrown away by evictions
        self.revenue_fen = 0  # what its jobs were charged
        self.from_on_demand_fen = 0  # of which paid by jobs that would have bought another tier
        self.wait_h = 0.0  # from submission to first start, summed over jobs that started
        self.waits = 0
