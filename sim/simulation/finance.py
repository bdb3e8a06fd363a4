"""A run's years: its daily rows added up by concession year and site, then the finance of
each site over the concession (sim/economics/finance.py) from the scenario's `[finance]`.

Each site is taken as a project company of its own (Zhonghe's Qingyang project is one): it
pays its own tax, and the company's total is the sum of its sites, line by line.
"""

from __future__ import annotations

import datetime as dt

from attrs import field, frozen

from sim.economics.finance import REVENUE, Project, Purchase, irr, npv, payback_year, project, refresh_years, total
from sim.economics.money import (
    BUSINESS_LINES,
    BY_NAME,
    BY_RACK_OWNER,
    COLOCATION_LINE,
    FINANCE,
    FINANCE_BY_RACK_OWNER,
    OPERATOR_COMPUTE_LINE,
    REVENUE_STREAMS,
)
from sim.model.finance import Exit, Timing
from sim.model.site import OPERATOR
from sim.model.years import anniversary, year_of_hour, year_start_hours, years_covering
from sim.simulation.refresh import plan, project_refreshes
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR, cny_to_fen

# Daily row column -> the finance stream it feeds (the money model's streams with a finance line).
STREAMS = {BY_NAME[k].column: f for k, f in FINANCE.items()}
TOTAL = "total"
# A cost split by rack owner in the NPV bridge: the part of it the operator's own racks draw,
# by site and year, under `<finance name>_operator_racks`.
OPERATOR_RACKS = {BY_NAME[k].column: f"{f}_operator_racks" for k, f in FINANCE.items() if f in FINANCE_BY_RACK_OWNER}


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
    out = {s.name: {k: [0] * years for k in (*STREAMS.values(), *OPERATOR_RACKS.values())} for s in sc.sites}
    for r in result.daily_by_site:
        y = year_of_hour(bounds, (r.date - sc.start_date).days * HOURS_PER_DAY)
        if y > years:
            continue
        for col, key in STREAMS.items():
            out[r.site][key][y - 1] += _fen(getattr(r, col))
        if r.owner_class == OPERATOR:
            for col, key in OPERATOR_RACKS.items():
                out[r.site][key][y - 1] += _fen(getattr(r, col))
    return out


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _built(g):
    """(hour, racks) built: the operator builds and runs a hall's racks whether or not a tenant
    leases them (`online` holds only the racks under lease)."""
    return g.built if g.built is not None else g.online


def site_om(scenario, site, fin, bounds, end_h: float, operator_racks_only: bool = False) -> tuple[list[int], list[int]]:
    """O&M by year (fen): facility O&M per standard rack built (only the operator's own racks'
    with `operator_racks_only`), and operator servers' O&M."""
    years = len(bounds) - 1
    racks, servers = [0.0] * years, [0.0] * years

    def share(t, k):
        return _overlap(max(t, 0.0), end_h, bounds[k], bounds[k + 1]) / (bounds[k + 1] - bounds[k])

    for g in site.rack_groups:
        std = g.power_kw / scenario.standard_rack_kw
        for t, n in _built(g) if g.owner == OPERATOR or not operator_racks_only else ():
            for k in range(years):
                racks[k] += n * std * fin.om_cny_per_standard_rack_year * share(t, k)
        if g.owner == OPERATOR:
            for t, n in g.online:
                for k in range(years):
                    servers[k] += n * g.servers_per_rack * fin.servers[g.server.name].om_cny_per_year * share(t, k)
    return [cny_to_fen(x) for x in racks], [cny_to_fen(x) for x in servers]


def site_purchases(site, fin, bounds, end_h: float, cohorts=None) -> list[Purchase]:
    """Building and M&E for every rack when it is built, servers for the operator's racks
    when they come online; each replaced at the end of its life while the concession runs.
    `cohorts` (sim.simulation.refresh.plan): the operator's servers and their refreshes, each
    at the generation then newest; None: the same model, at its price_change_per_year."""
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
                out += [Purchase(yy, kind, fen, life, g.owner == OPERATOR) for yy in [y, *refresh_years(y, life, years)]]
        if g.owner != OPERATOR:
            continue
        if cohorts is not None:
            for _g, _t, _n, sf, buys in cohorts:
                if _g is g:
                    out += [Purchase(yy, "servers", fen, sf.life_years, True) for yy, fen, _r in buys if fen]
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
                out.append(Purchase(yy, "servers", cny_to_fen(servers * price), sf.life_years, True))
    return out


def remaining_life_years(purchases, years: int) -> float:
    """The buildings' life left after the concession's `years`, weighted by what they cost."""
    built = [p for p in purchases if p.kind == "building" and p.year <= years]
    cost = sum(p.fen for p in built)
    if not cost:
        return 0.0
    return sum(p.fen * max(0, p.year + p.life_years - 1 - years) for p in built) / cost


def dcf_exit(purchases, years: int, rate: float, timing: Timing):
    """The terminal value of a DCF of the assets' remaining life: the last year's EBITDA for
    each year (or part) the buildings have left, less the M&E and servers that fall due again
    within it (at what they last cost), discounted to the concession's end; never below 0
    (an owner hands back rather than pay to keep them)."""
    life = remaining_life_years(purchases, years)
    ops, capex = timing.before_end("operations"), timing.before_end("capex")
    due = []  # (years after the end, fen) of each replacement within the remaining life
    for p in purchases:
        if p.kind == "building" or p.year > years:
            continue
        end = p.year + p.life_years - 1  # its last year of service
        while years <= end < years + life:
            due.append((end + 1 - years, p.fen))
            end += p.life_years

    def of(ebitda_fen: int) -> int:
        value = 0.0
        k = 0
        while k < life:
            value += min(1.0, life - k) * ebitda_fen / (1.0 + rate) ** (k + 1 - ops)
            k += 1
        value -= sum(fen / (1.0 + rate) ** (t - capex) for t, fen in due)
        return max(0, round(value))

    return of


def land_purchases(site, fin, bounds, end_h: float) -> list[Purchase]:
    """Land use rights for every rack when it is built, at [finance] land_cny_per_mw_it,
    amortised over the grant's term and never bought again."""
    if not fin.land_cny_per_mw_it:
        return []
    out = []
    for g in site.rack_groups:
        for t, n in _built(g):
            if t < end_h:
                fen = cny_to_fen(n * g.power_kw / 1000.0 * fin.land_cny_per_mw_it)
                out.append(Purchase(year_of_hour(bounds, t), "land", fen, fin.land_life_years, g.owner == OPERATOR))
    return out


def other_costs(site, fin, purchases, bounds, end_h: float) -> list[int]:
    """Property tax (on buildings' and land's original value), insurance (on buildings', M&E's
    and servers' original value) of what is in service in each year, and the site's overheads
    from its first rack built, by year (fen)."""
    years = len(bounds) - 1
    out = [0.0] * years
    for p in purchases:
        rate = (fin.property_tax_rate if p.kind in ("building", "land") else 0.0) + \
            (fin.insurance_rate if p.kind != "land" else 0.0)
        if rate:
            for y in range(p.year, min(years, p.year + p.life_years - 1) + 1):
                out[y - 1] += p.fen * rate / FEN_PER_CNY
    if fin.overheads_cny_per_site_year:
        first = min((t for g in site.rack_groups for t, _ in _built(g)), default=None)
        if first is not None:
            for k in range(years):
                out[k] += fin.overheads_cny_per_site_year * _overlap(max(first, 0.0), end_h, bounds[k], bounds[k + 1]) \
                    / (bounds[k + 1] - bounds[k])
    return [cny_to_fen(x) for x in out]


def _net(fens: list[int], rate: float) -> tuple[list[int], list[int]]:
    """(net of VAT, the VAT) of gross amounts that include it at `rate`."""
    net = [round(f / (1.0 + rate)) for f in fens]
    return net, [f - n for f, n in zip(fens, net, strict=True)]


OUTPUT_VAT = {"compute_sales_operator_capacity": "services", "intermediary_fee": "services",
              "colocation_rent": "rent", "power_over_allowance": "power_resale"}
INPUT_VAT = {"building": "construction", "mep": "equipment", "servers": "equipment"}  # land: none


def vat_cash(output: list[int], inputs: list[int]) -> list[int]:
    """VAT's cash timing against the net accounts, by year: output VAT less input VAT is paid
    when positive; an excess of input waits as a credit set against later output VAT (never
    refunded). Net accounts leave VAT out, so the cash differs by output - input - paid: a
    credit building up is a cash outflow, its use an inflow."""
    credit = 0
    out = []
    for o, i in zip(output, inputs, strict=True):
        due = o - i - credit
        paid = max(0, due)
        credit = max(0, -due)
        out.append(o - i - paid)
    return out


def net_of_vat(vat, streams, om_racks, om_servers, purchases):
    """Streams, O&M and purchases net of VAT (prices that include it), and VAT's cash timing.
    Property tax, insurance and overheads carry no VAT here (insurance's 6 % input is left out)."""
    years = len(om_racks)
    streams = dict(streams)
    output = [0] * years
    inputs = [0] * years
    for key, kind in OUTPUT_VAT.items():
        streams[key], v = _net(streams[key], getattr(vat, kind))
        output = [a + b for a, b in zip(output, v, strict=True)]
    streams["electricity"], v = _net(streams["electricity"], vat.electricity)
    for f in FINANCE_BY_RACK_OWNER:  # the operator's own racks' part (electricity), netted as its whole
        own = f"{f}_operator_racks"
        if own in streams:
            streams[own] = _net(streams[own], vat.electricity)[0]
    inputs = [a + b for a, b in zip(inputs, v, strict=True)]
    om_racks, v1 = _net(om_racks, vat.om)
    om_servers, v2 = _net(om_servers, vat.om)
    inputs = [a + b + c for a, b, c in zip(inputs, v1, v2, strict=True)]
    netted = []
    for p in purchases:
        rate = getattr(vat, INPUT_VAT[p.kind]) if p.kind in INPUT_VAT else 0.0
        fen = round(p.fen / (1.0 + rate))
        if 1 <= p.year <= years:
            inputs[p.year - 1] += p.fen - fen
        netted.append(Purchase(p.year, p.kind, fen, p.life_years, p.operator_racks))
    return streams, om_racks, om_servers, netted, vat_cash(output, inputs)


@frozen
class Verdict:
    """A project's metrics: NPV at the scenario's rate (with the terminal value, and with the
    assets handed back for nothing), IRR, payback (undiscounted and discounted)."""

    npv_fen: int
    irr: float | None
    irr_note: str
    payback_year: int | None
    discounted_payback_year: int | None
    npv_without_terminal_fen: int
    # True when the cumulative cash flow without the terminal value (the assets handed back)
    # never turns non-negative: the payback year is the sale's, not the business's.
    payback_by_exit: bool = False
    discounted_payback_by_exit: bool = False


def verdict(p: Project, rate: float, timing: Timing, handed_back: Project | None = None) -> Verdict:
    """`handed_back`: the same project with no terminal value (None: `p` has none)."""
    capex, ops = timing.before_end("capex"), timing.before_end("operations")
    amounts, times = p.dated_flows(capex, ops)
    r, note = irr(amounts, times)
    flows = p.cash_flow
    back = handed_back or p
    without = round(npv(rate, *back.dated_flows(capex, ops)))
    payback = payback_year(flows)
    discounted = payback_year(p.discounted_by_year(rate, capex, ops))
    return Verdict(round(npv(rate, amounts, times)), r, note, payback, discounted, without,
                   payback is not None and payback_year(back.cash_flow) is None,
                   discounted is not None and payback_year(back.discounted_by_year(rate, capex, ops)) is None)


# The NPV's bridge: each business line's pre-tax cash flows, then tax and the terminal value.
BRIDGE = ("colocation", "operator_compute", "marketplace_fees", "site_costs", "vat", "tax", "terminal_value")


def bridge(p: Project, lines: dict[str, dict[str, list[int]]], rate: float, timing: Timing) -> dict[str, int]:
    """NPV (fen) by business line, plus tax and the terminal value, adding up to the project's
    NPV (within rounding). `lines[name]` holds that line's "operating" (revenue less its
    electricity and O&M) and "capex" by year:
    - colocation: rent and tenants' power over allowance, less the electricity, facility O&M,
      building and M&E of the racks built for tenants (leased or not);
    - operator_compute: own-capacity sales, less the electricity, facility and server O&M,
      building, M&E and servers of the operator's own racks;
    - marketplace_fees: the intermediary fee (it uses tenants' servers: no cost of its own);
    - site_costs: land, property tax, insurance and overheads (shared by the lines);
    - vat: VAT's cash timing, input VAT waiting as a credit (with VAT netted)."""
    capex_t, ops_t = timing.before_end("capex"), timing.before_end("operations")
    years = p.years

    def pv(flows, before_end):
        return npv(rate, flows, [k - before_end for k in range(1, years + 1)])

    out = {name: round(pv(f["operating"], ops_t) - pv(f["capex"], capex_t)) for name, f in lines.items()}
    if any(p.other_costs) or any(p.capex_land):
        out["site_costs"] = -round(pv(p.other_costs or [0] * years, ops_t) + pv(p.capex_land or [0] * years, capex_t))
    if any(p.vat_timing):
        out["vat"] = round(pv(p.vat_timing, ops_t))
    out["tax"] = -round(pv(p.tax, ops_t))
    out["terminal_value"] = round(pv(p.exit_value, 0.0))
    return out


def line_flows(p: Project, money: dict[str, list[int]], om_racks_operator: list[int],
               purchases) -> dict[str, dict[str, list[int]]]:
    """Each business line's operating flow and capex by year (see `bridge`): each stream of
    the money model goes to its `business_line`; one split BY_RACK_OWNER goes to operator
    compute for the operator's own racks and to colocation for the rest."""
    years = p.years
    capex = {True: [0] * years, False: [0] * years}
    for q in purchases:
        if 1 <= q.year <= years and q.kind != "land":  # land is a site cost (see `bridge`)
            capex[q.operator_racks][q.year - 1] += q.fen
    operating = {name: [0] * years for name in BUSINESS_LINES}

    def add(line: str, flows, sign: int) -> None:
        operating[line] = [a + sign * b for a, b in zip(operating[line], flows, strict=True)]

    for k, f in FINANCE.items():
        s = BY_NAME[k]
        sign = 1 if k in REVENUE_STREAMS else -1
        if s.business_line == BY_RACK_OWNER:
            own = money[f"{f}_operator_racks"]
            add(OPERATOR_COMPUTE_LINE, own, sign)
            add(COLOCATION_LINE, [a - b for a, b in zip(getattr(p, f), own, strict=True)], sign)
        elif s.business_line is not None:
            add(s.business_line, getattr(p, f), sign)
    add(OPERATOR_COMPUTE_LINE, om_racks_operator, -1)
    add(OPERATOR_COMPUTE_LINE, p.om_servers, -1)
    add(COLOCATION_LINE, [o - oo for o, oo in zip(p.om_racks, om_racks_operator, strict=True)], -1)
    lines = {COLOCATION_LINE: capex[False], OPERATOR_COMPUTE_LINE: capex[True]}
    return {name: {"operating": operating[name], "capex": lines.get(name, [0] * years)} for name in BUSINESS_LINES}


@frozen
class SiteFinance:
    """One site's project (or the total's): its lines year by year and its verdict."""

    site: str
    project: Project
    verdict: Verdict
    bridge: dict = field(factory=dict)  # NPV (fen) by business line, tax and terminal value: see `bridge`


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
    exit_value: float | None
    sites: tuple[SiteFinance, ...]
    total: SiteFinance
    timing: Timing = Timing()
    remaining_life_years: float = 0.0  # the buildings' life left at the concession's end (all sites, by cost)
    warnings: tuple[str, ...] = ()
    refreshes: tuple = ()  # the operator's server refreshes to a newer generation (sim.simulation.refresh)

    def year_dates(self, k: int) -> tuple[dt.date, dt.date]:
        """First and last day of year k."""
        return anniversary(self.start_date, k - 1), anniversary(self.start_date, k) - dt.timedelta(days=1)

    def headline(self) -> dict:
        """The verdict, all sites, as summary.json's `finance` section holds it (CNY): NPV with
        and without the terminal value, IRR, paybacks, and the NPV by business line."""
        v = self.total.verdict
        return {
            "years": self.years, "concession_years": self.concession_years, "finished": self.finished,
            "discount_rate": self.discount_rate,
            "timing": {"capex": self.timing.capex, "operations": self.timing.operations},
            "terminal_value": self.exit_method if self.exit_value is None else {self.exit_method: self.exit_value},
            "npv_cny": v.npv_fen / FEN_PER_CNY,
            "npv_without_terminal_cny": v.npv_without_terminal_fen / FEN_PER_CNY,
            "irr": v.irr,
            "payback_year_undiscounted": v.payback_year,
            "payback_by_exit": v.payback_by_exit,
            "payback_year_discounted": v.discounted_payback_year,
            "npv_by_line_cny": {k: self.total.bridge[k] / FEN_PER_CNY for k in BRIDGE if k in self.total.bridge},
            "refreshes": [{"site": r.site, "year": r.year, "generation": r.generation, "servers": r.servers,
                           "replaced_servers": r.replaced_servers, "pflops": round(r.pflops, 2),
                           "price_cny_per_server": round(r.price_cny_per_server, 2),
                           "years_idle_below_marginal_cost": list(r.idle_years), "skipped": r.skipped}
                          for r in self.refreshes],
            "warnings": list(self.warnings),
        }


def _terminal_warning(exit_: Exit, life: float) -> str | None:
    years = exit_.multiple_years
    if years is None or years <= life:
        return None
    what = f"a cap rate of {exit_.value:.2%}" if exit_.method == "cap_rate" else f"{exit_.value:g} x EBITDA"
    return (f"the exit at {what} pays for {years:.1f} years of EBITDA, but the buildings have {life:.1f} years of "
            f"life left when the concession ends: the terminal value is likely overstated (try exit = \"dcf\" or "
            f"\"hand-back\")")


def finance_refusal(scenario) -> str | None:
    """Why a scenario's finance is refused, or None. With enforce_power = false and racks over
    their power budget, halls, M&E and power are costed for the budget while the servers draw
    more: an NPV would earn from servers no hall could power. Costing the halls the servers
    need instead would be another claim than the one stated (its MW), so it is refused."""
    if scenario.finance is None or scenario.enforce_power:
        return None
    groups = scenario.rack_groups
    if not any(g.over_power_budget for g in groups):
        return None
    need_mw = sum(g.count * g.servers_per_rack * g.server.power_kw for g in groups) / 1000
    budget_mw = sum(g.count * g.power_kw for g in groups) / 1000
    return (f"refused: the servers draw up to {need_mw:,.4g} MW at full build-out against the {budget_mw:,.4g} MW "
            "of racks, halls and M&E costed (enforce_power = false); an NPV would earn from servers no hall powers")


def finance_of(result) -> FinanceResult | None:
    """The concession's finance for a run of a scenario with `[finance]`; None without one, or
    when it is refused (finance_refusal)."""
    sc = result.scenario
    fin = sc.finance
    if fin is None or finance_refusal(sc) is not None:
        return None
    horizon = sc.horizon_hours
    end_bounds = year_start_hours(sc.start_date, fin.concession_years)
    years = min(fin.concession_years, years_covering(sc.start_date, horizon))
    bounds = end_bounds[: years + 1]
    end_h = min(horizon, end_bounds[-1])
    finished = horizon >= end_bounds[-1]
    money = yearly_by_site(result, years)
    sites, backs, every_purchase, all_lines = [], [], [], []
    refreshes = []
    for site in sc.sites:
        om_racks, om_servers = site_om(sc, site, fin, bounds, end_h)
        om_racks_operator = site_om(sc, site, fin, bounds, end_h, operator_racks_only=True)[0]
        cohorts = plan(sc, fin, site, bounds, end_h, years) if sc.generations else None
        if cohorts:  # before the purchases: a refresh that would not pay may be dropped
            refreshes += project_refreshes(result, sc, fin, site, bounds, years, cohorts, money[site.name], om_servers)
        purchases = site_purchases(site, fin, bounds, end_h, cohorts)
        purchases += land_purchases(site, fin, bounds, end_h)
        streams = money[site.name]
        vat_timing = None
        if fin.vat is not None:
            streams, om_racks, om_servers, purchases, vat_timing = net_of_vat(
                fin.vat, streams, om_racks, om_servers, purchases)
            money[site.name] = streams
            om_racks_operator = _net(om_racks_operator, fin.vat.om)[0]
        other = other_costs(site, fin, purchases, bounds, end_h)  # on original values, net of deductible VAT
        every_purchase += purchases
        exit_of = dcf_exit(purchases, years, fin.discount_rate, fin.timing) if fin.exit.method == "dcf" else fin.exit.of
        common = dict(streams=streams, om_racks=om_racks, om_servers=om_servers, purchases=purchases,
                      tax_rate=fin.tax_rate, carry_years=fin.loss_carry_forward_years, other_costs=other,
                      vat_timing=vat_timing)
        p = project(**common, exit_of=exit_of, finished=finished)
        back = p if fin.exit.method == "hand-back" or not finished else project(**common, exit_of=lambda e: 0,
                                                                                   finished=finished)
        backs.append(back)
        lines = line_flows(p, money[site.name], om_racks_operator, purchases)
        all_lines.append(lines)
        sites.append(SiteFinance(site.name, p, verdict(p, fin.discount_rate, fin.timing, back),
                                 bridge(p, lines, fin.discount_rate, fin.timing)))
    whole = total([s.project for s in sites])
    whole_lines = {name: {k: [sum(v) for v in zip(*(ls[name][k] for ls in all_lines), strict=True)]
                          for k in ("operating", "capex")}
                   for name in all_lines[0]} if all_lines else {}
    life = remaining_life_years(every_purchase, years)
    warning = _terminal_warning(fin.exit, life) if finished else None
    return FinanceResult(
        start_date=sc.start_date, concession_years=fin.concession_years, years=years, finished=finished,
        last_year_partial=horizon < bounds[-1], discount_rate=fin.discount_rate, tax_rate=fin.tax_rate,
        exit_method=fin.exit.method, exit_value=fin.exit.value, sites=tuple(sites),
        total=SiteFinance(TOTAL, whole, verdict(whole, fin.discount_rate, fin.timing, total(backs)),
                          bridge(whole, whole_lines, fin.discount_rate, fin.timing) if whole_lines else {}),
        timing=fin.timing, remaining_life_years=life, warnings=(warning,) if warning else (),
        refreshes=tuple(refreshes),
    )
