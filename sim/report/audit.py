"""The claim audit as a report section and as the table `python -m sim audit` prints."""

from __future__ import annotations

from sim.economics.audit import Audit, Row, Simulated, audit
from sim.economics.money import sales as compute_sales
from sim.model.claim import Claim, Span
from sim.units import DAYS_PER_YEAR, FEN_PER_CNY

HEADER = ("", "claimed", "computed or allowed", "factor", "arithmetic")


def _number(x: float) -> str:
    # Money (the only figures this large) in bn or M CNY; counts of P and servers in full.
    if x >= 1e9:
        return f"{x / 1e9:,.4g} bn"
    if x >= 1e7:
        return f"{x / 1e6:,.4g} M"
    if x >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:,.3g}"


def figure(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if v.exact:
        return _number(v.lo)
    lo, hi = _number(v.lo), _number(v.hi)
    return lo if lo == hi else f"{lo} to {hi}"


def factor(r: Row) -> str:
    f = r.factor
    if f is None:
        if isinstance(r.grounded, Span) and r.grounded.lo == 0 and isinstance(r.claimed, Span):
            return "none fits" if r.grounded.hi == 0 else "up to none fits"
        return ""
    return factor_text(f)


def factor_text(f: Span) -> str:
    """A factor (claimed / computed) as the audit prints it: x35.2-50.8, x25,330."""
    def one(x):
        return f"{x:,.3g}" if x < 100 else f"{x:,.0f}"
    return f"x{one(f.lo)}" if f.exact or one(f.lo) == one(f.hi) else f"x{one(f.lo)}-{one(f.hi)}"


def cells(r: Row) -> tuple[str, ...]:
    return (r.what, figure(r.claimed), figure(r.grounded), factor(r), r.how)


def simulated_from_summary(s: dict) -> Simulated:
    """What a run sold, per year, from its summary (as summary.json holds it)."""
    fen = s["revenue_fen"]
    years = s["horizon_days"] / DAYS_PER_YEAR
    sales = compute_sales(fen)
    passed = fen["power_over_allowance"]
    return Simulated(sales / FEN_PER_CNY / years, (fen["operator_revenue"] - passed) / FEN_PER_CNY / years, years,
                     s.get("sampling") is not None, passed / FEN_PER_CNY / years)


def audit_of(scenario, summary: dict | None = None) -> Audit | None:
    """The audit of a scenario with a claim (None without one), with a run's revenue if given."""
    if scenario.claim is None:
        return None
    return claim_audit(scenario.claim, scenario.standard_rack_kw, summary)


def claim_audit(claim: Claim, standard_rack_kw: float, summary: dict | None = None) -> Audit:
    """audit_of for a caller that holds the scenario's claim (not None)."""
    return audit(claim, standard_rack_kw, simulated_from_summary(summary) if summary is not None else None)


def audit_md(a: Audit) -> str:
    lines = [
        "## The claim audit",
        "",
        f"The claim ({a.claim.source}) beside what the power budget and the cards' specifications allow, "
        "every number from the scenario file. A range comes from an input known only within a range; "
        "the factor is claimed / computed or allowed.",
    ]
    for title, rows in a.sections:
        lines += ["", f"**{title}**", "", "| " + " | ".join(HEADER) + " |", "|---|---:|---:|---:|---|"]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def audit_text(a: Audit, name: str) -> str:
    """A plain table for the terminal."""
    out = [f"{name}: the claim audit ({a.claim.source}); factor = claimed / computed or allowed"]
    for title, rows in a.sections:
        table = [HEADER] + [cells(r) for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        out += ["", title]
        for row in table:
            left = "  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                             for i, (c, w) in enumerate(zip(row[:4], widths, strict=True)))
            out.append(f"  {left}  {row[4]}".rstrip())
    return "\n".join(out)
