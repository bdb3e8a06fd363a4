"""`sim uncertainty`: the analysis on a model with a known answer (no simulator), groups drawn
together, bad [uncertainty] tables refused in one line, and a small run end to end."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
from fin_tiny import FIN_TINY

from sim.cli import main
from sim.experiment.uncertainty import Config, Target, analyse, design, evaluate_function
from sim.scenario.errors import ScenarioError
from sim.scenario.uncertainty import read_uncertainty

TOY = """
[uncertainty]
a = { dist = "uniform", low = 0.0, high = 1.0, source = "toy" }
b = { dist = "uniform", low = 0.0, high = 1.0, source = "toy" }
"""


def linear(values, seed):
    # NPV = 10 a + b - 7 with a, b ~ U(0, 1): Z = 10a + b has the CDF (z - 0.5) / 10 on [1, 10],
    # so P10 = -5.5, P50 = -1.5, P90 = 2.5 and P(NPV > 0) = 0.35; Var 100/12 + 1/12, so
    # S1(a) = 100/101, S1(b) = 1/101; NPV > 0 where a > 0.7 - b/10 (a > 0.6 to 0.7).
    return {"finance.npv_cny": 10 * values["a"] + values["b"] - 7}


@pytest.fixture(scope="module")
def toy():
    u = read_uncertainty(TOY, "toy.toml", check=False)
    d = design(u, Config(samples=512, seed=3, sobol_base=512, morris_trajectories=20))
    return analyse(d, evaluate_function(d, linear))


def test_toy_percentiles_and_probability(toy):
    [npv] = [r for r in toy.metrics if r["metric"] == "finance.npv_cny"]
    assert npv["n"] == 512
    assert npv["p10"] == pytest.approx(-5.5, abs=0.25)
    assert npv["p50"] == pytest.approx(-1.5, abs=0.25)
    assert npv["p90"] == pytest.approx(2.5, abs=0.25)
    assert npv["mean"] == pytest.approx(-1.5, abs=0.05)  # a Latin hypercube's mean is close
    p = toy.probability
    assert p["n"] == 512 and p["low"] < 0.35 < p["high"] and p["p"] == pytest.approx(0.35, abs=0.04)
    last = toy.convergence[-1]
    assert last["n"] == 512 and last["low"] < -1.5 < last["high"]
    assert toy.convergence[0]["width"] > last["width"]  # narrows with samples


def test_toy_sobol_morris_tornado(toy):
    by = {r["factor"]: r for r in toy.indices}
    assert [r["factor"] for r in toy.indices] == ["a", "b"]
    assert by["a"]["S1"] == pytest.approx(100 / 101, abs=0.05) and by["a"]["S1_excludes_zero"]
    assert by["a"]["ST"] == pytest.approx(100 / 101, abs=0.05)
    assert by["b"]["ST"] == pytest.approx(1 / 101, abs=0.01)
    assert by["a"]["mu_star"] == pytest.approx(10 * by["b"]["mu_star"], rel=1e-6)
    # one at a time from the medians: a from its P10 to its P90 moves NPV by 10 x 0.8 = 8
    t = {r["factor"]: r for r in toy.tornado}
    assert t["a"]["swing"] == pytest.approx(8.0) and t["b"]["swing"] == pytest.approx(0.8)
    assert t["a"]["base"] == pytest.approx(-1.5)


def test_toy_prim_box_recovers_the_region(toy):
    rows = {r["input"]: r for r in toy.boxes}
    assert "a" in rows
    a = rows["a"]
    assert 0.58 <= a["low"] <= 0.72 and a["high"] > 0.95  # a > 0.6 to 0.7, whatever b
    assert a["density"] >= 0.8 and a["coverage"] >= 0.8
    if "b" in rows:  # b may trim the corner where a alone is not enough, never most of its range
        assert rows["b"]["high"] - rows["b"]["low"] > 0.5


def test_groups_are_drawn_together():
    text = TOY + """
c = { dist = "triangular", low = 10, mode = 20, high = 40, source = "toy" }
d = { dist = "lognormal", median = 5, sigma = 0.5, source = "toy" }
[uncertainty.groups]
together = { members = ["b", "c", "d"], source = "toy: they move as one" }
"""
    u = read_uncertainty(text, "toy.toml", check=False)
    assert [f for f, _ in u.factors] == ["together", "a"]
    d = design(u, Config(samples=64, seed=1, methods=("mc",)))
    s = analyse(d, evaluate_function(d, lambda v, seed: {"x": v["a"]}))
    u_group = np.array([r["u.together"] for r in s.rows])
    b, c, dd, a = (np.array([r[k] for r in s.rows]) for k in ("b", "c", "d", "a"))
    # one draw: every member is its own distribution's value at the group's quantile
    for name, got in (("b", b), ("c", c), ("d", dd)):
        [inp] = [i for i in u.inputs if i.name == name]
        assert np.array_equal(got, [inp.at(x) for x in u_group])
    assert np.corrcoef(b, c)[0, 1] > 0.95 and abs(np.corrcoef(a, b)[0, 1]) < 0.3
    assert (np.argsort(b) == np.argsort(dd)).all()  # the same ranks
    assert 10 <= c.min() and c.max() <= 40 and np.median(c) == pytest.approx(40 - math.sqrt(0.5 * 30 * 20), abs=1.5)


def _scenario(tmp_path, table: str, name="fin.toml"):
    p = tmp_path / name
    p.write_text(FIN_TINY + table)
    return p


RENT = """
[uncertainty]
"tenants.t.colocation_cny_per_kw_month" = { dist = "uniform", low = 300, high = 1500, source = "toy range" }
"finance.discount_rate" = { dist = "uniform", low = 0.05, high = 0.15, source = "toy range" }
"""


@pytest.mark.parametrize("table, says", [
    ('\n[uncertainty]\n"tenants.t.colocation_cny_per_kw_mont" = { dist = "uniform", low = 1, high = 2, source = "x" }\n',
     'uncertainty."tenants.t.colocation_cny_per_kw_mont": 1.0 is not allowed: tenants.t.colocation_cny_per_kw_mont: '
     'unknown key'),
    ('\n[uncertainty]\n"finance.discount_rate" = { dist = "uniform", low = 0.2, high = 0.1, source = "x" }\n',
     'uncertainty."finance.discount_rate".high: must be above low'),
    ('\n[uncertainty]\n"finance.discount_rate" = { dist = "triangular", low = 0.1, mode = 0.3, high = 0.2, source = "x" }\n',
     'uncertainty."finance.discount_rate".mode: must lie in [low, high]'),
    ('\n[uncertainty]\n"finance.discount_rate" = { dist = "normal", low = 0.1, high = 0.2, source = "x" }\n',
     'uncertainty."finance.discount_rate".dist: must be one of'),
    ('\n[uncertainty]\n"finance.discount_rate" = { dist = "uniform", low = 0.1, high = 0.2 }\n',
     'uncertainty."finance.discount_rate".source: missing'),
    ('\n[uncertainty]\n"finance.discount_rate" = { dist = "uniform", low = 0.1, high = 2.0, source = "x" }\n',
     'uncertainty."finance.discount_rate": 2.0 is not allowed: finance.discount_rate: must be'),
    (RENT + '[uncertainty.groups]\ng = { members = ["finance.discount_rate", "nope"], source = "x" }\n',
     "uncertainty.groups.g.members: 'nope' is not an input of [uncertainty]"),
])
def test_bad_tables_are_one_line_exit_2(tmp_path, capsys, table, says):
    path = _scenario(tmp_path, table)
    out = tmp_path / "out"
    assert main(["uncertainty", str(path), "--samples", "4", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}: ") and says in err[0], err
    assert not out.exists()


def test_listing_names_each_range_and_its_source(tmp_path, capsys):
    path = _scenario(tmp_path, RENT)
    assert main(["uncertainty", str(path)]) == 0
    text = capsys.readouterr().out
    assert "tenants.t.colocation_cny_per_kw_month: uniform 300 to 1,500; the file states 744" in text
    assert "source: toy range" in text


def test_a_range_that_excludes_the_stated_value_is_named(tmp_path, capsys):
    from sim.scenario.parse import parse_toml
    from sim.scenario.uncertainty import stated_outside

    assert stated_outside(read_uncertainty(RENT, "t.toml", check=False), parse_toml(FIN_TINY)) == []
    stale = RENT.replace("low = 300, high = 1500", "low = 800, high = 1500")
    path = _scenario(tmp_path, stale)
    [line] = stated_outside(read_uncertainty(stale, "t.toml", check=False), parse_toml(path.read_text()))
    assert 'uncertainty."tenants.t.colocation_cny_per_kw_month": the file states ' in line
    assert "= 744, outside uniform 800 to 1,500" in line
    assert main(["uncertainty", str(path)]) == 0
    assert "stale range: " in capsys.readouterr().out


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_end_to_end_on_a_tiny_scenario(tmp_path, capsys):
    path = _scenario(tmp_path, RENT)
    out = tmp_path / "study"
    args = ["uncertainty", str(path), "--samples", "8", "--method", "mc,tornado", "--full", "--workers", "1",
            "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "P(finance.npv_cny > 0) = " in printed
    folder = out / "distribution"
    rows = _csv(folder / "samples.csv")
    mc = [r for r in rows if r["part"] == "mc"]
    assert len(mc) == 8 and len(rows) == 8 + 2 * 2 + 1
    rent = np.array([float(r["tenants.t.colocation_cny_per_kw_month"]) for r in mc])
    npv = np.array([float(r["finance.npv_cny"]) for r in mc])
    rate = np.array([float(r["finance.discount_rate"]) for r in mc])
    assert rent.min() >= 300 and rent.max() <= 1500 and len(set(rent)) == 8
    # NPV rises with rent at a given rate: the runs really took the drawn values
    resid = npv - np.polyfit(rate, npv, 1)[0] * rate
    assert np.corrcoef(rent, resid)[0, 1] > 0.9
    metrics = {r["metric"]: r for r in _csv(folder / "metrics.csv")}
    assert float(metrics["finance.npv_cny"]["p50"]) == pytest.approx(float(np.quantile(npv, 0.5)))
    for f in ("fan.png", "envelope.png", "drivers.png", "pairs.png", "prim.png", "samples.parquet", "report.md"):
        assert (folder / f).stat().st_size > 0
    first = (folder / "samples.csv").read_bytes()
    assert main(args + ["--quiet"]) == 0  # the same seed: the same bytes
    assert (folder / "samples.csv").read_bytes() == first
    assert not list(out.glob(".uncertainty-runs-*"))  # the saved chunks went once the set was written


def test_a_target_that_is_not_a_comparison_is_refused(tmp_path, capsys):
    path = _scenario(tmp_path, RENT)
    assert main(["uncertainty", str(path), "--samples", "4", "--target", "npv", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    assert "--target 'npv'" in capsys.readouterr().err


def test_target_hits():
    t = Target("x", ">=", 1.0)
    assert list(t.hits([0.5, 1.0, float("nan"), 2])) == [False, True, False, True]


def test_no_table_says_so(tmp_path):
    with pytest.raises(ScenarioError):
        from sim.experiment.uncertainty import study

        study(_scenario(tmp_path, ""), Config(samples=4, seed=1))


SHIPPED = ("zhonghe", "zhonghe-as-claimed", "qingyang", "qingyang-as-claimed", "jingjinji", "jingjinji-as-claimed",
           "shaoguan", "shaoguan-as-claimed")


@pytest.mark.slow  # loads each scenario at every range's ends: about 20 s on 2 idle cores
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_state_their_ranges_with_sources(name):
    from sim.scenario.files import read_scenario, scenario_path

    path = scenario_path(name)
    u = read_uncertainty(read_scenario(path).decode("utf-8"), str(path))  # each end loads with the scenario
    assert len(u.inputs) >= 7 and all(i.source for i in u.inputs) and all(g.source for g in u.groups)
    names = {i.name for i in u.inputs}
    # our price and the outside price move together wherever both are uncertain
    [prices] = [g for g in u.groups if g.name == "prices"]
    assert "pricing.price_cny_per_pflops_year" in prices.members and len(prices.members) == 2
    assert any("colocation_cny_per_kw_month" in k for i in u.inputs for k in i.keys)
    if name.startswith(("zhonghe", "jingjinji", "shaoguan")):
        assert "finance.discount_rate" in names


def _with_uncertainty():
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "scenarios"
    return sorted(p.stem for p in folder.glob("*.toml") if "\n[uncertainty]" in p.read_text())


@pytest.mark.parametrize("name", _with_uncertainty())
def test_shipped_ranges_hold_the_scenarios_own_values(name):
    # A value that moved (a share now derived from capacity, a price re-read) leaves its old
    # range behind: the study would then never draw the scenario as it stands.
    from sim.scenario.files import read_scenario, scenario_path
    from sim.scenario.parse import parse_toml
    from sim.scenario.uncertainty import stated_outside

    text = read_scenario(scenario_path(name)).decode("utf-8")
    assert stated_outside(read_uncertainty(text, name, check=False), parse_toml(text)) == []


def test_the_readme_example_reads_as_it_says():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    example = re.search(r"```toml\n(\[uncertainty\].*?)```", text, re.S).group(1)
    u = read_uncertainty(example, "README.md", check=False)
    assert [f for f, _ in u.factors] == ["prices", "server_cost", "finance.discount_rate", "pricing.path"]
    [outside] = [i for i in u.inputs if i.name == "outside_price"]
    assert len(outside.keys) == 2 and outside.at(0.5) == 80_000
    [path] = [i for i in u.inputs if i.name == "pricing.path"]
    assert path.at(0.79) == "steady-decline" and path.at(0.81) == "flat"


def test_a_target_at_the_claims_revenue():
    from sim.experiment.uncertainty import parse_target

    t = parse_target("operator_revenue_cny_per_year>=claimed", 2.88e11)
    assert (t.metric, t.op, t.value) == ("operator_revenue_cny_per_year", ">=", 2.88e11)
    with pytest.raises(ScenarioError, match="no \\[claim\\]"):
        parse_target("operator_revenue_cny_per_year>=claimed", None)


def test_a_study_without_monte_carlo_runs_still_draws_its_figures():
    # --method morris (or tornado) alone: the fan and envelope have no sampled runs to draw
    from sim.report.uncertainty import files

    def with_years(values, seed):
        npv = 10 * values["a"] + values["b"] - 7
        return {"finance.npv_cny": npv, "year.1.cumulative_discounted_cash_flow_cny": npv,
                "year.1.operator_revenue_cny": 1.0}

    d = design(read_uncertainty(TOY, "toy.toml", check=False), Config(samples=2, seed=3, methods=("tornado",)))
    out = files(analyse(d, evaluate_function(d, with_years)))
    assert out["fan.png"].startswith(b"\x89PNG") and out["envelope.png"].startswith(b"\x89PNG")
