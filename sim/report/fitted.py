"""A fitted client class (sim.workload.fit.TraceFit) as a TOML fragment to paste into a
scenario: one [clients.NAME] class, with the fit's diagnostics as comments."""

from __future__ import annotations

import re

from sim.model.demand import Exponential, Fixed, Lognormal
from sim.model.workload import Gamma, Mixture, Weibull
from sim.workload.fit import TraceFit

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    if _BARE.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def num(v: float) -> str:
    """Six significant digits: a TOML float, or an integer where the digits are whole."""
    return f"{v:.6g}"


def duration_fields(spec) -> str:
    """`dist = ..., ...` of a duration spec that is not a mixture."""
    if isinstance(spec, Lognormal):
        return f'dist = "lognormal", median_hours = {num(spec.median_hours)}, sigma = {num(spec.sigma)}'
    if isinstance(spec, Weibull):
        return f'dist = "weibull", scale_hours = {num(spec.scale_hours)}, shape = {num(spec.shape)}'
    if isinstance(spec, Gamma):
        return f'dist = "gamma", scale_hours = {num(spec.scale_hours)}, shape = {num(spec.shape)}'
    if isinstance(spec, Exponential):
        return f'dist = "exponential", mean_hours = {num(spec.mean_hours)}'
    if isinstance(spec, Fixed):
        return f'dist = "fixed", hours = {num(spec.hours)}'
    raise TypeError(f"no TOML for {spec!r}")


def duration_lines(spec) -> list[str]:
    """Body lines of a duration table (or of a band: the caller adds `sizes`)."""
    if not isinstance(spec, Mixture):
        return duration_fields(spec).split(", ")
    lines = ['dist = "mixture"', "components = ["]
    for w, c in zip(spec.weights, spec.components, strict=True):
        lines.append(f"  {{ weight = {num(w)}, {duration_fields(c)} }},")
    lines.append("]")
    return lines


def _diagnostics(fit) -> list[str]:
    out = [f"#   sizes {fit.sizes[0]}{'-' + str(fit.sizes[-1]) if len(fit.sizes) > 1 else ''}: {fit.jobs:,} jobs; "
           f"chosen: {fit.chosen.name} (AIC {fit.chosen.aic:,.0f}, KS {fit.chosen.ks:.4f})"]
    out.append("#     candidates: " + "; ".join(f"{c.name} AIC {c.aic:,.0f} KS {c.ks:.3f}" for c in fit.candidates))
    return out


def fragment(fit: TraceFit, name: str, trace: str, sha256: str, command: str) -> str:
    a, b = fit.arrivals, fit.arrivals.bursts
    k = f"clients.{key(name)}"
    days = (fit.last - fit.first).total_seconds() / 86400
    lines = [
        f"# Fitted by `{command}` (computesim fit-trace)",
        f"# trace: {trace} (sha256 {sha256})",
        f"# {fit.jobs:,} jobs submitted from {fit.first} to {fit.last} ({days:.1f} days)",
        f"# arrivals: {a.rate_per_hour:.4g} jobs/h; inter-arrival CV {a.gap_cv:.3g} (model {a.model_gap_cv:.3g}); "
        + ", ".join(f"counts per {w:g} h: variance/mean {v:.4g} (model {m:.4g})" for w, v, m in a.idc),
        "# durations by size band, chosen by AIC among lognormal, weibull, gamma and lognormal mixtures;",
        "# KS = one-sample Kolmogorov-Smirnov distance between the band's durations and the chosen law",
    ]
    for band in fit.bands:
        lines.extend(_diagnostics(band))
    lines.extend([
        "# The model is stationary: the trace's month-to-month trend is not in it (see data/traces/README.md).",
        "",
        f"[{k}]",
        f"arrivals = {{ rate_per_hour = {num(a.rate_per_hour)} }}   # the trace's mean rate; "
        "or offered_load = F to follow a scenario's capacity",
        "sizes = { values = [" + ", ".join(str(v) for v in fit.sizes.values) + "], weights = ["
        + ", ".join(str(int(w)) for w in fit.sizes.weights) + "] }   # jobs of each size in the trace",
        "",
        f"[{k}.duration]   # all jobs together; used only for sizes in no band below",
        *duration_lines(fit.overall.chosen.spec),
        "",
        f"[{k}.workload]",
        "hour_of_day = [" + ", ".join(num(round(x, 4)) for x in a.hour_of_day) + "]   # relative rate, 00 to 23",
        "day_of_week = [" + ", ".join(num(round(x, 4)) for x in a.day_of_week) + "]   # relative rate, Monday first",
    ])
    if b is not None:
        lines.append(f"bursts = {{ busy_time_share = {num(b.busy_time_share)}, busy_job_share = "
                     f"{num(b.busy_job_share)}, mean_busy_hours = {num(b.mean_busy_hours)} }}   "
                     f"# two-state MMPP; quiet spells {b.mean_quiet_hours:.3g} h")
    else:
        lines.append("# no bursts: the trace's arrivals are no burstier than Poisson")
    for band in fit.bands:
        lines.extend(["", f"[[{k}.workload.durations]]",
                      "sizes = [" + ", ".join(str(s) for s in band.sizes) + "]",
                      *duration_lines(band.chosen.spec)])
    return "\n".join(lines) + "\n"
