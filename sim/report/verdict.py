"""The answer to a scenario's claim in three to five lines, first in every output: the run
table, the top of report.md, summary.json's `claim` section (and report.html).

Every figure comes from the claim audit (sim/economics/audit.py) of the scenario with the
run's summary; the finance line from the run's finance. Nothing is recomputed here.

    v = verdict_of(result.scenario, result.summary_dict(), finance_of(result))
    v.lines()        # [("claimed", "800,000 P at this site, ..."), ...]
    v.as_dict()      # summary.json's `claim` section
"""

from __future__ import annotations

from attrs import frozen

from sim.economics.audit import Audit, Row, claimed_revenue_cny_per_year
from sim.model.claim import Span
from sim.report.audit import audit_of, factor_text, figure, simulated_from_summary
from sim.report.finance import finance_line
from sim.simulation.finance import finance_refusal

# The audit rows the verdict reads (sim/economics/audit.py names them).
IT_POWER = "IT power, MW"
FED = ("dense P the IT power feeds, ideal packing", "dense P the IT power feeds, as racks are built")
SOLD = "simulated compute sales, CNY per year"
OPERATOR = "simulated operator revenue, CNY per year"
PASS_THROUGH = "tenants' power over allowance, billed at cost, CNY per year"


def _money(cny: float) -> str:
    return f"{figure(Span.of(cny))} CNY"


@frozen
class Market:
    """What the run's market bought, per year on average over the run."""

    compute_sales_cny_per_year: float
    operator_revenue_cny_per_year: float  # pass-through power apart
    years: float
    sampled: bool
    still_building: bool  # fewer racks built at the horizon than planned
    factor: Span | None  # claimed revenue / compute sold; None when nothing was sold
    power_pass_through_cny_per_year: float = 0.0  # tenants' power billed at cost


@frozen
class Verdict:
    """A scenario's claim beside what power, the cards and the market allow, in a few lines.

    `lines()` gives (label, sentence) pairs, the same text in every output; `as_dict()` the
    figures and the lines as summary.json's `claim` section holds them."""

    scenario: str
    source: str
    sites: int
    claimed_pflops: float
    price_cny_per_pflops_year: float
    claimed_revenue_cny_per_year: float
    it_power_mw: float
    allowed_pflops: Span  # dense P that the IT power feeds, from racks as built to ideal packing
    factor: Span | None  # claimed P / allowed P; None when power feeds no server at all
    market: Market | None  # None: no run
    finance: dict | None  # the concession's headline, when the scenario has [finance]
    whole_claim_scenario: str | None  # a one-site share: the scenario of the whole claim

    def lines(self) -> list[tuple[str, str]]:
        claimed = _money(self.claimed_revenue_cny_per_year)
        where = "at this site" if self.sites == 1 else f"over {self.sites} sites"
        out = [("claimed", f"{self.claimed_pflops:,.0f} P {where}, at {self.price_cny_per_pflops_year:,.0f} CNY per "
                           f"P-year: {claimed} a year with all of it busy")]
        fed = f"{figure(self.allowed_pflops)} P dense (racks as built, to ideal packing)"
        said = (f"the claim is {factor_text(self.factor)} that" if self.factor is not None
                else "no server fits its power: nothing under the claim")
        out.append(("power allows", f"{self.it_power_mw:,.4g} MW of IT power feeds {fed}: {said}"))
        m = self.market
        if m is None:
            out.append(("market buys", f"not run yet: python -m sim run {self.scenario} adds it"))
        else:
            years = f"{m.years:g} simulated year{'' if m.years == 1 else 's'}" + (", sampled" if m.sampled else "")
            if m.still_building:
                years += ", racks still being built"
            times = (f"the claimed {claimed} is {factor_text(m.factor)} that" if m.factor is not None
                     else "nothing against the claimed revenue")
            out.append(("market buys", f"{_money(m.compute_sales_cny_per_year)} of compute a year ({years}): "
                                       f"{times}; operator revenue {_money(m.operator_revenue_cny_per_year)} a year"
                                       + (f" (and {_money(m.power_pass_through_cny_per_year)} of tenants' power "
                                          "billed at cost, apart)" if m.power_pass_through_cny_per_year else "")))
        if self.finance is not None:
            out.append(("finance", self.finance["headline"]))
        if self.whole_claim_scenario:
            w = self.whole_claim_scenario
            out.append(("whole claim", f"this is one site's share; all of it: python -m sim audit {w} "
                                       f"(the arithmetic), python -m sim run {w} (its market and finance)"))
        return out

    def text(self) -> list[str]:
        """The lines as plain text, label first."""
        return [f"{label}: {says}" for label, says in self.lines()]

    def as_dict(self) -> dict:
        def span(s):
            return None if s is None else {"low": s.lo, "high": s.hi}

        m = self.market
        return {
            "source": self.source,
            "sites": self.sites,
            "pflops_claimed": self.claimed_pflops,
            "price_cny_per_pflops_year": self.price_cny_per_pflops_year,
            "revenue_claimed_cny_per_year": self.claimed_revenue_cny_per_year,
            "it_power_mw": self.it_power_mw,
            "pflops_fp16_dense_allowed": span(self.allowed_pflops),
            "factor_claimed_over_allowed": span(self.factor),
            "market": None if m is None else {
                "compute_sales_cny_per_year": m.compute_sales_cny_per_year,
                "operator_revenue_cny_per_year": m.operator_revenue_cny_per_year,
                "power_pass_through_cny_per_year": m.power_pass_through_cny_per_year,
                "years": m.years,
                "sampled": m.sampled,
                "racks_still_being_built": m.still_building,
                "factor_claimed_revenue_over_sales": None if m.factor is None else m.factor.lo,
            },
            "finance": self.finance,
            "whole_claim_scenario": self.whole_claim_scenario,
            "verdict": self.text(),
        }


def finance_headline(fr) -> dict | None:
    """The concession's headline (all sites) as summary.json's `claim.finance` holds it."""
    if fr is None:
        return None
    v = fr.total.verdict
    return {
        "npv_cny": v.npv_fen / 100,
        "discount_rate": fr.discount_rate,
        "irr": v.irr,
        "payback_year": v.payback_year,
        "payback_only_through_exit_sale": v.payback_by_exit,
        "discounted_payback_year": v.discounted_payback_year,
        "discounted_payback_only_through_exit_sale": v.discounted_payback_by_exit,
        "years": fr.years,
        "concession_years": fr.concession_years,
        "headline": finance_line(fr),
    }


def _span_of(rows) -> Span:
    return Span(min(r.lo for r in rows), max(r.hi for r in rows))


def _figure(row: Row) -> Span:
    """What the audit computed on a row the verdict reads: a figure on every one of them."""
    if not isinstance(row.grounded, Span):
        raise TypeError(f"audit row {row.what!r}: {row.grounded!r} where a figure was expected")
    return row.grounded


def verdict_from_audit(a: Audit, scenario_name: str, summary: dict | None, finance: dict | None) -> Verdict:
    c = a.claim
    fed = [a.row(w) for w in FED]
    factors = [r.factor for r in fed]
    market = None
    if summary is not None:
        sold, op, run = a.row(SOLD), a.row(OPERATOR), simulated_from_summary(summary)
        cap = summary["capacity"]
        market = Market(
            compute_sales_cny_per_year=_figure(sold).lo, operator_revenue_cny_per_year=_figure(op).lo,
            years=round(run.years, 2), sampled=run.sampled,
            still_building=cap["at_horizon"]["racks"] < cap["planned"]["racks"], factor=sold.factor,
            power_pass_through_cny_per_year=_figure(a.row(PASS_THROUGH)).lo)
    return Verdict(
        scenario=scenario_name, source=c.source, sites=c.sites, claimed_pflops=c.pflops_total,
        price_cny_per_pflops_year=c.price_cny_per_pflops_year,
        claimed_revenue_cny_per_year=claimed_revenue_cny_per_year(c),
        it_power_mw=_figure(a.row(IT_POWER)).lo,
        allowed_pflops=_span_of([_figure(r) for r in fed]),
        factor=None if None in factors else _span_of(factors),
        market=market, finance=finance, whole_claim_scenario=c.whole_claim_scenario,
    )


def verdict_of(scenario, summary: dict | None = None, finance=None) -> Verdict | None:
    """The verdict on a scenario's claim (None without `[claim]`): with a run's summary, what
    its market bought; with its FinanceResult (or a summary.json that holds the claim section),
    the concession's headline."""
    a = audit_of(scenario, summary)
    return None if a is None else verdict_on(a, scenario, summary, finance)


def verdict_on(a: Audit, scenario, summary: dict | None = None, finance=None) -> Verdict:
    """verdict_of for a caller that holds the scenario's audit (made with the same summary)."""
    headline = finance_headline(finance)
    refused = finance_refusal(scenario)
    if refused is not None:
        headline = {"refused": refused, "headline": refused}
    if headline is None and summary is not None:
        headline = (summary.get("claim") or {}).get("finance")
    return verdict_from_audit(a, scenario.name, summary, headline)


def verdict_md(v: Verdict) -> str:
    """The verdict at the top of report.md."""
    lines = [f"**The claim in brief** ({v.source}; the claim audit below has the arithmetic):", ""]
    lines += [f"- **{label}**: {says}" for label, says in v.lines()]
    return "\n".join(lines) + "\n"
