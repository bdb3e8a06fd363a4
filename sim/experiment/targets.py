"""What `solve` aims at: a metric (a dotted key of a run's rows, or a short alias) and a target
(a number, or a multiple of the claim's own revenue from the audit)."""

from __future__ import annotations

import math
import re

from sim.economics.audit import claimed_revenue_cny_per_year
from sim.scenario.errors import ScenarioError
from sim.units import DAYS_PER_YEAR, HOURS_PER_DAY

# Short names for the metrics people ask about; any dotted key of the rows works too.
ALIASES = {
    "operator_revenue": "revenue_cny.operator_revenue",
    "operator_net": "revenue_cny.operator_net",
    "own_sales": "revenue_cny.compute_sales_operator_capacity",
    "third_party_sales": "revenue_cny.compute_sales_third_party_capacity",
    "fee": "revenue_cny.intermediary_fee",
    "rent": "revenue_cny.colocation_rent",
    "electricity": "revenue_cny.electricity_cost",
    "utilisation": "utilisation.overall",
    "operator_utilisation": "utilisation.operator",
    "wait": "wait_hours.mean",
    "wait_p90": "wait_hours.p90",
    "completed": "jobs.total.completed",
}

_NUMBER = r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CLAIMED = re.compile(rf"\s*(?:({_NUMBER})\s*\*\s*)?claimed(?:\s*\*\s*({_NUMBER}))?\s*")


def number(x: float | None) -> str:
    """A value as messages show it: whole numbers in full (96,000,000,000, not 9.6e+10), others
    to 10 digits (parameter values sit on a decimal grid, so they print short), and those of more
    than 10 whole digits to the unit (a claim over 120 days: 31,561,643,836, not 3.156164384e+10)."""
    if x is None:
        return "-"
    if x == int(x) and abs(x) < 1e18:
        return f"{int(x):,}"
    if 1e10 <= abs(x) < 1e18:
        return f"{x:,.0f}"
    return f"{x:,.10g}"


def metric_key(name: str, known) -> str:
    """The dotted key `name` stands for; ScenarioError if the rows have no such metric."""
    key = ALIASES.get(name, name)
    if key in known:
        return key
    near = [k for k in known if name in k][:3] or ["revenue_cny.operator_revenue"]
    raise ScenarioError([f"metric {name!r}: unknown; give a short name ({', '.join(ALIASES)}) or a "
                         f"dotted key of the results, e.g. {', '.join(near)}"])


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def resolve_target(target, metric: str, scenario) -> tuple[float, str]:
    """(value, how it was reached). `claimed`, `K*claimed` or `claimed*K` is K times the claim's
    revenue at 100 % busy (its P x its price per P-year, per year: the audit's claimed revenue),
    scaled to the run's horizon (years = horizon_days / 365), in CNY."""
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        if not math.isfinite(target):
            raise ScenarioError([f"target: must be a finite number, got {target!r}"])
        return float(target), number(float(target))
    text = str(target)
    x = _number(text.strip())
    if x is not None:
        return x, number(x)
    m = _CLAIMED.fullmatch(text)
    if m is None:
        raise ScenarioError([f"target {text!r}: must be a number, `claimed`, `K*claimed` or `claimed*K`"])
    k = 1.0
    for part in m.groups():
        if part is not None:
            k *= float(part)
    if scenario.claim is None:
        raise ScenarioError([f"{scenario.source}: claim: no [claim] section, so target {text!r} has no figure"])
    if not metric.startswith("revenue_cny."):
        raise ScenarioError([f"target {text!r}: the claimed revenue is CNY over the horizon; use it with a "
                             f"revenue_cny.* metric (e.g. operator_revenue), not {metric}"])
    per_year = claimed_revenue_cny_per_year(scenario.claim)
    years = scenario.horizon_hours / HOURS_PER_DAY / DAYS_PER_YEAR
    value = k * per_year * years
    how = (f"{k:g} x the claimed {per_year:,.0f} CNY a year (its {scenario.claim.pflops_total:,.0f} P x "
           f"{scenario.claim.price_cny_per_pflops_year:,.0f} CNY per P-year at 100 % busy) x {years:.4g} years")
    return value, how
