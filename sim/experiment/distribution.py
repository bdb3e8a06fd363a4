"""The analysis behind `sim uncertainty`, on plain tables: a metric's distribution (P10/P50/P90,
mean, P(metric > threshold) with its interval, the P50's interval against the number of
samples), Sobol and Morris indices of factors on the unit cube (SALib), one-at-a-time P10-P90
swings, and PRIM boxes (the `prim` package). Nothing here runs the simulator: a test gives it a
function with a known answer.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.stats import binom, binomtest

QUANTILES = (0.1, 0.5, 0.9)
CONFIDENCE = 0.95
RESAMPLES = 200  # bootstrap resamples behind each Sobol / Morris interval


def defined(y) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y[np.isfinite(y)]


def percentiles(y) -> dict:
    """n (finite values), mean, P10, P50, P90, min and max; NaN when there is none."""
    v = defined(y)
    if not len(v):
        return {"n": 0, "mean": math.nan, "p10": math.nan, "p50": math.nan, "p90": math.nan,
                "min": math.nan, "max": math.nan}
    p10, p50, p90 = (float(x) for x in np.quantile(v, QUANTILES))
    return {"n": int(len(v)), "mean": float(v.mean()), "p10": p10, "p50": p50, "p90": p90,
            "min": float(v.min()), "max": float(v.max())}


def probability_above(y, threshold: float) -> dict:
    """P(y > threshold) among the finite values, with its exact (Clopper-Pearson) 95 % interval."""
    v = defined(y)
    return probability(v > threshold)


def probability(hit) -> dict:
    """The share of true values, with its exact (Clopper-Pearson) 95 % interval."""
    hit = np.asarray(hit, dtype=bool)
    k, n = int(hit.sum()), int(len(hit))
    if not n:
        return {"k": 0, "n": 0, "p": math.nan, "low": math.nan, "high": math.nan}
    ci = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="exact")
    return {"k": k, "n": n, "p": k / n, "low": float(ci.low), "high": float(ci.high)}


def median_interval(y) -> tuple[float, float]:
    """A distribution-free 95 % interval for the median: order statistics chosen by the binomial."""
    v = np.sort(defined(y))
    n = len(v)
    if n < 6:  # fewer than 6 values cannot cover the median at 95 %
        return (math.nan, math.nan)
    lo = int(binom.ppf((1 - CONFIDENCE) / 2, n, 0.5))  # 0-based: the (lo+1)-th smallest
    hi = n - 1 - lo
    return (float(v[max(0, lo - 1)]), float(v[min(n - 1, hi + 1)]))


def convergence(y) -> list[dict]:
    """The P50 and its 95 % interval on the first n values, n = 8, 16, 32, ... and all: how the
    interval narrows as samples are added (about as 1/sqrt(n)), so a user knows when to stop."""
    v = np.asarray(y, dtype=float)
    sizes = [n for n in (2 ** k for k in range(3, 31)) if n < len(v)] + [len(v)]
    out = []
    for n in sizes:
        lo, hi = median_interval(v[:n])
        out.append({"n": n, "p50": float(np.nanmedian(v[:n])) if n else math.nan,
                    "low": lo, "high": hi, "width": hi - lo})
    return out


def samples_for(width_now: float, n_now: int, width_wanted: float) -> int | None:
    """Samples needed for the P50's interval to shrink to width_wanted (width ~ 1/sqrt(n))."""
    if not (width_now > 0 and width_wanted > 0 and n_now > 0):
        return None
    return int(math.ceil(n_now * (width_now / width_wanted) ** 2))


# --- drivers -----------------------------------------------------------------------------------
def problem(names) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def saltelli(names, n_base: int, seed: int) -> np.ndarray:
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem(names), n_base, calc_second_order=False, seed=seed)


def morris_design(names, trajectories: int, levels: int, seed: int) -> np.ndarray:
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(problem(names), trajectories, num_levels=levels, seed=seed)


def sobol_indices(names, y, seed: int) -> list[dict]:
    """First-order and total indices with 95 % bootstrap intervals; S1 below zero is noise
    (an index is a share of variance), flagged."""
    from SALib.analyze import sobol as sobol_analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = sobol_analyze.analyze(problem(names), np.asarray(y, dtype=float), calc_second_order=False,
                                  num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=seed)
    return [{"factor": n, "S1": float(s["S1"][i]), "S1_conf": float(s["S1_conf"][i]),
             "ST": float(s["ST"][i]), "ST_conf": float(s["ST_conf"][i]),
             "S1_excludes_zero": bool(s["S1"][i] - s["S1_conf"][i] > 0),
             "S1_negative_noise": bool(s["S1"][i] < 0)} for i, n in enumerate(names)]


def morris_indices(names, x, y, levels: int, seed: int) -> list[dict]:
    from SALib.analyze import morris as morris_analyze

    m = morris_analyze.analyze(problem(names), np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                               num_resamples=RESAMPLES, conf_level=CONFIDENCE, num_levels=levels, seed=seed)
    return [{"factor": n, "mu_star": float(m["mu_star"][i]), "mu_star_conf": float(m["mu_star_conf"][i]),
             "mu": float(m["mu"][i]), "sigma": float(m["sigma"][i])} for i, n in enumerate(names)]


def tornado_design(k: int, low: float = 0.1, high: float = 0.9) -> np.ndarray:
    """The base (every factor at its median), then each factor at its P10 and at its P90."""
    rows = [np.full(k, 0.5)]
    for j in range(k):
        for u in (low, high):
            r = np.full(k, 0.5)
            r[j] = u
            rows.append(r)
    return np.array(rows)


def tornado(names, y) -> list[dict]:
    """Each factor's swing, metric at its P90 minus at its P10 (the others at their medians),
    largest first."""
    y = np.asarray(y, dtype=float)
    rows = [{"factor": n, "base": float(y[0]), "at_p10": float(y[1 + 2 * j]), "at_p90": float(y[2 + 2 * j]),
             "swing": float(y[2 + 2 * j] - y[1 + 2 * j])} for j, n in enumerate(names)]
    return sorted(rows, key=lambda r: (-abs(r["swing"]), r["factor"]))


# --- scenario discovery --------------------------------------------------------------------------
def prim_box(x: dict[str, np.ndarray], hit, threshold: float = 0.8, min_coverage: float = 0.6,
             significance: float = 0.05) -> dict | None:
    """A PRIM box (the `prim` package, peeling and pasting as the EMA workbench does) where
    `hit` is true. On the peeling trajectory it takes the densest box that still holds
    `min_coverage` of the hits, then drops each restriction whose quasi-p-value is above
    `significance` (a bound the data do not support). Returns coverage (share of all hits
    inside), density (share of the box's samples that hit), mass and each restricted
    factor's [min, max]; None with no hits or no misses (nothing to tell apart)."""
    import pandas as pd
    import prim

    hit = np.asarray(hit, dtype=bool)
    if hit.sum() == 0 or hit.sum() == len(hit):
        return None
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in x.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(frame, hit, threshold=threshold, threshold_type=">")
        box = p.find_box()
        traj = box.peeling_trajectory
        ok = traj[traj["coverage"] >= min_coverage]
        if len(ok):
            best = ok.sort_values(["density", "coverage"], ascending=False).index[0]
            box.select(int(best))
        for _ in range(len(frame.columns)):
            limits = box.limits
            weak = [n for n in limits.index if float(limits.loc[n, "qp values"]) > significance]
            if not weak:
                break
            box.drop_restriction(weak[0])
        limits = box.limits
    bounds = {str(n): (float(limits.loc[n, "min"]), float(limits.loc[n, "max"])) for n in limits.index}
    return {"coverage": float(box.coverage), "density": float(box.density), "mass": float(box.mass),
            "bounds": bounds}
