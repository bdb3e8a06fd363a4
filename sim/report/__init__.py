"""Turning a run's results into files: summary.json, timeseries.csv, report.md and plots."""

from __future__ import annotations

from pathlib import Path

from sim.report.files import write_all
from sim.report.markdown import report_md
from sim.report.plots import figure_png, frame_from_rows, revenue_figure, utilisation_figure
from sim.report.tables import summary_json, timeseries_csv

FILES = ("timeseries.csv", "utilisation.png", "revenue.png", "report.md", "summary.json")


def render(summary: dict, daily: list[dict]) -> dict[str, bytes]:
    """Every output file as bytes, before anything touches the disk."""
    name = summary["scenario"]
    return {
        "timeseries.csv": timeseries_csv(daily),
        "utilisation.png": figure_png(utilisation_figure(frame_from_rows(daily), f"{name}: accelerators busy by owner class")),
        "revenue.png": figure_png(revenue_figure(frame_from_rows(daily), f"{name}: cumulative revenue by stream")),
        "report.md": report_md(summary).encode("utf-8"),
        "summary.json": summary_json(summary),  # last: its presence means the set is whole
    }


def write_results(summary: dict, daily: list[dict], out_dir) -> list[Path]:
    return write_all(Path(out_dir), render(summary, daily))


__all__ = ["FILES", "render", "write_results"]
