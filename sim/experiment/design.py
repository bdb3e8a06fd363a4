"""The points of a sweep: every combination of a grid, or a Latin hypercube / Sobol sample
(scipy.stats.qmc) drawn from the sweep's seed. Points are numbered in a fixed order, so a
point's number, and each of its runs' keys and seeds, are the same every time."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from attrs import frozen
from scipy.stats import qmc

from sim.experiment.plan import RunSpec, run_key
from sim.experiment.seeds import run_seed, sampler_rng


@frozen
class Point:
    index: int
    values: tuple  # one per parameter, in the sweep's order (a choice's name for choices)
    overrides: tuple[str, ...]  # the sweep's fixed overrides, then each parameter's


def unit_sample(sampling: str, dims: int, n: int, seed: int):
    """n points of [0, 1)^dims."""
    rng = sampler_rng(seed, 0)
    if sampling == "latin-hypercube":
        return qmc.LatinHypercube(dims, rng=rng).random(n)
    if sampling == "sobol":
        return qmc.Sobol(dims, scramble=True, rng=rng).random(n)
    raise ValueError(f"not a sampling: {sampling!r}")


def make_point(index: int, parameters, values, fixed=()) -> Point:
    overrides = tuple(fixed) + tuple(o for p, v in zip(parameters, values, strict=True) for o in p.overrides(v))
    return Point(index, tuple(values), overrides)


def expand(sweep) -> list[Point]:
    params = sweep.parameters
    combos: Iterable[Sequence]  # one value per parameter, a point each
    if sweep.sampling == "grid":
        combos = itertools.product(*(p.grid() for p in params))  # the first parameter varies slowest
    else:
        u = unit_sample(sweep.sampling, len(params), sweep.points, sweep.seed)
        combos = ([p.at(float(x)) for p, x in zip(params, row, strict=True)] for row in u)
    return [make_point(i, params, values, sweep.fixed) for i, values in enumerate(combos)]


def run_specs_for(points, replications: int, root_seed: int) -> list[RunSpec]:
    """(point, replication) runs, each seeded from the root seed on the key (point, rep)."""
    return [RunSpec(run_key(pt.index, r), pt.index, r, run_seed(root_seed, pt.index, r), pt.overrides)
            for pt in points for r in range(replications)]
