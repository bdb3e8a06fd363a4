"""A solved parameter as files (evaluations.csv, solution.json, report.md, solve.png) and as the
few lines the command line prints; rendered as bytes before anything touches the disk."""

from __future__ import annotations

import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.experiment.seeds import run_seed
from sim.experiment.solve import XTOL_FRACTION, number
from sim.report.plots import DPI, figure_png
from sim.report.sweep_plots import scale
from sim.report.sweep_tables import dicts_csv, json_bytes
from sim.simulation.provenance import command_line, git_commit
from sim.version import __version__

CRN = ("common random numbers: every value runs the same {n} seeds (replication r: run_seed(seed, r)), "
       "so the mean is a deterministic function of the parameter")


def money(metric: str, v: float | None) -> str:
    """A metric's value as people read it: revenue in million CNY (in CNY below a million)."""
    if v is None or math.isnan(v):
        return "-"
    if not scale(metric)[1]:
        return f"{v:,.4g}"
    return f"{v / 1e6:,.4g} M CNY" if abs(v) >= 1e6 else f"{v:,.6g} CNY"


def _or_none(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


# --- what the command line prints ---------------------------------------------------------------
def unreachable_line(sol) -> str:
    c = sol.closest
    return (f"{sol.scenario}: {sol.metric}={number(sol.target)} not reachable for {sol.param} in "
            f"[{number(sol.low)}, {number(sol.high)}]: closest {money(sol.metric, c.mean)} at {number(c.x)} "
            f"({len(sol.evaluations)} evaluations of {sol.reps} replications)")


def solve_text(sol) -> str:
    at = sol.at_value
    lo, hi = sol.interval
    lines = [
        f"{sol.scenario}: {sol.metric} = {money(sol.metric, sol.target)} at {sol.param} = {number(sol.value)}",
        f"  interval: {number(lo)} to {number(hi)} (the target lies inside the metric's 95 % t-interval)",
        f"  there: mean {money(sol.metric, at.mean)} [{money(sol.metric, at.low)}, {money(sol.metric, at.high)}] "
        f"over {sol.reps} replications, the same seeds at every value",
        f"  evaluations: {len(sol.evaluations)} of at most {sol.max_evals}; tolerance {number(sol.xtol)} "
        f"({XTOL_FRACTION:g} x (HIGH - LOW)); "
        + ("converged" if sol.converged else
           f"NOT converged: the root lies in [{number(sol.bracket[0])}, {number(sol.bracket[1])}]"),
    ]
    if "claimed" in sol.target_how:
        lines.insert(1, f"  target: {sol.target_how}")
    lines += [f"  note: {n}" for n in sol.notes]
    return "\n".join(lines)


# --- files --------------------------------------------------------------------------------------
def evaluations_csv(sol) -> bytes:
    reps = [f"rep_{r}" for r in range(sol.reps)]
    rows = []
    for i, e in enumerate(sol.evaluations):
        inside = not math.isnan(e.half_width) and abs(e.mean - sol.target) <= e.half_width
        rows.append({"order": i, "x": e.x, "mean": e.mean, "half_width": e.half_width, "low": e.low,
                     "high": e.high, "mean_minus_target": e.mean - sol.target, "target_inside": inside,
                     **dict(zip(reps, e.values, strict=True))})
    rows.sort(key=lambda r: r["x"])
    return dicts_csv(rows, ["order", "x", "mean", "half_width", "low", "high", "mean_minus_target",
                            "target_inside", *reps])


def solution_json(sol, argv=None) -> bytes:
    at = sol.at_value
    return json_bytes({
        "scenario": sol.scenario,
        "question": f"{sol.param} in [{sol.low!r}, {sol.high!r}] at which the mean of {sol.metric} = {sol.target!r}",
        "metric": sol.metric, "target": sol.target, "target_how": sol.target_how,
        "parameter": sol.param, "low": sol.low, "high": sol.high,
        "reachable": sol.reachable, "converged": sol.converged, "value": sol.value,
        "bracket": list(sol.bracket) if sol.bracket else None,
        "interval": list(sol.interval) if sol.interval else None,
        "at_value": None if at is None else {"mean": at.mean, "half_width": _or_none(at.half_width),
                                              "low": _or_none(at.low), "high": _or_none(at.high)},
        "closest": None if sol.closest is None else {"x": sol.closest.x, "mean": sol.closest.mean},
        "notes": list(sol.notes),
        "evaluations_used": len(sol.evaluations), "max_evals": sol.max_evals,
        "xtol": sol.xtol, "xtol_rule": f"{XTOL_FRACTION:g} x (high - low)",
        "replications": sol.reps, "seed": sol.seed, "seeds": [run_seed(sol.seed, r) for r in range(sol.reps)],
        "common_random_numbers": CRN.format(n=sol.reps),
        "horizon_days": sol.horizon_days,
        "provenance": {"scenario_file": sol.source, "scenario_sha256": sol.source_sha256,
                       "overrides": list(sol.overrides), "package_version": __version__,
                       "git_commit": git_commit(), "command": command_line(argv)},
    })


def solve_figure(sol):
    """The metric's mean with its 95 % interval band against the parameter, the target, the
    solution and its interval."""
    div, unit = scale(sol.metric)
    pts = sorted(sol.evaluations, key=lambda e: e.x)
    xs = [e.x for e in pts]
    fig = Figure(figsize=(8, 4.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # no pyplot, no backend chosen for the user
    ax = fig.add_subplot()
    if sol.reps > 1:
        ax.fill_between(xs, [e.low / div for e in pts], [e.high / div for e in pts], alpha=0.25,
                        color="tab:blue", lw=0, label="95 % interval")
    ax.plot(xs, [e.mean / div for e in pts], marker="o", ms=3, color="tab:blue", label="mean (evaluations)")
    ax.axhline(sol.target / div, color="tab:red", ls="--", lw=1, label="target")
    if sol.value is not None:
        lo, hi = sol.interval
        if hi > lo:
            ax.axvspan(lo, hi, color="tab:green", alpha=0.15, lw=0, label="interval")
        ax.axvline(sol.value, color="tab:green", lw=1.2, label=f"solution {number(sol.value)}")
    ax.set_xlabel(sol.param)
    ax.set_ylabel(f"{sol.metric}\n({unit})" if unit else sol.metric)
    ax.grid(True, color="0.9", lw=0.6)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(f"{sol.scenario}: the mean of {sol.metric} over {sol.reps} replications\n"
                 f"reaches {money(sol.metric, sol.target)} at {sol.param} = {number(sol.value)}", fontsize=10)
    return fig


def solve_md(sol) -> str:
    at = sol.at_value
    lo, hi = sol.interval
    m = sol.metric
    lines = [
        f"# {sol.scenario}: solve {sol.param} for {m}", "",
        f"The value of `{sol.param}` in [{number(sol.low)}, {number(sol.high)}] at which the mean of `{m}` over "
        f"{sol.reps} replications equals {money(m, sol.target)} ({sol.target_how}), "
        f"over {sol.horizon_days:g} days.", "",
        "| | |", "|---|---|",
        f"| solution | {number(sol.value)} |",
        f"| interval (target inside the metric's 95 % t-interval) | {number(lo)} to {number(hi)} |",
        f"| mean there | {money(m, at.mean)} |",
        f"| 95 % interval there | {money(m, at.low)} to {money(m, at.high)} |",
        f"| root bracket | {number(sol.bracket[0])} to {number(sol.bracket[1])} |",
        f"| converged (tolerance {number(sol.xtol)}) | {'yes' if sol.converged else 'no: the budget ran out'} |",
        f"| evaluations | {len(sol.evaluations)} of at most {sol.max_evals} |",
        "",
        f"Method: {CRN.format(n=sol.reps)}. A scan of evenly spaced values finds the first pair where "
        "mean - target changes sign; scipy's brentq narrows it to the tolerance; the interval's ends are "
        "where |mean - target| equals the interval's half width, found the same way from the solution outward.",
    ]
    lines += [""] + [f"- {n}" for n in sol.notes] if sol.notes else []
    lines += ["", "| value | mean | 95 % interval | target inside |", "|---:|---:|---:|:---:|"]
    for e in sorted(sol.evaluations, key=lambda e: e.x):
        inside = not math.isnan(e.half_width) and abs(e.mean - sol.target) <= e.half_width
        lines.append(f"| {number(e.x)} | {money(m, e.mean)} | {money(m, e.low)} to {money(m, e.high)} | "
                     f"{'yes' if inside else ''} |")
    lines += ["", "![the metric against the parameter](solve.png)"]
    return "\n".join(lines) + "\n"


def solve_files(sol, argv=None) -> dict[str, bytes]:
    return {
        "evaluations.csv": evaluations_csv(sol),
        "report.md": solve_md(sol).encode("utf-8"),
        "solve.png": figure_png(solve_figure(sol)),
        "solution.json": solution_json(sol, argv),  # last: its presence means the set is whole
    }
