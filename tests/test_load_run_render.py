"""From input to files: whatever a scenario says, it is refused at load with a ScenarioError,
or it runs and every output file is written with finite numbers. Never another exception.

Inputs: the random model-level scenarios of tests/strategies.py, the fuzzing inputs of
tests/test_loader_fuzz.py (scenario-shaped documents and mutations of the shipped and tiny
scenarios), and a sweep of extreme numbers through every numeric key of the tiny scenario.
Runs are capped at two days, and a scenario that would still bring more jobs or servers
than a test should wait for is loaded and checked but not run.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import tomllib

import attrs
from depth import examples
from hypothesis import HealthCheck, given, settings
from strategies import scenarios
from test_loader_fuzz import SOURCE, dumps, mutated, shaped
from tiny import TINY

import sim
from sim.report import FILES, render
from sim.report.markdown import report_md
from sim.report.tables import summary_json
from sim.scenario import ScenarioError, loads
from sim.scenario.budget import total_jobs
from sim.scheduling.cluster import Cluster

CAP_DAYS = 2.0
MOST_JOBS = 20_000  # beyond this a run takes seconds: checked at load only
MOST_SERVERS = 1_000_000

# Two PNGs per run cost ~0.3 s: modest example counts keep the file near 15 s on one core.
# Most loaded documents are refused (at least one bad value), which is cheap.
SLOW_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
RUNS = settings(max_examples=examples(20), deadline=None, suppress_health_check=SLOW_CHECKS)
DOCUMENTS = settings(max_examples=examples(40), deadline=None, suppress_health_check=SLOW_CHECKS)


def finite_numbers(node, where="summary"):
    if isinstance(node, dict):
        for k, v in node.items():
            finite_numbers(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            finite_numbers(v, f"{where}[{i}]")
    elif isinstance(node, float):
        assert math.isfinite(node), f"{where} = {node}"


def run_and_render(scenario) -> str:
    days = min(CAP_DAYS, scenario.horizon_hours / 24)
    servers = sum(g.count * g.servers_per_rack for g in scenario.rack_groups)
    if servers > MOST_SERVERS or total_jobs(scenario, Cluster(scenario), days * 24) > MOST_JOBS:
        return "too big to run here"
    result = sim.run(scenario, horizon_days=days)
    files = render(result)
    assert set(FILES) <= set(files) and all(files.values())  # finance adds its own files
    finite_numbers(json.loads(files["summary.json"]))  # the writer refuses NaN; inf is checked here
    rows = list(csv.reader(io.StringIO(files["timeseries.csv"].decode("utf-8"))))
    cells = [c for row in rows[1:] for c in row]
    assert not {"nan", "inf", "-inf"} & set(cells)
    assert files["utilisation.png"].startswith(b"\x89PNG") and files["revenue.png"].startswith(b"\x89PNG")
    return "ran"


def load_run_render(text: str) -> str:
    try:
        scenario = loads(text, SOURCE)
    except ScenarioError as e:
        assert e.messages and all(m.startswith(SOURCE + ": ") and "\n" not in m for m in e.messages)
        return "refused"
    return run_and_render(scenario)


@RUNS
@given(scenarios())
def test_strategy_scenarios_run_and_render_with_finite_numbers(scenario):
    run_and_render(scenario)


@DOCUMENTS
@given(shaped())
def test_scenario_shaped_documents_are_refused_or_run_and_render(text):
    load_run_render(text)


@DOCUMENTS
@given(mutated())
def test_mutated_scenarios_are_refused_or_run_and_render(text):
    load_run_render(text)


# --- one extreme number in every numeric key of the tiny scenario -------------------------------
# The fuzzers above rarely put a denormal or a huge value in a key of a file that loads
# otherwise; these values once loaded and then broke the writer (inf, NaN) or the budget.
# Every (key, value) pair is tried; the plots are left out (their input, the daily rows, is
# checked finite) to keep the sweep to a few seconds.
EXTREMES = (5e-324, 1e-310, 1e-300, 1e-7, 0.04, 0.9999999, 1e12, 1e15)
OFFERED = tomllib.loads(TINY)  # tiny with an offered load, a lognormal, patience and a price limit
OFFERED["clients"]["c"].update({
    "arrivals": {"offered_load": 0.5}, "duration": {"dist": "lognormal", "median_hours": 2, "sigma": 1},
    "patience": {"dist": "exponential", "mean_hours": 5}, "max_price_cny_per_accelerator_hour": 5})
OFFERED["pricing"]["annual_decline"] = 0.3


def numeric_keys(node, prefix=()):
    for k, v in node.items():
        if isinstance(v, dict):
            yield from numeric_keys(v, (*prefix, k))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield (*prefix, k)


def test_every_numeric_key_at_an_extreme_is_refused_or_gives_finite_outputs():
    outcomes = {"refused": 0, "ran": 0}
    for base in (tomllib.loads(TINY), OFFERED):
        for path in numeric_keys(base):
            for value in EXTREMES:
                doc = copy.deepcopy(base)
                node = doc
                for k in path[:-1]:
                    node = node[k]
                node[path[-1]] = value
                try:
                    scenario = loads(dumps(doc), SOURCE)
                except ScenarioError as e:
                    assert e.messages and all(m.startswith(f"{SOURCE}: ") for m in e.messages), (path, value)
                    outcomes["refused"] += 1
                    continue
                result = sim.run(scenario, horizon_days=min(CAP_DAYS, scenario.horizon_hours / 24))
                finite_numbers(json.loads(summary_json(result.summary_dict())))
                finite_numbers([attrs.asdict(r) for r in result.daily], "daily")
                report_md(result.summary_dict())
                outcomes["ran"] += 1
    assert outcomes["refused"] > 100 and outcomes["ran"] > 100, outcomes
