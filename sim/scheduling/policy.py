"""The policy interfaces. Every policy is a class with a `name`, built once per run as
`Policy(context)`, and registered by name in sim/scheduling/registry.py.

- A placement picks the pool a job starts on now (or None).
- A queue discipline orders waiting jobs (`key`) and starts those it allows (`schedule`),
  working on a `Dispatch` facade of the queue, never on the scheduler.
- A reclaim policy may stop marketplace work so a tenant's own job can start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

from attrs import frozen

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sim.economics.pricing import PriceModel
    from sim.model.scenario import Scenario
    from sim.scheduling.cluster import Cluster
    from sim.scheduling.dispatch import Dispatch
    from sim.scheduling.job import Job
    from sim.scheduling.pool import Pool


@frozen
class PolicyContext:
    """What a policy may consult: the scenario, the pools (read them, never change them), prices."""

    scenario: Scenario
    cluster: Cluster
    prices: PriceModel
    frac: object | None = None  # shared cards (sim/scheduling/fractional.py) when a class asks for shares


class PlacementPolicy(Protocol):
    name: ClassVar[str]

    def __init__(self, context: PolicyContext) -> None: ...

    def choose(self, job: Job, pools: Sequence[Pool]) -> Pool | None:
        """A pool of `pools` (the job's eligibility group, canonical order) where `job` fits
        now, or None. Policies may cache per `job.elig`: `pools` is always that group's."""

    def choose_fraction(self, job: Job, pools: Sequence[Pool], frac) -> Pool | None:
        """The same for a job of a share of one card (sim/scheduling/fractional.py); sets
        job.card and job.server (placement/base.py packs best-fit)."""


class QueueDiscipline(Protocol):
    name: ClassVar[str]
    work_conserving: ClassVar[bool]  # never leaves a job waiting while some placement for it exists

    def __init__(self, context: PolicyContext) -> None: ...

    def key(self, job: Job) -> tuple:
        """Order of `job` among waiting jobs of the same priority rank (smaller first); computed
        once, when it first waits. The scheduler puts the rank of the job's line in front
        (sim/scheduling/priority.py), so no discipline can put marketplace work first."""

    def schedule(self, q: Dispatch) -> None:
        """Start every waiting job the discipline allows to start now."""


class ReclaimPolicy(Protocol):
    name: ClassVar[str]
    active: ClassVar[bool]  # False: never stops anything, so the scheduler need not ask

    def __init__(self, context: PolicyContext) -> None: ...

    def reclaim(self, q: Dispatch) -> bool:
        """Make room for one blocked tenant job and start it; True if one started."""
