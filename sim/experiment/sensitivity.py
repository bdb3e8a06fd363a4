"""Global sensitivity of one metric to a sweep's parameters (SALib): Sobol first-order and
total indices from Saltelli's sampling scheme, and Morris elementary-effects screening, each
with 95 % confidence intervals (bootstrap).

`design` and `analyse` are the whole method; `sensitivity` runs the design's points through
the sweep machinery in between. A test puts a function with known indices in the middle.
"""

from __future__ import annotations

import math

import numpy as np
from attrs import frozen
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiment.design import make_point
from sim.experiment.seeds import sampler_rng
from sim.experiment.sweep import discard_saved, run_points
from sim.experiment.sweepfile import SensitivitySpec, Sweep, load_sweep, sweep_path

RESAMPLES = 200  # bootstrap resamples behind each confidence interval
COLUMNS = ("parameter", "rank", "S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "mu", "sigma")


@frozen
class Design:
    parameters: tuple
    problem: dict  # SALib's: names and bounds
    x_sobol: np.ndarray  # Saltelli's points, N x (D + 2) rows
    x_morris: np.ndarray  # Morris trajectories, r x (D + 1) rows
    spec: SensitivitySpec
    seed: int

    def values(self) -> list[tuple]:
        """Each point's parameter values (Sobol's first, then Morris'), as a sweep point holds them."""
        x = np.vstack([self.x_sobol, self.x_morris])
        return [tuple(p.from_salib(float(v)) for p, v in zip(self.parameters, row, strict=True)) for row in x]


def _seed(seed: int, part: int) -> int:
    return int(sampler_rng(seed, 1, part).integers(2**31 - 1))


def design(parameters, spec: SensitivitySpec, seed: int) -> Design:
    parameters = tuple(parameters)
    problem = {"num_vars": len(parameters), "names": [p.name for p in parameters],
               "bounds": [list(p.bounds()) for p in parameters]}
    x_sobol = sobol_sample.sample(problem, spec.sobol_base_samples, calc_second_order=False,
                                  seed=_seed(seed, 0))
    x_morris = morris_sample.sample(problem, spec.morris_trajectories, num_levels=spec.morris_levels,
                                    seed=_seed(seed, 1))
    return Design(parameters, problem, x_sobol, x_morris, spec, seed)


def analyse(d: Design, y) -> list[dict]:
    """Indices from the metric at each point of the design (Sobol's points, then Morris');
    one row per parameter, ranked by total Sobol index."""
    y = np.asarray(y, dtype=float)
    n = len(d.x_sobol)
    ys, ym = y[:n], y[n:]
    s = sobol_analyze.analyze(d.problem, ys, calc_second_order=False, num_resamples=RESAMPLES,
                              conf_level=0.95, seed=_seed(d.seed, 2))
    m = morris_analyze.analyze(d.problem, d.x_morris, ym, num_resamples=RESAMPLES, conf_level=0.95,
                               num_levels=d.spec.morris_levels, seed=_seed(d.seed, 3))
    rows = [{"parameter": p.name, "S1": float(s["S1"][i]), "S1_conf": float(s["S1_conf"][i]),
             "ST": float(s["ST"][i]), "ST_conf": float(s["ST_conf"][i]),
             "mu_star": float(m["mu_star"][i]), "mu_star_conf": float(m["mu_star_conf"][i]),
             "mu": float(m["mu"][i]), "sigma": float(m["sigma"][i])}
            for i, p in enumerate(d.parameters)]
    rows.sort(key=lambda r: (-_or_low(r["ST"]), -_or_low(r["mu_star"]), r["parameter"]))
    return [{"parameter": r["parameter"], "rank": i + 1, **{k: r[k] for k in COLUMNS[2:]}}
            for i, r in enumerate(rows)]


def _or_low(x: float) -> float:
    return -math.inf if math.isnan(x) else x


@frozen
class SensitivityResult:
    """A sensitivity study: each parameter's Sobol and Morris indices for one metric, ranked
    (`indices`, `frame()`), and every run behind them (`rows`)."""

    sweep: Sweep
    design: Design
    metric: str
    indices: tuple[dict, ...]  # one per parameter, ranked
    rows: tuple[dict, ...]  # every run: point, rep, key, seed, design part, parameters, metrics
    metrics: tuple[str, ...]

    def __repr__(self) -> str:
        return (f"SensitivityResult(sweep={self.sweep.name!r}, metric={self.metric!r}, "
                f"parameters={len(self.indices)}, runs={len(self.rows)})")

    def frame(self):
        import pandas as pd

        return pd.DataFrame(list(self.indices), columns=list(COLUMNS))


def sensitivity(sweep_or_path, *, workers=None, dask=None, executor=None, store_dir=None, progress=None,
                chunk_runs=None) -> SensitivityResult:
    """Sobol and Morris indices of the sweep's [sensitivity] metric (default: its metric)."""
    s = sweep_or_path if isinstance(sweep_or_path, Sweep) else load_sweep(sweep_path(sweep_or_path))
    spec = s.sensitivity
    d = design(s.parameters, spec, s.seed)
    points = [make_point(i, s.parameters, v, s.fixed) for i, v in enumerate(d.values())]
    rows, metrics = run_points("sensitivity", s, points, spec.replications, workers=workers, dask=dask,
                               executor=executor, store_dir=store_dir, progress=progress,
                               chunk_runs=chunk_runs)
    n_sobol = len(d.x_sobol)
    sums, counts = np.zeros(len(points)), np.zeros(len(points))
    for r in rows:
        r["design"] = "sobol" if r["point"] < n_sobol else "morris"
        sums[r["point"]] += r[spec.metric]
        counts[r["point"]] += 1
    indices = analyse(d, sums / counts)
    return SensitivityResult(s, d, spec.metric, tuple(indices), tuple(rows), tuple(metrics))


__all__ = ["Design", "SensitivityResult", "analyse", "design", "discard_saved", "sensitivity"]
