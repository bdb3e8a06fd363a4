"""Summary and timeseries as bytes: JSON and CSV, formatted the same way every time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import attrs

from sim.simulation.results import COLUMNS, SITE_COLUMNS, DailyRow, SiteDailyRow


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


def rows_parquet(rows, row_type) -> bytes:
    """The same rows as Parquet, one typed column per field at full precision (the CSV rounds
    floats to 6 decimals): int64, float64, string, and date32 for calendar days."""
    import pyarrow as pa

    types = {int: pa.int64(), float: pa.float64(), str: pa.string(), dt.date: pa.date32()}
    fields = attrs.fields(row_type)
    columns = list(zip(*(attrs.astuple(r, recurse=False) for r in rows), strict=True)) or [() for _ in fields]
    table = pa.table({f.name: pa.array(col, type=types[_type(f)]) for f, col in zip(fields, columns, strict=True)})
    return table_parquet(table)


def table_parquet(table) -> bytes:
    """Parquet bytes of a pyarrow table, the same for the same table (pyarrow writes no time)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _type(field):
    t = field.type
    if isinstance(t, str):  # annotations are strings under `from __future__ import annotations`
        t = {"int": int, "float": float, "str": str, "dt.date": dt.date}[t]
    return t


def timeseries_parquet(rows) -> bytes:
    return rows_parquet(rows, DailyRow)


def timeseries_by_site_parquet(rows) -> bytes:
    return rows_parquet(rows, SiteDailyRow)
