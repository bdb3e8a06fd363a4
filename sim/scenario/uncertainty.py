"""A scenario's `[uncertainty]` table, read and checked: every problem at once, one line each,
naming the file and the key.

    [uncertainty]
    "finance.discount_rate" = { dist = "uniform", low = 0.06, high = 0.12, source = "..." }
    "finance.mep_cny_per_mw_it" = { dist = "triangular", low = 9e6, mode = 12e6, high = 15e6, source = "..." }
    "finance.servers.atlas-800t-a2.price_cny" = { dist = "lognormal", median = 1.3e6, sigma = 0.15, source = "..." }
    "pricing.path" = { dist = "choice", values = ["steady-decline", "flat"], weights = [0.7, 0.3], source = "..." }
    rent_west = { keys = ["tenants.a.colocation_cny_per_kw_month", "tenants.b.colocation_cny_per_kw_month"],
                  dist = "uniform", low = 500, high = 800, source = "..." }

    [uncertainty.groups]             # inputs drawn together: one draw, each member at its same quantile
    prices = { members = ["pricing.price_cny_per_pflops_year", "outside_price"], source = "..." }

Each input's values are checked against the scenario itself (its ends, or each
choice, loaded as overrides), so an unknown key or a value the key does not allow is refused
here. The loader itself ignores the table: a run uses the values the file states.
"""

from __future__ import annotations

import math

from sim.model.uncertainty import DISTS, Group, Input, Uncertainty
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import MISSING, Problems, Table, describe, key_text
from sim.scenario.loader import loads
from sim.scenario.overrides import key_path, toml_value
from sim.scenario.parse import parse_toml

FIELDS = ("dist", "low", "high", "mode", "median", "sigma", "values", "weights", "keys", "source")
PARAMS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "lognormal": ("median", "sigma"),
          "choice": ("values",)}


def read_uncertainty(text: str, source: str, check: bool = True) -> Uncertainty:
    """The `[uncertainty]` of a scenario's text (empty when it has none); ScenarioError with one
    line per problem. `check`: load the scenario at each input's ends and choices."""
    try:
        data = parse_toml(text)
    except ValueError as e:
        raise ScenarioError([f"{source}: {e}"]) from None
    problems = Problems(source)
    root = Table(problems, data)
    table = root.table("uncertainty", required=False)
    if table is None:
        if problems.messages:
            raise ScenarioError(problems.messages)
        return Uncertainty((), (), source)
    groups_table = table.table("groups", required=False)
    inputs = [i for i in (_input(name, t) for name, t in _entries(table)) if i is not None]
    if not inputs and not problems.messages:
        table.error("", "must declare at least one uncertain input")
    groups = _groups(groups_table, inputs) if groups_table is not None else []
    _no_key_twice(table, inputs)
    if problems.messages:
        raise ScenarioError(problems.messages)
    u = Uncertainty(tuple(inputs), tuple(groups), source)
    if check:
        _check_values(problems, table, u, text, source)
        if problems.messages:
            raise ScenarioError(problems.messages)
    return u


def _entries(table: Table, prefix: str = ""):
    """(name, table) of each input. `finance.discount_rate = {...}` without quotes nests in
    TOML: a table with none of an input's fields and only tables inside is a key's path."""
    for name in list(table.data):
        if not prefix and name == "groups":
            continue
        t = table.table(name)
        if t is None:
            continue
        if t.data and not any(t.has(k) for k in FIELDS) and all(isinstance(v, dict) for v in t.data.values()):
            t.seen.update(t.data)
            yield from _entries(t, f"{prefix}{key_text(name)}.")
        else:
            yield prefix + name, t


def _number(t: Table, k: str, *, positive=False):
    v = t.raw(k)
    if v is MISSING:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        t.error(k, f"must be a number, got {describe(v)}")
        return None
    if not math.isfinite(v):
        t.error(k, f"must be finite, got {v!r}")
        return None
    if positive and v <= 0:
        t.error(k, f"must be > 0, got {v!r}")
        return None
    return v


def _input(name: str, t: Table) -> Input | None:
    dist = t.string("dist", choices=DISTS)
    src = t.string("source")
    if src is not None and not src.strip():
        t.error("source", "must say where the range comes from (a source, or the word assumption)")
    keys = t.strings("keys", None)
    if dist is None:  # said once; its parameters cannot be judged without it
        t.seen.update(k for k in FIELDS if t.has(k))
        t.done()
        return None
    wanted = PARAMS[dist]
    for k in FIELDS[1:8]:
        if k not in wanted and t.has(k) and not (dist == "choice" and k == "weights"):
            t.raw(k)
            t.error(k, f"not a parameter of {dist!r} (it takes {', '.join(wanted)})")
    ok = True
    values, weights, params = (), (), ()
    if dist == "choice":
        v = t.raw("values")
        if not isinstance(v, list) or not v or any(isinstance(x, (dict, list)) for x in v):
            if v is not MISSING:
                t.error("values", f"must be a non-empty array of single values, got {describe(v)}")
            ok = False
        else:
            values = tuple(v)
            if len(set(map(repr, values))) != len(values):
                t.error("values", "has a value twice")
                ok = False
        w = t.raw("weights", required=False) if t.has("weights") else [1.0] * len(values)
        if ok:
            if (not isinstance(w, list) or len(w) != len(values)
                    or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0
                           for x in w) or sum(w) <= 0):
                t.error("weights", f"must be {len(values)} numbers >= 0, not all 0, one per value; got {describe(w)}")
                ok = False
            else:
                weights = tuple(x / sum(w) for x in w)
    else:
        got = [_number(t, k, positive=(dist == "lognormal")) for k in wanted]
        if any(g is None for g in got):
            ok = False
        elif dist == "uniform" and not got[0] < got[1]:
            t.error("high", f"must be above low: low {got[0]!r}, high {got[1]!r}")
            ok = False
        elif dist == "triangular" and not (got[0] <= got[1] <= got[2] and got[0] < got[2]):
            t.error("mode", f"must lie in [low, high] with low < high: low {got[0]!r}, mode {got[1]!r}, "
                            f"high {got[2]!r}")
            ok = False
        params = tuple(got)
    t.done()
    if not ok or src is None:
        return None
    return Input(name, keys if keys is not None else (name,), dist, params, values, weights, src.strip())


def _groups(t: Table, inputs) -> list[Group]:
    names = {i.name for i in inputs}
    owner: dict[str, str] = {}
    out = []
    for name in list(t.data):
        g = t.table(name)
        if g is None:
            continue
        members = g.strings("members")
        src = g.string("source")
        g.done()
        if members is None or src is None:
            continue
        if len(members) < 2:
            g.error("members", f"a group needs at least two inputs, got {len(members)}")
            continue
        bad = False
        for m in members:
            if m not in names:
                g.error("members", f"{m!r} is not an input of [uncertainty]")
                bad = True
            elif m in owner:
                g.error("members", f"{m!r} is in group {owner[m]!r} already: an input moves with one group")
                bad = True
            owner.setdefault(m, name)
        if not bad:
            out.append(Group(name, tuple(members), src.strip()))
    return out


def _no_key_twice(table: Table, inputs) -> None:
    owner: dict[str, str] = {}
    for i in inputs:
        for k in i.keys:
            if k in owner:
                table.error(i.name, f"sets {k}, which input {key_text(owner[k])} sets too")
            owner.setdefault(k, i.name)


def overrides(i: Input, value) -> tuple[str, ...]:
    """The "key=value" overrides that set the input's keys to `value`."""
    return tuple(f"{k}={toml_value(value)}" for k in i.keys)


def candidates(i: Input) -> list:
    if i.dist == "choice":
        return list(i.values)
    return [i.at(0.0), i.at(1.0)]


def _check_values(problems: Problems, table: Table, u: Uncertainty, text: str, source: str) -> None:
    """Load the scenario with each input's ends and choices: a key it does not have or a
    value it refuses is named here, before anything runs."""
    prefix = f"{source}: "
    for i in u.inputs:
        for value in candidates(i):
            try:
                loads(text, source, overrides(i, value))
            except ScenarioError as e:
                why = "; ".join(m[len(prefix):] if m.startswith(prefix) else m for m in e.messages)
                table.error(i.name, f"{value!r} is not allowed: {why}")
                break


def stated_outside(u: Uncertainty, data: dict) -> list[str]:
    """One line per key whose value in the file (`data`, the parsed text) lies outside its
    input's range or is none of its choices: a range that excludes the scenario's own value was
    left behind when the value moved (README, "The verdict as a distribution")."""
    out = []
    for i in u.inputs:
        for k in i.keys:
            v = stated(data, k)
            if v is None:
                continue
            if i.dist == "choice":
                inside = v in i.values
            else:
                inside = isinstance(v, (int, float)) and not isinstance(v, bool) and i.at(0.0) <= v <= i.at(1.0)
            if not inside:
                out.append(f"{u.source}: uncertainty.{key_text(i.name)}: the file states {k} = {v!r}, "
                           f"outside {i.describe()}")
    return out


def stated(data: dict, key: str):
    """The single value the parsed file states at a dotted key (None if it states none there)."""
    node: object = data
    for part in key_path(key):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if not isinstance(node, (dict, list)) else None
