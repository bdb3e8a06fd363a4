"""Running costs and rents: electricity (operator pays for every rack), colocation rent, and
tenants' power above the allowance their rent covers."""

from __future__ import annotations

from fractions import Fraction

from sim.economics.apportion import apportion
from sim.economics.ledger import (
    COLOCATION,
    ELECTRICITY,
    OPERATOR_ACCOUNT,
    POWER_OVER_ALLOWANCE,
    Where,
    grid_account,
    tenant_account,
)
from sim.units import FEN_PER_CNY


def it_kwh(pool, last: dict) -> float:
    """IT energy a pool (advanced to now) drew since `last[pool.id]` (server-h, busy acc-h),
    which moves on to now: idle draw per server online, plus a share per busy accelerator."""
    busy_area = pool.area_busy_market + pool.area_busy_private
    servers0, busy0 = last[pool.id]
    last[pool.id] = (pool.area_servers, busy_area)
    m = pool.server
    idle_kw = m.power_kw * m.idle_power_fraction
    per_busy_kw = m.power_kw * (m.busy_power_fraction - m.idle_power_fraction) / m.accelerators_per_server
    return idle_kw * (pool.area_servers - servers0) + per_busy_kw * (busy_area - busy0)


class Electricity:
    """Bills IT energy x PUE x price per site, for the time since the previous bill.

    A server draws idle power when commissioned and more in proportion to its busy
    accelerators, so energy follows from the pools' time-weighted areas. Tenants' rent
    includes power, so the operator pays for their racks too. Each site's bill is rounded
    once, then split by owner in proportion to the energy of each owner's racks.
    """

    def __init__(self, scenario, pools_by_site, ledger):
        self.ledger = ledger
        self.sites = []
        for i, site in enumerate(scenario.sites):
            pools = pools_by_site[i]
            owners = list(dict.fromkeys(p.owner for p in pools))
            wheres = [Where(ELECTRICITY, site.name, o) for o in owners]
            self.sites.append((site, pools, grid_account(site.name), owners, wheres))
        self.last = {p.id: (0.0, 0.0) for ps in pools_by_site.values() for p in ps}  # (server-h, busy acc-h)

    def bill(self, now: float) -> None:
        for site, pools, grid, owners, wheres in self.sites:
            kwh = 0.0
            by_owner = dict.fromkeys(owners, 0.0)
            for p in pools:
                p.advance(now)
                pool_kwh = it_kwh(p, self.last)
                kwh += pool_kwh
                by_owner[p.owner] += pool_kwh
            fen = round(kwh * site.pue * site.electricity_cny_per_kwh * FEN_PER_CNY)
            for where, share in zip(wheres, apportion(fen, by_owner.values()), strict=True):
                self.ledger.transfer(now, where, OPERATOR_ACCOUNT, grid, share)


def rack_hours(group, t0: float, t1: float) -> float:
    """Racks in use x hours within [t0, t1], from the group's build-out (and lease)."""
    return sum(n * max(0.0, t1 - max(t, t0)) for t, n in group.online)


def rack_kw_hours(group, t0: float, t1: float) -> float:
    """kW of rack budget x hours in use within [t0, t1]."""
    return group.power_kw * rack_hours(group, t0, t1)


def decimal(x: float) -> Fraction:
    """A number from the scenario file as written (650.3 is 6503/10, not the float nearest it)."""
    return Fraction(repr(float(x)))


def exact_rack_kw_hours(group, t0: float, t1: float) -> Fraction:
    """rack_kw_hours with no rounding: the hours are the floats the clock holds, exactly."""
    hours = sum((n * max(Fraction(0), Fraction(t1) - max(Fraction(t), Fraction(t0))) for t, n in group.online),
                Fraction(0))
    return decimal(group.power_kw) * hours


class Colocation:
    """Tenants pay rent per kW of rack budget per month for the racks they lease, pro rata for
    racks online part of it.
    Each tenant's bill is worked out exactly (in fractions of a fen: a float would be hundreds
    of fen off at large rents) and rounded once, then split by site in proportion to its
    kW-hours."""

    def __init__(self, scenario, ledger):
        self.ledger = ledger
        self.tenants = []
        for t in scenario.tenants:
            groups = [(s.name, g) for s in scenario.sites for g in s.rack_groups if g.owner == t.name]
            sites = list(dict.fromkeys(s for s, _ in groups))
            self.tenants.append((t, tenant_account(t.name), groups, [Where(COLOCATION, s, t.name) for s in sites]))

    def bill(self, t0: float, t1: float, month_hours: float) -> None:
        for tenant, account, groups, wheres in self.tenants:
            per_site = {w.site: 0.0 for w in wheres}
            kwh = Fraction(0)
            for site, g in groups:
                k = exact_rack_kw_hours(g, t0, t1)
                kwh += k
                per_site[site] += float(k)
            fen = round(kwh * decimal(tenant.colocation_cny_per_kw_month) * FEN_PER_CNY / Fraction(month_hours))
            for where, share in zip(wheres, apportion(fen, per_site.values()), strict=True):
                self.ledger.transfer(t1, where, account, OPERATOR_ACCOUNT, share)


class PowerAllowance:
    """Tenants pay for the power their servers draw above what their rent covers (an allowance
    per leased rack, by default its budget), at the site's price x PUE. Metered per tenant and
    site over each billing period (a day): energy drawn less allowance x rack-hours in use, if
    positive, rounded once."""

    def __init__(self, scenario, pools_by_site, ledger):
        self.ledger = ledger
        self.meters = []  # (site, tenant account, where, pools, [(group, allowance kW)])
        tenants = {t.name: t for t in scenario.tenants}
        for i, site in enumerate(scenario.sites):
            for name, tenant in tenants.items():
                pools = [p for p in pools_by_site[i] if p.owner == name]
                groups = [(g, g.power_kw if tenant.power_allowance_kw_per_rack is None
                           else tenant.power_allowance_kw_per_rack) for g in site.rack_groups if g.owner == name]
                if groups:
                    self.meters.append((site, tenant_account(name), Where(POWER_OVER_ALLOWANCE, site.name, name),
                                        pools, groups))
        self.last = {p.id: (0.0, 0.0) for _, _, _, pools, _ in self.meters for p in pools}

    def bill(self, t0: float, t1: float) -> None:
        """The period [t0, t1]; the pools must have been advanced to t1."""
        for site, account, where, pools, groups in self.meters:
            drawn = sum(it_kwh(p, self.last) for p in pools)
            allowed = sum(kw * rack_hours(g, t0, t1) for g, kw in groups)
            if drawn > allowed:
                fen = round((drawn - allowed) * site.pue * site.electricity_cny_per_kwh * FEN_PER_CNY)
                self.ledger.transfer(t1, where, account, OPERATOR_ACCOUNT, fen)
