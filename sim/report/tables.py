"""Summary and timeseries as bytes: JSON and CSV, formatted the same way every time."""

from __future__ import annotations

import csv
import io
import json

import attrs

from sim.experiment.results import COLUMNS, SITE_COLUMNS


def summary_json(summary: dict) -> bytes:
    return (json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _cell(v):
    if isinstance(v, float):
        return f"{v:.6f}".rstrip("0").rstrip(".") if v == v else "nan"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def rows_csv(rows, columns) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(v) for v in attrs.astuple(r, recurse=False)])
    return buf.getvalue().encode("utf-8")


def timeseries_csv(rows) -> bytes:
    return rows_csv(rows, COLUMNS)


def timeseries_by_site_csv(rows) -> bytes:
    return rows_csv(rows, SITE_COLUMNS)
