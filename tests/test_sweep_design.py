"""Sweep files: grid and quasi-random designs, run keys and seeds, and bad input refused."""

import math

import numpy as np
import pytest
from sweeps import SMALL, workdir

from sim.experiment.design import expand, run_specs_for, unit_sample
from sim.experiment.parameters import Choices, Parameter, Range, Values
from sim.experiment.seeds import run_seed
from sim.experiment.sweepfile import load_sweep
from sim.scenario import ScenarioError


@pytest.fixture
def wd(tmp_path, monkeypatch):
    d = workdir(tmp_path)
    monkeypatch.chdir(d)
    return d


def write(wd, text, name="t"):
    path = wd / "scenarios" / "sweeps" / f"{name}.toml"
    path.write_text(text)
    return f"scenarios/sweeps/{name}.toml"


def errors(wd, text) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_sweep(write(wd, text))
    return e.value.messages


# --- grids -----------------------------------------------------------------------------------
def test_grid_is_every_combination_first_parameter_slowest(wd):
    s = load_sweep(write(wd, SMALL))
    points = expand(s)
    assert [p.values for p in points] == [(0.1, 1.1), (0.1, 1.3), (0.3, 1.1), (0.3, 1.3)]
    assert points[2].overrides == ("scenario.horizon_days=20", "pricing.intermediary_fee=0.3",
                                   "sites.qingyang.pue=1.1")
    assert [p.index for p in points] == [0, 1, 2, 3]


def test_range_grids_include_both_ends():
    assert Range(0.0, 1.0, 5).grid() == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert Range(60000, 140000, 5, integer=True).grid() == (60000, 80000, 100000, 120000, 140000)
    assert Range(1, 3, 5, integer=True).grid() == (1, 2, 3)  # rounding repeats are dropped


def test_choices_and_several_keys_become_overrides():
    c = Parameter("variant", (), Choices(("low", "high"), (("a.x=1",), ("a.x=2", "b.y=\"z\""))))
    assert c.overrides("high") == ("a.x=2", 'b.y="z"')
    p = Parameter("load", ("c.a.arrivals.offered_load", "c.b.arrivals.offered_load"), Range(0.1, 0.4))
    assert p.overrides(0.25) == ("c.a.arrivals.offered_load=0.25", "c.b.arrivals.offered_load=0.25")
    q = Parameter("policy.queue", ("policy.queue",), Values(("fifo", "sjf")))
    assert q.overrides("sjf") == ('policy.queue="sjf"',)


# --- quasi-random designs --------------------------------------------------------------------
def strata(values, low, high, n):
    return sorted(math.floor((v - low) / (high - low) * n) for v in values)


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_parameter(wd):
    text = SMALL.replace('sampling = "grid"', 'sampling = "latin-hypercube"\npoints = 16')
    text = text.replace(", steps = 2", "").replace("{ values = [0.1, 0.3] }", "{ range = [0.05, 0.45] }")
    s = load_sweep(write(wd, text))
    points = expand(s)
    assert len(points) == 16
    fee, pue = zip(*(p.values for p in points))
    assert strata(fee, 0.05, 0.45, 16) == list(range(16))
    assert strata(pue, 1.1, 1.3, 16) == list(range(16))
    assert [p.values for p in expand(s)] == [p.values for p in points]  # the same every time


def test_sobol_points_are_balanced_and_change_with_the_seed():
    u = unit_sample("sobol", 3, 32, seed=7)
    for j in range(3):  # a scrambled Sobol net: one point in each 1/32 of each axis
        assert sorted(np.floor(u[:, j] * 32).astype(int)) == list(range(32))
    assert np.array_equal(u, unit_sample("sobol", 3, 32, seed=7))
    assert not np.array_equal(u, unit_sample("sobol", 3, 32, seed=8))


def test_discrete_values_take_equal_shares_of_the_unit_interval():
    p = Parameter("policy.queue", ("policy.queue",), Values(("fifo", "sjf", "easy-backfill")))
    assert [p.at(u) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 0.999)] == \
        ["fifo", "fifo", "sjf", "sjf", "easy-backfill", "easy-backfill"]
    i = Parameter("n", ("n",), Range(1, 3, integer=True))
    assert [i.at(u) for u in (0.0, 0.34, 0.67, 0.9999)] == [1, 2, 3, 3]


# --- keys and seeds --------------------------------------------------------------------------
def test_every_run_has_a_stable_key_and_a_seed_spawned_on_it(wd):
    s = load_sweep(write(wd, SMALL))
    specs = run_specs_for(expand(s), 2, s.seed)
    assert [x.key for x in specs] == [f"p{p}/r{r}" for p in range(4) for r in range(2)]
    expected = [int(np.random.SeedSequence(20231130, spawn_key=(p, r)).generate_state(1, np.uint64)[0] >> 1)
                for p in range(4) for r in range(2)]
    assert [x.seed for x in specs] == expected
    assert len(set(expected)) == 8 and all(0 <= x < 2**63 for x in expected)
    assert run_seed(1, 0, 1) != run_seed(1, 1, 0)


# --- bad input -------------------------------------------------------------------------------
F = "scenarios/sweeps/t.toml"


def test_unknown_keys_are_named(wd):
    text = SMALL.replace("replications = 2", "replications = 2\nrepetitions = 3")
    text = text.replace("steps = 2 }", "steps = 2, stpes = 3 }")
    assert errors(wd, text) == [f"{F}: sweep.repetitions: unknown key (did you mean 'replications'?)",
                                f'{F}: parameters."sites.qingyang.pue".stpes: unknown key (did you mean \'steps\'?)']


def test_an_unknown_scenario_key_is_refused_against_the_base_scenario(wd):
    text = SMALL.replace('"sites.qingyang.pue"', '"sites.qingyang.peu"')
    (line,) = errors(wd, text)
    assert line.startswith(f'{F}: parameters."sites.qingyang.peu".range: 1.1 is not allowed: ')
    assert "sites.qingyang.peu: unknown key (did you mean 'pue'?) (in scenarios/qingyang.toml)" in line


@pytest.mark.parametrize("rng", ["[1.3, 1.1]", "[1.2, 1.2]"])
def test_an_empty_range_is_refused(wd, rng):
    text = SMALL.replace("range = [1.1, 1.3]", f"range = {rng}")
    (line,) = errors(wd, text)
    assert line.startswith(f'{F}: parameters."sites.qingyang.pue".range: empty range ')


def test_a_value_outside_what_the_key_allows_is_refused(wd):
    text = SMALL.replace("values = [0.1, 0.3]", "values = [0.1, 1.5]")
    assert errors(wd, text) == [
        f'{F}: parameters."pricing.intermediary_fee".values: 1.5 is not allowed: '
        "pricing.intermediary_fee: must be <= 1, got 1.5 (in scenarios/qingyang.toml)"]
    text = SMALL.replace("range = [1.1, 1.3]", "range = [0.9, 1.3]")
    (line,) = errors(wd, text)
    assert line.startswith(f'{F}: parameters."sites.qingyang.pue".range: 0.9 is not allowed: ')


def test_a_base_scenario_that_does_not_load_is_named(wd):
    assert errors(wd, SMALL.replace('"qingyang"', '"nope"')) == [
        f"{F}: sweep.scenario: base scenario does not load: scenarios/nope.toml: no such file"]
    (wd / "scenarios" / "broken.toml").write_text("[scenario]\nname = 1\n")
    lines = errors(wd, SMALL.replace('"qingyang"', '"broken"'))
    assert lines and all(x.startswith(f"{F}: sweep.scenario: base scenario does not load: scenarios/broken.toml: ")
                         for x in lines)


def test_design_mistakes_are_named(wd):
    assert errors(wd, SMALL.replace('sampling = "grid"', 'sampling = "sobol"\npoints = 12')) == [
        f'{F}: parameters."sites.qingyang.pue".steps: only for sampling = "grid"; sobol draws its own points',
        f"{F}: sweep.points: must be a power of 2 for Sobol sampling (its balance), got 12"]
    assert errors(wd, SMALL.replace(", steps = 2", "")) == [
        f'{F}: parameters."sites.qingyang.pue".steps: missing: a range in a grid needs steps (>= 2), '
        "the number of values ends included"]
    assert errors(wd, SMALL.replace("{ values = [0.1, 0.3] }", "{ values = [0.1, 0.3], range = [0, 1] }")) == [
        f'{F}: parameters."pricing.intermediary_fee": has values and range: give only one']
    (line,) = errors(wd, SMALL.replace("replications = 2", 'replications = 2\nmetric = "revenue"'))
    assert line.startswith(f"{F}: sweep.metric: unknown metric 'revenue'; e.g. revenue_cny.")


def test_the_shipped_sweeps_load():
    import os

    from sweeps import ROOT

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for name, metric in (("qingyang-price-fee", "revenue_cny.operator_revenue"),
                             ("qingyang-drivers", "revenue_cny.operator_revenue"),
                             ("zhonghe-npv", "finance.npv_cny")):
            s = load_sweep(f"scenarios/sweeps/{name}.toml")
            assert s.metric == metric
            assert len(expand(s)) * s.replications <= 100  # small enough to run end to end
    finally:
        os.chdir(cwd)


def test_the_readme_example_sweep_loads(wd):
    import re

    from sweeps import ROOT

    text = re.search(r"```toml\n(\[sweep\].*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    s = load_sweep(write(wd, text))
    assert len(expand(s)) == 4 * 5 * 3 * 2
    assert s.parameters[-1].overrides("sjf-preempt") == ('policy.queue="sjf"', 'policy.reclaim="preempt"')


def test_grid_values_are_clean_decimals():
    assert Range(0.05, 0.40, 8).grid() == (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)


def test_scenario_errors_cross_process_boundaries_as_the_same_lines():
    import pickle

    e = ScenarioError(["a.toml: x: bad", "a.toml: y: worse"])
    assert pickle.loads(pickle.dumps(e)).messages == e.messages


def test_a_quoted_dotted_key_may_hold_a_table(wd):
    text = SMALL.replace('set = { "scenario.horizon_days" = 20 }',
                         'set = { "scenario.horizon_days" = 20, "scenario.sampling" = { windows_per_year = 4, '
                         'window_days = 2 } }')
    s = load_sweep(write(wd, text))
    assert s.fixed == ("scenario.horizon_days=20", "scenario.sampling.windows_per_year=4",
                       "scenario.sampling.window_days=2")


def test_dotted_keys_may_be_written_without_quotes(wd):
    text = SMALL.replace('set = { "scenario.horizon_days" = 20 }', "set = { scenario.horizon_days = 20 }")
    text = text.replace('"pricing.intermediary_fee" = {', "pricing.intermediary_fee = {")
    text += 'v = { choices = { a = { policy.queue = "sjf" }, b = { "policy.queue" = "fifo" } } }\n'
    s = load_sweep(write(wd, text))
    assert [p.name for p in s.parameters] == ["pricing.intermediary_fee", "sites.qingyang.pue", "v"]
    assert s.fixed == ("scenario.horizon_days=20",)
    assert s.parameters[2].overrides("a") == ('policy.queue="sjf"',)
    bad = text.replace("values = [0.1, 0.3]", "values = [0.1, 3.0]")
    (line,) = errors(wd, bad)
    assert line.startswith(f"{F}: parameters.pricing.intermediary_fee.values: 3.0 is not allowed: ")
