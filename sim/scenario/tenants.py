"""[tenants]: who rents racks, at what rent, and how their racks are leased (a dated path, or
leasing that follows their demand)."""

from __future__ import annotations

from sim.model import OPERATOR, Tenant, limits
from sim.model.leasing import DemandLeasing
from sim.scenario.dates import dated_points
from sim.scenario.fields import Table
from sim.units import HOURS_PER_DAY, HOURS_PER_YEAR


def read_tenants(root: Table, start):
    """Tenants, their private demand tables to read once sites are known, and their tables."""
    out = []
    demand = []
    tables = {}
    for name, t in root.tables("tenants", required=False):
        tables[name] = t
        if name == OPERATOR:
            t.error("", f"{OPERATOR!r} is the operator, not a tenant")
        share = t.number("opt_in_fraction", ge=0, le=1)
        rent = t.number("colocation_cny_per_kw_month", ge=0)
        if rent is not None and rent > limits.MAX_RENT_CNY_PER_KW_MONTH:
            t.error("colocation_cny_per_kw_month", f"must be at most {limits.MAX_RENT_CNY_PER_KW_MONTH:,} CNY per "
                    f"kW-month (real rents are hundreds to a few thousand: a figure per MW or per year?), got {rent:g}")
            rent = None
        lease = rule = None
        if isinstance(t.data.get("leasing"), dict):
            rule = _demand_leasing(t.table("leasing"))
        elif t.has("leasing"):
            lease = _leasing(t, start)
        allowance = t.number("power_allowance_kw_per_rack", None, ge=0)
        classes = t.tables("demand", required=False)
        t.done()
        demand.append((name, classes))
        if None not in (share, rent) and (lease is not None or rule is not None or not t.has("leasing")) and \
                (allowance is not None or not t.has("power_allowance_kw_per_rack")):
            out.append(Tenant(name, share, rent, lease, allowance, rule))
    return out, demand, tables


def _leasing(t: Table, start):
    """A tenant's leasing path: [{ date, share }] of its built racks under contract, steps that
    never fall; None if bad."""
    points = dated_points(t, "leasing", "share", start, "leasing points", "point", ge=0, le=1)
    if points is None:
        return None
    for i in range(1, len(points)):
        if points[i][1] < points[i - 1][1]:
            t.problems.add(f"{t.key('leasing')}[{i}].share", f"must not fall below the share before it ({points[i - 1][1]:g}), got "
                    f"{points[i][1]:g}: a lease once signed runs to the horizon in this model")
            return None
    return tuple(points)


def _demand_leasing(t: Table) -> DemandLeasing | None:
    """leasing = { follows = "demand", target_utilisation, lag_days, term_years, review_days }."""
    t.string("follows", choices=("demand",))
    u = t.number("target_utilisation", gt=0, le=1)
    lag = t.number("lag_days", ge=0, le=limits.MAX_HORIZON_DAYS)
    term = t.number("term_years", gt=0, le=limits.MAX_HORIZON_DAYS / 365)
    review = t.number("review_days", ge=1, le=limits.MAX_HORIZON_DAYS)
    t.done()
    if None in (u, lag, term, review):
        return None
    return DemandLeasing(u, lag * HOURS_PER_DAY, term * HOURS_PER_YEAR, review * HOURS_PER_DAY)
