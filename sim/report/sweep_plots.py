"""Plots of sweeps and sensitivity: a heatmap for two swept parameters, a line with its 95 %
interval band for one, the response to each parameter for more, and a tornado of indices.
Figures from matplotlib's object-oriented API, as in sim/report/plots.py."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

DPI = 110


def _fig(size) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def scale(metric: str) -> tuple[float, str]:
    """Revenue totals and NPV in CNY are shown in millions (not per-P-year figures)."""
    return (1e6, "million CNY") if metric.startswith("revenue_cny.") or metric == "finance.npv_cny" else (1.0, "")


def _label(metric: str) -> str:
    div, unit = scale(metric)
    return f"{metric}\n({unit})" if unit else metric


def _short(v, _=None) -> str:
    """Axis numbers that fit under a small panel: 60k, not 60000."""
    return f"{v / 1e3:g}k" if abs(v) >= 1e4 else f"{v:g}"


def _order(values) -> list:
    """Axis order: numbers ascending, names as they came."""
    vals = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return sorted(vals)
    return vals


def _tick(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def heatmap_figure(points, x_name: str, y_name: str, metric: str, title: str) -> Figure:
    """`points`: rows of the points table for one metric (x_name, y_name, mean)."""
    xs = _order([p[x_name] for p in points])
    ys = _order([p[y_name] for p in points])
    div, unit = scale(metric)
    grid = np.full((len(ys), len(xs)), np.nan)
    for p in points:
        grid[ys.index(p[y_name]), xs.index(p[x_name])] = p["mean"] / div
    fig = _fig((8, 5.5))
    ax = fig.add_subplot()
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    if len(xs) * len(ys) <= 100:
        mid = np.nanmean(grid)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not np.isnan(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:,.3g}", ha="center", va="center", fontsize=8,
                            color="white" if grid[i, j] < mid else "black")
    fig.colorbar(im, ax=ax, label=_label(metric) + ", mean over replications")
    ax.set_title(title, fontsize=10)
    return fig


def line_figure(points, x_name: str, metric: str, title: str) -> Figure:
    """Mean against one parameter with the 95 % t-interval as a band."""
    xs = _order([p[x_name] for p in points])
    by_x = {p[x_name]: p for p in points}
    div, unit = scale(metric)
    mean = np.array([by_x[x]["mean"] for x in xs]) / div
    low = np.array([by_x[x]["low"] for x in xs]) / div
    high = np.array([by_x[x]["high"] for x in xs]) / div
    numeric = all(isinstance(x, (int, float)) for x in xs)
    pos = np.array(xs, dtype=float) if numeric else np.arange(len(xs))
    fig = _fig((8, 4.5))
    ax = fig.add_subplot()
    ax.fill_between(pos, low, high, alpha=0.25, color="tab:blue", lw=0, label="95 % interval")
    ax.plot(pos, mean, marker="o", color="tab:blue", label="mean")
    if not numeric:
        ax.set_xticks(pos, [_tick(x) for x in xs])
    ax.set_xlabel(x_name)
    ax.set_ylabel(_label(metric))
    ax.grid(True, color="0.9", lw=0.6)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(title, fontsize=10)
    return fig


def response_figure(points, names, metric: str, title: str) -> Figure:
    """One panel per parameter: each point's mean against that parameter's value."""
    div, unit = scale(metric)
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig = _fig((3.0 * cols, 2.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    y = np.array([p["mean"] for p in points]) / div
    for ax, name in zip(axes[:len(names)], names, strict=True):  # the rest of the grid is hidden
        xs = [p[name] for p in points]
        order = _order(xs)
        numeric = all(isinstance(x, (int, float)) for x in order)
        pos = np.array(xs, dtype=float) if numeric else np.array([order.index(x) for x in xs])
        ax.scatter(pos, y, s=12, alpha=0.8)
        if not numeric:
            ax.set_xticks(range(len(order)), [_tick(x) for x in order], fontsize=7)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(4))
            ax.xaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_xlabel(name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, color="0.9", lw=0.6)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].set_ylabel(_label(metric), fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def tornado_figure(indices, metric: str, title: str) -> Figure:
    """Total and first-order Sobol indices (left) and Morris mu* (right), largest on top,
    each with its 95 % confidence interval."""
    rows = list(indices)[::-1]  # barh draws bottom-up
    names = [r["parameter"] for r in rows]
    pos = np.arange(len(rows))
    fig = _fig((10, 0.45 * len(rows) + 1.8))
    ax, ax_m = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": (3, 2)})
    h = 0.38
    ax.barh(pos + h / 2, [r["ST"] for r in rows], h, xerr=[r["ST_conf"] for r in rows],
            color="tab:red", alpha=0.8, label="total (ST)", error_kw={"lw": 0.8})
    ax.barh(pos - h / 2, [r["S1"] for r in rows], h, xerr=[r["S1_conf"] for r in rows],
            color="tab:blue", alpha=0.8, label="first-order (S1)", error_kw={"lw": 0.8})
    ax.set_yticks(pos, names, fontsize=8)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("Sobol index (share of variance)")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    div, unit = scale(metric)
    ax_m.barh(pos, [r["mu_star"] / div for r in rows], 0.6, xerr=[r["mu_star_conf"] / div for r in rows],
              color="tab:gray", error_kw={"lw": 0.8})
    ax_m.set_xlabel(f"Morris mu* ({unit or 'metric units'})")
    for a in (ax, ax_m):
        a.grid(True, axis="x", color="0.9", lw=0.6)
        a.set_axisbelow(True)
    fig.suptitle(title, fontsize=10)
    return fig


# --- hover text for report.html (sim/report/html.py) -----------------------------------------
def _point_text(p, names, metric) -> str:
    div, unit = scale(metric)
    where = ", ".join(f"{n} = {_tick(p[n])}" for n in names)
    return (f"point {p['point']}: {where}\n{metric}: mean {p['mean'] / div:,.4g}"
            f" (95 %: {p['low'] / div:,.4g} to {p['high'] / div:,.4g}){' ' + unit if unit else ''}")


def heatmap_regions(fig: Figure, points, x_name: str, y_name: str, metric: str) -> list:
    """A hover box on each cell of heatmap_figure."""
    from sim.report.html import Region

    ax = fig.axes[0]
    xs, ys = _order([p[x_name] for p in points]), _order([p[y_name] for p in points])
    return [Region(ax, xs.index(p[x_name]) - 0.5, xs.index(p[x_name]) + 0.5, _point_text(p, [x_name, y_name], metric),
                   ys.index(p[y_name]) - 0.5, ys.index(p[y_name]) + 0.5) for p in points]


def line_regions(fig: Figure, points, x_name: str, metric: str) -> list:
    """A hover column around each point of line_figure, to halfway to its neighbours."""
    from sim.report.html import Region

    ax = fig.axes[0]
    xs = _order([p[x_name] for p in points])
    by_x = {p[x_name]: p for p in points}
    numeric = all(isinstance(x, (int, float)) for x in xs)
    pos = list(np.array(xs, dtype=float)) if numeric else list(range(len(xs)))
    lo, hi = ax.get_xlim()
    edges = [lo, *((a + b) / 2 for a, b in pairwise(pos)), hi]
    return [Region(ax, edges[i], edges[i + 1], _point_text(by_x[x], [x_name], metric)) for i, x in enumerate(xs)]


def response_regions(fig: Figure, points, names, metric: str) -> list:
    """A small hover box on each dot of response_figure, in every panel."""
    from sim.report.html import Region

    div, _ = scale(metric)
    out = []
    for ax, name in zip(fig.axes[:len(names)], names, strict=True):  # the rest of the grid is hidden
        order = _order([p[name] for p in points])
        numeric = all(isinstance(x, (int, float)) for x in order)
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        dx, dy = (x1 - x0) * 0.03, (y1 - y0) * 0.04
        for p in points:
            x = float(p[name]) if numeric else order.index(p[name])
            y = p["mean"] / div
            out.append(Region(ax, x - dx, x + dx, _point_text(p, names, metric), y - dy, y + dy))
    return out
