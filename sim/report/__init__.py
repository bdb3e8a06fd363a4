"""Turning a run's results into files: summary.json, two CSV files, report.md and plots."""

from __future__ import annotations

from pathlib import Path

from sim.experiment.finance import finance_of
from sim.report.audit import audit_md, audit_of
from sim.report.files import write_all
from sim.report.finance import finance_csv, finance_figure, finance_md
from sim.report.markdown import report_md
from sim.report.plots import figure_png, revenue_figure, utilisation_figure
from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv
from sim.report.verdict import verdict_md, verdict_of

FILES = ("timeseries.csv", "timeseries_by_site.csv", "utilisation.png", "revenue.png", "report.md",
         "summary.json")
FINANCE_FILES = ("finance.csv", "finance.png")  # only for a scenario with [finance]


def with_claim(summary: dict, verdict) -> dict:
    """The summary with the verdict on the claim as its `claim` section, after the description
    (a scenario without [claim]: the summary as it is)."""
    if verdict is None:
        return summary
    out = {}
    for k, v in summary.items():
        out[k] = v
        if k == "description":
            out["claim"] = verdict.as_dict()
    return out


def summary_of(result, finance=None) -> dict:
    """The summary as summary.json holds it: RunResult.summary_dict() and, for a scenario
    with [claim], the verdict on it (`claim`). Give the run's FinanceResult if you have it."""
    summary = result.summary_dict()
    fin = finance_of(result) if finance is None else finance
    return with_claim(summary, verdict_of(result.scenario, summary, fin))


def render(result) -> dict[str, bytes]:
    """Every output file of a RunResult as bytes, before anything touches the disk."""
    fin = finance_of(result)
    summary = result.summary_dict()
    verdict = verdict_of(result.scenario, summary, fin)
    summary = with_claim(summary, verdict)
    name = summary["scenario"]
    daily = result.daily_frame()
    audit = audit_of(result.scenario, summary)
    sections = [] if audit is None else [audit_md(audit)]
    files = {
        "timeseries.csv": timeseries_csv(result.daily),
        "timeseries_by_site.csv": timeseries_by_site_csv(result.daily_by_site),
        "utilisation.png": figure_png(utilisation_figure(daily, f"{name}: accelerators busy by owner class",
                                                         summary["capacity"]["planned"]["accelerators"])),
        "revenue.png": figure_png(revenue_figure(daily, f"{name}: cumulative revenue by stream")),
    }
    if fin is not None:
        files["finance.csv"] = finance_csv(fin)
        files["finance.png"] = figure_png(finance_figure(fin, f"{name}: cash flow over the concession"))
        sections.append(finance_md(fin))
    top = [] if verdict is None else [verdict_md(verdict)]
    files["report.md"] = report_md(summary, sections, top).encode("utf-8")
    files["summary.json"] = summary_json(summary)  # last: its presence means the set is whole
    return files


def write_results(result, out_dir) -> list[Path]:
    """Write a run's result set (summary.json, the CSVs, report.md, plots; finance.csv and
    finance.png with [finance]) into out_dir, replacing an earlier set there as a whole, as
    `python -m sim run` does; return the paths written."""
    return write_all(Path(out_dir), render(result))


__all__ = ["FILES", "FINANCE_FILES", "render", "summary_of", "write_results"]
