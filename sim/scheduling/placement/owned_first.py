"""Operator capacity first, then tenants' opted-in capacity."""

from sim.scheduling.placement.base import Placement, first_fit, sorted_by_kind


class OwnedFirst(Placement):
    name = "owned-first"

    def __init__(self, context):
        super().__init__(context)
        self._order: dict[tuple, list] = {}

    def choose_market(self, job, pools):
        order = self._order.get(pools)
        if order is None:
            order = self._order[pools] = sorted_by_kind(pools)
        return first_fit(job, order)
