"""Fuzzing the scenario loader: whatever the file says, it loads or fails as a ScenarioError.

Three sources of input: random text, random TOML documents, and random mutations of the
shipped scenarios (and the tiny one). The property is the same for all three: `loads`
returns a Scenario that a Cluster can be built from, or raises ScenarioError whose every
message is one line `fuzz.toml: ...`. Any other exception is a loader bug.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from pathlib import Path

from builder import key, literal
from depth import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import TINY

from sim.model import Scenario
from sim.scenario import ScenarioError, loads
from sim.scheduling.cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "scenarios").glob("*.toml"))}
BASES = {"tiny.toml": TINY, **SHIPPED}
SOURCE = "fuzz.toml"

FUZZ = settings(max_examples=examples(250), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


# --- a small TOML writer (tomllib reads only) ------------------------------------------------
# The values are written by tests/builder.py (`literal`, `key`), not by sim's own writer
# (sim.scenario.overrides.toml_value): an oracle that shared the loader side's code would share
# its bugs. The round-trip tests below check it against tomllib.
def dumps(doc: dict) -> str:
    """Tables as [headers]; tables inside arrays as inline tables."""
    lines: list[str] = []

    def table(d: dict, path: list[str]) -> None:
        if path:
            lines.append("[" + ".".join(key(k) for k in path) + "]")
        subs = []
        for k, v in d.items():
            if isinstance(v, dict):
                subs.append((k, v))
            else:
                lines.append(f"{key(k)} = {literal(v)}")
        for k, v in subs:
            table(v, [*path, k])

    table(doc, [])
    return "\n".join(lines) + "\n"


def test_the_writer_round_trips_the_shipped_scenarios():
    for text in BASES.values():
        doc = tomllib.loads(text)
        assert tomllib.loads(dumps(doc)) == doc


def plain(x):
    """`x` for comparing what was written with what tomllib read back: tables in any order, and
    a NaN equal to a NaN (-0.0 stays apart from 0.0, a date from a datetime)."""
    if isinstance(x, dict):
        return sorted((k, plain(v)) for k, v in x.items())
    if isinstance(x, list):
        return [plain(v) for v in x]
    if isinstance(x, float):
        return ("float", repr(x))
    return (type(x).__name__, x)


# --- the property ---------------------------------------------------------------------------
def check(text: str) -> str:
    """Load `text`; "ok" or "error". Anything but a Scenario or a ScenarioError fails the test."""
    try:
        scenario = loads(text, SOURCE)
    except ScenarioError as e:
        assert e.messages, "a ScenarioError with no message"
        for m in e.messages:
            assert m.startswith(SOURCE + ": "), m
            assert "\n" not in m and "\r" not in m, m
            assert len(m) > len(SOURCE) + 2
        return "error"
    assert isinstance(scenario, Scenario)
    Cluster(scenario)
    return "ok"


# --- values ---------------------------------------------------------------------------------
SCHEMA_KEYS = [
    "scenario", "name", "description", "seed", "start_date", "horizon_days", "standard_rack_kw",
    "enforce_power", "policy", "placement", "queue", "reclaim", "preempted", "pricing", "basis",
    "price_cny_per_pflops_year", "cny_per_accelerator_hour", "annual_decline", "intermediary_fee",
    "accelerators", "pflops_fp16_dense", "pflops_fp16_sparse", "power_w", "servers", "accelerator",
    "accelerators_per_server", "power_kw", "idle_power_fraction", "busy_power_fraction",
    "stated_pflops_per_server", "sites", "pue", "electricity_cny_per_kwh", "racks", "owner", "count",
    "standard_racks", "servers_per_rack", "server", "online", "ramp_start", "ramp_end", "tranches",
    "date", "tenants", "opt_in_fraction", "colocation_cny_per_kw_month", "demand", "clients",
    "arrivals", "offered_load", "rate_per_hour", "ramp", "at_hours", "sizes", "values", "weights",
    "duration", "patience", "dist", "median_hours", "sigma", "mean_hours", "hours",
    "max_price_cny_per_accelerator_hour", "operator", "x", "s", "a", "t", "c",
]
NAMES = ["operator", "x", "s", "a", "t", "c", "dense", "sparse", "lognormal", "exponential", "fixed",
         "owned-first", "fifo-backfill", "no-preempt", "requeue", "lost", "ascend-910b",
         "atlas-800t-a2", "qingyang", "gpu-cloud-a", "card-as-claimed", "server-as-claimed"]

text_chars = st.characters(blacklist_categories=("Cs",))
keys = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(text_chars, max_size=8))
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
scalars = st.one_of(
    st.integers(-3, 3),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, 2, 4, 8, 24, 365, 1000, 10**6, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 0.9, 1.0, 1.5, 1e-300, 1e300, 1.7976931348623157e308, 5e-324]),
    st.booleans(),
    st.text(text_chars, max_size=12),
    st.sampled_from(NAMES),
    dates,
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
)


def values(depth: int = 2):
    if depth == 0:
        return scalars
    inner = values(depth - 1)
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=4),
        st.lists(st.dictionaries(keys, inner, max_size=3), max_size=3),
        st.dictionaries(keys, inner, max_size=4),
    )


documents = st.recursive(
    st.dictionaries(keys, scalars, max_size=4),
    lambda children: st.dictionaries(keys, st.one_of(scalars, children, st.lists(children, max_size=2)),
                                     max_size=5),
    max_leaves=40,
)


# --- (a) random documents and random text ---------------------------------------------------
@FUZZ
@given(documents)
def test_the_writer_round_trips_random_documents(doc):
    assert plain(tomllib.loads(dumps(doc))) == plain(doc)


@FUZZ
@given(documents)
def test_random_documents_load_or_fail_as_scenario_errors(doc):
    check(dumps(doc))


@FUZZ
@given(st.lists(st.one_of(
    st.text(text_chars, max_size=20),
    st.sampled_from(["[", "]", "[[", "]]", "{", "}", "=", '"', "'", "\n", ",", ".", "#", "1e999",
                     "9" * 5000, "[" * 2000, "{a=" * 1000, "2025-13-45", "inf", "nan", "true"]),
    st.sampled_from(TINY.splitlines(keepends=True)),
), max_size=30))
def test_random_text_loads_or_fails_as_scenario_errors(parts):
    check("".join(parts))


# --- (c) random scenario-shaped documents --------------------------------------------------
def mostly(valid):
    """Usually a value from `valid`; one time in forty any value at all."""
    return st.integers(0, 39).flatmap(lambda i: scalars if i == 17 else valid)  # not 0: hypothesis favours it


def pos(hi=100.0):
    return mostly(st.one_of(st.floats(0.01, hi), st.integers(1, int(hi))))


def frac():
    return mostly(st.floats(0, 1))


@st.composite
def day(draw):
    return draw(mostly(st.one_of(st.integers(-5, 40), st.dates(dt.date(2024, 12, 1), dt.date(2025, 3, 1)))))


@st.composite
def client(draw, accs, sites, private):
    kind = draw(st.sampled_from(["offered_load", "rate_per_hour", "at_hours", "ramp"]))
    arrivals = {
        "offered_load": lambda: {"offered_load": draw(mostly(st.floats(0.01, 2)))},
        "rate_per_hour": lambda: {"rate_per_hour": draw(pos(5))},
        "at_hours": lambda: {"at_hours": sorted(draw(st.lists(st.floats(0, 100), max_size=5)))},
        "ramp": lambda: {"ramp": [{"date": d, "rate_per_hour": draw(pos(5))}
                                  for d in sorted(draw(st.lists(st.integers(-5, 40), min_size=1, max_size=3)))]},
    }[kind]()
    values = draw(st.lists(mostly(st.integers(1, 16)), min_size=1, max_size=4))
    sizes = {"values": values}
    if draw(st.booleans()):
        sizes["weights"] = draw(st.lists(mostly(st.floats(0, 1)), min_size=len(values), max_size=len(values)))
    dist = draw(st.sampled_from(["lognormal", "exponential", "fixed"]))
    duration = {"dist": dist, **{"lognormal": {"median_hours": draw(pos(48)), "sigma": draw(pos(2))},
                                 "exponential": {"mean_hours": draw(pos(48))},
                                 "fixed": {"hours": draw(pos(48))}}[dist]}
    c = {"arrivals": arrivals, "sizes": sizes, "duration": duration}
    if draw(st.booleans()):
        c["patience"] = {"dist": "exponential", "mean_hours": draw(pos(24))}
    if not private and draw(st.booleans()):
        c["max_price_cny_per_accelerator_hour"] = draw(pos(10))
    if draw(st.booleans()):
        c["accelerators"] = draw(st.lists(mostly(st.sampled_from(accs)), min_size=1, max_size=2))
    if draw(st.booleans()):
        c["sites"] = draw(st.lists(mostly(st.sampled_from(sites)), min_size=1, max_size=2))
    return c


@st.composite
def shaped(draw):
    """Documents with the scenario's shape and mostly sensible values: many load."""
    names = st.sampled_from(["a", "b", "c"])
    accs = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    servers = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    tenants = draw(st.lists(st.sampled_from(["t", "u"]), max_size=2, unique=True))
    sites = draw(st.lists(st.sampled_from(["p", "q"]), min_size=1, max_size=2, unique=True))
    doc = {
        "scenario": {"name": "shaped", "seed": draw(mostly(st.integers(0, 2**64))),
                     "start_date": draw(mostly(st.just(dt.date(2025, 1, 1)))),
                     "horizon_days": draw(mostly(st.one_of(st.floats(1 / 24, 30), st.integers(1, 30)))),
                     "standard_rack_kw": draw(pos(10)),
                     "enforce_power": draw(mostly(st.booleans()))},
        "pricing": {"intermediary_fee": draw(mostly(st.integers(0, 10**6).map(lambda ppm: ppm / 10**6))),
                    "annual_decline": draw(mostly(st.floats(0, 0.9)))},
        "accelerators": {}, "servers": {}, "sites": {}, "tenants": {}, "clients": {},
    }
    if draw(st.booleans()):
        doc["pricing"]["price_cny_per_pflops_year"] = draw(pos(200000))
    else:
        doc["pricing"]["cny_per_accelerator_hour"] = {a: draw(pos(10)) for a in accs}
    for a in accs:
        dense = draw(st.floats(0.01, 1))
        doc["accelerators"][a] = {"pflops_fp16_dense": draw(mostly(st.just(dense))),
                                  "pflops_fp16_sparse": draw(mostly(st.just(dense * 2))),
                                  "power_w": draw(pos(700))}
    for sv in servers:
        doc["servers"][sv] = {"accelerator": draw(mostly(st.sampled_from(accs))),
                              "accelerators_per_server": draw(mostly(st.integers(1, 8))),
                              "power_kw": draw(pos(10)), "idle_power_fraction": draw(mostly(st.floats(0, 0.5))),
                              "busy_power_fraction": draw(mostly(st.floats(0.5, 1)))}
    for t in tenants:
        doc["tenants"][t] = {"opt_in_fraction": draw(frac()), "colocation_cny_per_kw_month": draw(pos(1000))}
        if draw(st.booleans()):
            doc["tenants"][t]["demand"] = {"own": draw(client(accs, sites, True))}
    for site in sites:
        racks = {}
        for g in draw(st.lists(st.sampled_from(["g", "h", "i"]), min_size=1, max_size=3, unique=True)):
            rack = {"owner": draw(mostly(st.sampled_from(["operator", *tenants]))),
                    "power_kw": draw(pos(40)), "server": draw(mostly(st.sampled_from(servers)))}
            count = draw(mostly(st.integers(0, 5)))
            if draw(st.integers(0, 3)) == 0:
                rack["standard_racks"] = draw(pos(20))
            else:
                rack["count"] = count
            if draw(st.booleans()):
                rack["servers_per_rack"] = draw(mostly(st.integers(1, 4)))
            build = draw(st.sampled_from(["now", "online", "ramp", "tranches"]))
            if build == "online":
                rack["online"] = draw(day())
            elif build == "ramp":
                start = draw(st.integers(-5, 40))
                rack["ramp_start"], rack["ramp_end"] = start, draw(mostly(st.integers(start + 1, 60)))
            elif build == "tranches" and isinstance(count, int) and 0 <= count < 100:
                cut = draw(st.integers(0, count))
                first = draw(st.integers(-5, 40))
                rack["tranches"] = [{"date": first, "racks": cut},
                                    {"date": draw(mostly(st.integers(first, 60))), "racks": count - cut}]
            racks[g] = rack
        doc["sites"][site] = {"pue": draw(mostly(st.floats(1, 2))),
                              "electricity_cny_per_kwh": draw(pos(1)), "racks": racks}
    for c in draw(st.lists(st.sampled_from(["c1", "c2", "c3"]), max_size=3, unique=True)):
        doc["clients"][c] = draw(client(accs, sites, False))
    return dumps(doc)


@FUZZ
@given(shaped())
def test_random_scenario_shaped_documents_load_or_fail_as_scenario_errors(text):
    check(text)


# --- (b) mutations of the shipped scenarios -------------------------------------------------
def paths(node, prefix=()):
    """Every (container path, key or index) in a parsed document."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out.extend(paths(v, (*prefix, k)))
    return out


def at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def shift(day, days):
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return day


def near(v):
    """Values a careless edit might leave where `v` was: off by a sign, a scale, a type."""
    if isinstance(v, bool):
        return st.sampled_from([not v, 0, 1, "true"])
    if isinstance(v, int):
        return st.sampled_from([0, -1, -v, v + 1, v * 1000, 10**20, 10**400, v / 3 if abs(v) < 10**300 else 0.5, str(v), True])
    if isinstance(v, float):
        return st.sampled_from([0.0, -v, v * 1e6, 1 - v, 1 + v, 1e308, math.inf, math.nan, int(v) if math.isfinite(v) else 0, str(v)])
    if isinstance(v, dt.date):
        return st.one_of(dates, st.sampled_from([0, -1, 10**9, 1e300, v.isoformat()]),
                         st.integers(-1000, 1000).map(lambda d: shift(v, d)))
    if isinstance(v, str):
        return st.sampled_from(NAMES + ["", v.upper(), v + "x"])
    if isinstance(v, list):
        return st.sampled_from([[], v[:1], v + v, v[::-1], [0], ["x"], [{}]])
    if isinstance(v, dict):
        return st.sampled_from([{}, 1, "x", [v]])
    return scalars


@st.composite
def mutated(draw, bases=tuple(BASES)):
    doc = copy.deepcopy(tomllib.loads(BASES[draw(st.sampled_from(bases))]))
    for _ in range(draw(st.integers(1, 4))):
        ps = paths(doc)
        if not ps:
            break
        path = draw(st.sampled_from(ps))
        parent, key = at(doc, path[:-1]), path[-1]
        action = draw(st.sampled_from(["delete", "replace", "near", "near", "insert", "copy"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(values(1))
        elif action == "near":
            parent[key] = draw(near(parent[key]))
        elif action == "insert":
            target = parent[key] if isinstance(parent[key], dict) else parent
            if isinstance(target, dict):
                target[draw(keys)] = draw(values(1))
            else:
                target.append(draw(values(1)))
        else:  # copy a subtree or value to another place: valid-looking, in the wrong spot
            other = draw(st.sampled_from(ps))
            parent[key] = copy.deepcopy(at(doc, other))
    return dumps(doc)


@FUZZ
@given(mutated())
def test_mutated_scenarios_load_or_fail_as_scenario_errors(text):
    check(text)


@FUZZ
@given(mutated(bases=("tiny.toml",)), st.lists(st.sampled_from([
    "scenario.horizon_days=0", "scenario.seed=-1", "pricing.intermediary_fee=1.5",
    "sites.a.pue=0.9", "sites.a.racks.own.count=-1", "scenario.start_date=9999-12-31",
    "clients.c.sizes.values=[9999]", "a.b.c=1", "sites.a.racks=3", "scenario=1", "=1", "x",
    "sites.a.racks.own.online=2024-01-01", "scenario.horizon_days=1e400", "scenario.seed=" + "9" * 5000,
    "sites.a.racks.own.ramp_end=10", "clients.c.arrivals=[[[[[[1]]]]]]", "scenario.name=[",
]), max_size=3))
def test_overrides_on_mutated_scenarios_load_or_fail_as_scenario_errors(text, overrides):
    try:
        scenario = loads(text, SOURCE, overrides)
    except ScenarioError as e:
        assert e.messages and all(m.startswith(SOURCE + ": ") and "\n" not in m for m in e.messages)
    else:
        Cluster(scenario)


def test_the_unmutated_bases_load():
    for name, text in BASES.items():
        assert check(dumps(tomllib.loads(text))) == "ok", name
