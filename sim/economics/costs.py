"""Running costs and rents: electricity (operator pays for every rack) and colocation."""

from __future__ import annotations

from sim.economics.ledger import COLOCATION, ELECTRICITY, OPERATOR_ACCOUNT, grid_account, tenant_account
from sim.units import FEN_PER_CNY


class Electricity:
    """Bills IT energy x PUE x price per site, for the time since the previous bill.

    A server draws idle power when commissioned and more in proportion to its busy
    accelerators, so energy follows from the pools' time-weighted areas. Tenants' rent
    includes power, so the operator pays for their racks too.
    """

    def __init__(self, scenario, cluster, ledger):
        self.ledger = ledger
        self.sites = []
        for i, site in enumerate(scenario.sites):
            pools = cluster.pools_by_site[i]
            self.sites.append((site, pools, grid_account(site.name)))
        self.last = {p.id: (0.0, 0.0) for p in cluster.pools}  # (server-h, busy accelerator-h)
        self.kwh_it = {site.name: 0.0 for site in scenario.sites}

    def bill(self, now: float) -> None:
        for site, pools, grid in self.sites:
            kwh = 0.0
            for p in pools:
                p.advance(now)
                busy_area = p.area_busy_market + p.area_busy_private
                servers0, busy0 = self.last[p.id]
                self.last[p.id] = (p.area_servers, busy_area)
                m = p.server
                idle_kw = m.power_kw * m.idle_power_fraction
                per_busy_kw = m.power_kw * (m.busy_power_fraction - m.idle_power_fraction) / m.accelerators_per_server
                kwh += idle_kw * (p.area_servers - servers0) + per_busy_kw * (busy_area - busy0)
            self.kwh_it[site.name] += kwh
            fen = round(kwh * site.pue * site.electricity_cny_per_kwh * FEN_PER_CNY)
            self.ledger.transfer(now, ELECTRICITY, OPERATOR_ACCOUNT, grid, fen)


def rack_kw_hours(group, t0: float, t1: float) -> float:
    """kW of rack budget x hours online within [t0, t1], from the group's build-out."""
    return group.power_kw * sum(n * max(0.0, t1 - max(t, t0)) for t, n in group.online)


class Colocation:
    """Tenants pay rent per kW of rack budget per month, pro rata for racks online part of it."""

    def __init__(self, scenario, ledger):
        self.ledger = ledger
        self.tenants = [
            (t, tenant_account(t.name), [g for g in scenario.rack_groups if g.owner == t.name])
            for t in scenario.tenants
        ]

    def bill(self, t0: float, t1: float, month_hours: float) -> None:
        for tenant, account, groups in self.tenants:
            kwh = sum(rack_kw_hours(g, t0, t1) for g in groups)
            fen = round(kwh * tenant.colocation_cny_per_kw_month * FEN_PER_CNY / month_hours)
            self.ledger.transfer(t1, COLOCATION, account, OPERATOR_ACCOUNT, fen)
