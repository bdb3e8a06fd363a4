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
    online: tuple[tuple[float, int], ...]  # (hour, racks) holding servers: built (and, a tenant's, leased)
    built: tuple[tuple[float, int], ...] | None = None  # (hour, racks) built, where it differs from online

    @property
    def is_operator(self) -> bool:
        return self.owner == OPERATOR

    def racks_built_at(self, hour: float) -> int:
        return sum(n for t, n in (self.built if self.built is not None else self.online) if t <= hour)

    @property
    def over_power_budget(self) -> bool:
        return self.servers_per_rack > self.servers_per_rack_within_power

    @property
    def accelerators(self) -> int:
        """Accelerators in every rack at full build-out, leased or not."""
        return self.count * self.servers_per_rack * self.server.accelerators_per_server

    @property
    def racks_in_use(self) -> int:
        """Racks holding servers at full build-out (built, and a tenant's under lease)."""
        return sum(n for _, n in self.online)

    def racks_online_at(self, hour: float) -> int:
        return sum(n for t, n in self.online if t <= hour)


@frozen
class Site:
    name: str
    pue: float
    electricity_cny_per_kwh: float
    rack_groups: tuple[RackGroup, ...]


def leased(built: tuple[tuple[float, int], ...], leasing) -> tuple[tuple[float, int], ...]:
    """Racks under contract as (hour, racks) steps: floor(share x racks built) at each build
    step and leasing date. `leasing` is (hour, share) steps, non-decreasing, none before the
    first, so the racks leased never fall."""
    events = sorted([(t, 0, n) for t, n in built] + [(t, 1, v) for t, v in leasing], key=lambda e: e[0])
    out = []
    racks = total = 0
    share = 0.0
    i = 0
    while i < len(events):
        t = events[i][0]
        while i < len(events) and events[i][0] == t:  # everything that happens at t, then count
            _, kind, v = events[i]
            if kind == 0:
                racks += v
            else:
                share = v
            i += 1
        now = math.floor(share * racks + 1e-9)
        if now > total:
            out.append((t, now - total))
            total = now
    return tuple(out)
