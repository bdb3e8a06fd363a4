"""Operator capacity first, then tenants' opted-in capacity."""

from sim.scheduling.placement.base import Placement, first_fit


class OwnedFirst(Placement):
    name = "owned-first"

    def choose_market(self, job, pools):
        # Eligibility groups sorted by pool kind put operator pools (kind 0) first.
        return first_fit(job, self.by_kind[job.elig])
