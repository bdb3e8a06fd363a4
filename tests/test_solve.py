"""`solve`: a known root, unreachable targets, the evaluation budget, `claimed`, bad input."""

import json

import pytest
from tiny import TINY

import sim
from sim.cli import main
from sim.experiment.seeds import run_seed
from sim.experiment.solve import solve
from sim.experiment.targets import number, resolve_target
from sim.report.audit import audit_of

PRICE = "pricing.price_cny_per_pflops_year"
# LOW stays above the offer floor: a card of 0.1 P drawing 0.25 kW x PUE 1.5 x 0.4 CNY costs 0.15 CNY
# an hour, 13,140 CNY per P-year; below that it is offered to nobody and the metric is no longer linear.
LOW, HIGH = 20_000.0, 1_020_000.0
# Demand held fixed: jobs at fixed hours with fixed durations, no willingness to pay, no outside
# price, no decline; so operator revenue is rent + price x fixed accelerator-hours: linear in price.
CLAIM = """
[claim]
source = "test"
sites = 1
standard_racks_per_site = 16_000
servers_per_rack = 10
accelerators_per_server = 8
pflops_per_accelerator = 0.6
pflops_per_server = 5.0
pflops_total = 800_000
accelerator_pflops_dense = 0.32
accelerator_pflops_sparse = 0.32
server_power_kw = [4.5, 6.5]
built_rack_kw = 20
market_cap_cny = 5_000_000_000
price_cny_per_pflops_year = 120_000
"""


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture
def noisy_file(tmp_path):
    """The same with random durations: the replications differ, so there is an interval."""
    path = tmp_path / "noisy.toml"
    path.write_text(TINY.replace('duration = { dist = "fixed", hours = 10 }',
                                 'duration = { dist = "exponential", mean_hours = 10 }'), encoding="utf-8")
    return path


class Spy:
    """An executor that runs chunks in this process and counts the runs."""

    workers = 1

    def __init__(self):
        self.runs = 0

    def map_chunks(self, fn, chunks):
        for i, chunk in enumerate(chunks):
            self.runs += len(chunk.runs)
            yield i, fn(chunk)

    def close(self):
        pass


def revenue_cny(path, price, seed):
    s = sim.load_scenario(path, {PRICE: price})
    return sim.run(s, seed=seed).summary.revenue.operator_revenue / 100


def exact_root(path, target):
    seed = run_seed(1, 0)
    r1, r2 = revenue_cny(path, LOW, seed), revenue_cny(path, HIGH, seed)
    return LOW + (target - r1) * (HIGH - LOW) / (r2 - r1), (r1, r2)


def test_the_metric_is_linear_in_the_price(tiny_file):
    seed = run_seed(1, 0)
    r1, r2 = revenue_cny(tiny_file, LOW, seed), revenue_cny(tiny_file, HIGH, seed)
    mid = revenue_cny(tiny_file, (LOW + HIGH) / 2, seed)
    assert r2 > r1 and mid == pytest.approx((r1 + r2) / 2, abs=0.05)  # a few fen of rounding


def test_finds_the_known_root_of_a_linear_metric_within_the_tolerance(tiny_file):
    target = 500.0
    root, (r1, r2) = exact_root(tiny_file, target)
    assert r1 < target < r2
    sol = solve(tiny_file, "operator_revenue", target, PRICE, LOW, HIGH, reps=2, executor=Spy())
    assert sol.reachable and sol.converged
    assert sol.metric == "revenue_cny.operator_revenue"
    assert sol.xtol == pytest.approx(1e-4 * (HIGH - LOW))
    assert abs(sol.value - root) <= sol.xtol
    assert sol.bracket[0] <= sol.value <= sol.bracket[1] and sol.bracket[1] - sol.bracket[0] <= sol.xtol
    at = sol.at_value
    assert at.values[0] == at.values[1]  # fixed jobs: the replications agree
    assert sol.interval == (sol.value, sol.value)


def test_common_random_numbers_every_value_runs_the_same_seeds(noisy_file):
    seeds = []

    class Recording(Spy):
        def map_chunks(self, fn, chunks):
            for c in chunks:
                seeds.extend((s.point, s.rep, s.seed) for s in c.runs)
            yield from super().map_chunks(fn, chunks)

    sol = solve(noisy_file, "operator_revenue", 500.0, PRICE, LOW, HIGH, reps=3, executor=Recording())
    by_point = {}
    for point, rep, seed in seeds:
        by_point.setdefault(point, []).append((rep, seed))
    assert len(by_point) == len(sol.evaluations) >= 5
    assert all(sorted(v) == [(r, run_seed(1, r)) for r in range(3)] for v in by_point.values())


def test_the_interval_holds_the_values_where_the_target_is_inside_the_metrics_interval(noisy_file):
    sol = solve(noisy_file, "operator_revenue", 500.0, PRICE, LOW, HIGH, reps=5, executor=Spy(), max_evals=60)
    lo, hi = sol.interval
    assert sol.converged and lo < sol.value < hi
    inside = {e.x: abs(e.mean - sol.target) <= e.half_width for e in sol.evaluations}
    assert all(inside[x] for x in inside if lo < x < hi)
    for end, step in ((lo, -1), (hi, 1)):  # just past each end, an evaluated value where it is outside
        assert any(not inside[x] and 0 <= (x - end) * step <= sol.xtol for x in inside), end


def test_the_budget_is_never_exceeded_and_a_short_one_gives_the_best_bracket(tiny_file):
    target = 500.0
    root, _ = exact_root(tiny_file, target)
    spy = Spy()
    sol = solve(tiny_file, "operator_revenue", target, PRICE, LOW, HIGH, reps=2, max_evals=3, executor=spy)
    assert spy.runs == 3 * 2 and len(sol.evaluations) == 3
    assert sol.reachable and not sol.converged
    assert sol.bracket[0] <= root <= sol.bracket[1]
    assert sol.value in sol.bracket
    assert any("budget of 3 evaluations ran out" in n for n in sol.notes)
    for budget in (4, 6, 9):
        spy = Spy()
        sol = solve(tiny_file, "operator_revenue", target, PRICE, LOW, HIGH, reps=2, max_evals=budget,
                    executor=spy)
        assert spy.runs == len(sol.evaluations) * 2 <= budget * 2
        assert len({e.x for e in sol.evaluations}) == len(sol.evaluations)  # cached: never run twice


def test_unreachable_names_the_closest_value(tiny_file):
    spy = Spy()
    sol = solve(tiny_file, "operator_revenue", 1e6, PRICE, LOW, HIGH, reps=1, executor=spy)
    assert not sol.reachable and sol.value is None and sol.interval is None
    assert sol.closest.x == HIGH  # revenue rises with the price: the top end is the nearest
    assert spy.runs == len(sol.evaluations)


def test_unreachable_on_the_command_line_is_one_line_exit_2_and_writes_nothing(tiny_file, tmp_path,
                                                                                monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["solve", str(tiny_file), "--target", "operator_revenue=1e6", "--vary", f"{PRICE}={LOW}:{HIGH}",
                 "--reps", "1", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"tiny: revenue_cny.operator_revenue=1,000,000 not reachable for {PRICE} in "
                          "[20,000, 1,020,000]: closest ")
    assert " at 1,020,000 (" in err
    assert not (tmp_path / "results").exists()


def test_the_command_writes_the_solution_and_the_same_bytes_again(tiny_file, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["solve", str(tiny_file), "--target", "operator_revenue=500", "--vary", f"{PRICE}={LOW}:{HIGH}",
            "--reps", "2", "--workers", "1"]
    assert main(argv) == 0
    out = tmp_path / "results" / "solve" / f"tiny-{PRICE}"
    assert sorted(p.name for p in out.iterdir()) == ["evaluations.csv", "report.md", "solution.json", "solve.png"]
    printed = capsys.readouterr().out
    data = json.loads((out / "solution.json").read_text())
    api = solve(tiny_file, "operator_revenue", 500, PRICE, LOW, HIGH, reps=2, executor=Spy())
    assert data["value"] == api.value and data["reachable"] and data["converged"]
    assert data["evaluations_used"] == len(api.evaluations) <= data["max_evals"]
    assert f"at {PRICE} = {api.value:,.10g}" in printed
    rows = (out / "evaluations.csv").read_text().splitlines()
    assert rows[0].startswith("order,x,mean,half_width,low,high,mean_minus_target,target_inside,rep_0,rep_1")
    assert len(rows) == 1 + len(api.evaluations)
    assert (out / "solve.png").read_bytes()[:4] == b"\x89PNG"
    first = (out / "evaluations.csv").read_bytes()
    assert main(argv) == 0
    assert (out / "evaluations.csv").read_bytes() == first


def test_claimed_is_the_audits_claimed_revenue_over_the_horizon(tmp_path):
    path = tmp_path / "claimed.toml"
    path.write_text(TINY + CLAIM, encoding="utf-8")
    scenario = sim.load_scenario(path)
    years = 2 / 365
    row = audit_of(scenario).row("revenue at 100 % busy, CNY per year: claimed P vs P fed, ideal packing")
    assert row.claimed.lo == 800_000 * 120_000
    value, how = resolve_target("claimed", "revenue_cny.operator_revenue", scenario)
    assert value == pytest.approx(row.claimed.lo * years)
    assert resolve_target("2.5*claimed", "revenue_cny.operator_revenue", scenario)[0] == pytest.approx(2.5 * value)
    assert resolve_target("claimed * 0.5", "revenue_cny.operator_net", scenario)[0] == pytest.approx(0.5 * value)
    assert "800,000 P x 120,000 CNY per P-year" in how
    sol = solve(path, "operator_revenue", "claimed", PRICE, LOW, HIGH, reps=1, max_evals=2, executor=Spy())
    assert sol.target == pytest.approx(value) and not sol.reachable


@pytest.mark.parametrize("target, vary, words", [
    ("operator_revnue=5", f"{PRICE}=1:2", "metric 'operator_revnue': unknown"),
    ("operator_revenue=claimed", f"{PRICE}=1:2", "tiny.toml: claim: no [claim] section"),
    ("utilisation=claimed", f"{PRICE}=1:2", "tiny.toml: claim: no [claim] section"),
    ("operator_revenue=lots", f"{PRICE}=1:2", "target 'lots': must be a number"),
    ("operator_revenue", f"{PRICE}=1:2", "--target operator_revenue: must be METRIC=VALUE"),
    ("operator_revenue=5", "policy.queue=1:2", "tiny.toml: policy.queue: must be a string"),
    ("operator_revenue=5", "pricing.foo=1:2", "tiny.toml: pricing.foo: unknown key"),
    ("operator_revenue=5", f"{PRICE}=2:1", f"{PRICE}: LOW must be below HIGH"),
    ("operator_revenue=5", f"{PRICE}=2:2", f"{PRICE}: LOW must be below HIGH"),
    ("operator_revenue=5", f"{PRICE}=a:b", f"--vary {PRICE}=a:b: must be PARAM=LOW:HIGH"),
    ("operator_revenue=5", "scenario.seed=1:9", "scenario.seed: the seed is not a parameter"),
    ("operator_revenue=5", "pricing.intermediary_fee=0.1:1.5", "tiny.toml: pricing.intermediary_fee: must be <= 1"),
])
def test_bad_input_is_one_line_naming_the_key_exit_2_nothing_written(tiny_file, tmp_path, monkeypatch, capsys,
                                                                      target, vary, words):
    monkeypatch.chdir(tmp_path)
    code = main(["solve", str(tiny_file), "--target", target, "--vary", vary, "--reps", "1", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "results").exists()


def test_a_claim_target_needs_a_revenue_metric(tmp_path):
    path = tmp_path / "claimed.toml"
    path.write_text(TINY + CLAIM, encoding="utf-8")
    with pytest.raises(sim.ScenarioError, match="use it with a revenue_cny"):
        solve(path, "utilisation", "claimed", PRICE, LOW, HIGH, reps=1, executor=Spy())


def test_numbers_in_messages_never_turn_to_an_exponent_at_10_digits():
    # The claim's 96 bn a year over a 120-day horizon is not whole: Python's g format gave 3.156164384e+10.
    assert number(96e9) == "96,000,000,000"
    assert number(96e9 * 120 / 365) == "31,561,643,836"
    assert number(1_234_567_890.5) == "1,234,567,890"  # 10 digits: the g format still fits it
    assert number(0.101519) == "0.101519" and number(1.9e-05) == "1.9e-05"


def test_solve_is_on_the_public_api():
    assert sim.solve is solve and "solve" in sim.__all__


def test_fee_values_stay_on_the_ppm_grid_the_loader_takes(tiny_file):
    # The fee is 40 CNY x fee here; the root finder's own values would be refused (whole ppm only).
    sol = solve(tiny_file, "fee", 7.777, "pricing.intermediary_fee", 0.05, 0.40, reps=1, executor=Spy())
    assert sol.reachable and len(sol.evaluations) > 5
    assert all(e.x == round(e.x, 6) for e in sol.evaluations)
    assert abs(sol.value - 7.777 / 40) <= sol.xtol + 0.01 / 40  # within a fen of fee
