"""Files of replications, sweeps and sensitivity studies, rendered as bytes before anything
touches the disk (written as one set by sim.report.files.write_all)."""

from __future__ import annotations

import math

from sim.experiment.parameters import Choices, Range
from sim.experiment.replicate import HEADLINE
from sim.experiment.sensitivity import COLUMNS as INDEX_COLUMNS
from sim.report.html import figure_svg, page
from sim.report.plots import figure_png
from sim.report.sweep_plots import (
    heatmap_figure,
    heatmap_regions,
    line_figure,
    line_regions,
    response_figure,
    response_regions,
    scale,
    tornado_figure,
)
from sim.report.sweep_tables import dicts_csv, intervals_csv, json_bytes
from sim.version import __version__

INTERVAL = ("n", "mean", "sd", "half_width", "low", "high")


def _num(x, metric: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    div, unit = scale(metric)
    x = x / div
    return f"{x:,.3f}" if abs(x) < 1000 else f"{x:,.0f}"


# --- replications --------------------------------------------------------------------------------
def replications_files(reps) -> dict[str, bytes]:
    columns = ["rep", "key", "seed", *reps.metrics]
    return {
        "replications.csv": dicts_csv(reps.rows, columns),
        "report.md": replications_md(reps).encode("utf-8"),
        "intervals.csv": intervals_csv(reps.intervals),  # last: its presence means the set is whole
    }


def replications_table(reps) -> str:
    """Headline metrics: mean and 95 % interval, as the command line prints them."""
    rows = [(m, reps.intervals[m]) for m in HEADLINE if m in reps.intervals]
    width = max(len(m) for m, _ in rows)
    lines = [f"{reps.scenario.name}: {len(reps.rows)} replications, seeds spawned from {reps.scenario.seed}; "
             "mean [95 % t-interval] (money in million CNY)"]
    for m, iv in rows:
        lines.append(f"{m:<{width}}  {_num(iv.mean, m):>12}  [{_num(iv.low, m)}, {_num(iv.high, m)}]")
    return "\n".join(lines)


def replications_md(reps) -> str:
    s = reps.scenario
    lines = [f"# {s.name}: {len(reps.rows)} replications", "",
             f"Seeds spawned from the scenario seed {s.seed} with numpy's SeedSequence on the key "
             "(replication); every run is independent. Mean and 95 % Student-t interval of each "
             "headline metric (money in million CNY); every metric is in intervals.csv, every run "
             "in replications.csv.", "",
             "| metric | mean | 95 % interval | sd | n |", "|---|---:|---:|---:|---:|"]
    for m in HEADLINE:
        iv = reps.intervals.get(m)
        if iv is not None:
            lines.append(f"| {m} | {_num(iv.mean, m)} | {_num(iv.low, m)} to {_num(iv.high, m)} | "
                         f"{_num(iv.sd, m)} | {iv.n} |")
    return "\n".join(lines) + "\n"


# --- sweeps --------------------------------------------------------------------------------------
def _parameter_json(p) -> dict:
    k = p.kind
    shape: dict[str, object]
    if isinstance(k, Range):
        shape = {"range": [k.low, k.high], "steps": k.steps, "integer": k.integer}
    elif isinstance(k, Choices):
        shape = {"choices": {n: list(s) for n, s in zip(k.names, k.settings, strict=True)}}
    else:
        shape = {"values": list(k.values)}
    return {"name": p.name, "keys": list(p.keys), **shape}


def sweep_json(s, kind: str, n_points: int, n_runs: int, metric: str) -> bytes:
    return json_bytes({
        "sweep": s.name, "kind": kind, "file": s.source, "description": s.description,
        "scenario": {"file": s.scenario_source, "sha256": s.scenario_sha256}, "set": list(s.fixed),
        "seed": s.seed, "sampling": s.sampling if kind == "sweep" else "saltelli+morris",
        "points": n_points, "runs": n_runs, "metric": metric,
        "parameters": [_parameter_json(p) for p in s.parameters], "package_version": __version__,
    })


def plot_name(s) -> str:
    """heatmap.png for a grid of two parameters, line.png for one, response.png otherwise."""
    if s.sampling == "grid" and len(s.parameters) == 2:
        return "heatmap.png"
    if s.sampling == "grid" and len(s.parameters) == 1:
        return "line.png"
    return "response.png"


def sweep_plot(result, point_rows) -> tuple[bytes, str]:
    """The sweep's plot as PNG, and as SVG with a hover box on each point for report.html."""
    s, metric = result.sweep, result.sweep.metric
    rows = [r for r in point_rows if r["metric"] == metric]
    names = [p.name for p in s.parameters]
    title = f"{s.name}: {metric}"
    name = plot_name(s)
    if name == "heatmap.png":
        fig = heatmap_figure(rows, names[0], names[1], metric, title)
        svg = figure_svg(fig, heatmap_regions(fig, rows, names[0], names[1], metric))
    elif name == "line.png":
        fig = line_figure(rows, names[0], metric, title)
        svg = figure_svg(fig, line_regions(fig, rows, names[0], metric))
    else:
        fig = response_figure(rows, names, metric, title + ", mean over replications at each point")
        svg = figure_svg(fig, response_regions(fig, rows, names, metric))
    return figure_png(fig), svg


def sweep_files(result) -> dict[str, bytes]:
    s = result.sweep
    names = [p.name for p in s.parameters]
    point_rows = result.point_rows()
    png, svg = sweep_plot(result, point_rows)
    md = sweep_md(result, point_rows)
    return {
        "points.csv": dicts_csv(point_rows, ["point", *names, "metric", *INTERVAL]),
        plot_name(s): png,
        "report.md": md.encode("utf-8"),
        "report.html": page(f"sweep {s.name}: computesim report", md, {plot_name(s): svg}),
        "sweep.json": sweep_json(s, "sweep", len(result.points), len(result.rows), s.metric),
        "runs.csv": dicts_csv(result.rows, result.columns),  # last: its presence means the set is whole
    }


def _describe(p) -> str:
    k = p.kind
    if isinstance(k, Range):
        return (f"{k.low:,} to {k.high:,}" + (f", {k.steps} steps" if k.steps else "")
                + (" (integers)" if k.integer else ""))
    if isinstance(k, Choices):
        return ", ".join(k.names)
    return ", ".join(str(v) for v in k.values)


def sweep_md(result, point_rows) -> str:
    s, metric = result.sweep, result.sweep.metric
    rows = sorted((r for r in point_rows if r["metric"] == metric), key=lambda r: -r["mean"])
    names = [p.name for p in s.parameters]
    lines = [f"# Sweep {s.name}", "", s.description, "",
             f"Base scenario {s.scenario_source}" + (f" with {', '.join(s.fixed)}" if s.fixed else "") + "; "
             f"{s.sampling} of {len(result.points)} points x {s.replications} replications = "
             f"{len(result.rows)} runs; seeds spawned from {s.seed} on each run's (point, replication).", ""]
    # A parameter that sets the key it is named after needs no "sets" column.
    other_keys = any(tuple(p.keys) != (p.name,) for p in s.parameters)
    lines += (["| parameter | sets | values |", "|---|---|---|"] if other_keys
              else ["| parameter | values |", "|---|---|"])
    for p in s.parameters:
        sets = f" {', '.join(p.keys) or 'its choices'} |" if other_keys else ""
        lines.append(f"| {p.name} |{sets} {_describe(p)} |")
    one = s.replications == 1  # no interval from one run
    lines += ["", f"![{metric}]({plot_name(s)})", "",
              f"Points by {metric}, " + ("one run each, no interval" if one else
                                          "mean and 95 % t-interval over replications")
              + " (million CNY for money); the highest and lowest five. Every point and metric is in "
              "points.csv, every run in runs.csv.", "",
              "| point | " + " | ".join(names) + (" | value |" if one else " | mean | 95 % interval |"),
              "|---:|" + "---:|" * len(names) + ("---:|" if one else "---:|---:|")]
    shown = rows if len(rows) <= 10 else rows[:5] + rows[-5:]
    for r in shown:
        vals = " | ".join(f"{r[n]:,.4g}" if isinstance(r[n], float) else str(r[n]) for n in names)
        interval = "" if one else f" {_num(r['low'], metric)} to {_num(r['high'], metric)} |"
        lines.append(f"| {r['point']} | {vals} | {_num(r['mean'], metric)} |{interval}")
    return "\n".join(lines) + "\n"


# --- sensitivity ---------------------------------------------------------------------------------
def sensitivity_files(result) -> dict[str, bytes]:
    s = result.sweep
    names = [p.name for p in s.parameters]
    columns = ["point", "rep", "key", "seed", "design", *names, *result.metrics]
    n_points = len(result.design.x_sobol) + len(result.design.x_morris)
    return {
        "runs.csv": dicts_csv(result.rows, columns),
        "tornado.png": figure_png(tornado_figure(result.indices, result.metric,
                                                 f"{s.name}: what moves {result.metric}")),
        "report.md": sensitivity_md(result).encode("utf-8"),
        "sensitivity.json": sweep_json(s, "sensitivity", n_points, len(result.rows), result.metric),
        "indices.csv": dicts_csv(result.indices, INDEX_COLUMNS),  # last: its presence means the set is whole
    }


def sensitivity_table(result) -> str:
    lines = [f"{result.sweep.name}: sensitivity of {result.metric} "
             f"({len(result.rows)} runs; Sobol indices and Morris mu*, +- 95 % confidence)"]
    width = max(len(r["parameter"]) for r in result.indices)
    for r in result.indices:
        lines.append(f"{r['rank']:>2}. {r['parameter']:<{width}}  ST {r['ST']:6.3f} +- {r['ST_conf']:.3f}   "
                     f"S1 {r['S1']:6.3f} +- {r['S1_conf']:.3f}   mu* {_num(r['mu_star'], result.metric)} "
                     f"+- {_num(r['mu_star_conf'], result.metric)}")
    return "\n".join(lines)


def sensitivity_md(result) -> str:
    s, d, spec = result.sweep, result.design, result.sweep.sensitivity
    m = result.metric
    lines = [f"# Sensitivity: {s.name}", "", s.description, "",
             f"Which swept assumption moves **{m}** most. Base scenario {s.scenario_source}"
             + (f" with {', '.join(s.fixed)}" if s.fixed else "") + ". "
             f"Sobol indices from Saltelli's scheme with N = {spec.sobol_base_samples} "
             f"({len(d.x_sobol)} points), Morris screening with {spec.morris_trajectories} trajectories "
             f"on {spec.morris_levels} levels ({len(d.x_morris)} points); {spec.replications} replication(s) "
             f"per point, {len(result.rows)} runs. Confidence intervals (95 %) by bootstrap (SALib).", "",
             "- **ST** (total): share of the metric's variance that involves the parameter, alone or "
             "with others; near 0 means it can be fixed anywhere in its range.",
             "- **S1** (first-order): share from the parameter alone.",
             "- **mu\\*** (Morris): mean absolute change of the metric across the parameter's range "
             "in one step; **sigma**: how much that change depends on the other parameters.",
             "- Simulation noise (one seed per run) is variance no parameter explains: S1 sums below 1, "
             "and small indices within their interval of 0 are not told apart.", "",
             "![tornado](tornado.png)", "",
             "| rank | parameter | ST | S1 | mu* (M CNY for money) | sigma |", "|---:|---|---:|---:|---:|---:|"]
    for r in result.indices:
        lines.append(f"| {r['rank']} | {r['parameter']} | {r['ST']:.3f} +- {r['ST_conf']:.3f} | "
                     f"{r['S1']:.3f} +- {r['S1_conf']:.3f} | {_num(r['mu_star'], m)} +- "
                     f"{_num(r['mu_star_conf'], m)} | {_num(r['sigma'], m)} |")
    return "\n".join(lines) + "\n"


__all__ = ["replications_files", "replications_table", "sensitivity_files", "sensitivity_table",
           "sweep_files"]
