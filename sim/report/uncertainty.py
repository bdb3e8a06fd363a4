"""`sim uncertainty`'s words and files: the list of what a scenario does not know, and a study's
tables (CSV and Parquet), figures and report, rendered as bytes before anything is written."""

from __future__ import annotations

import math

import numpy as np

from sim.experiment import distribution as dist
from sim.report.plots import figure_png
from sim.report.sweep_tables import dicts_csv, json_bytes
from sim.report.uncertainty_plots import FIGURES
from sim.scenario.uncertainty import stated as stated_value
from sim.scenario.uncertainty import stated_outside
from sim.version import __version__


def listing(u, base=None) -> str:
    """What is uncertain, its distribution, its source, the value the file states and its group."""
    if not u.inputs:
        return f"{u.source}: no [uncertainty] table: every input is taken as stated"
    group_of = {m: g for g in u.groups for m in g.members}
    lines = [f"{u.source}: {len(u.inputs)} uncertain inputs in {len(u.factors)} factors "
             f"({len(u.groups)} group{'' if len(u.groups) == 1 else 's'} drawn together)"]
    for i in u.inputs:
        g = group_of.get(i.name)
        keys = "" if i.keys == (i.name,) else f" (sets {', '.join(i.keys)})"
        stated = stated_value(base, i.keys[0]) if base is not None else None
        lines.append(f"  {i.name}{keys}: {i.describe()}"
                     + (f"; the file states {stated}" if stated is not None else "")
                     + (f"; group {g.name}" if g else ""))
        lines.append(f"      source: {i.source}")
    for g in u.groups:
        lines.append(f"  group {g.name}: {', '.join(g.members)}, one draw, each at the same quantile of its "
                     f"own range; {g.source}")
    if base is not None:
        lines += [f"  stale range: {m}" for m in stated_outside(u, base)]
    return "\n".join(lines)


def _m(x, metric: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if metric in ("finance.irr", "utilisation.overall"):
        return f"{x:.1%}"
    return f"{x / 1e6:,.1f}" if abs(x) >= 1e5 else f"{x:,.4g}"


def headline(study) -> str:
    """The distribution in a few lines, as the command prints it and report.md opens."""
    cfg = study.design.config
    n = sum(1 for p in study.design.parts if p == "mc")
    lines = [f"{study.scenario_name}: {n} Monte Carlo samples ({cfg.sampling}, seed {cfg.seed}) of "
             f"{len(study.design.uncertainty.inputs)} uncertain inputs in {len(study.design.factors)} factors, "
             f"{len(study.rows)} runs in all, {study.wall_s:,.0f} s (money in million CNY)"]
    p = study.probability
    if p is not None:
        lines.append(f"P({cfg.target}) = {p['p']:.2f} ({p['k']} of {p['n']}; 95 % interval {p['low']:.2f}-{p['high']:.2f})")
    for r in study.metrics:
        if r["metric"] in ("finance.npv_cny", "finance.npv_without_terminal_cny", "finance.irr",
                           "utilisation.overall", "operator_revenue_cny_per_year"):
            m = r["metric"]
            lines.append(f"  {m:<34} P10 {_m(r['p10'], m):>10}  P50 {_m(r['p50'], m):>10}  "
                         f"P90 {_m(r['p90'], m):>10}  mean {_m(r['mean'], m):>10}"
                         + (f"  ({r['n']} of {n} runs have one)" if r["n"] < n else ""))
    if study.claimed_revenue_cny_per_year:
        rev = study.column("operator_revenue_cny_per_year")
        if dist.defined(rev).size:
            c = study.claimed_revenue_cny_per_year
            v = dist.defined(rev)
            lines.append(f"  the claim implies {c / 1e9:,.1f} bn CNY of revenue a year: x{c / max(v.max(), 1):,.0f} the "
                         f"highest operator revenue a year sampled ({v.max() / 1e6:,.1f}), x{c / max(np.median(v), 1):,.0f} "
                         "the P50")
    if study.convergence:
        last = study.convergence[-1]
        if math.isfinite(last["width"]):
            lines.append(f"  the P50 of {cfg.metric} is {_m(last['p50'])}, 95 % interval {_m(last['low'])} to "
                         f"{_m(last['high'])} (width {_m(last['width'])}); halving the width takes about "
                         f"{4 * last['n']} samples")
    lines += drivers_lines(study)
    lines += box_lines(study)
    return "\n".join(lines)


def drivers_lines(study, top: int = 5) -> list[str]:
    out = []
    rows = [r for r in study.indices if "ST" in r or "mu_star" in r][:top]
    if rows:
        out.append(f"top drivers of {study.design.config.metric} (Sobol ST and S1 with 95 % intervals; Morris mu*):")
        for r in rows:
            s = (f"ST {r['ST']:.2f} +- {r['ST_conf']:.2f}, S1 {r['S1']:.2f} +- {r['S1_conf']:.2f}" if "ST" in r else "")
            mu = f"mu* {_m(r['mu_star'])}" if "mu_star" in r else ""
            flag = ""
            if "S1" in r:
                flag = ("" if r["S1_excludes_zero"] else "; S1's interval includes zero: not yet resolved, "
                        "raise --sobol-base") + ("; S1 < 0 is noise" if r["S1_negative_noise"] else "")
            out.append(f"  {r['rank']}. {r['factor']}: {', '.join(x for x in (s, mu) if x)}{flag}")
    if "sobol" not in study.design.parts:
        k = len(study.design.factors)
        out.append(f"Sobol indices: not run (--method without sobol); for these {k} factors --sobol-base 32 takes "
                   f"{32 * (k + 2):,} runs")
    if study.tornado:
        t = study.tornado[:top]
        out.append("P10-P90 swings, one factor at a time: " + "; ".join(
            f"{r['factor']} {_m(r['at_p10'])} to {_m(r['at_p90'])}" for r in t))
    return out


def box_lines(study) -> list[str]:
    out = []
    if study.box_note:
        out.append(study.box_note)
    if study.boxes:
        b = study.boxes[0]
        out.append(f"PRIM box for {b['target']}: coverage {b['coverage']:.0%}, density {b['density']:.0%}, "
                   f"mass {b['mass']:.0%}; it needs:")
        for r in study.boxes:
            rng = r["low"] if r["high"] == "" else f"{r['low']:,.6g} to {r['high']:,.6g}"
            out.append(f"  {r['input']}: {rng}")
    return out


def report_md(study) -> str:
    cfg = study.design.config
    u = study.design.uncertainty
    lines = [f"# {study.scenario_name}: the verdict as a distribution", "", "```", headline(study), "```", "",
             "## What was drawn", "", "```", listing(u), "```", "",
             f"Each Monte Carlo sample draws every factor ({cfg.sampling}, scipy.stats.qmc, seeded from {cfg.seed} "
             "through numpy's SeedSequence) and its own run seed: the runs' random draws are sampled with the "
             "assumptions. A group is one factor: one draw, each member at the same quantile of its own "
             "range. Sobol indices (Saltelli's scheme, SALib) and Morris screening take the factors on the "
             "unit cube; the swings hold every other factor at its median and share one seed.", "",
             "## Figures", ""]
    lines += [f"![{name}]({name})" for name in FIGURES]
    lines += ["", "## Tables", "",
              "samples.csv (every run: its part, inputs, factors' quantiles, metrics), metrics.csv, "
              "indices.csv, tornado.csv, boxes.csv, convergence.csv; each also as Parquet.", "",
              f"computesim {__version__}"]
    return "\n".join(lines) + "\n"


def _parquet(rows, columns) -> bytes:
    import pyarrow as pa

    from sim.report.tables import table_parquet

    data = {}
    for c in columns:
        vals = [r.get(c) for r in rows]
        if all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            data[c] = pa.array([None if v is None else float(v) for v in vals], type=pa.float64())
        else:
            data[c] = pa.array([None if v is None else str(v) for v in vals], type=pa.string())
    return table_parquet(pa.table(data))


def _columns(rows, first=()) -> list[str]:
    cols = list(first)
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def files(study) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for name in FIGURES:
        out[name] = figure_png(FIGURES[name](study))
    tables = {"metrics": study.metrics, "indices": study.indices, "tornado": study.tornado, "boxes": study.boxes,
              "convergence": study.convergence}
    for name, rows in tables.items():
        cols = _columns(rows)
        out[f"{name}.csv"] = dicts_csv(rows, cols)
        out[f"{name}.parquet"] = _parquet(rows, cols)
    cfg = study.design.config
    out["report.md"] = report_md(study).encode("utf-8")
    out["uncertainty.json"] = json_bytes({
        "scenario": study.scenario_name, "source": study.design.uncertainty.source, "seed": cfg.seed,
        "sampling": cfg.sampling, "samples": cfg.samples, "methods": list(cfg.methods),
        "sobol_base": cfg.sobol_base, "morris_trajectories": cfg.morris_trajectories, "metric": cfg.metric,
        "target": str(cfg.target), "runs": len(study.rows), "package_version": __version__,
        "probability": study.probability,
    })
    cols = _columns(study.rows, ("point", "rep", "key", "seed", "part"))
    out["samples.parquet"] = _parquet(study.rows, cols)
    out["samples.csv"] = dicts_csv(study.rows, cols)  # last: its presence means the set is whole
    return out
