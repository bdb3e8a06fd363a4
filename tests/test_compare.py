"""`sim.compare` and `python -m sim compare`: paired differences equal the runs' own
differences, common random numbers make identical scenarios differ by exactly zero, Fieller's
ratio interval, the files, and bad input refused with one line and nothing written."""

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fin_tiny import FIN_TINY
from matplotlib.figure import Figure
from tiny import TINY

import sim
from sim.experiment.compare import METRICS, fieller, split_argument
from sim.experiment.intervals import t_quantile
from sim.experiment.seeds import run_seed
from sim.experiment.worker import metrics
from sim.report.compare import compare_figure, compare_folder
from sim.scenario import loads

ROOT = Path(__file__).resolve().parent.parent

# TINY with Poisson arrivals of mixed gangs: a queue forms, so waits depend on the discipline.
RANDOM = TINY.replace(
    """arrivals = { at_hours = [0, 1, 30, 30] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }""",
    """arrivals = { rate_per_hour = 0.6 }
sizes = { values = [1, 2, 4], weights = [0.5, 0.3, 0.2] }
duration = { dist = "exponential", mean_hours = 6 }""").replace("horizon_days = 2", "horizon_days = 12")
assert RANDOM != TINY


def scenario(*overrides, text=RANDOM, source="random.toml"):
    return loads(text, source, list(overrides))


def test_one_replication_differences_are_the_two_runs_differences_exactly():
    a, b = scenario(), scenario('policy.queue="fifo"', "pricing.intermediary_fee=0.3")
    c = sim.compare([a, b], 1, workers=1)
    seed = run_seed(a.seed, 0)
    ra, rb = metrics(sim.run(a, seed=seed)), metrics(sim.run(b, seed=seed))
    assert [m.metric for m in c.metrics] == [m for m in METRICS if m in ra]
    moved = 0
    for m in c.metrics:
        assert (m.values[0].mean, m.values[1].mean) == (ra[m.metric], rb[m.metric])
        assert m.differences[1].mean == rb[m.metric] - ra[m.metric]
        assert math.isnan(m.differences[1].low)  # one run: no spread, no interval
        if ra[m.metric]:
            assert m.ratios[1].estimate == rb[m.metric] / ra[m.metric]
        moved += m.differences[1].mean != 0
    assert moved >= 5  # the fee and the discipline change money, waits and use
    assert c.seeds == [seed] and c.replications[1].rows[0]["seed"] == seed


def test_identical_scenarios_differ_by_exactly_zero_with_common_random_numbers():
    # The copy has another name and another seed: compare runs it on the first one's seeds.
    copy = RANDOM.replace('name = "tiny"', 'name = "tiny-copy"').replace("seed = 1", "seed = 99")
    a = scenario()
    c = sim.compare([a, a, scenario(text=copy, source="copy.toml")], 3, workers=1)
    assert c.labels == ("tiny", "tiny#2", "tiny-copy")
    assert c["wait_hours.mean"].values[0].sd > 0  # the runs differ from each other ...
    for m in c.metrics:
        for d, r in zip(m.differences[1:], m.ratios[1:]):
            assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0), m.metric  # ... but not between scenarios
            assert math.isnan(r.estimate) if m.values[0].mean == 0 else (r.estimate, r.low, r.high) == (1, 1, 1)
    rows = [reps.rows for reps in c.replications]
    for key in set(rows[0][0]) - {"key"}:
        assert [r[key] for r in rows[0]] == [r[key] for r in rows[2]], key  # every metric, not just the headline


def test_a_policy_change_moves_waits_but_not_the_arrivals():
    c = sim.compare([scenario(), scenario('policy.queue="fifo"')], 5, workers=1)
    wait = c["wait_hours.mean"].differences[1]
    fifo, backfill = ([r["wait_hours.mean"] for r in reps.rows] for reps in c.replications[::-1])
    assert all(f > b for f, b in zip(fifo, backfill))  # plain FIFO lets no small job past a big one
    assert wait.low > 0
    assert c["jobs.total.submitted"].differences[1].high == 0.0  # the same jobs arrive in both
    assert c.frame().query("metric == 'wait_hours.mean' and scenario != 'tiny'")["diff"].item() == wait.mean


def test_finance_npv_is_the_runs_own():
    fin = loads(FIN_TINY, "fin.toml")
    c = sim.compare([fin, loads(FIN_TINY, "fin.toml", ["finance.discount_rate=0.2"])], 1, workers=1)
    from sim.simulation.finance import finance_of

    for r in c.replications:
        run = sim.run(r.scenario, seed=run_seed(fin.seed, 0))
        assert r.rows[0]["finance.npv_fen"] == finance_of(run).total.verdict.npv_fen
    npv = c["finance.npv_cny"]
    assert npv.differences[1].mean < 0  # a higher discount rate, a lower NPV
    assert "finance.npv_cny" not in [m.metric for m in sim.compare([scenario(), scenario()], 1, workers=1).metrics]


# --- Fieller -------------------------------------------------------------------------------------
def test_fieller_interval_ends_are_where_the_paired_t_test_just_rejects():
    rng = np.random.default_rng(5)
    a = rng.normal(10.0, 1.0, 6)
    b = 2.0 * a + rng.normal(0.0, 0.5, 6)
    r = fieller(a, b)
    assert r.estimate == pytest.approx(b.mean() / a.mean(), rel=1e-12)
    assert r.low < r.estimate < r.high
    for rho in (r.low, r.high):
        d = b - rho * a
        t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
        assert abs(t) == pytest.approx(t_quantile(6), rel=1e-9)
    # Huge money keeps its precision: the ratio is scale-free.
    big = fieller(a * 1e9, b * 1e9)
    assert (big.low, big.high) == (pytest.approx(r.low, rel=1e-9), pytest.approx(r.high, rel=1e-9))


def test_fieller_is_unbounded_when_the_baseline_cannot_be_told_from_zero():
    r = fieller(np.array([1.0, -1.2, 0.5]), np.array([2.0, 1.0, 3.0]))
    assert not math.isnan(r.estimate) and math.isnan(r.low) and math.isnan(r.high)
    assert math.isnan(fieller(np.zeros(3), np.ones(3)).estimate)


# --- naming ----------------------------------------------------------------------------------------
def test_scenario_arguments_split_like_results_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path, overrides = split_argument("qingyang@policy.queue=fifo,pricing.intermediary_fee=0.3")
    assert (path.name, overrides) == ("qingyang.toml", ["policy.queue=fifo", "pricing.intermediary_fee=0.3"])
    assert split_argument('qingyang@a.b=[1, 2],c={ x = 1, y = "p,q" },d=3')[1] == [
        "a.b=[1, 2]", 'c={ x = 1, y = "p,q" }', "d=3"]
    folder = tmp_path / "x@y"
    folder.mkdir()
    (folder / "s.toml").write_text(RANDOM)
    assert split_argument(f"{folder}/s.toml@scenario.seed=3") == (folder / "s.toml", ["scenario.seed=3"])
    assert split_argument(f"{folder}/s.toml") == (folder / "s.toml", [])
    with pytest.raises(sim.ScenarioError):
        split_argument("qingyang@")


def test_folder_names_join_the_arguments_and_the_replications_and_stay_short():
    root = Path("results")
    assert compare_folder(root, ["a", "a@policy.queue=fifo"], [], None, 3) == \
        root / "compare/a-vs-a@policy.queue=fifo@reps=3"
    assert compare_folder(root, ["a", "b"], ["scenario.horizon_days=30"], None, 10) == \
        root / "compare/a-vs-b@scenario.horizon_days=30,reps=10"
    assert compare_folder(root, ["a", "b"], [], None, 3) != compare_folder(root, ["a", "b"], [], None, 10)
    long = compare_folder(root, ["x" * 150, "y" * 150], [], None, 3).name
    assert len(long) <= 200 and long.startswith("x" * 150 + "-vs-y") and "~" in long
    assert compare_folder(root, ["x" * 150, "y" * 151], [], None, 3).name != long


def test_the_chart_is_an_object_oriented_figure_with_the_six_metrics_read_first():
    c = sim.compare([scenario(), scenario('policy.queue="fifo"')], 2, workers=1)
    fig = compare_figure(c)
    assert isinstance(fig, Figure) and fig.canvas.manager is None  # not pyplot's
    shown = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title().split("\n")[0] for ax in shown]
    # No [finance]: no NPV panel; the seventh of the list takes its place.
    assert titles == ["revenue_cny.operator_revenue", "revenue_cny.operator_net", "utilisation.overall",
                      "wait_hours.mean", "capacity.at_horizon.pflops_fp16_dense",
                      "revenue_cny.compute_sales_operator_capacity"]
    assert len(c.metrics) > 6  # the rest are in the table and comparison.csv
    wait = shown[titles.index("wait_hours.mean")]
    assert [round(p.get_height(), 9) for p in wait.patches] == [round(v.mean, 9) for v in c["wait_hours.mean"].values]


# --- the command line ----------------------------------------------------------------------------
def sim_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def wd(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "random.toml").write_text(RANDOM)
    return tmp_path


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_cli_writes_the_set_the_same_bytes_with_one_or_two_workers(wd):
    args = ["compare", "random", "random@policy.queue=fifo", "--reps", "3", "--horizon", "6"]
    one = sim_cli(*args, "--workers", "1", cwd=wd)
    assert one.returncode == 0, one.stderr
    out = wd / "results/compare/random-vs-random@policy.queue=fifo@scenario.horizon_days=6,reps=3"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(first) == ["compare.png", "comparison.csv", "replications.csv", "report.md"]
    assert "wait_hours.mean" in one.stdout and "difference [95 %]" in one.stdout
    assert sim_cli(*args, "--workers", "2", "--quiet", cwd=wd).returncode == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first

    rows = read_csv(out / "comparison.csv")
    assert list(rows[0]) == ["metric", "scenario", "n", "mean", "low", "high", "diff", "diff_low", "diff_high",
                             "ratio", "ratio_low", "ratio_high"]
    wait = [r for r in rows if r["metric"] == "wait_hours.mean"]
    assert [r["scenario"] for r in wait] == ["random", "random@policy.queue=fifo"]
    assert wait[0]["diff"] == "" and float(wait[1]["diff"]) > 0
    reps = read_csv(out / "replications.csv")
    assert [(r["scenario"], r["rep"]) for r in reps] == [(s, str(k)) for s in ("random", "random@policy.queue=fifo")
                                                         for k in range(3)]
    assert [r["seed"] for r in reps[:3]] == [r["seed"] for r in reps[3:]] == [str(run_seed(1, k)) for k in range(3)]
    paired = [float(b["wait_hours.mean"]) - float(a["wait_hours.mean"]) for a, b in zip(reps[:3], reps[3:])]
    assert float(wait[1]["diff"]) == pytest.approx(sum(paired) / 3, rel=1e-12)
    report = (out / "report.md").read_text()
    assert "Fieller" in report and "![compare](compare.png)" in report and str(run_seed(1, 0)) in report


@pytest.mark.parametrize("args, line", [
    (["random", "nope"], "scenarios/nope.toml: no such file"),
    (["random"], "compare: give at least two scenarios, got 1 (random)"),
    ([], "compare: give at least two scenarios, got 0"),
    (["random", "random@policy.queue=nope"],
     "scenarios/random.toml: policy.queue: must be one of easy-backfill, fifo, fifo-backfill, sjf, got 'nope'"),
    (["random", "random@pricing.fee=1"], "scenarios/random.toml: pricing.fee: unknown key"),
    (["random", "random", "--reps", "0"], "--reps: must be >= 1, got 0"),
    (["random", "random", "--horizon", "-1"], None),
])
def test_cli_bad_input_is_one_line_exit_2_and_nothing_written(wd, args, line):
    p = sim_cli("compare", *args, cwd=wd)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    if line is not None:
        assert p.stderr == line + "\n"
    assert p.stdout == "" and not (wd / "results").exists()


def test_make_compare_passes_scenarios_as_words_never_run(tmp_path):
    import shutil

    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    bait = tmp_path / "injected"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PYTHONPATH"] = str(ROOT)
    p = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed",
                        f"PY={sys.executable}", "compare",
                        f"SCENARIOS=nope-a 'nope b;' $(shell touch {bait}) `touch {bait}`", "REPS=2"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert not bait.exists()
    assert p.returncode != 0 and "scenarios/nope-a.toml: no such file\n" in p.stderr
