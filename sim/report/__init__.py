"""Turning a run's results into files: summary.json, two CSV files, report.md and plots."""

from __future__ import annotations

from pathlib import Path

from sim.report.files import write_all
from sim.report.markdown import report_md
from sim.report.plots import figure_png, revenue_figure, utilisation_figure
from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv

FILES = ("timeseries.csv", "timeseries_by_site.csv", "utilisation.png", "revenue.png", "report.md",
         "summary.json")


def render(result) -> dict[str, bytes]:
    """Every output file of a RunResult as bytes, before anything touches the disk."""
    summary = result.summary_dict()
    name = summary["scenario"]
    daily = result.daily_frame()
    return {
        "timeseries.csv": timeseries_csv(result.daily),
        "timeseries_by_site.csv": timeseries_by_site_csv(result.daily_by_site),
        "utilisation.png": figure_png(utilisation_figure(daily, f"{name}: accelerators busy by owner class")),
        "revenue.png": figure_png(revenue_figure(daily, f"{name}: cumulative revenue by stream")),
        "report.md": report_md(summary).encode("utf-8"),
        "summary.json": summary_json(summary),  # last: its presence means the set is whole
    }


def write_results(result, out_dir) -> list[Path]:
    return write_all(Path(out_dir), render(result))


__all__ = ["FILES", "render", "write_results"]
