"""Tables of replications, sweeps and sensitivity as CSV bytes, the same bytes for the same
numbers: floats as Python's shortest round-trip repr, NaN and missing cells empty."""

from __future__ import annotations

import csv
import io
import json
import math

import attrs


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):  # numpy floats too
        return "" if math.isnan(v) else repr(float(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def dicts_csv(rows, columns) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([cell(r.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def intervals_csv(intervals: dict) -> bytes:
    rows = [{"metric": m, **attrs.asdict(iv)} for m, iv in intervals.items()]
    return dicts_csv(rows, ["metric", "n", "mean", "sd", "half_width", "low", "high"])


def json_bytes(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
