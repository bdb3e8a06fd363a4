"""Server failures and repairs: optional, per server model (a scenario's [failures] table)."""

from __future__ import annotations

from attrs import field, frozen

from sim.model.frozen import FrozenDict, freeze


@frozen
class ServerFailures:
    """Each server of the model fails after an exponential time of mean `mtbf_hours` up and
    is repaired after an exponential time of mean `mttr_hours`."""

    mtbf_hours: float
    mttr_hours: float

    @property
    def availability(self) -> float:
        return self.mtbf_hours / (self.mtbf_hours + self.mttr_hours)


@frozen
class Failures:
    stopped_jobs: str  # what happens to the jobs on a failed server: "requeue" or "lost"
    servers: FrozenDict[str, ServerFailures] = field(converter=freeze)  # by server model
