"""Solve for one parameter: the value at which the replication mean of a metric reaches a target.

Common random numbers: every evaluation runs the same seeds (replication r: run_seed(seed, r)),
so the mean is a deterministic function of the parameter and a root finder can work on it.

1. Scan: `scan` evenly spaced values over [low, high] (the ends included), run as one batch.
2. Bracket: the first pair of neighbouring scanned values where mean - target changes sign.
   None: the target is not reachable as far as the scan shows; the remaining budget then
   refines the value closest to the target (scipy's bounded minimiser on |mean - target|),
   which may still find a crossing. A metric that peaks between scanned values can be missed.
3. Root: scipy's brentq on mean(x) - target in the bracket (robust where the mean moves in
   steps, as it does when a job accepts or refuses a price), to xtol = XTOL_FRACTION x (high - low).
4. Interval: from the root outward, the first values where |mean - target| = the 95 %
   t-interval's half width, also by brentq: over that range the target lies inside the metric's
   interval. With one replication there is no interval: it is the point.

Evaluations are cached by value and never exceed `max_evals`; when the budget runs out first
the best bracket is returned with `converged = False`. Values are rounded to a decimal grid a
tenth of xtol or finer, so that a key held to whole steps (the fee, in parts per million) takes them.
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
from attrs import frozen
from scipy.optimize import brentq, minimize_scalar

from sim.experiment.batch import run_specs
from sim.experiment.executor import make_executor
from sim.experiment.intervals import interval
from sim.experiment.overrides import as_overrides, toml_value
from sim.experiment.plan import RunSpec, run_key
from sim.experiment.seeds import run_seed
from sim.experiment.targets import metric_key, number, resolve_target
from sim.experiment.worker import metrics
from sim.scenario import ScenarioError, loads, read_scenario, scenario_path
from sim.simulation.run import run
from sim.units import HOURS_PER_DAY

DEFAULT_REPS = 5
DEFAULT_MAX_EVALS = 32  # scan 5 + root ~4-12 + each interval end ~8 on qingyang's price
DEFAULT_SCAN = 5
XTOL_FRACTION = 1e-4  # of (high - low)


@frozen
class Evaluation:
    """The metric over the replications at one value of the parameter."""

    x: float
    values: tuple[float, ...]  # one per replication, in order
    mean: float
    half_width: float  # of the 95 % t-interval; NaN with one replication
    low: float
    high: float


@frozen
class Solution:
    """What solve found: the parameter's value at which the metric's replication mean reaches
    the target (`value`, `interval`), or the closest value when it cannot, and every
    evaluation on the way (`frame()`)."""

    scenario: str
    source: str  # the scenario file
    source_sha256: str
    overrides: tuple[str, ...]  # on the file, besides the parameter
    metric: str  # dotted key
    target: float
    target_how: str  # how the target was reached (a number, or a multiple of the claim)
    param: str
    low: float
    high: float
    reps: int
    seed: int  # replication r runs with run_seed(seed, r), at every value
    horizon_days: float
    max_evals: int
    xtol: float
    reachable: bool
    converged: bool  # the root is known to xtol (False: the budget ran out first, or unreachable)
    value: float | None  # the solution: an evaluated value (None when not reachable)
    bracket: tuple[float, float] | None  # the narrowest evaluated pair around the root
    interval: tuple[float, float] | None  # where the target lies inside the metric's 95 % interval
    closest: Evaluation | None  # not reachable: the evaluated value nearest the target
    evaluations: tuple[Evaluation, ...]  # in the order they ran
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        found = f"value={self.value!r}" if self.reachable else "unreachable"
        return (f"Solution(scenario={self.scenario!r}, param={self.param!r}, metric={self.metric!r}, "
                f"target={self.target!r}, {found}, evaluations={len(self.evaluations)})")

    @property
    def at_value(self) -> Evaluation | None:
        return next((e for e in self.evaluations if e.x == self.value), None)

    def frame(self):
        import pandas as pd

        return pd.DataFrame([{"x": e.x, "mean": e.mean, "half_width": e.half_width, "low": e.low,
                              "high": e.high} for e in self.evaluations])


class _Budget(Exception):
    """The next evaluation would exceed max_evals."""


class _Crossed(Exception):
    """A value on the other side of the target turned up: there is a bracket after all."""


class _Evaluator:
    """Runs batches of values (all replications of each) and keeps them by value."""

    def __init__(self, run_batch, max_evals: int, target: float, low: float, high: float, decimals: int):
        self.run_batch, self.max_evals, self.target = run_batch, max_evals, target
        self.low, self.high, self.decimals = low, high, decimals
        self.cache: dict[float, Evaluation] = {}
        self.order: list[Evaluation] = []

    def key(self, x: float) -> float:
        x = float(x)
        if x in (self.low, self.high):
            return x
        return min(self.high, max(self.low, round(x, self.decimals)))

    def many(self, xs) -> list[Evaluation]:
        keys = list(dict.fromkeys(self.key(x) for x in xs))
        new = [k for k in keys if k not in self.cache]
        if len(self.order) + len(new) > self.max_evals:
            raise _Budget
        if new:
            for ev in self.run_batch(new, len(self.order)):
                self.cache[ev.x] = ev
                self.order.append(ev)
        return [self.cache[k] for k in keys]

    def __call__(self, x: float) -> Evaluation:
        return self.many([x])[0]

    def g(self, x: float) -> float:
        return self(x).mean - self.target

    def h(self, x: float) -> float:
        """<= 0 where the target lies inside the interval."""
        e = self(x)
        return abs(e.mean - self.target) - e.half_width

    def points(self) -> list[Evaluation]:
        return sorted(self.order, key=lambda e: e.x)


def _sign_changes(points, target) -> list[tuple[Evaluation, Evaluation]]:
    return [(a, b) for a, b in pairwise(points) if (a.mean - target) * (b.mean - target) <= 0]


def decimals_for(xtol: float) -> int:
    """Decimal places of a grid a tenth of xtol or finer (negative: tens, hundreds, ...)."""
    return math.ceil(-math.log10(xtol)) + 1


def _read(scenario, overrides):
    if not isinstance(scenario, (str, Path)):
        raise TypeError("solve takes a scenario name or path (each evaluation loads the file with the "
                        f"parameter set), not {type(scenario).__name__}")
    path = scenario_path(scenario)
    text = read_scenario(path).decode("utf-8")
    if isinstance(overrides, str):
        overrides = [overrides]
    overrides = as_overrides(overrides) if hasattr(overrides, "items") else tuple(str(o) for o in overrides)
    return path, text, overrides


def _check_range(param: str, low, high) -> tuple[float, float]:
    problems = []
    if param.strip() == "scenario.seed":
        problems.append(f"{param}: the seed is not a parameter: every value runs the same seeds (give seed=)")
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        problems.append(f"{param}: LOW and HIGH must be numbers, got {low!r} and {high!r}")
    else:
        if not (math.isfinite(low) and math.isfinite(high)):
            problems.append(f"{param}: LOW and HIGH must be finite, got {low!r} and {high!r}")
        elif low >= high:
            problems.append(f"{param}: LOW must be below HIGH, got {low:g} to {high:g}")
    if problems:
        raise ScenarioError(problems)
    return low, high


def solve(scenario, metric: str, target, param: str, low: float, high: float, *, reps: int = DEFAULT_REPS,
          max_evals: int = DEFAULT_MAX_EVALS, seed: int | None = None, horizon_days: float | None = None,
          overrides=(), scan: int = DEFAULT_SCAN, workers: int | None = None, dask: str | None = None,
          executor=None, progress=None) -> Solution:
    """The value of `param` in [low, high] at which the mean of `metric` over `reps` replications
    equals `target` (a number, or "claimed", "K*claimed", "claimed*K": K times the claim's revenue
    over the horizon). `scenario` is a name in scenarios/ or a path; `overrides` go on the file
    before the parameter. Bad input raises ScenarioError, one line per problem, before any run.
    `progress(runs_done, most_runs)` is called as evaluations finish."""
    if reps < 1 or max_evals < 2 or scan < 2:
        raise ValueError(f"reps must be >= 1, max_evals and scan >= 2; got {reps}, {max_evals}, {scan}")
    low, high = _check_range(param, low, high)
    path, text, overrides = _read(scenario, overrides)
    if seed is not None:  # checked by the loader, like the file's own
        overrides = (*overrides, f"scenario.seed={toml_value(seed)}")
    if horizon_days is not None:
        overrides = (*overrides, f"scenario.horizon_days={toml_value(horizon_days)}")
    base = loads(text, str(path), overrides)
    for x in (low, high):  # the loader names a key that is unknown or takes no number
        loads(text, str(path), (*overrides, f"{param}={toml_value(x)}"))
    key = metric_key(metric, metrics(run(base, horizon_days=min(1.0, base.horizon_hours / HOURS_PER_DAY))))
    goal, how = resolve_target(target, key, base)
    root_seed = base.seed
    xtol = XTOL_FRACTION * (high - low)

    own = executor is None
    executor = executor or make_executor(workers, dask)
    payload = {"text": text, "source": str(path)}

    def run_batch(xs, first):
        specs = [RunSpec(run_key(first + i, r), first + i, r, run_seed(root_seed, r),
                         (*overrides, f"{param}={toml_value(x)}")) for i, x in enumerate(xs) for r in range(reps)]
        rows = run_specs(specs, payload, executor=executor)
        out = []
        for i, x in enumerate(xs):
            found = [r.get(key) for r in rows if r["point"] == first + i]
            values = [v for v in found if v is not None]
            if len(values) < len(found):
                raise ScenarioError([f"metric {key!r}: not in the results at {param}={x:g}"])
            iv = interval(values)
            out.append(Evaluation(x, tuple(float(v) for v in values), iv.mean, iv.half_width, iv.low, iv.high))
        if progress is not None:
            progress((first + len(xs)) * reps, max_evals * reps)
        return out

    ev = _Evaluator(run_batch, max_evals, goal, low, high, decimals_for(xtol))
    try:
        found = _search(ev, low, high, scan, xtol)
    finally:
        if own:
            executor.close()
    return Solution(base.name, str(path), base.source_sha256, overrides, key, goal, how, param, low, high,
                    reps, root_seed, base.horizon_hours / HOURS_PER_DAY, max_evals, xtol,
                    evaluations=tuple(ev.order), **found)


def _search(ev: _Evaluator, low, high, scan, xtol) -> dict:
    ev.many(np.linspace(low, high, max(2, min(scan, ev.max_evals))))
    crossings = _sign_changes(ev.points(), ev.target)
    if not crossings:
        _refine_closest(ev, xtol)
        crossings = _sign_changes(ev.points(), ev.target)
    if not crossings:
        closest = min(ev.order, key=lambda e: (abs(e.mean - ev.target), e.x))
        return dict(reachable=False, converged=False, value=None, bracket=None, interval=None, closest=closest)
    notes = []
    if len(crossings) > 1:
        others = ", ".join(f"[{number(a.x)}, {number(b.x)}]" for a, b in crossings[1:])
        notes.append(f"the mean also crosses the target in {others}: the lowest crossing is solved")
    a, b = crossings[0]
    converged = True
    if a.mean == ev.target or b.mean == ev.target:
        root = a.x if a.mean == ev.target else b.x
    else:
        try:
            root = ev.key(brentq(ev.g, a.x, b.x, xtol=xtol))
        except _Budget:
            converged = False
            notes.append(f"the budget of {ev.max_evals} evaluations ran out before the tolerance")
    inside = [p for p in _sign_changes(ev.points(), ev.target) if a.x <= p[0].x and p[1].x <= b.x]
    lo, hi = min(inside, key=lambda p: (p[1].x - p[0].x, p[0].x))
    if not converged:  # the best evaluated value of the narrowest bracket
        root = min((lo, hi), key=lambda e: abs(e.mean - ev.target)).x
    span, span_notes = _interval(ev, root, low, high, xtol, converged)
    return dict(reachable=True, converged=converged, value=root, bracket=(lo.x, hi.x), interval=span,
                closest=None, notes=tuple(notes + span_notes))


def _refine_closest(ev: _Evaluator, xtol) -> None:
    """No crossing in the scan: look closer around the value nearest the target, on what is
    left of the budget, stopping as soon as a value lands on the other side."""
    pts = ev.points()
    i = min(range(len(pts)), key=lambda j: abs(pts[j].mean - ev.target))
    if i in (0, len(pts) - 1):  # an end: a monotone metric never gets closer inside
        return
    side = math.copysign(1.0, pts[i].mean - ev.target)

    def distance(x):
        d = ev.g(x)
        if d * side <= 0:
            raise _Crossed
        return abs(d)

    try:
        minimize_scalar(distance, bounds=(pts[i - 1].x, pts[i + 1].x), method="bounded",
                        options={"xatol": xtol})
    except (_Budget, _Crossed):
        pass


def _interval(ev: _Evaluator, root, low, high, xtol, converged: bool) -> tuple[tuple[float, float], list]:
    at = ev(root)
    if math.isnan(at.half_width):
        return (root, root), ["one replication: no interval, so the interval is the point"]
    if ev.h(root) > 0:
        why = "the replications agree there" if converged else "it is the best evaluated value, not a root"
        return (root, root), [f"the target is outside the metric's interval at the solution ({why}): "
                              "the interval is the point"]
    ends, notes = [], []
    for side, bound, word in ((-1, low, "LOW"), (1, high, "HIGH")):
        beyond = sorted((e for e in ev.order if (e.x - root) * side > 0), key=lambda e: abs(e.x - root))
        outer = next((e for e in beyond if ev.h(e.x) > 0), None)
        if outer is None:
            ends.append(bound)
            notes.append(f"the target lies inside the metric's interval all the way to {word} ({number(bound)})")
            continue
        inner = max((e for e in beyond if abs(e.x - root) < abs(outer.x - root)),
                    key=lambda e: abs(e.x - root), default=at)
        try:
            ends.append(ev.key(brentq(ev.h, min(outer.x, inner.x), max(outer.x, inner.x), xtol=xtol)))
        except _Budget:
            ends.append(outer.x)
            a, b = sorted((outer.x, inner.x))
            notes.append(f"the budget ran out before the interval's {'lower' if side < 0 else 'upper'} end: "
                         f"it lies between {number(a)} and {number(b)}; the outer value is given")
    return (min(ends), max(ends)), notes
