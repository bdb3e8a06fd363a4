"""A run's years: its daily rows added up by concession year and site, then the finance of
each site over the concession (sim/economics/finance.py) from the scenario's `[finance]`.

Each site is taken as a project company of its own (Zhonghe's Qingyang project is one): it
pays its own tax, and the company's total is the sum of its sites, line by line.
"""

from __future__ import annotations

import datetime as dt

from attrs import frozen

from sim.economics.finance import REVENUE, Project, Purchase, irr, npv, payback_year, project, refresh_years, total
from sim.model.site import OPERATOR
from sim.model.years import anniversary, year_of_hour, year_start_hours, years_covering
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR, cny_to_fen

# Daily row column -> the finance stream it feeds.
STREAMS = {
    "compute_sales_operator_capacity_cny": "compute_sales_operator_capacity",
    "intermediary_fee_cny": "intermediary_fee",
    "colocation_rent_cny": "colocation_rent",
    "power_over_allowance_cny": "power_over_allowance",
    "electricity_cost_cny": "electricity",
}
TOTAL = "total"


def _fen(cny: float) -> int:
    # Daily money is whole fen / 100 (or a sampled day's scaled fen / 100): exact back to fen.
    return round(cny * FEN_PER_CNY)


@frozen
class YearUse:
    """One year of a run, all sites: money by stream (fen) and accelerator-hours."""

    year: int
    money_fen: dict
    commissioned_accelerator_hours: float
    busy_accelerator_hours: float

    @property
    def utilisation(self) -> float:
        c = self.commissioned_accelerator_hours
        return self.busy_accelerator_hours / c if c else 0.0

    @property
    def operator_revenue_fen(self) -> int:
        return sum(self.money_fen[k] for k in REVENUE)


def yearly(result) -> list[YearUse]:
    """The run's years (the last perhaps partial): money and accelerator-hours, weighting the
    days of a sampled run by what they stand for."""
    sc = result.scenario
    n = years_covering(sc.start_date, sc.horizon_hours)
    bounds = year_start_hours(sc.start_date, n)
    weights = result.day_weights
    money = [dict.fromkeys(STREAMS.values(), 0) for _ in range(n)]
    hours = [[0.0, 0.0] for _ in range(n)]
    for i, r in enumerate(result.daily):
        y = year_of_hour(bounds, (r.date - sc.start_date).days * HOURS_PER_DAY) - 1
        w = 1.0 if weights is None else weights[i]
        hours[y][0] += w * r.commissioned_accelerators * r.hours
        hours[y][1] += w * (r.busy_operator + r.busy_third_party_marketplace + r.busy_third_party_private) * r.hours
        for col, key in STREAMS.items():
            money[y][key] += _fen(getattr(r, col))
    return [YearUse(k + 1, money[k], hours[k][0], hours[k][1]) for k in range(n)]


def yearly_by_site(result, years: int) -> dict[str, dict[str, list[int]]]:
    """Money by site, stream and year (fen), over the first `years` years."""
    sc = result.scenario
    bounds = year_start_hours(sc.start_date, years)
    out = {s.name: {k: [0] * years for k in STREAMS.values()} for s in sc.sites}
    for r in result.daily_by_site:
        y = year_of_hour(bounds, (r.date - sc.start_date).days * HOURS_PER_DAY)
        if y > years:
            continue
        for col, key in STREAMS.items():
            out[r.site][key][y - 1] += _fen(getattr(r, col))
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _built(g):
    """(hour, racks) built: the operator builds and runs a hall's racks whether or not a tenant
    leases them (`online` holds only the racks under lease)."""
    return g.built if g.built is not None else g.online


def site_om(scenario, site, fin, bounds, end_h: float) -> tuple[list[int], list[int]]:
    """O&M by year (fen): facility O&M per standard rack built, and operator servers' O&M."""
    years = len(bounds) - 1
    racks, servers = [0.0] * years, [0.0] * years

    def share(t, k):
        return _overlap(max(t, 0.0), end_h, bounds[k], bounds[k + 1]) / (bounds[k + 1] - bounds[k])

    for g in site.rack_groups:
        std = g.power_kw / scenario.standard_rack_kw
        for t, n in _built(g):
            for k in range(years):
                racks[k] += n * std * fin.om_cny_per_standard_rack_year * share(t, k)
        if g.owner == OPERATOR:
            for t, n in g.online:
                for k in range(years):
                    servers[k] += n * g.servers_per_rack * fin.servers[g.server.name].om_cny_per_year * share(t, k)
    return [cny_to_fen(x) for x in racks], [cny_to_fen(x) for x in servers]


def site_purchases(site, fin, bounds, end_h: float) -> list[Purchase]:
    """Building and M&E for every rack when it is built, servers for the operator's racks
    when they come online; each replaced at the end of its life while the concession runs."""
    years = len(bounds) - 1
    out = []
    for g in site.rack_groups:
        for t, n in _built(g):
            if t >= end_h:
                continue
            y = year_of_hour(bounds, t)
            mw = n * g.power_kw / 1000.0
            for kind, per_mw, life in (("building", fin.building_cny_per_mw_it, fin.building_life_years),
                                       ("mep", fin.mep_cny_per_mw_it, fin.mep_life_years)):
                fen = cny_to_fen(mw * per_mw)
                out += [Purchase(yy, kind, fen, life) for yy in [y, *refresh_years(y, life, years)]]
        if g.owner != OPERATOR:
            continue
        for t, n in g.online:
            if t >= end_h:
                continue
            y = year_of_hour(bounds, t)
            sf = fin.servers[g.server.name]
            servers = n * g.servers_per_rack
            at_years = max(t, 0.0) / HOURS_PER_YEAR
            for k, yy in enumerate([y, *refresh_years(y, sf.life_years, years)]):
                price = sf.price_at(at_years + k * sf.life_years)
                out.append(Purchase(yy, "servers", cny_to_fen(servers * price), sf.life_years))
    return out


@frozen
class Verdict:
    """A project's metrics: NPV at the scenario's rate, IRR, payback undiscounted and
    discounted, and whether that payback comes only with the exit sale."""

    npv_fen: int
    irr: float | None
    irr_note: str
    payback_year: int | None
    discounted_payback_year: int | None
    # True when the cumulative cash flow without the exit sale (its proceeds and the tax on its
    # gain) never turns non-negative: the payback year is the sale's, not the business's.
    payback_by_exit: bool = False
    discounted_payback_by_exit: bool = False


def verdict(p: Project, rate: float, unsold: Project | None = None) -> Verdict:
    """`unsold`: the same project with no exit sale (no proceeds, no tax on the gain), to tell
    whether the payback is the business's or only the sale's."""
    flows = p.cash_flow
    r, note = irr(flows)

    def discount(fs):
        return [f / (1.0 + rate) ** k for k, f in enumerate(fs, start=1)]

    paid, paid_disc = payback_year(flows), payback_year(discount(flows))
    before = unsold.cash_flow if unsold is not None else flows
    return Verdict(round(npv(rate, flows)), r, note, paid, paid_disc,
                   paid is not None and payback_year(before) is None,
                   paid_disc is not None and payback_year(discount(before)) is None)


@frozen
class SiteFinance:
    """One site's project (or the total's): its lines year by year and its verdict."""

    site: str
    project: Project
    verdict: Verdict


@frozen
class FinanceResult:
    """A run's finance over the concession (sim.finance): each site as a project company and
    their total, with NPV, IRR and payback (`total.verdict`), year by year (`total.project`)."""

    start_date: dt.date
    concession_years: int
    years: int  # years with rows: the concession, or fewer when the run is shorter
    finished: bool  # the run reaches the end of the concession (so the assets are sold)
    last_year_partial: bool
    discount_rate: float
    tax_rate: float
    exit_method: str
    exit_value: float
    sites: tuple[SiteFinance, ...]
    total: SiteFinance

    def year_dates(self, k: int) -> tuple[dt.date, dt.date]:
        """First and last day of year k."""
        return anniversary(self.start_date, k - 1), anniversary(self.start_date, k) - dt.timedelta(days=1)


def finance_of(result) -> FinanceResult | None:
    """The concession's finance for a run of a scenario with `[finance]`; None without one."""
    sc = result.scenario
    fin = sc.finance
    if fin is None:
        return None
    horizon = sc.horizon_hours
    end_bounds = year_start_hours(sc.start_date, fin.concession_years)
    years = min(fin.concession_years, years_covering(sc.start_date, horizon))
    bounds = end_bounds[: years + 1]
    end_h = min(horizon, end_bounds[-1])
    finished = horizon >= end_bounds[-1]
    money = yearly_by_site(result, years)
    sites, unsold = [], []
    for site in sc.sites:
        om_racks, om_servers = site_om(sc, site, fin, bounds, end_h)

        def build(sold):
            return project(streams=money[site.name], om_racks=om_racks, om_servers=om_servers,
                           purchases=site_purchases(site, fin, bounds, end_h), tax_rate=fin.tax_rate,
                           carry_years=fin.loss_carry_forward_years, exit_of=fin.exit.of, finished=sold)

        p = build(finished)
        unsold.append(build(False) if finished else p)
        sites.append(SiteFinance(site.name, p, verdict(p, fin.discount_rate, unsold[-1])))
    whole = total([s.project for s in sites])
    return FinanceResult(
        start_date=sc.start_date, concession_years=fin.concession_years, years=years, finished=finished,
        last_year_partial=horizon < bounds[-1], discount_rate=fin.discount_rate, tax_rate=fin.tax_rate,
        exit_method=fin.exit.method, exit_value=fin.exit.value, sites=tuple(sites),
        total=SiteFinance(TOTAL, whole, verdict(whole, fin.discount_rate, total(unsold))),
    )
