"""The concession's finance as files: finance.csv, a section of report.md, finance.png.

Money is integer fen in the records and exact CNY (two decimals) in the CSV; the report
rounds to million CNY.
"""

from __future__ import annotations

import csv
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.economics.finance import COSTS, REVENUE, discount_factors
from sim.economics.money import BY_NAME, FINANCE
from sim.simulation.finance import FinanceResult, SiteFinance

# (column, Project attribute) in the order of the CSV: the money model's revenue streams,
# revenue, its costs, then the rest of a project's lines.
LINES = (
    *((f"{k}_cny", k) for k in REVENUE),
    ("revenue_cny", "revenue"),
    *((f"{k}_cny", k) for k in COSTS),
    ("om_racks_cny", "om_racks"),
    ("om_servers_cny", "om_servers"),
    ("other_costs_cny", "other_costs"),
    ("ebitda_cny", "ebitda"),
    ("depreciation_cny", "depreciation"),
    ("gain_on_exit_cny", "gain_on_exit"),
    ("profit_before_tax_cny", "profit_before_tax"),
    ("tax_cny", "tax"),
    ("capex_building_cny", "capex_building"),
    ("capex_mep_cny", "capex_mep"),
    ("capex_servers_cny", "capex_servers"),
    ("capex_land_cny", "capex_land"),
    ("vat_timing_cny", "vat_timing"),
    ("exit_value_cny", "exit_value"),
    ("cash_flow_cny", "cash_flow"),
)
COLUMNS = ("year", "first_day", "last_day", "site", *(c for c, _ in LINES), "discount_factor_capex",
           "discount_factor_operations", "discounted_cash_flow_cny", "cumulative_cash_flow_cny",
           "cumulative_discounted_cash_flow_cny")


def cny(fen: int) -> str:
    """Whole fen as exact CNY with two decimals."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def _discounted(s: SiteFinance, fr: FinanceResult) -> list[int]:
    """Each year's cash flow, capex, operations and exit each discounted from its own time."""
    t = fr.timing
    return [round(x) for x in s.project.discounted_by_year(fr.discount_rate, t.before_end("capex"),
                                                           t.before_end("operations"))]


def _factors(fr: FinanceResult, kind: str) -> list[float]:
    return discount_factors(fr.discount_rate, fr.years, fr.timing.before_end(kind))


def finance_csv(fr: FinanceResult) -> bytes:
    """One row per year and site, then the year's total row (site = "total")."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    capex_f, ops_f = _factors(fr, "capex"), _factors(fr, "operations")
    rows = {}
    for s in (*fr.sites, fr.total):
        lines = {attr: getattr(s.project, attr) or [0] * fr.years for _, attr in LINES}
        disc = _discounted(s, fr)
        rows[s.site] = (lines, disc, np.cumsum(lines["cash_flow"]).tolist(), np.cumsum(disc).tolist())
    for k in range(fr.years):
        first, last = fr.year_dates(k + 1)
        for site, (lines, disc, cum, cum_disc) in rows.items():
            w.writerow([k + 1, first.isoformat(), last.isoformat(), site,
                        *(cny(lines[attr][k]) for _, attr in LINES), f"{capex_f[k]:.6f}", f"{ops_f[k]:.6f}",
                        cny(disc[k]), cny(cum[k]), cny(cum_disc[k])])
    return buf.getvalue().encode("utf-8")


def _m(fen) -> str:
    return f"{fen / 1e8:,.1f}"


def _irr(s: SiteFinance) -> str:
    v = s.verdict
    if v.irr is None:
        return v.irr_note.split(":")[0]
    return f"{v.irr * 100:.1f} %" + (" (see note)" if v.irr_note else "")


def _year(y, by_exit: bool = False) -> str:
    if y is None:
        return "never"
    return f"year {y}, only through the exit sale" if by_exit else f"year {y}"


def payback_words(v) -> str:
    """Payback in words that say discounted or not, and when only the exit sale brings it."""
    def one(year, by_exit):
        if year is None:
            return "never"
        return f"only through the exit sale in year {year}" if by_exit else f"year {year}"

    u = one(v.payback_year, v.payback_by_exit)
    d = one(v.discounted_payback_year, v.discounted_payback_by_exit)
    if u == d:
        return "never pays back, discounted or not" if u == "never" else f"payback {u}, discounted or not"
    return f"payback undiscounted {u}, discounted {d}"


def finance_line(fr) -> str:
    """The concession's verdict in one line (report.md and finance.csv have the rest)."""
    v = fr.total.verdict
    irr = f"IRR {v.irr:.1%}" if v.irr is not None else "no IRR"
    payback = payback_words(v)
    covered = (f"{fr.years} concession years" if fr.finished
               else f"{fr.years} of {fr.concession_years} concession years"
               + (", the last in part" if fr.last_year_partial else "") + ", no exit")
    terminal = (f" ({v.npv_without_terminal_fen / 1e8:,.1f} M without the terminal value)"
                if fr.finished and fr.exit_method != "hand-back" else "")
    return (f"NPV {v.npv_fen / 1e8:,.1f} M CNY at {fr.discount_rate:.2%}{terminal}, {irr}, {payback} ({covered})"
            + "".join(f"; warning: {w}" for w in fr.warnings))


TIMING_TEXT = {"start": "at its start", "mid": "in its middle", "end": "at its end"}


def exit_text(fr: FinanceResult) -> str:
    """What the assets are worth when the concession ends, in words."""
    if fr.exit_method == "hand-back":
        return "handed back for nothing (their book value written off)"
    if fr.exit_method == "dcf":
        return (f"worth the last year's EBITDA over the buildings' {fr.remaining_life_years:.1f} remaining years, "
                f"less the M&E and servers due again within them, discounted (a DCF), and sold at that")
    if fr.exit_method == "cap_rate":
        return f"sold at NOI (the last year's EBITDA) / a cap rate of {fr.exit_value:.2%}"
    return f"sold at {fr.exit_value:g} x the last year's EBITDA"


BRIDGE_LABELS = {
    "colocation": "colocation: rent and power over allowance, less the tenants' racks' power, O&M and halls",
    "operator_compute": "operator-owned compute: own-capacity sales, less its racks' power, O&M, halls and servers",
    "marketplace_fees": "marketplace fees on tenants' capacity",
    "site_costs": "site costs: land, property tax, insurance and overheads",
    "vat": "VAT: the cash timing of input VAT waiting as a credit",
    "tax": "tax",
    "terminal_value": "terminal value",
}


def _bridge_md(fr: FinanceResult) -> list[str]:
    """The NPV bridge: what each business line adds, then tax and the terminal value."""
    if not fr.total.bridge:
        return []
    cols = [*fr.sites, fr.total] if len(fr.sites) > 1 else [fr.total]
    out = ["", "The NPV by business line (million CNY; each line's own flows, discounted as above; they add up to "
           "the NPV):", "",
           "| | " + " | ".join("**total**" if s is fr.total else s.site for s in cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for k, label in BRIDGE_LABELS.items():
        out.append(f"| {label} | " + " | ".join(_m(s.bridge.get(k, 0)) for s in cols) + " |")
    out.append("| **NPV** | " + " | ".join(_m(s.verdict.npv_fen) for s in cols) + " |")
    return out


def finance_md(fr: FinanceResult) -> str:
    end = fr.year_dates(fr.years)[1]
    lines = [
        f"## Finance over the concession ({fr.concession_years} years from {fr.start_date})",
        "",
    ]
    if not fr.finished:
        lines += [f"**The run covers {fr.years} of the {fr.concession_years} concession years** (to {end}"
                  + (", the last only in part" if fr.last_year_partial else "") + "): the figures below are "
                  "for those years only, and the assets are not sold (no exit value). Run the whole concession "
                  f"(`--horizon {fr.concession_years * 365 + fr.concession_years // 4}`, or sampled) for the verdict.",
                  ""]
    lines += [
        f"Each site is a project company of its own: revenue is the operator's (own-capacity sales, intermediary "
        f"fees, colocation rent, tenants' power above their allowance) from the simulation, minus electricity (simulated) and "
        f"O&M; capex buys the building and M&E for every rack when it is built (leased or not) and the servers "
        f"of the operator's own racks when they come online, and "
        f"replaces each at the end of its life while the concession runs; straight-line depreciation; tax "
        f"{fr.tax_rate:.0%} of profit, losses carried forward. Discounted at {fr.discount_rate:.2%}: a year's "
        f"capex {TIMING_TEXT[fr.timing.capex]}, its operating flows {TIMING_TEXT[fr.timing.operations]}."
        + (f" At the end the assets are {exit_text(fr)}; the gain over their book value is taxed." if fr.finished
           else ""),
        "",
        *(f"**Warning:** {w}." for w in fr.warnings),
        *([""] if fr.warnings else []),
        "| | NPV, million CNY | NPV without the terminal value | IRR | payback (undiscounted) | discounted payback | "
        "capex, million CNY | revenue, million CNY | terminal value, million CNY |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in (*fr.sites, fr.total):
        p = s.project
        lines.append(f"| {'**total**' if s is fr.total else s.site} | {_m(s.verdict.npv_fen)} | "
                     f"{_m(s.verdict.npv_without_terminal_fen)} | {_irr(s)} | "
                     f"{_year(s.verdict.payback_year, s.verdict.payback_by_exit)} | "
                     f"{_year(s.verdict.discounted_payback_year, s.verdict.discounted_payback_by_exit)} | "
                     f"{_m(sum(p.capex))} | {_m(sum(p.revenue))} | {_m(sum(p.exit_value))} |")
    notes = {s.verdict.irr_note for s in (*fr.sites, fr.total) if s.verdict.irr_note}
    if notes:
        lines += ["", *(f"IRR: {n}." for n in sorted(notes))]
    lines += _bridge_md(fr)
    t = fr.total.project
    cum = np.cumsum(_discounted(fr.total, fr)).tolist()
    lines += [
        "",
        "All sites, by year (million CNY; finance.csv has every line by site, in CNY):",
        "",
        f"| year | revenue | {''.join(f'{c} | ' for c in _COST_WORDS)}O&M | EBITDA | tax | capex | exit | cash flow | "
        "cumulative discounted |",
        "|---:|---:|" + "---:|" * len(_COST_WORDS) + "---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in range(fr.years):
        lines.append(f"| {k + 1} | {_m(t.revenue[k])} | {''.join(f'{_m(getattr(t, c)[k])} | ' for c in COSTS)}"
                     f"{_m(t.om_racks[k] + t.om_servers[k])} | {_m(t.ebitda[k])} | {_m(t.tax[k])} | "
                     f"{_m(t.capex[k])} | {_m(t.exit_value[k])} | {_m(t.cash_flow[k])} | {_m(cum[k])} |")
    lines += ["", "![finance](finance.png)", ""]
    return "\n".join(lines)


_COST_WORDS = tuple(BY_NAME[k].short or f for k, f in FINANCE.items() if f in COSTS)
POSITIVE, NEGATIVE = "tab:green", "tab:red"
SITE_COLOURS = ("tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def finance_figure(fr: FinanceResult, title: str | None = None) -> Figure:
    """Yearly cash flow (bars, all sites) and the cumulative discounted cash flow (lines, all
    sites and each site)."""
    fig = Figure(figsize=(9, 4.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    years = np.arange(1, fr.years + 1)
    flows = np.array(fr.total.project.cash_flow, dtype=float) / 1e8
    # Two legend entries for the bars (in and out), and site lines in colours the bars do not use.
    for sign, colour, words in ((flows >= 0, POSITIVE, "in"), (flows < 0, NEGATIVE, "out")):
        if sign.any():
            ax.bar(years[sign], flows[sign], color=colour, alpha=0.6,
                   label=f"cash flow in the year, all sites: net {words}")
    ax.plot(years, np.cumsum(_discounted(fr.total, fr)) / 1e8, color="black", lw=2, marker="o", ms=3,
            label=f"cumulative discounted at {fr.discount_rate:.2%}, all sites")
    if len(fr.sites) > 1:
        for k, s in enumerate(fr.sites):
            ax.plot(years, np.cumsum(_discounted(s, fr)) / 1e8, lw=1, ls="--",
                    color=SITE_COLOURS[k % len(SITE_COLOURS)], label=f"cumulative discounted, {s.site}")
    ax.axhline(0, color="0.4", lw=0.8)
    ax.set_xlabel("concession year")
    ax.set_ylabel("million CNY")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,g}"))
    ax.grid(True, color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def finance_regions(fig: Figure, fr: FinanceResult) -> list:
    """One hover column per concession year of finance_figure(fr): its cash flow and the
    cumulative discounted flow, all sites and each."""
    from sim.report.html import Region

    ax = fig.axes[0]
    flows = fr.total.project.cash_flow
    cum = np.cumsum(_discounted(fr.total, fr))
    per_site = {s.site: np.cumsum(_discounted(s, fr)) for s in fr.sites} if len(fr.sites) > 1 else {}
    out = []
    for i in range(fr.years):
        lines = [f"concession year {i + 1}, million CNY", f"cash flow in the year: {flows[i] / 1e8:,.2f}",
                 f"cumulative discounted, all sites: {cum[i] / 1e8:,.2f}"]
        lines += [f"cumulative discounted, {site}: {c[i] / 1e8:,.2f}" for site, c in per_site.items()]
        out.append(Region(ax, i + 0.5, i + 1.5, "\n".join(lines)))
    return out
