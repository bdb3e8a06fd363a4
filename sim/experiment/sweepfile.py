"""Sweep files (TOML, scenarios/sweeps/): read, check against the base scenario, or fail with
every problem at once, one line each, naming the file and the key.

    [sweep]
    scenario = "qingyang"          # a name in scenarios/, or a path relative to this file
    replications = 3
    sampling = "grid"              # grid | latin-hypercube | sobol
    # points = 32                  # latin-hypercube and sobol (a power of 2)
    metric = "revenue_cny.operator_revenue"
    set = { "scenario.horizon_days" = 180 }   # fixed for every point

    [parameters]
    "pricing.intermediary_fee" = { range = [0.05, 0.40], steps = 4 }
    "policy.queue" = { values = ["fifo", "sjf"] }
    market = { keys = ["clients.a.arrivals.offered_load", "clients.b.arrivals.offered_load"], range = [0.1, 0.4] }
    variant = { choices = { low = { "pricing.annual_decline" = 0.1 }, high = { ... } } }

    [sensitivity]                  # optional: `sim sensitivity`
    sobol_base_samples = 32
    morris_trajectories = 10
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path

from attrs import frozen

from sim.experiment.overrides import as_overrides, toml_value
from sim.experiment.parameters import Choices, Parameter, Range, Values
from sim.model.limits import MAX_RUNS  # a typo in a grid should not queue a year of work
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import INT64, Problems, Table, describe, key_text, one_line
from sim.scenario.files import scenario_path
from sim.scenario.loader import loads, read_scenario

SAMPLINGS = ("grid", "latin-hypercube", "sobol")
DEFAULT_METRIC = "revenue_cny.operator_revenue"


@frozen
class SensitivitySpec:
    metric: str
    sobol_base_samples: int  # N: Saltelli's scheme runs N x (parameters + 2) points
    morris_trajectories: int  # r: Morris runs r x (parameters + 1) points
    morris_levels: int
    replications: int  # per point; the metric's mean over them is analysed


@frozen
class Sweep:
    """A loaded sweep file: the scenario, its parameters and how they are sampled, replications,
    metrics."""

    name: str  # the file name without .toml: results/sweeps/<name>/
    source: str  # the sweep file as given
    description: str
    scenario_source: str  # the base scenario file
    scenario_text: str
    scenario_sha256: str
    fixed: tuple[str, ...]  # overrides applied at every point
    seed: int  # root of every run's seed and of the sampler
    replications: int
    sampling: str
    points: int | None  # for latin-hypercube and sobol
    parameters: tuple[Parameter, ...]
    metric: str
    sensitivity: SensitivitySpec
    sha256: str = ""  # of the sweep file: names its saved runs


def sweep_path(arg) -> Path:
    """A path to a file, or the name of a file in scenarios/sweeps/ ("qingyang-drivers"), found
    from any working directory as scenario names are."""
    return scenario_path(arg, "sweeps")


def base_path(sweep_file: Path, name: str) -> Path:
    """`scenario = "qingyang"`: scenarios/qingyang.toml, as `sim run qingyang` finds it; a path
    (with a `/` or `.toml`) is relative to the sweep file's folder."""
    p = Path(name)
    if p.suffix == ".toml" or p.parent != Path("."):
        return p if p.is_absolute() else sweep_file.parent / p
    return scenario_path(name)


def load_sweep(path) -> Sweep:
    path = Path(path)
    source = str(path)
    raw = read_scenario(path)  # the same one-line errors as a scenario file
    text = raw.decode("utf-8")
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as e:
        raise ScenarioError([one_line(f"{source}: invalid TOML: {e}")]) from None
    problems = Problems(source)
    root = Table(problems, data)
    head = root.table("sweep")
    params = root.table("parameters")
    sens = root.table("sensitivity", required=False)
    root.done()
    if head is None or params is None:
        raise ScenarioError(problems.messages)
    base_name = head.string("scenario")
    description = head.string("description", "")
    seed = head.number("seed", None, integer=True, ge=0, le=INT64[1])
    reps = head.number("replications", 1, integer=True, ge=1)
    sampling = head.string("sampling", "grid", choices=SAMPLINGS)
    points = head.number("points", None, integer=True, ge=1)
    metric = head.string("metric", DEFAULT_METRIC)
    fixed_table = head.table("set", required=False)
    head.done()
    fixed = _fixed(fixed_table)
    found = _parameters(params, sampling)
    parameters = [p for p, _ in found]
    spec = _sensitivity(sens, metric)
    _check_counts(head, sampling, points, reps, parameters)
    _check_sensitivity_runs(problems, spec, len(parameters))
    if problems.messages:
        raise ScenarioError(problems.messages)

    base_file = base_path(path, base_name)
    base_text, base = _base(head, base_file, fixed)
    if problems.messages:
        raise ScenarioError(problems.messages)
    _check_values(problems, found, base_text, str(base_file), fixed)
    _check_metrics(head, sens, base, metric, spec)
    if problems.messages:
        raise ScenarioError(problems.messages)
    return Sweep(name=path.stem, source=source, description=description, scenario_source=str(base_file),
                 scenario_text=base_text, scenario_sha256=base.source_sha256, fixed=fixed,
                 seed=base.seed if seed is None else seed, replications=reps, sampling=sampling,
                 points=points, parameters=tuple(parameters), metric=metric, sensitivity=spec,
                 sha256=hashlib.sha256(raw).hexdigest())


# --- the parts of the file ---------------------------------------------------------------------
def _fixed(t: Table | None) -> tuple[str, ...]:
    return () if t is None else as_overrides(_settings(t))


def _settings(t: Table) -> dict:
    """Scenario keys and values; `{ scenario.horizon_days = 270 }` nests in TOML, and
    `{ "scenario.horizon_days" = 270 }` does not: both mean the same key."""
    out = {}
    for k in list(t.data):
        v = t.raw(k)
        if isinstance(v, dict):
            for kk, vv in _settings(Table(t.problems, v, t.key(k))).items():
                out[f"{k}.{kk}"] = vv
        elif _literal(t, k, v):
            out[k] = v
    return out


def _literal(t: Table, k: str, v) -> bool:
    """A value that can be written back as a TOML literal for the loader."""
    try:
        toml_value(v)
    except TypeError:
        t.error(k, f"must be a number, boolean, string, date or array, got {describe(v)}")
        return False
    return True


def _parameters(params: Table, sampling: str) -> list[tuple[Parameter, str]]:
    """Each parameter with the dotted path of its table, for messages."""
    out = []
    owner: dict[str, str] = {}  # key -> the parameter that sets it
    if not params.data:
        params.error("", "must name at least one parameter")
    for name, t in _entries(params):
        p = _parameter(name, t, sampling)
        if p is None:
            continue
        keys = p.keys
        if not keys and isinstance(p.kind, Choices):  # choices set their own
            keys = tuple(k for s in p.kind.settings for k in _keys_of(s))
        for k in keys:
            if k in owner and owner[k] != name:
                t.error("", f"sets {k}, which parameter {key_text(owner[k])} sets too")
            owner.setdefault(k, name)
        out.append((p, t.path))
    return out


FIELDS = ("values", "range", "choices", "keys", "steps", "integer")


def _entries(params: Table, prefix: str = ""):
    """(name, table) of each parameter. `pricing.intermediary_fee = {...}` without quotes nests
    in TOML: a table with none of a parameter's fields and only tables inside is a key's path."""
    for name in list(params.data):
        t = params.table(name)
        if t is None:
            continue
        if t.data and not any(t.has(k) for k in FIELDS) and all(isinstance(v, dict) for v in t.data.values()):
            t.seen.update(t.data)
            yield from _entries(t, f"{prefix}{key_text(name)}.")
        else:
            yield prefix + name, t


def _keys_of(settings: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(s.partition("=")[0] for s in settings))


def _parameter(name: str, t: Table, sampling: str) -> Parameter | None:
    given = [k for k in ("values", "range", "choices") if t.has(k)]
    if len(given) != 1:
        t.error("", "needs exactly one of values, range or choices" if not given
                else f"has {' and '.join(given)}: give only one")
        for k in ("values", "range", "choices", "keys", "steps", "integer"):
            t.raw(k, required=False)
        return None
    keys = t.strings("keys", None)
    kind: Values | Range | Choices | None = None
    if given == ["values"]:
        kind = _values(t)
    elif given == ["range"]:
        kind = _range(t, sampling)
    else:
        if keys is not None:
            t.error("keys", "choices set their own keys; leave keys out")
        kind = _choices(t)
    if given != ["range"]:
        for k in ("steps", "integer"):
            if t.has(k):
                t.raw(k)
                t.error(k, "only for a range")
    t.done()
    if kind is None:
        return None
    if isinstance(kind, Choices):
        return Parameter(name, (), kind)
    return Parameter(name, keys if keys is not None else (name,), kind)


def _values(t: Table) -> Values | None:
    v = t.raw("values")
    if not isinstance(v, list) or not v:
        t.error("values", f"must be a non-empty array, got {describe(v)}")
        return None
    ok = True
    for i, x in enumerate(v):
        if isinstance(x, (dict, list)) or not _literal(t, f"values[{i}]", x):
            if isinstance(x, (dict, list)):
                t.error(f"values[{i}]", f"must be a single value, got {describe(x)}")
            ok = False
    if ok and len({toml_value(x) for x in v}) != len(v):
        t.error("values", "has a value twice")
        ok = False
    return Values(tuple(v)) if ok else None


def _range(t: Table, sampling: str) -> Range | None:
    v = t.raw("range")
    integer = t.boolean("integer", False)
    steps = t.number("steps", None, integer=True, ge=2, le=MAX_RUNS)
    if sampling == "grid" and steps is None and not t.has("steps"):
        t.error("steps", "missing: a range in a grid needs steps (>= 2), the number of values ends included")
    if sampling != "grid" and t.has("steps"):
        t.error("steps", f"only for sampling = \"grid\"; {sampling} draws its own points")
    if (not isinstance(v, list) or len(v) != 2
            or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)):
        t.error("range", f"must be [low, high], two numbers, got {describe(v)}")
        return None
    low, high = v
    if not all(math.isfinite(x) for x in v):
        t.error("range", f"must be finite, got [{low!r}, {high!r}]")
        return None
    if not low < high:
        t.error("range", f"empty range [{low!r}, {high!r}]: low must be below high")
        return None
    if integer and not all(isinstance(x, int) for x in v):
        t.error("range", f"integer = true needs integer bounds, got [{low!r}, {high!r}]")
        return None
    return Range(low, high, steps, bool(integer))


def _choices(t: Table) -> Choices | None:
    c = t.table("choices")
    if c is None:
        return None
    if not c.data:
        c.error("", "must name at least one choice")
        return None
    names, settings = [], []
    for name in list(c.data):
        s = c.table(name)
        if s is None:
            continue
        if not s.data:
            s.error("", "must set at least one key")
            continue
        names.append(name)
        settings.append(as_overrides(_settings(s)))
    return Choices(tuple(names), tuple(settings)) if len(names) == len(c.data) else None


def _sensitivity(t: Table | None, metric: str) -> SensitivitySpec:
    if t is None:
        return SensitivitySpec(metric, 32, 10, 4, 1)
    spec = SensitivitySpec(
        metric=t.string("metric", metric),
        sobol_base_samples=t.number("sobol_base_samples", 32, integer=True, ge=2),
        morris_trajectories=t.number("morris_trajectories", 10, integer=True, ge=2),
        morris_levels=t.number("morris_levels", 4, integer=True, ge=2),
        replications=t.number("replications", 1, integer=True, ge=1),
    )
    n = spec.sobol_base_samples
    if isinstance(n, int) and n & (n - 1):
        t.error("sobol_base_samples", f"must be a power of 2 (Sobol sequence balance), got {n}")
    if isinstance(spec.morris_levels, int) and spec.morris_levels % 2:
        t.error("morris_levels", f"must be even (Morris' grid jump), got {spec.morris_levels}")
    t.done()
    return spec


def _check_counts(head: Table, sampling, points, reps, parameters) -> None:
    if sampling is None or reps is None:
        return
    if sampling == "grid":
        if points is not None:
            head.error("points", "only for latin-hypercube and sobol; a grid runs every combination")
            return
        n = math.prod(len(p.grid()) if not isinstance(p.kind, Range) or p.kind.steps else 1
                      for p in parameters)
    else:
        if points is None:
            head.error("points", f"missing: {sampling} sampling needs the number of points")
            return
        if sampling == "sobol" and points & (points - 1):
            head.error("points", f"must be a power of 2 for Sobol sampling (its balance), got {points}")
        n = points
    if n * reps > MAX_RUNS:
        head.error("replications", f"{n:,} points x {reps} replications is more than {MAX_RUNS:,} runs")


def _check_sensitivity_runs(problems: Problems, spec: SensitivitySpec, k: int) -> None:
    """Saltelli's N x (k + 2) points and Morris' r x (k + 1), each run `replications` times."""
    n, r, reps = spec.sobol_base_samples, spec.morris_trajectories, spec.replications
    if None in (n, r, reps) or not k:
        return
    runs = (n * (k + 2) + r * (k + 1)) * reps
    if runs > MAX_RUNS:
        problems.add("sensitivity.sobol_base_samples",
                     f"{n:,} x ({k} parameters + 2) Sobol points and {r:,} x ({k} + 1) Morris points, x {reps:,} "
                     f"replications, make {runs:,} runs, more than {MAX_RUNS:,}")


# --- against the base scenario -----------------------------------------------------------------
def _base(head: Table, base_file: Path, fixed):
    try:
        text = read_scenario(base_file).decode("utf-8")
        loads(text, str(base_file))
    except ScenarioError as e:
        for m in e.messages:
            head.error("scenario", f"base scenario does not load: {m}")
        return None, None
    try:
        return text, loads(text, str(base_file), fixed)
    except ScenarioError as e:
        for m in e.messages:
            head.error("set", _strip(m, str(base_file)))
        return None, None


def _strip(message: str, base_source: str) -> str:
    """A loader message about the base scenario, without its file name (given at the end)."""
    prefix = f"{base_source}: "
    body = message[len(prefix):] if message.startswith(prefix) else message
    return f"{body} (in {base_source})"


def _check_values(problems: Problems, found, text, base_source, fixed) -> None:
    """Load the base scenario with each value (a range's ends and middle): a value the scenario
    would refuse is refused here, before anything runs."""
    for p, path in found:
        t = Table(problems, {}, path)
        if isinstance(p.kind, Range):
            mid = (p.kind.low + p.kind.high) // 2 if p.kind.integer else (p.kind.low + p.kind.high) / 2
            where, candidates = "range", [p.kind.low, mid, p.kind.high]
        elif isinstance(p.kind, Values):
            where, candidates = "values", list(p.kind.values)
        else:
            where, candidates = "choices", list(p.kind.names)
        for value in candidates:
            try:
                loads(text, base_source, fixed + p.overrides(value))
            except ScenarioError as e:
                shown = value if isinstance(p.kind, Choices) else toml_value(value)
                t.error(where, f"{shown} is not allowed: " + "; ".join(_strip(m, base_source) for m in e.messages))
                break  # one line per parameter is enough


def _check_metrics(head: Table, sens: Table | None, base, metric, spec) -> None:
    from sim.experiment.worker import metrics
    from sim.simulation.run import run

    known = metrics(run(base, horizon_days=1))  # the same keys as any run of this scenario
    checks = [(head, metric)] + ([(sens, spec.metric)] if sens is not None else [])
    for table, m in checks:
        if m is not None and m not in known:
            near = [x for x in known if m.split(".")[-1] in x][:3] or [DEFAULT_METRIC]
            table.error("metric", f"unknown metric {m!r}; e.g. {', '.join(near)}")

