"""Tenant reclaim policies, by name."""

from sim.scheduling.reclaim.no_preempt import NoPreempt
from sim.scheduling.reclaim.preempt import Preempt

RECLAIMS = {r.name: r for r in (NoPreempt, Preempt)}
