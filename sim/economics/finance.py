"""The concession's finance, year by year, in integer fen: depreciation, tax, cash flow, NPV,
IRR, payback and the exit value. Pure functions over lists indexed by concession year
(index 0 is year 1); the inputs are assembled from a run in sim/simulation/finance.py.

Conventions (stated in the report):
- A flow is discounted from its time in years since the start: (1 + r)^t. Year k's capex and
  operating flows fall at k less the scenario's timing offsets (default: capex at the year's
  start, operations mid-year); the exit at the concession's end. With no times given, a
  year's flows fall at its end (t = k).
- Straight-line depreciation over an asset's life from the year it is bought (a full year
  then); whole fen, the remainder in the last year of its life.
- Tax = rate x taxable profit, rounded half to even; a loss is carried forward for up to
  `carry_years` years and set against the earliest profits first.
- At the end of the concession the assets are sold at the exit value; the gain over their
  remaining book value is taxed as profit of the last year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from attrs import field, frozen
from scipy.optimize import brentq

from sim.economics.money import FINANCE_COSTS, FINANCE_REVENUE, add_fields
from sim.units import PPM


@frozen
class Purchase:
    year: int  # concession year, 1-based
    kind: str  # "building", "mep", "servers", "land"
    fen: int
    life_years: int
    operator_racks: bool = False  # for the operator's own racks (else racks built for tenants)


def refresh_years(year: int, life_years: int, years: int) -> list[int]:
    """The years an asset bought in `year` is replaced at the end of each life, while the
    concession (`years` long) runs."""
    return list(range(year + life_years, years + 1, life_years))


def depreciation(purchases: Sequence[Purchase], years: int) -> list[int]:
    """Straight-line depreciation of each purchase, summed by year, within the concession."""
    out = [0] * years
    for p in purchases:
        per_year, rest = divmod(p.fen, p.life_years)
        for i in range(p.life_years):
            y = p.year + i
            if y > years:
                break
            out[y - 1] += per_year + (rest if i == p.life_years - 1 else 0)
    return out


def book_value(purchases: Sequence[Purchase], years: int) -> int:
    """What is left to depreciate at the end of year `years`."""
    return sum(p.fen for p in purchases) - sum(depreciation(purchases, years))


def tax_fen(profit_fen: int, rate_ppm: int) -> int:
    """rate x profit, rounded half to even, on whole fen."""
    q, r = divmod(profit_fen * rate_ppm, PPM)
    if 2 * r > PPM or (2 * r == PPM and q % 2):
        q += 1
    return q


def taxes(profits: Sequence[int], rate_ppm: int, carry_years: int) -> list[int]:
    """Tax on each year's profit, after losses of up to `carry_years` earlier years (oldest
    first); losses are never refunded."""
    losses: list[list[int]] = []  # [year index, loss left]
    out = []
    for i, p in enumerate(profits):
        losses = [x for x in losses if i - x[0] <= carry_years]
        if p < 0:
            if carry_years:
                losses.append([i, -p])
            out.append(0)
            continue
        for x in losses:
            used = min(x[1], p)
            x[1] -= used
            p -= used
        losses = [x for x in losses if x[1] > 0]
        out.append(tax_fen(p, rate_ppm))
    return out


def discount_factors(rate: float, years: int, before_end: float = 0.0) -> list[float]:
    """The factor of each year 1..n for a flow `before_end` of a year before the year's end."""
    return [1.0 / (1.0 + rate) ** (k - before_end) for k in range(1, years + 1)]


def npv(rate: float, flows: Sequence[float], times: Sequence[float] | None = None) -> float:
    """Flows discounted from their times in years (default: flows of years 1..n at each year's end)."""
    if times is None:
        return math.fsum(f / (1.0 + rate) ** k for k, f in enumerate(flows, start=1))
    return math.fsum(f / (1.0 + rate) ** t for f, t in zip(flows, times, strict=True))


# IRRs are looked for between these rates: -99 % (all lost) and +10,000 % a year.
IRR_LOW, IRR_HIGH = -0.99, 100.0


def irr(flows: Sequence[float], times: Sequence[float] | None = None) -> tuple[float | None, str]:
    """(rate, "") where NPV crosses zero, found with scipy's brentq; (None, why) when it does
    not. With more than one crossing (flows that change sign more than twice) the lowest is
    given and the reason says so."""
    if not any(f < 0 for f in flows) or not any(f > 0 for f in flows):
        sign = "positive" if any(f > 0 for f in flows) else "negative or zero"
        return None, f"none: every cash flow is {sign}, so no rate makes the NPV zero"
    grid = [IRR_LOW + (IRR_HIGH - IRR_LOW) * (i / 2000) ** 3 for i in range(2001)]
    values = [npv(r, flows, times) for r in grid]
    roots = []
    for (a, fa), (b, fb) in pairwise(zip(grid, values, strict=True)):
        if fa == 0.0:
            roots.append(a)
        elif fa * fb < 0:
            roots.append(brentq(lambda r: npv(r, flows, times), a, b, xtol=1e-12, rtol=1e-12, maxiter=200))
    if not roots:
        return None, (f"none: the NPV does not reach zero at any rate from {IRR_LOW:.0%} to {IRR_HIGH:.0%} "
                      "a year (the cash flows never pay back the outlay)")
    if len(roots) > 1:
        return roots[0], f"{len(roots)} rates make the NPV zero; the lowest is given"
    return roots[0], ""


def payback_year(flows: Sequence[float]) -> int | None:
    """The first year at whose end the cumulative cash flow is >= 0 and stays so; None if it
    never does. Year 1 if no year is ever negative."""
    total = 0.0
    last_negative = 0
    for k, f in enumerate(flows, start=1):
        total += f
        if total < 0:
            last_negative = k
    if last_negative == len(flows):
        return None
    return last_negative + 1


# The operator's revenue streams and its costs in the money model (sim/economics/money.py), by
# their finance names: each a Project field and a key of `project`'s streams.
REVENUE = FINANCE_REVENUE
COSTS = FINANCE_COSTS


def _sums(lists, years: int) -> list[int]:
    """Year by year sums of several lists (zeros if there are none)."""
    return [sum(v) for v in zip(*lists, strict=True)] if lists else [0] * years


@frozen
@add_fields(REVENUE + COSTS, "list[int]", first=True)
class Project:
    """One site's (or the whole company's) years, each list one entry per year, in fen: first
    a list per revenue stream and cost of the money model (REVENUE, COSTS), then these."""

    om_racks: list[int]
    om_servers: list[int]
    capex_building: list[int]
    capex_mep: list[int]
    capex_servers: list[int]
    depreciation: list[int]
    exit_value: list[int]  # only in the last year of a finished concession
    gain_on_exit: list[int]
    tax: list[int]
    capex_land: list[int] = field(factory=list)  # land use rights ([finance] land_cny_per_mw_it)
    other_costs: list[int] = field(factory=list)  # property tax, insurance and overheads
    vat_timing: list[int] = field(factory=list)  # VAT's cash timing: input VAT waiting as a credit (-), recovered (+)

    def _or0(self, xs: list[int]) -> list[int]:
        return xs if xs else [0] * self.years

    @property
    def years(self) -> int:
        return len(self.om_racks)

    @property
    def revenue(self) -> list[int]:
        return _sums([getattr(self, k) for k in REVENUE], self.years)

    @property
    def costs(self) -> list[int]:
        """The money model's costs (electricity), year by year."""
        return _sums([getattr(self, k) for k in COSTS], self.years)

    @property
    def ebitda(self) -> list[int]:
        return [r - e - o - s - x for r, e, o, s, x in zip(self.revenue, self.costs, self.om_racks,
                                                            self.om_servers, self._or0(self.other_costs), strict=True)]

    @property
    def profit_before_tax(self) -> list[int]:
        return [e - d + g for e, d, g in zip(self.ebitda, self.depreciation, self.gain_on_exit, strict=True)]

    @property
    def capex(self) -> list[int]:
        return [a + b + c + d for a, b, c, d in zip(self.capex_building, self.capex_mep, self.capex_servers,
                                                    self._or0(self.capex_land), strict=True)]

    @property
    def operating(self) -> list[int]:
        """EBITDA less tax, with VAT's cash timing: the flow of a year's operations."""
        return [e - t + v for e, t, v in zip(self.ebitda, self.tax, self._or0(self.vat_timing), strict=True)]

    @property
    def cash_flow(self) -> list[int]:
        return [o - c + x for o, c, x in zip(self.operating, self.capex, self.exit_value, strict=True)]

    def dated_flows(self, capex_before_end: float, operations_before_end: float) -> tuple[list[int], list[float]]:
        """(amounts, times in years): each year's capex, its operating flow (EBITDA less tax) and
        any exit, at their times within the year (offsets before the year's end)."""
        amounts, times = [], []
        for k, (o, c, x) in enumerate(zip(self.operating, self.capex, self.exit_value, strict=True), start=1):
            amounts += [-c, o, x]
            times += [k - capex_before_end, k - operations_before_end, float(k)]
        return amounts, times

    def discounted_by_year(self, rate: float, capex_before_end: float, operations_before_end: float) -> list[float]:
        """Each year's cash flow, its parts discounted from their own times."""
        amounts, times = self.dated_flows(capex_before_end, operations_before_end)
        d = [a / (1.0 + rate) ** t for a, t in zip(amounts, times, strict=True)]
        return [math.fsum(d[i:i + 3]) for i in range(0, len(d), 3)]


def project(*, streams: dict[str, list[int]], om_racks: list[int], om_servers: list[int],
            purchases: Sequence[Purchase], tax_rate: float, carry_years: int, exit_of, finished: bool,
            other_costs: list[int] | None = None, vat_timing: list[int] | None = None) -> Project:
    """A project's years from its revenue and electricity by year (`streams`: REVENUE and
    COSTS, e.g. "electricity"), O&M and purchases. `exit_of(ebitda_fen)` values the assets
    at the end; only a `finished` concession (every year simulated) is sold."""
    years = len(om_racks)
    by_kind = {k: [0] * years for k in ("building", "mep", "servers", "land")}
    other = list(other_costs) if other_costs else [0] * years
    for p in purchases:
        if 1 <= p.year <= years:
            by_kind[p.kind][p.year - 1] += p.fen
    dep = depreciation(purchases, years)
    revenue = _sums([streams[k] for k in REVENUE], years)
    costs = _sums([streams[k] for k in COSTS], years)
    ebitda = [r - e - o - s - x for r, e, o, s, x in zip(revenue, costs, om_racks, om_servers, other, strict=True)]
    exit_value = [0] * years
    gain = [0] * years
    if finished and years:
        exit_value[-1] = exit_of(ebitda[-1])
        gain[-1] = exit_value[-1] - book_value([p for p in purchases if p.year <= years], years)
    profits = [e - d + g for e, d, g in zip(ebitda, dep, gain, strict=True)]
    tax = taxes(profits, round(tax_rate * PPM), carry_years)
    return Project(
        **{k: list(streams[k]) for k in REVENUE + COSTS}, om_racks=list(om_racks), om_servers=list(om_servers),
        capex_building=by_kind["building"], capex_mep=by_kind["mep"], capex_servers=by_kind["servers"],
        depreciation=dep, exit_value=exit_value, gain_on_exit=gain, tax=tax,
        capex_land=by_kind["land"], other_costs=other, vat_timing=list(vat_timing) if vat_timing else [0] * years,
    )


def total(projects: Sequence[Project]) -> Project:
    """The sum of several projects, line by line (each taxed on its own: a project company per site)."""
    fields = Project.__attrs_attrs__
    return Project(**{f.name: [sum(v) for v in zip(*(getattr(p, f.name) for p in projects), strict=True)]
                      for f in fields})
