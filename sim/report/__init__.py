"""Turning a run's results into files: summary.json, two CSV files, report.md and plots."""

from __future__ import annotations

from pathlib import Path

import attrs

from sim.report.files import write_all
from sim.report.markdown import report_md
from sim.report.plots import revenue_png, utilisation_png
from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv

FILES = ("timeseries.csv", "timeseries_by_site.csv", "utilisation.png", "revenue.png", "report.md",
         "summary.json")


def render(result) -> dict[str, bytes]:
    """Every output file of a RunResult as bytes, before anything touches the disk."""
    summary = result.summary_dict()
    name = summary["scenario"]
    daily = [{**attrs.asdict(r), "date": r.date.isoformat()} for r in result.daily]
    return {
        "timeseries.csv": timeseries_csv(result.daily),
        "timeseries_by_site.csv": timeseries_by_site_csv(result.daily_by_site),
        "utilisation.png": utilisation_png(daily, f"{name}: accelerators busy by owner class"),
        "revenue.png": revenue_png(daily, f"{name}: cumulative revenue by stream"),
        "report.md": report_md(summary).encode("utf-8"),
        "summary.json": summary_json(summary),  # last: its presence means the set is whole
    }


def write_results(result, out_dir) -> list[Path]:
    return write_all(Path(out_dir), render(result))


__all__ = ["FILES", "render", "write_results"]
