"""The verdict as a distribution: a scenario's `[uncertainty]` drawn (Latin hypercube or Sobol,
scipy.stats.qmc) together with the runs' own random draws (each sample its own seed), run
through the sweep machinery (local processes or Dask, resumable through the store), then
analysed (sim.experiment.distribution): the metrics' P10/P50/P90, P(NPV > 0), Sobol indices
by factor (a group is one factor), Morris screening, one-at-a-time P10-P90 swings and PRIM
boxes.

`design` says which points to run; `evaluate` runs them, or a test puts a function there;
`analyse` turns the rows into the study.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import re

import numpy as np
from attrs import field, frozen
from scipy.stats import qmc

from sim.experiment import distribution as dist
from sim.experiment.design import Point
from sim.experiment.plan import RunSpec, run_key
from sim.experiment.seeds import run_seed, sampler_rng
from sim.model.uncertainty import Uncertainty
from sim.scenario.errors import ScenarioError
from sim.scenario.uncertainty import overrides as input_overrides
from sim.scenario.uncertainty import read_uncertainty

PARTS = ("mc", "sobol", "morris", "tornado")
SAMPLINGS = ("latin-hypercube", "sobol")
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
NPV = "finance.npv_cny"
# What the report reads first (those a run has): the concession's verdict, then operating figures.
HEADLINE = (NPV, "finance.npv_without_terminal_cny", "finance.irr", "utilisation.overall",
            "revenue_cny.operator_revenue", "operator_revenue_cny_per_year", "revenue_cny.operator_net")
STREAMS = re.compile(r"^(revenue_cny\.[a-z_]+|finance\.npv_by_line\.[a-z_]+_cny)$")
YEAR_KEY = re.compile(r"^year\.(\d+)\.(cumulative_discounted_cash_flow_cny|operator_revenue_cny)$")


@frozen
class Target:
    """What PRIM looks for: runs where `metric op value` (e.g. finance.npv_cny > 0)."""

    metric: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"

    def hits(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        return np.isfinite(y) & OPS[self.op](y, self.value)


def parse_target(text: str, claimed: float | None = None) -> Target:
    """`METRIC>VALUE` (or >=, <, <=); VALUE `claimed` is the claim's revenue a year (its P, all
    busy, at its price), for `operator_revenue_cny_per_year>=claimed`."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(>=|<=|>|<)\s*([-+0-9.eE_]+|claimed)\s*", text)
    if not m:
        raise ScenarioError([f"--target {text!r}: give METRIC>VALUE, e.g. finance.npv_cny>0"])
    if m.group(3) == "claimed":
        if claimed is None:
            raise ScenarioError([f"--target {text!r}: the scenario has no [claim] to take the value from"])
        return Target(m.group(1), m.group(2), float(claimed))
    try:
        value = float(m.group(3).replace("_", ""))
    except ValueError:
        raise ScenarioError([f"--target {text!r}: {m.group(3)!r} is not a number"]) from None
    return Target(m.group(1), m.group(2), value)


@frozen
class Config:
    samples: int  # Monte Carlo draws (and runs: one replication each)
    seed: int
    sampling: str = "latin-hypercube"
    methods: tuple[str, ...] = PARTS
    sobol_base: int = 32  # N: Saltelli's scheme runs N x (factors + 2) points
    morris_trajectories: int = 8
    morris_levels: int = 4
    metric: str = NPV  # what drivers and the tornado rank
    target: Target = Target(NPV, ">", 0.0)


@frozen
class Design:
    uncertainty: Uncertainty
    config: Config
    u: np.ndarray  # every point's unit-cube coordinates, one column per factor
    parts: tuple[str, ...]  # each point's part (PARTS)

    @property
    def factors(self) -> list[str]:
        return [f for f, _ in self.uncertainty.factors]

    def rows_of(self, part: str) -> np.ndarray:
        return np.array([i for i, p in enumerate(self.parts) if p == part], dtype=int)

    def points(self, fixed=()) -> list[Point]:
        out = []
        for i, row in enumerate(self.u):
            values = self.uncertainty.values_at(row)
            o = tuple(fixed) + tuple(x for inp in self.uncertainty.inputs for x in input_overrides(inp, values[inp.name]))
            out.append(Point(i, tuple(values[inp.name] for inp in self.uncertainty.inputs), o))
        return out

    def specs(self, points) -> list[RunSpec]:
        """One run per point. A Monte Carlo, Sobol or Morris point draws its own seed (the
        runs' randomness is sampled with the assumptions); the tornado's points share one (common
        random numbers: a swing is the input's, not the draws')."""
        tornado = self.rows_of("tornado")
        shared = run_seed(self.config.seed, int(tornado[0]), 0) if len(tornado) else 0
        return [RunSpec(run_key(p.index, 0), p.index, 0,
                        shared if self.parts[p.index] == "tornado" else run_seed(self.config.seed, p.index, 0),
                        p.overrides) for p in points]

    def digest(self) -> str:
        """Names the design (for the store): the inputs, the config, the points."""
        h = hashlib.sha256(json.dumps({"inputs": [repr(i) for i in self.uncertainty.inputs],
                                       "groups": [repr(g) for g in self.uncertainty.groups],
                                       "config": repr(self.config)}, sort_keys=True).encode("utf-8"))
        h.update(np.ascontiguousarray(self.u).tobytes())
        return h.hexdigest()


def _seed(seed: int, part: int) -> int:
    return int(sampler_rng(seed, 7, part).integers(2**31 - 1))


def unit_sample(sampling: str, k: int, n: int, seed: int) -> np.ndarray:
    rng = sampler_rng(seed, 7, 0)
    if sampling == "latin-hypercube":
        return qmc.LatinHypercube(k, rng=rng).random(n)
    if sampling == "sobol":
        return qmc.Sobol(k, scramble=True, rng=rng).random(n)
    raise ValueError(f"not a sampling: {sampling!r}")


def design(uncertainty: Uncertainty, config: Config) -> Design:
    names = [f for f, _ in uncertainty.factors]
    k = len(names)
    blocks, parts = [], []

    def add(part, x):
        blocks.append(np.asarray(x, dtype=float))
        parts.extend([part] * len(x))

    if "mc" in config.methods:
        add("mc", unit_sample(config.sampling, k, config.samples, config.seed))
    if "sobol" in config.methods:
        add("sobol", dist.saltelli(names, config.sobol_base, _seed(config.seed, 1)))
    if "morris" in config.methods:
        add("morris", dist.morris_design(names, config.morris_trajectories, config.morris_levels,
                                         _seed(config.seed, 2)))
    if "tornado" in config.methods:
        add("tornado", dist.tornado_design(k))
    return Design(uncertainty, config, np.vstack(blocks) if blocks else np.zeros((0, k)), tuple(parts))


def run_count(uncertainty: Uncertainty, config: Config) -> int:
    k = len(uncertainty.factors)
    m = config.methods
    return ((config.samples if "mc" in m else 0) + (config.sobol_base * (k + 2) if "sobol" in m else 0)
            + (config.morris_trajectories * (k + 1) if "morris" in m else 0) + (2 * k + 1 if "tornado" in m else 0))


# --- the study -----------------------------------------------------------------------------------
@frozen
class Study:
    """Every run (`rows`: point, rep, key, seed, part, each input's value, each factor's u, every
    metric) and what they say (`metrics`, `probability`, `convergence`, `indices`, `tornado`, `boxes`)."""

    design: Design
    rows: tuple[dict, ...]
    metric_names: tuple[str, ...]
    metrics: tuple[dict, ...]  # per metric: n, mean, P10, P50, P90, min, max (the Monte Carlo's runs)
    probability: dict | None  # P(target), with its interval
    convergence: tuple[dict, ...]
    indices: tuple[dict, ...]  # per factor: Sobol and Morris
    tornado: tuple[dict, ...]
    boxes: tuple[dict, ...]  # long: one row per box and restricted input
    box_note: str = ""
    scenario_name: str = ""
    claimed_revenue_cny_per_year: float | None = None
    wall_s: float = field(default=0.0, eq=False)

    def frame(self, what: str = "samples"):
        import pandas as pd

        rows = {"samples": self.rows, "metrics": self.metrics, "indices": self.indices, "tornado": self.tornado,
                "boxes": self.boxes, "convergence": self.convergence}[what]
        return pd.DataFrame(list(rows))

    def column(self, metric: str, part: str = "mc") -> np.ndarray:
        return np.array([r.get(metric, math.nan) for r in self.rows if r["part"] == part], dtype=float)

    def years(self, what: str = "cumulative_discounted_cash_flow_cny") -> tuple[list[int], np.ndarray]:
        """The Monte Carlo runs' yearly series: (years, runs x years)."""
        ys = sorted({int(m.group(1)) for k in self.metric_names if (m := YEAR_KEY.match(k)) and m.group(2) == what})
        mc = [r for r in self.rows if r["part"] == "mc"]
        return ys, np.array([[r.get(f"year.{y}.{what}", math.nan) for y in ys] for r in mc], dtype=float)


def evaluate_function(d: Design, f) -> list[dict]:
    """Rows as the runs give them, from a function of the inputs' values (a test's known model):
    f(values: dict, seed: int) -> {metric: value}."""
    rows = []
    for p, s in zip(d.points(), d.specs(d.points()), strict=True):
        values = dict(zip((i.name for i in d.uncertainty.inputs), p.values, strict=True))
        rows.append({"point": p.index, "rep": 0, "key": s.key, "seed": s.seed, **f(values, s.seed)})
    return rows


def analyse(d: Design, rows, *, scenario_name: str = "", claimed_revenue: float | None = None) -> Study:
    """The study from the runs' rows (any order; one per point)."""
    names = d.factors
    inputs = d.uncertainty.inputs
    by_point = {r["point"]: r for r in rows}
    metric_names = sorted({k for r in rows for k in r if k not in ("point", "rep", "key", "seed")
                           and k not in {i.name for i in inputs}})
    full = []
    for i, part in enumerate(d.parts):
        r = by_point[i]
        values = d.uncertainty.values_at(d.u[i])
        full.append({"point": i, "rep": r.get("rep", 0), "key": r["key"], "seed": r["seed"], "part": part,
                     **{inp.name: values[inp.name] for inp in inputs},
                     **{f"u.{n}": float(x) for n, x in zip(names, d.u[i], strict=True)},
                     **{m: r[m] for m in metric_names if m in r}})

    def y(part, metric):
        return np.array([r.get(metric, math.nan) for r in full if r["part"] == part], dtype=float)

    cfg = d.config
    if cfg.target.value == -math.inf and "mc" in d.parts:  # no target given: above the metric's median
        import attrs

        cfg = attrs.evolve(cfg, target=Target(cfg.metric, ">", float(np.nanmedian(y("mc", cfg.metric)))))
        d = attrs.evolve(d, config=cfg)
    shown = [m for m in metric_names if m in HEADLINE or STREAMS.match(m)]
    metrics = tuple({"metric": m, **dist.percentiles(y("mc", m))} for m in shown) if "mc" in d.parts else ()
    yt = y("mc", cfg.target.metric)
    probability = (dist.probability(cfg.target.hits(yt)[np.isfinite(yt)])
                   if "mc" in d.parts and cfg.target.metric in metric_names else None)
    conv = tuple(dist.convergence(y("mc", cfg.metric))) if "mc" in d.parts and cfg.metric in metric_names else ()
    indices = _indices(d, names, full, cfg)
    torn = tuple(dist.tornado(names, y("tornado", cfg.metric))) if "tornado" in d.parts else ()
    boxes, note = _boxes(d, full, cfg)
    return Study(d, tuple(full), tuple(metric_names), metrics, probability, conv, indices, torn, boxes, note,
                 scenario_name, claimed_revenue)


def _indices(d: Design, names, full, cfg) -> tuple[dict, ...]:
    out = {n: {"factor": n, "members": ", ".join(i.name for i in members)} for n, members in d.uncertainty.factors}
    if "sobol" in d.parts:
        ys = np.array([r.get(cfg.metric, math.nan) for r in full if r["part"] == "sobol"], dtype=float)
        if np.isfinite(ys).all():
            for row in dist.sobol_indices(names, ys, _seed(cfg.seed, 3)):
                out[row["factor"]].update(row)
    if "morris" in d.parts:
        rows = d.rows_of("morris")
        ym = np.array([full[i].get(cfg.metric, math.nan) for i in rows], dtype=float)
        if np.isfinite(ym).all():
            for row in dist.morris_indices(names, d.u[rows], ym, cfg.morris_levels, _seed(cfg.seed, 4)):
                out[row["factor"]].update(row)
    ranked = sorted(out.values(), key=lambda r: (-_or_low(r.get("ST")), -_or_low(r.get("mu_star")), r["factor"]))
    return tuple({"rank": k + 1, **r} for k, r in enumerate(ranked))


def _or_low(x) -> float:
    return -math.inf if x is None or math.isnan(x) else x


def _boxes(d: Design, full, cfg) -> tuple[tuple[dict, ...], str]:
    """PRIM on the Monte Carlo's factors (u) for the target; with no run reaching it, for the
    metric's best tenth instead, said in the note. Bounds are given in each input's own units."""
    mc = [r for r in full if r["part"] == "mc"]
    if not mc:
        return (), ""
    yt = np.array([r.get(cfg.target.metric, math.nan) for r in mc], dtype=float)
    hit, label = cfg.target.hits(yt), str(cfg.target)
    note = ""
    if hit.sum() == 0 or hit.sum() == len(hit):
        p75 = float(np.nanquantile(yt, 0.75)) if np.isfinite(yt).any() else math.nan
        note = (f"{'none' if hit.sum() == 0 else 'all'} of the {len(mc)} runs have {label}: PRIM has nothing to tell "
                f"apart; the box below is where {cfg.target.metric} is in its best quarter (>= {p75:,.6g})")
        hit, label = np.isfinite(yt) & (yt >= p75), f"{cfg.target.metric} >= {p75:.6g} (its P75)"
    names = d.factors
    box = dist.prim_box({n: np.array([r[f"u.{n}"] for r in mc]) for n in names}, hit)
    if box is None:
        return (), note or f"PRIM found no box for {label}"
    members = dict(d.uncertainty.factors)
    out = []
    for n, (lo, hi) in box["bounds"].items():
        for inp in members[n]:
            if inp.dist == "choice":
                lo_v = ", ".join(str(v) for v in inp.values if lo <= _u_of(inp, v) <= hi) or "-"
                hi_v = ""
            else:
                lo_v, hi_v = inp.at(lo), inp.at(hi)
            out.append({"box": 1, "target": label, "coverage": box["coverage"], "density": box["density"],
                        "mass": box["mass"], "factor": n, "input": inp.name, "u_low": lo, "u_high": hi,
                        "low": lo_v, "high": hi_v})
    if not out:
        note = (note + "; " if note else "") + "PRIM restricted no input"
    return tuple(out), note


def _u_of(inp, value) -> float:
    """The middle of a choice's share of the unit interval."""
    acc = 0.0
    for v, w in zip(inp.values, inp.weights, strict=True):
        if v == value:
            return acc + w / 2
        acc += w
    return math.nan


# --- running it on the simulator -----------------------------------------------------------------
def run_chunk_with_years(chunk) -> list[dict]:
    """A worker's chunk (sim.experiment.worker.run_chunk) plus, with [finance], each year's
    cumulative discounted cash flow and operator revenue (the fan and envelope plots), and the
    operator's revenue per year."""
    from sim.experiment.worker import _scenario, metrics
    from sim.simulation.finance import finance_of
    from sim.simulation.run import run
    from sim.units import DAYS_PER_YEAR, FEN_PER_CNY, HOURS_PER_DAY

    rows = []
    for spec in chunk.runs:
        scenario = chunk.base if chunk.base is not None else _scenario(chunk.text, chunk.source, spec.overrides)
        result = run(scenario, seed=spec.seed, horizon_days=chunk.horizon_days)
        row = {"point": spec.point, "rep": spec.rep, "key": spec.key, "seed": spec.seed, **metrics(result)}
        years = result.scenario.horizon_hours / HOURS_PER_DAY / DAYS_PER_YEAR
        if "revenue_cny.operator_revenue" in row and years > 0:
            row["operator_revenue_cny_per_year"] = row["revenue_cny.operator_revenue"] / years
        fr = finance_of(result)
        if fr is not None:
            p, t = fr.total.project, fr.timing
            cum = 0.0
            for k, (x, rev) in enumerate(zip(p.discounted_by_year(fr.discount_rate, t.before_end("capex"),
                                                                  t.before_end("operations")), p.revenue, strict=True), start=1):
                cum += x
                row[f"year.{k}.cumulative_discounted_cash_flow_cny"] = cum / FEN_PER_CNY
                row[f"year.{k}.operator_revenue_cny"] = rev / FEN_PER_CNY
        rows.append(row)
    return rows


@frozen
class Source:
    """What run_points needs of a sweep: the base scenario's text and names, and the design's."""

    name: str
    scenario_text: str
    scenario_source: str
    scenario_sha256: str
    sha256: str
    seed: int
    parameters: tuple  # objects with .name: the inputs


def study(path, config: Config, *, overrides=(), workers=None, dask=None, executor=None, store_dir=None,
          progress=None, chunk_runs=None) -> Study:
    """Run a scenario file's [uncertainty] through the sweep machinery and analyse it."""
    import time
    from pathlib import Path

    from sim.economics.audit import claimed_revenue_cny_per_year
    from sim.experiment.sweep import run_points
    from sim.scenario.files import read_scenario
    from sim.scenario.loader import loads

    t0 = time.perf_counter()
    path = Path(path)
    text = read_scenario(path).decode("utf-8")
    base = loads(text, str(path), tuple(overrides))
    u = read_uncertainty(text, str(path))
    if not u.inputs:
        raise ScenarioError([f"{path}: no [uncertainty] table: nothing to draw (README, \"The verdict as a distribution\")"])
    check_config(u, config, base, str(path))
    d = design(u, config)
    points = d.points(fixed=tuple(overrides))
    src = Source(path.stem, text, str(path), base.source_sha256, d.digest(), config.seed, u.inputs)
    rows, _ = run_points("uncertainty", src, points, 1, workers=workers, dask=dask, executor=executor,
                         store_dir=store_dir, progress=progress, chunk_runs=chunk_runs, specs=d.specs(points),
                         fn=run_chunk_with_years)
    claimed = claimed_revenue_cny_per_year(base.claim) if base.claim is not None else None
    s = analyse(d, rows, scenario_name=base.name, claimed_revenue=claimed)
    return attrs_evolve(s, wall_s=time.perf_counter() - t0)


def attrs_evolve(s, **kw):
    import attrs

    return attrs.evolve(s, **kw)


def check_config(u: Uncertainty, config: Config, base, source: str) -> None:
    """Counts and metrics that cannot work, one line each, before anything runs."""
    from sim.model.limits import MAX_RUNS

    problems = []
    if "mc" in config.methods and config.samples < 2:
        problems.append(f"--samples: at least 2 Monte Carlo samples, got {config.samples}")
    if "sobol" in config.methods and (config.sobol_base < 2 or config.sobol_base & (config.sobol_base - 1)):
        problems.append(f"--sobol-base: a power of 2 (Sobol sequence balance), at least 2, got {config.sobol_base}")
    if config.sampling == "sobol" and "mc" in config.methods and config.samples & (config.samples - 1):
        problems.append(f"--samples: a power of 2 for --sampling sobol (its balance), got {config.samples}")
    if "morris" in config.methods and config.morris_trajectories < 2:
        problems.append(f"--morris-trajectories: at least 2, got {config.morris_trajectories}")
    n = run_count(u, config)
    if n > MAX_RUNS:
        problems.append(f"{n:,} runs is more than {MAX_RUNS:,}")
    money = base.finance is not None
    for what, m in (("--metric", config.metric), ("--target", config.target.metric)):
        if m.startswith("finance.") and not money:
            problems.append(f"{what} {m}: {source} has no [finance]; try revenue_cny.operator_revenue")
    if problems:
        raise ScenarioError(problems)
