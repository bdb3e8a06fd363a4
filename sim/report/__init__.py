"""Turning a run's results into files: summary.json, the daily series as CSV and Parquet, report.md,
report.html and plots."""

from __future__ import annotations

from pathlib import Path

from sim.report.audit import audit_md, audit_of
from sim.report.files import write_all
from sim.report.finance import finance_csv, finance_figure, finance_md, finance_regions
from sim.report.html import figure_svg, page
from sim.report.markdown import report_md
from sim.report.plots import figure_png, revenue_figure, revenue_regions, utilisation_figure, utilisation_regions
from sim.report.tables import (
    summary_json,
    table_parquet,
    timeseries_by_site_csv,
    timeseries_by_site_parquet,
    timeseries_csv,
    timeseries_parquet,
)
from sim.report.verdict import verdict_md, verdict_of
from sim.simulation.finance import finance_of, finance_refusal

FILES = ("timeseries.csv", "timeseries_by_site.csv", "timeseries.parquet", "timeseries_by_site.parquet",
         "utilisation.png", "revenue.png", "report.md",
         "report.html", "summary.json")
FINANCE_FILES = ("finance.csv", "finance.png")  # only for a scenario with [finance]
JOBS_FILE = "jobs.parquet"  # only with run --jobs


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


def with_finance(summary: dict, fin, refused: str | None = None) -> dict:
    """The summary with the concession's finance headline as its `finance` section (none
    without [finance]; {"refused": why} when finance_refusal refuses it)."""
    if fin is None:
        return summary if refused is None else {**summary, "finance": {"refused": refused}}
    return {**summary, "finance": fin.headline()}


def summary_of(result, finance=None) -> dict:
    """The summary as summary.json holds it: RunResult.summary_dict(), for a scenario with
    [claim] the verdict on it (`claim`), and with [finance] its headline (`finance`). Give the
    run's FinanceResult if you have it."""
    summary = result.summary_dict()
    fin = finance_of(result) if finance is None else finance
    return with_finance(with_claim(summary, verdict_of(result.scenario, summary, fin)), fin,
                        finance_refusal(result.scenario))


def render(result, jobs=None) -> dict[str, bytes]:
    """Every output file of a RunResult as bytes, before anything touches the disk; with `jobs`
    (the sim.simulation.jobs.JobRecords the run was traced with), jobs.parquet too."""
    fin = finance_of(result)
    summary = result.summary_dict()
    verdict = verdict_of(result.scenario, summary, fin)
    refused = finance_refusal(result.scenario)
    summary = with_finance(with_claim(summary, verdict), fin, refused)
    name = summary["scenario"]
    daily = result.daily_frame()
    audit = audit_of(result.scenario, summary)
    sections = [] if audit is None else [audit_md(audit)]
    files = {
        "timeseries.csv": timeseries_csv(result.daily),
        "timeseries_by_site.csv": timeseries_by_site_csv(result.daily_by_site),
        "timeseries.parquet": timeseries_parquet(result.daily),  # the same rows, typed, full precision
        "timeseries_by_site.parquet": timeseries_by_site_parquet(result.daily_by_site),
    }
    svgs = {}  # the same figures for report.html, as SVG with hover values
    fig = utilisation_figure(daily, f"{name}: accelerators busy by owner class",
                             summary["capacity"]["planned"]["accelerators"])
    svgs["utilisation.png"] = figure_svg(fig, utilisation_regions(fig, daily))
    files["utilisation.png"] = figure_png(fig)
    fig = revenue_figure(daily, f"{name}: cumulative revenue by stream")
    svgs["revenue.png"] = figure_svg(fig, revenue_regions(fig, daily))
    files["revenue.png"] = figure_png(fig)
    if fin is not None:
        files["finance.csv"] = finance_csv(fin)
        fig = finance_figure(fin, f"{name}: cash flow over the concession")
        svgs["finance.png"] = figure_svg(fig, finance_regions(fig, fin))
        files["finance.png"] = figure_png(fig)
        sections.append(finance_md(fin))
    elif refused is not None:
        sections.append(f"## Finance over the concession\n\nFinance {refused}.\n")
    if jobs is not None:
        files[JOBS_FILE] = table_parquet(jobs.table())
    top = [] if verdict is None else [verdict_md(verdict)]
    md = report_md(summary, sections, top)
    files["report.md"] = md.encode("utf-8")
    files["report.html"] = page(f"{name}: computesim report", md, svgs)
    files["summary.json"] = summary_json(summary)  # last: its presence means the set is whole
    return files


def write_results(result, out_dir, jobs=None) -> list[Path]:
    """Write a run's result set (summary.json, the CSVs and Parquet series, report.md and
    report.html, plots; finance.csv and finance.png with [finance]; jobs.parquet with `jobs`)
    into out_dir, replacing an earlier set there as a whole, as `python -m sim run` does;
    return the paths written."""
    return write_all(Path(out_dir), render(result, jobs))


__all__ = ["FILES", "FINANCE_FILES", "JOBS_FILE", "render", "summary_of", "write_results"]
