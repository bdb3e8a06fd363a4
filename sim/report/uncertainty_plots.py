"""The figures of `sim uncertainty`, as matplotlib Figures (no pyplot, no backend chosen):
the metric's distribution beside the claim, the fan of cumulative discounted cash flow, the
envelope of yearly operator revenue, the P50's interval against samples, the drivers
(tornado of P10-P90 swings, Sobol and Morris), the pairs plot and the PRIM box."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from sim.report.sweep_plots import _fig

M = 1e6


def distribution_figure(study) -> Figure:
    """The metric's histogram with P10/P50/P90 marked; operator revenue a year beside the claim's."""
    cfg = study.design.config
    y = study.column(cfg.metric)
    rev = study.column("operator_revenue_cny_per_year")
    fig = _fig((10, 3.6))
    axes = fig.subplots(1, 2)
    for ax, v, label in ((axes[0], y, cfg.metric), (axes[1], rev, "operator revenue, CNY a year")):
        v = v[np.isfinite(v)]
        if not len(v):
            ax.set_visible(False)
            continue
        ax.hist(v / M, bins=max(5, min(40, len(v) // 3)), color="tab:blue", alpha=0.75)
        for q, ls in zip(np.quantile(v, (0.1, 0.5, 0.9)), (":", "-", ":"), strict=True):
            ax.axvline(q / M, color="black", ls=ls, lw=1)
        ax.set_xlabel(f"{label} (million CNY)")
        ax.set_ylabel("runs")
    if study.claimed_revenue_cny_per_year and np.isfinite(rev).any():
        c = study.claimed_revenue_cny_per_year
        axes[1].set_title(f"the claim implies {c / 1e9:,.0f} bn CNY a year: x{c / np.nanmedian(rev):,.0f} the P50",
                          fontsize=9)
    if cfg.target.metric == cfg.metric:
        axes[0].axvline(cfg.target.value / M, color="tab:red", lw=1.2)
    axes[0].set_title("P10, P50, P90 (black); the target (red)", fontsize=9)
    fig.suptitle(f"{study.scenario_name}: {len(y)} samples", fontsize=10)
    return fig


def fan_figure(study) -> Figure:
    years, cum = study.years("cumulative_discounted_cash_flow_cny")
    fig = _fig((8, 4))
    ax = fig.subplots()
    if years and len(cum):  # no Monte Carlo runs (--method without mc): an empty frame
        q = np.nanquantile(cum, [0.1, 0.25, 0.5, 0.75, 0.9], axis=0) / M
        ax.fill_between(years, q[0], q[4], color="tab:blue", alpha=0.2, label="P10-P90")
        ax.fill_between(years, q[1], q[3], color="tab:blue", alpha=0.35, label="P25-P75")
        ax.plot(years, q[2], color="tab:blue", lw=1.5, label="P50")
        ax.axhline(0, color="black", lw=0.6)
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("concession year")
    ax.set_ylabel("cumulative discounted cash flow (million CNY)")
    ax.set_title(f"{study.scenario_name}: the fan of {len(cum)} sampled runs", fontsize=10)
    return fig


def envelope_figure(study) -> Figure:
    """Each sampled run's yearly operator revenue (thin lines) inside the runs' envelope."""
    years, rev = study.years("operator_revenue_cny")
    fig = _fig((8, 4))
    ax = fig.subplots()
    if years and len(rev):
        ax.fill_between(years, np.nanmin(rev, axis=0) / M, np.nanmax(rev, axis=0) / M, color="0.85", label="envelope")
        for r in rev:
            ax.plot(years, r / M, color="tab:blue", lw=0.4, alpha=0.4)
        ax.plot(years, np.nanmedian(rev, axis=0) / M, color="black", lw=1.2, label="median")
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("concession year")
    ax.set_ylabel("operator revenue (million CNY a year)")
    ax.set_title(f"{study.scenario_name}: operator revenue of {len(rev)} sampled runs", fontsize=10)
    return fig


def convergence_figure(study) -> Figure:
    rows = [r for r in study.convergence if math.isfinite(r["width"])]
    fig = _fig((6, 3.5))
    ax = fig.subplots()
    if rows:
        n = np.array([r["n"] for r in rows], dtype=float)
        w = np.array([r["width"] for r in rows])
        ax.loglog(n, w, "o-", label="95 % interval of the P50")
        ax.loglog(n, w[-1] * np.sqrt(n[-1] / n), ":", color="0.4", label="1/sqrt(n)")
        ax.legend(fontsize=8, frameon=False)
    ax.set_xlabel("samples")
    ax.set_ylabel(f"width ({study.design.config.metric})")
    ax.set_title("how many samples the P50 needs", fontsize=10)
    return fig


def drivers_figure(study) -> Figure:
    """Left: the P10-P90 swings (one input at a time); right: Sobol S1 and ST with intervals."""
    torn = list(study.tornado)[::-1]
    idx = [r for r in study.indices if "ST" in r][::-1]
    fig = _fig((11, 0.4 * max(len(torn), len(idx), 3) + 1.8))
    ax_t, ax_s = fig.subplots(1, 2)
    if torn:
        pos = np.arange(len(torn))
        base = torn[0]["base"] / M
        for p, r in zip(pos, torn, strict=True):
            lo, hi = r["at_p10"] / M, r["at_p90"] / M
            ax_t.barh(p, hi - base, left=base, color="tab:blue", alpha=0.8)
            ax_t.barh(p, lo - base, left=base, color="tab:orange", alpha=0.8)
        ax_t.axvline(base, color="black", lw=0.8)
        ax_t.set_yticks(pos, [r["factor"] for r in torn], fontsize=7)
        ax_t.set_xlabel("metric, million (blue: factor at its P90, orange: at its P10)")
        ax_t.set_title("P10-P90 swings, the others at their medians", fontsize=9)
    if idx:
        pos = np.arange(len(idx))
        h = 0.38
        ax_s.barh(pos + h / 2, [r["ST"] for r in idx], h, xerr=[r["ST_conf"] for r in idx], color="tab:red",
                  alpha=0.8, label="total (ST)")
        ax_s.barh(pos - h / 2, [r["S1"] for r in idx], h, xerr=[r["S1_conf"] for r in idx], color="tab:blue",
                  alpha=0.8, label="first-order (S1)")
        ax_s.set_yticks(pos, [r["factor"] for r in idx], fontsize=7)
        ax_s.axvline(0, color="black", lw=0.6)
        ax_s.legend(fontsize=8, frameon=False, loc="lower right")
        ax_s.set_title("Sobol indices, 95 % intervals (a group is one factor)", fontsize=9)
    elif any("mu_star" in r for r in study.indices):  # no Sobol part: Morris' screening instead
        mo = [r for r in study.indices if "mu_star" in r]
        mo.sort(key=lambda r: r["mu_star"])
        pos = np.arange(len(mo))
        ax_s.barh(pos, [r["mu_star"] / M for r in mo], 0.6, xerr=[r["mu_star_conf"] / M for r in mo],
                  color="tab:gray")
        ax_s.set_yticks(pos, [r["factor"] for r in mo], fontsize=7)
        ax_s.set_xlabel("Morris mu* (million), 95 % interval")
        ax_s.set_title("Morris screening (a group is one factor)", fontsize=9)
    else:
        ax_s.set_visible(False)
    fig.suptitle(f"{study.scenario_name}: what moves {study.design.config.metric}", fontsize=10)
    return fig


def pairs_figure(study, top: int = 4) -> Figure:
    """The top drivers' draws against each other, each run coloured by the target (hit or not)."""
    names = [r["factor"] for r in study.indices][:top]
    mc = [r for r in study.rows if r["part"] == "mc"]
    cfg = study.design.config
    hit = cfg.target.hits([r.get(cfg.target.metric, math.nan) for r in mc])
    y = np.array([r.get(cfg.metric, math.nan) for r in mc], dtype=float) / M
    k = len(names)
    fig = _fig((2.2 * k + 1, 2.2 * k + 0.6))
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    for i, a in enumerate(names):
        ua = np.array([r[f"u.{a}"] for r in mc])
        for j, b in enumerate(names):
            ax = axes[i, j]
            if i == j:
                ax.scatter(ua, y, s=6, c=np.where(hit, "tab:red", "tab:blue"))
                ax.set_ylabel("metric (M)" if j == 0 else "", fontsize=7)
            else:
                ub = np.array([r[f"u.{b}"] for r in mc])
                ax.scatter(ub, ua, s=6, c=np.where(hit, "tab:red", "tab:blue"))
            ax.tick_params(labelsize=6)
            if i == k - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0 and i != j:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle(f"pairs of the top drivers' quantiles (red: {cfg.target})", fontsize=10)
    return fig


def prim_figure(study) -> Figure:
    """The PRIM box's bounds on each restricted factor (its quantile range in [0, 1])."""
    factors: dict[str, tuple[float, float]] = {}
    for r in study.boxes:
        factors.setdefault(r["factor"], (r["u_low"], r["u_high"]))
    fig = _fig((7, 0.5 * max(len(factors), 2) + 1.6))
    ax = fig.subplots()
    pos = np.arange(len(factors))
    for p, (lo, hi) in zip(pos, factors.values(), strict=True):
        ax.barh(p, hi - lo, left=lo, color="tab:green", alpha=0.7)
    ax.set_yticks(pos, list(factors), fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("quantile of the factor's range (0 = low end, 1 = high end)")
    if study.boxes:
        b = study.boxes[0]
        ax.set_title(f"PRIM box for {b['target']}: coverage {b['coverage']:.0%}, density {b['density']:.0%}",
                     fontsize=9)
    else:
        ax.set_title(study.box_note or "no box", fontsize=8)
    return fig


FIGURES = {"distribution.png": distribution_figure, "fan.png": fan_figure, "envelope.png": envelope_figure,
           "convergence.png": convergence_figure, "drivers.png": drivers_figure, "pairs.png": pairs_figure,
           "prim.png": prim_figure}
