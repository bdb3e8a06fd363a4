"""Operator capacity first, then tenants' opted-in capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scheduling.placement.base import Placement, first_fit

if TYPE_CHECKING:
    from sim.scheduling.pool import Pool


class OwnedFirst(Placement):
    name = "owned-first"

    def choose(self, job, pools):
        # A tenant's own work and marketplace work alike: the first pool that fits in kind
        # order (operator, tenant-private, tenant-shared); first_fit inline (every job's path).
        size: int = job.size
        p: Pool  # typed: a compiled build calls its fits natively
        for p in self.by_kind[job.elig]:
            if p.fits(size):
                return p
        return None

    def choose_market(self, job, pools):
        # Eligibility groups sorted by pool kind put operator pools (kind 0) first.
        return first_fit(job, self.by_kind[job.elig])

    def choose_fraction(self, job, pools, frac):
        # A share too: the first pool in kind order with room, best-fit inside it.
        for p in self.by_kind[job.elig]:
            if frac.fits(p, job.milli):
                return frac.best_fit(job, (p,))
        return None
