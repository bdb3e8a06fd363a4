"""The two plots of a run: accelerators in use and revenue by stream.

Figures are built with matplotlib's object-oriented API (`Figure` on an Agg canvas), never
pyplot, so importing this module leaves the user's backend and pyplot state alone and works
without a display. `figure_png` turns one into PNG bytes.
"""

from __future__ import annotations

import io

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.economics.money import COST, OPERATOR_NET, PASS_THROUGH, REVENUE, STREAMS

SIZE_IN = (9, 4.5)
DPI = 110
MONTHLY_BEYOND = pd.DateOffset(years=2)  # longer runs are plotted by calendar month

COUNTS = (  # accelerators, daily means: monthly points are hour-weighted means
    "commissioned_accelerators", "busy_operator",
    "busy_third_party_marketplace", "busy_third_party_private",
)
BUSY = (  # stacked bottom to top
    ("busy_operator", "busy: operator capacity", "tab:blue"),
    ("busy_third_party_marketplace", "busy: third-party, marketplace", "tab:orange"),
    ("busy_third_party_private", "busy: third-party, tenant's own", "tab:green"),
)
# The money model's streams (sim/economics/money.py): the operator's revenue (solid) and costs
# (dashed) above with its net; what passes through to others on the panel below.
OPERATOR_STREAMS = tuple((s.column, s.label, "--" if s.kind == COST else "-") for s in STREAMS
                         if s.kind in (REVENUE, COST))
NET = (f"{OPERATOR_NET.name}_cny", OPERATOR_NET.label)
PASSED_THROUGH = tuple((s.column, s.label) for s in STREAMS if s.kind == PASS_THROUGH)
PAYOUTS = PASSED_THROUGH[0]
# Beside the axes, top-aligned; constrained layout shrinks the axes to make room.
LEGEND_RIGHT = dict(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                    fontsize=8, frameon=False)


def periods(daily: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows to plot and their name ("daily" or "monthly"): the days themselves, or calendar
    months when the run is longer than two years. Adds "start" and "end" timestamps; accelerator
    counts become hour-weighted means, utilisation busy over commissioned, money sums."""
    d = daily.copy()
    d["start"] = pd.to_datetime(d["date"])
    d["end"] = d["start"] + pd.to_timedelta(d["hours"], unit="h")
    if d.empty or d["end"].iloc[-1] <= d["start"].iloc[0] + MONTHLY_BEYOND:
        return d, "daily"
    money = [c for c in d.columns if c.endswith("_cny")]
    counts = list(COUNTS)
    d[counts] = d[counts].mul(d["hours"], axis=0)  # accelerator-hours, summed below
    sums = {c: "sum" for c in ["hours", *counts, *money]}
    m = d.groupby(d["start"].dt.to_period("M")).agg({"start": "min", "end": "max", **sums})
    m[counts] = m[counts].div(m["hours"], axis=0)
    busy = m[[c for c, _, _ in BUSY]].sum(axis=1)
    commissioned = m["commissioned_accelerators"]
    m["utilisation"] = np.where(commissioned > 0, busy / commissioned.where(commissioned > 0, 1), 0.0)
    return m.reset_index(drop=True), "monthly"


BUILT_SHARE = 0.99  # capacity counts as built from the first period with this share of the plan online


def building_until(p: pd.DataFrame, planned: float | None):
    """The end of the last period before the capacity online first reached BUILT_SHARE of the
    plan (the whole run if it never did); None when it was built from the start or no plan is given."""
    if not planned or p.empty:
        return None
    built = (p["commissioned_accelerators"] >= BUILT_SHARE * planned).to_numpy()
    first = int(np.argmax(built)) if built.any() else len(p)
    return None if first == 0 else p["end"].iloc[first - 1]


def utilisation_figure(daily: pd.DataFrame, title: str | None = None, planned_accelerators: float | None = None) -> Figure:
    """Accelerators busy by owner class under the commissioned count; utilisation below. With
    `planned_accelerators`, the plan is drawn and the periods before it is built are shaded and
    said to be so: utilisation then is of the few servers already online."""
    p, per = periods(daily)
    fig, (ax, ax_u) = _figure(height_ratios=(3, 1))
    x = _mid(p)
    ax.stackplot(x, *(p[c] for c, _, _ in BUSY), labels=[lab for _, lab, _ in BUSY],
                 colors=[col for _, _, col in BUSY], alpha=0.85, linewidth=0)
    ax.plot(x, p["commissioned_accelerators"], color="black", lw=1.2, label="commissioned")
    ax.set_ylabel(f"accelerators\n({per} mean)")
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    # Top to bottom, as the areas are stacked.
    order = [len(handles) - 1, *range(len(handles) - 2, -1, -1)]
    ax.legend([handles[i] for i in order], [labels[i] for i in order], **LEGEND_RIGHT)
    ax_u.plot(x, p["utilisation"] * 100, color="tab:red", lw=1, label="utilisation")
    ax_u.set_ylim(0, 100)
    ax_u.set_ylabel("utilisation, %")
    until = building_until(p, planned_accelerators)
    if until is not None:
        for a in (ax, ax_u):
            a.axvspan(p["start"].iloc[0], until, color="0.92", lw=0, zorder=0)
        ax.text(0.01, 0.97, f"shaded: capacity still being built, under {BUILT_SHARE:.0%} of the "
                f"{planned_accelerators:,.0f} accelerators planned online\n(to {until:%Y-%m-%d}): utilisation "
                "below is of the servers online so far", transform=ax.transAxes, fontsize=7, va="top", color="0.2")
    _finish(fig, ax_u, p, title)
    return fig


def revenue_figure(daily: pd.DataFrame, title: str | None = None) -> Figure:
    """Cumulative operator streams and net; tenant payouts on their own panel below, since they
    pass through to tenants and are neither the operator's revenue nor its cost."""
    p, _ = periods(daily)
    fig, (ax, ax_t) = _figure(height_ratios=(2, 1))
    # A cumulative sum holds at the end of its period, and is zero when the run starts.
    x = np.concatenate([p["start"].to_numpy()[:1], p["end"].to_numpy()])
    for key, label, style in OPERATOR_STREAMS:
        ax.plot(x, _cumulative_millions(p[key]), ls=style, lw=1.2, label=label)
    ax.plot(x, _cumulative_millions(p[NET[0]]), color="black", lw=2, label=NET[1])
    ax.set_ylabel("cumulative,\nmillion CNY")
    ax.legend(**LEGEND_RIGHT)
    for i, (key, label) in enumerate(PASSED_THROUGH):
        ax_t.plot(x, _cumulative_millions(p[key]), color="tab:gray" if i == 0 else None, lw=1.2, label=label)
    ax_t.set_ylabel("cumulative,\nmillion CNY")
    ax_t.set_title("passed through to tenants: not the operator's revenue or cost",
                   loc="left", fontsize=8)
    ax_t.legend(**LEGEND_RIGHT)
    _finish(fig, ax_t, p, title)
    return fig


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of `fig`, the same for the same figure (no software or time metadata); then
    closes it if pyplot made it (figures from this module are not registered with pyplot)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    if fig.canvas.manager is not None:  # only pyplot gives a figure a manager
        import matplotlib.pyplot as plt  # already imported by whoever made the figure

        plt.close(fig)
    return buf.getvalue()


def _figure(height_ratios) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # so draw() and get_window_extent() work without a backend
    axes = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": height_ratios})
    return fig, axes


def _finish(fig: Figure, bottom, p: pd.DataFrame, title: str | None) -> None:
    locator = mdates.AutoDateLocator()
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    bottom.set_xlabel("date")
    if not p.empty:
        bottom.set_xlim(p["start"].iloc[0], p["end"].iloc[-1])
    thousands = FuncFormatter(lambda v, _: f"{v:,g}")
    for ax in fig.axes:
        ax.yaxis.set_major_formatter(thousands)
        ax.grid(True, color="0.9", lw=0.6)
        ax.set_axisbelow(True)
    fig.align_ylabels()
    if title:
        fig.suptitle(title, fontsize=11)


def _mid(p: pd.DataFrame) -> np.ndarray:
    """Means are plotted at the middle of their period."""
    return (p["start"] + (p["end"] - p["start"]) / 2).to_numpy()


def _cumulative_millions(series: pd.Series) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(series.to_numpy(dtype=float))]) / 1e6


# --- hover text for report.html (sim/report/html.py) -----------------------------------------
def _period_label(start, end, per: str) -> str:
    if per == "monthly":
        return start.strftime("%Y-%m")
    return start.strftime("%Y-%m-%d") + ("" if end - start >= pd.Timedelta(hours=24) else f" ({(end - start) / pd.Timedelta(hours=1):g} h)")


def utilisation_regions(fig: Figure, daily: pd.DataFrame) -> list:
    """One hover column per plotted period of utilisation_figure(daily): its accelerator counts."""
    from sim.report.html import Region

    p, per = periods(daily)
    ax, ax_u = fig.axes[:2]
    x0, x1 = mdates.date2num(p["start"].to_numpy()), mdates.date2num(p["end"].to_numpy())
    out = []
    for i, row in enumerate(p.itertuples(index=False)):
        lines = [f"{_period_label(row.start, row.end, per)}, {per} mean",
                 f"commissioned: {row.commissioned_accelerators:,.0f} accelerators"]
        lines += [f"{label.replace('busy: ', 'busy, ')}: {getattr(row, key):,.0f}" for key, label, _ in BUSY]
        lines.append(f"utilisation: {row.utilisation * 100:.1f} %")
        out.append(Region(ax, x0[i], x1[i], "\n".join(lines), down_to=ax_u))
    return out


def revenue_regions(fig: Figure, daily: pd.DataFrame) -> list:
    """One hover column per period of revenue_figure(daily): the cumulative sums at its end."""
    from sim.report.html import Region

    p, per = periods(daily)
    ax, ax_t = fig.axes[:2]
    x0, x1 = mdates.date2num(p["start"].to_numpy()), mdates.date2num(p["end"].to_numpy())
    keys = [(k, label) for k, label, _ in OPERATOR_STREAMS] + [NET, *PASSED_THROUGH]
    cums = {k: _cumulative_millions(p[k])[1:] for k, _ in keys}
    out = []
    for i, row in enumerate(p.itertuples(index=False)):
        lines = [f"cumulative to the end of {_period_label(row.start, row.end, per)}, million CNY"]
        lines += [f"{label}: {cums[k][i]:,.2f}" for k, label in keys]
        out.append(Region(ax, x0[i], x1[i], "\n".join(lines), down_to=ax_t))
    return out
