"""Means with 95 % Student-t intervals over independent replications."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from attrs import frozen
from scipy import stats

CONFIDENCE = 0.95


@frozen
class Interval:
    """Mean of n values with the two-sided t-interval; sd is the sample standard deviation
    (n - 1). With one value the spread is unknown: sd, half_width, low and high are NaN."""

    n: int
    mean: float
    sd: float
    half_width: float
    low: float
    high: float


def t_quantile(n, confidence: float = CONFIDENCE):
    """Student t's two-sided quantile for n values (n - 1 degrees of freedom); NaN below 2."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        q = stats.t.ppf(0.5 + confidence / 2, np.where(n >= 2, n - 1, np.nan))
    return float(q) if q.ndim == 0 else q


def interval_columns(x, confidence: float = CONFIDENCE) -> dict[str, np.ndarray]:
    """Column-wise intervals of a (replications x metrics) array; NaN cells are left out."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=0) / n
        dev = np.where(ok, x - mean, 0.0)
        sd = np.sqrt((dev * dev).sum(axis=0) / (n - 1))
        sd = np.where(n >= 2, sd, np.nan)
        half = t_quantile(n, confidence) * sd / np.sqrt(n)
    mean = np.where(n >= 1, mean, np.nan)
    return {"n": n, "mean": mean, "sd": sd, "half_width": half, "low": mean - half, "high": mean + half}


def interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """The t-interval of `values` (NaN values are left out: a metric a run did not have)."""
    c = interval_columns(np.asarray(values, dtype=float), confidence)
    return Interval(int(c["n"][0]), *(float(c[k][0]) for k in ("mean", "sd", "half_width", "low", "high")))


def numeric(value) -> bool:
    """A value a mean can be taken of (bool is not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def matrix(rows: Sequence[dict], metrics: Sequence[str]) -> np.ndarray:
    """rows x metrics as floats, NaN where a row lacks the metric."""
    return np.array([[float(r[m]) if numeric(r.get(m)) else math.nan for m in metrics] for r in rows],
                    dtype=float).reshape(len(rows), len(metrics))


def intervals(rows: Sequence[dict], metrics: Sequence[str], confidence: float = CONFIDENCE) -> dict[str, Interval]:
    """One interval per metric over the rows (one row per replication)."""
    c = interval_columns(matrix(rows, metrics), confidence)
    return {m: Interval(int(c["n"][j]), *(float(c[k][j]) for k in ("mean", "sd", "half_width", "low", "high")))
            for j, m in enumerate(metrics)}
