"""A comparison's files (comparison.csv, replications.csv, report.md, compare.png) as bytes,
its table for the terminal, and its folder, results/compare/<A>-vs-<B>/."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.experiment.compare import GROUPS, TABLE_COLUMNS
from sim.experiment.replicate import metric_names
from sim.report.outdir import OutputNameError, output_folder, overrides_label
from sim.report.plots import figure_png
from sim.report.sweep_plots import scale
from sim.report.sweep_tables import dicts_csv
from sim.version import __version__

FOLDER = "compare"
MAX_NAME_CHARS = 200  # with the hidden siblings' suffixes, inside 255-byte file names
DPI = 110
COLUMNS = 3  # panels a row in compare.png


def argument_label(results_root: Path, stem: str, overrides) -> str:
    """How a scenario argument is named: its file's stem, then `@` and its overrides, as
    `run` names its folder (OutputNameError for a stem that gives no folder)."""
    return output_folder(results_root, stem, list(overrides), None).name


def compare_folder(results_root: Path, labels, options, out: Path | None, reps: int) -> Path:
    """results/compare/<A>-vs-<B>[-vs-C...]@[options,]reps=N: the options (--seed, --horizon) as
    overrides, then the replications, so comparisons with other --reps keep their own folders;
    a hash stands in for the end of a name too long for a folder."""
    if out is not None:
        return output_folder(results_root, "", (), out)
    name = "-vs-".join(labels) + f"@{overrides_label([*options, f'reps={reps}'])}"
    if len(name.encode("utf-8")) > MAX_NAME_CHARS:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        name = f"{name.encode('utf-8')[:MAX_NAME_CHARS - 9].decode('utf-8', 'ignore')}~{digest}"
    if name.startswith("."):
        raise OutputNameError(f"{results_root}/{FOLDER}/{name}: gives no folder of its own; give --out")
    return Path(results_root) / FOLDER / name


# --- numbers -------------------------------------------------------------------------------------
def num(x, metric: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = x / scale(metric)[0]
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"


def signed(x, metric: str = "") -> str:
    text = num(x, metric)
    return text if text == "-" or text.startswith("-") else f"+{text}"


def ratio_text(r) -> str:
    if r is None or math.isnan(r.estimate):
        return "-"
    bounds = "unbounded" if math.isnan(r.low) else f"{r.low:.3g} to {r.high:.3g}"
    return f"x{r.estimate:.3g} [{bounds}]"


def value_text(v, metric: str) -> str:
    if v.n == 0:
        return "-"
    if math.isnan(v.low):
        return num(v.mean, metric)
    return f"{num(v.mean, metric)} [{num(v.low, metric)}, {num(v.high, metric)}]"


def diff_text(d, metric: str) -> str:
    if d is None or d.n == 0:
        return "-"
    if math.isnan(d.low):
        return signed(d.mean, metric)
    return f"{signed(d.mean, metric)} [{num(d.low, metric)}, {num(d.high, metric)}]"


# --- the terminal --------------------------------------------------------------------------------
def compare_table(c) -> str:
    """Means, then each scenario's difference and ratio to the baseline with 95 % intervals."""
    base = c.labels[0]
    head = ["metric", *c.labels]
    for label in c.labels[1:]:
        head += [f"{label} - {base}", f"/ {base}"] if len(c.labels) > 2 else ["difference [95 %]", "ratio [95 %]"]
    rows = [head]
    for m in c.metrics:
        row = [m.metric, *(num(v.mean, m.metric) for v in m.values)]
        for d, r in zip(m.differences[1:], m.ratios[1:], strict=True):
            row += [diff_text(d, m.metric), ratio_text(r)]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"{' vs '.join(c.labels)}: {c.reps} replications each, common random numbers (seeds spawned "
             f"from {c.seed}); mean, paired difference and ratio to {base} (money in million CNY)"]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    return "\n".join(lines)


# --- report.md -----------------------------------------------------------------------------------
def compare_md(c) -> str:
    base = c.labels[0]
    lines = [f"# Compare: {' vs '.join(c.labels)}", "", f"computesim {__version__}.", "",
             "| scenario | file | scenario text sha256 | overrides | horizon, days |", "|---|---|---|---|---:|"]
    for label, reps in zip(c.labels, c.replications, strict=True):
        s = reps.scenario
        lines.append(f"| {label} | {s.source} | {s.source_sha256[:12]} | "
                     f"{', '.join(f'`{o}`' for o in s.overrides) or '-'} | {s.horizon_hours / 24:g} |")
    seeds = ", ".join(str(x) for x in c.seeds)
    lines += [
        "", "## Method", "",
        f"{c.reps} replications of each scenario with common random numbers: replication r of every "
        f"scenario runs with the same seed, spawned from {c.seed} on the key (r) with numpy's SeedSequence "
        f"({seeds}). The model keys each random stream by the seed and the client class's name, so a class "
        "draws the same arrivals, sizes, durations, patience and willingness to pay in every scenario, and "
        "the replications pair up.", "",
        "- **Values**: the mean over replications with its 95 % Student-t interval.",
        f"- **Difference** (scenario - {base}): the mean of the per-replication differences with its paired "
        "95 % t-interval. Common random numbers cancel most of the noise the two share, so it is far "
        "narrower than the two values' intervals suggest; identical scenarios differ by exactly 0.",
        f"- **Ratio** (scenario / {base}): the ratio of the means with Fieller's 95 % interval from the paired "
        "replications (the ratios rho for which the mean of scenario - rho x baseline is within its "
        "t-interval of zero): exact under the normality the t-intervals assume, asymmetric where it should "
        "be, and *unbounded* when the baseline's mean cannot be told from zero.",
        "- With one replication there is no interval: the values and differences are those of the runs.",
        "",
    ]
    years = [_finance_years(r) for r in c.replications]
    if any(years):
        lines += [f"NPV and IRR are the concession's, all sites, over the years each run covers "
                  f"({', '.join(f'{lb}: {y}' for lb, y in zip(c.labels, years, strict=True) if y)}): a run shorter "
                  "than the concession has no exit value.", ""]
    lines += ["![compare](compare.png)", "", "Money in million CNY. Every scenario's runs are in "
              "replications.csv (every metric), these figures in comparison.csv.", ""]
    head = ["metric", *(f"{lb} (mean [95 %])" for lb in c.labels)]
    for label in c.labels[1:]:
        head += [f"{label} - {base}", f"{label} / {base}"]
    lines += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for group, metrics in GROUPS:
        shown = [m for m in c.metrics if m.metric in metrics]
        if not shown:
            continue
        lines.append(f"| **{group}** |" + " |" * (len(head) - 1))
        for m in shown:
            cells = [m.metric, *(value_text(v, m.metric) for v in m.values)]
            for d, r in zip(m.differences[1:], m.ratios[1:], strict=True):
                cells += [diff_text(d, m.metric), ratio_text(r)]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _finance_years(reps):
    years = {r.get("finance.years") for r in reps.rows} - {None}
    return max(years) if years else None


# --- compare.png ---------------------------------------------------------------------------------
# The panels of compare.png: the first six of these the comparison has (NPV only with
# [finance]); every headline metric stays in comparison.csv and the table.
FIGURE_METRICS = ("revenue_cny.operator_revenue", "revenue_cny.operator_net", "finance.npv_cny",
                  "utilisation.overall", "wait_hours.mean", "capacity.at_horizon.pflops_fp16_dense",
                  "revenue_cny.compute_sales_operator_capacity")
FIGURE_PANELS = 6


def figure_metrics(c) -> list:
    have = {m.metric: m for m in c.metrics}
    return [have[k] for k in FIGURE_METRICS if k in have][:FIGURE_PANELS]


def compare_figure(c) -> Figure:
    """Six panels, the metrics an analyst reads first (FIGURE_METRICS): each scenario's mean as
    a bar with its 95 % interval as a whisker; over the bars, each scenario's paired difference
    and ratio to the baseline."""
    shown = figure_metrics(c)
    n = len(shown)
    rows = max(1, math.ceil(n / COLUMNS))
    fig = Figure(figsize=(3.1 * COLUMNS, 2.4 * rows + 0.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # so it draws without a backend
    axes = fig.subplots(rows, COLUMNS, squeeze=False).ravel()
    colours = [f"C{i % 10}" for i in range(len(c.labels))]
    x = np.arange(len(c.labels))
    for ax, m in zip(axes[:n], shown, strict=True):
        div, unit = scale(m.metric)
        means = np.array([v.mean for v in m.values]) / div
        low = np.array([v.low for v in m.values]) / div
        high = np.array([v.high for v in m.values]) / div
        err = np.nan_to_num(np.vstack([means - low, high - means]), nan=0.0)
        ax.bar(x, np.nan_to_num(means), 0.7, yerr=err, color=colours, capsize=3, error_kw={"lw": 0.9})
        ax.set_title(m.metric + (f"\n({unit})" if unit else ""), fontsize=7)
        ax.set_xticks([])
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(_short))
        ax.axhline(0, color="black", lw=0.5)
        notes = []
        for i, (d, r) in enumerate(zip(m.differences[1:], m.ratios[1:], strict=True), start=1):
            notes += [(i, f"diff {diff_text(d, m.metric)}"), (i, f"ratio {ratio_text(r)}")]
        for k, (i, note) in enumerate(notes):
            ax.text(0.02, 0.98 - 0.1 * k, note, transform=ax.transAxes, fontsize=6.5, va="top", color=colours[i])
        ax.set_ylim(top=ax.get_ylim()[1] + (ax.get_ylim()[1] - ax.get_ylim()[0]) * 0.12 * len(notes))
    for ax in axes[n:]:
        ax.set_visible(False)
    handles = [Patch(color=col) for col in colours]
    fig.legend(handles, c.labels, loc="outside lower center", ncols=min(len(c.labels), 3), fontsize=8,
               frameon=False)
    fig.suptitle(f"{c.reps} replications each, common random numbers: bars, mean and 95 % interval; "
                 f"text, paired difference and ratio to {c.labels[0]} (95 %); every metric in comparison.csv",
                 fontsize=9)
    return fig


def _short(v, _=None) -> str:
    """Axis numbers that fit a small panel: 60k and 1.2M, not 60000 with an offset."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e4:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


# --- the set -------------------------------------------------------------------------------------
def compare_files(c) -> dict[str, bytes]:
    columns = ["scenario", "rep", "key", "seed", *metric_names(r for reps in c.replications for r in reps.rows)]
    return {
        "replications.csv": dicts_csv(c.replication_rows(), columns),
        "compare.png": figure_png(compare_figure(c)),
        "report.md": compare_md(c).encode("utf-8"),
        "comparison.csv": dicts_csv(c.table_rows(), TABLE_COLUMNS),  # last: its presence means the set is whole
    }


__all__ = ["argument_label", "compare_figure", "compare_files", "compare_folder", "compare_md", "compare_table"]
