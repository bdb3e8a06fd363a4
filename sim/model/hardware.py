"""Accelerators and the servers that carry them."""

from __future__ import annotations

from attrs import frozen


@frozen
class AcceleratorType:
    name: str
    pflops_fp16_dense: float
    pflops_fp16_sparse: float
    power_w: float
    stated_pflops: float | None = None  # a claim's own per-card figure: reported beside ours, never priced


@frozen
class ServerModel:
    name: str
    accelerator: AcceleratorType
    accelerators_per_server: int
    power_kw: float  # maximum draw: what a rack's power budget must cover
    idle_power_fraction: float  # draw with no accelerator busy, as a fraction of power_kw
    busy_power_fraction: float  # sustained draw with every accelerator busy, fraction of power_kw
    stated_pflops_per_server: float | None = None  # a claim's own rounded figure, reported beside ours

    def power_kw_at(self, busy_accelerators_fraction: float) -> float:
        span = self.busy_power_fraction - self.idle_power_fraction
        return self.power_kw * (self.idle_power_fraction + span * busy_accelerators_fraction)
