"""Policies by name. A new policy is one file plus one line here (or a `register_*` call
from anywhere, e.g. a test or a notebook, before the scenario that names it is loaded)."""

from __future__ import annotations

from sim.scheduling.disciplines.easy_backfill import EasyBackfill
from sim.scheduling.disciplines.fifo import Fifo
from sim.scheduling.disciplines.fifo_backfill import FifoBackfill
from sim.scheduling.disciplines.sjf import ShortestJobFirst
from sim.scheduling.placement.best_fit import BestFit
from sim.scheduling.placement.cheapest_first import CheapestFirst
from sim.scheduling.placement.fragmentation_aware import FragmentationAware
from sim.scheduling.placement.owned_first import OwnedFirst
from sim.scheduling.placement.spread import Spread
from sim.scheduling.policy import PlacementPolicy, QueueDiscipline, ReclaimPolicy
from sim.scheduling.reclaim.no_preempt import NoPreempt
from sim.scheduling.reclaim.preempt import Preempt

PLACEMENTS: dict[str, type[PlacementPolicy]] = {}
DISCIPLINES: dict[str, type[QueueDiscipline]] = {}
RECLAIMS: dict[str, type[ReclaimPolicy]] = {}


def _register(table: dict, cls):
    if not isinstance(getattr(cls, "name", None), str) or not cls.name:
        raise ValueError(f"{cls!r} needs a non-empty string `name`")
    if table.get(cls.name, cls) is not cls:
        raise ValueError(f"a policy named {cls.name!r} is registered already: {table[cls.name]!r}")
    table[cls.name] = cls
    return cls


def register_placement(cls: type[PlacementPolicy]) -> type[PlacementPolicy]:
    return _register(PLACEMENTS, cls)


def register_discipline(cls: type[QueueDiscipline]) -> type[QueueDiscipline]:
    return _register(DISCIPLINES, cls)


def register_reclaim(cls: type[ReclaimPolicy]) -> type[ReclaimPolicy]:
    return _register(RECLAIMS, cls)


for _placement in (OwnedFirst, CheapestFirst, BestFit, Spread, FragmentationAware):
    register_placement(_placement)
for _discipline in (FifoBackfill, Fifo, EasyBackfill, ShortestJobFirst):
    register_discipline(_discipline)
for _reclaim in (NoPreempt, Preempt):
    register_reclaim(_reclaim)
