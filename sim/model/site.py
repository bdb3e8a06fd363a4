"""Sites and their racks: owners, power budgets and when each rack comes online."""

from __future__ import annotations

import math

from attrs import frozen

from sim.model.hardware import ServerModel

OPERATOR = "operator"


def servers_within_power(rack_power_kw: float, server_power_kw: float) -> int:
    """How many servers a rack's power budget carries at their maximum draw."""
    # Round the ratio first so that 5.0 / 2.5 is 2, not 1.999... floored to 1.
    return math.floor(round(rack_power_kw / server_power_kw, 9))


@frozen
class RackGroup:
    """Identical racks of one owner in one site, brought online on a schedule."""

    name: str
    site: str
    owner: str  # OPERATOR or a tenant's name
    count: int
    power_kw: float
    server: ServerModel
    servers_per_rack: int
    servers_per_rack_within_power: int
    online: tuple[tuple[float, int], ...]  # (hour, racks) tranches, sorted, racks summing to count

    @property
    def is_operator(self) -> bool:
        return self.owner == OPERATOR

    @property
    def over_power_budget(self) -> bool:
        return self.servers_per_rack > self.servers_per_rack_within_power

    @property
    def accelerators(self) -> int:
        return self.count * self.servers_per_rack * self.server.accelerators_per_server

    def racks_online_at(self, hour: float) -> int:
        return sum(n for t, n in self.online if t <= hour)


@frozen
class Site:
    name: str
    pue: float
    electricity_cny_per_kwh: float
    rack_groups: tuple[RackGroup, ...]
