"""Replications and sweeps from the command line: same bytes whatever the workers, resume after
kill -9, bad input refused with one line and nothing written or deleted, make's variables."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweeps import ROOT, SMALL, workdir

import sim
from sim.experiment.intervals import interval
from sim.experiment.seeds import run_seed


def sim_cli(*args, cwd, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def wd(tmp_path):
    return workdir(tmp_path, small=SMALL)


# --- sweeps ----------------------------------------------------------------------------------
def test_sweep_tables_are_the_same_bytes_with_one_or_two_workers(wd):
    one = sim_cli("sweep", "small", "--workers", "1", "--out", "results/one", cwd=wd)
    assert one.returncode == 0, one.stderr
    two = sim_cli("sweep", "small", "--workers", "2", "--chunk-runs", "3", "--out", "results/two", cwd=wd)
    assert two.returncode == 0, two.stderr
    a, b = files(wd / "results/one/sweep"), files(wd / "results/two/sweep")
    assert sorted(a) == ["heatmap.png", "points.csv", "report.html", "report.md", "runs.csv", "sweep.json"]
    assert a == b
    assert not [p for p in (wd / "results/one").iterdir() if p.name.startswith(".sweep-runs-")]  # chunks dropped


def test_each_run_is_the_scenario_at_its_point_with_its_spawned_seed(wd, monkeypatch):
    # 65 days: past the operator's first tranche (2025-03-01), so that runs sell and their money differs.
    longer = SMALL.replace('"scenario.horizon_days" = 20', '"scenario.horizon_days" = 65')
    (wd / "scenarios/sweeps/longer.toml").write_text(longer)
    assert sim_cli("sweep", "longer", "--workers", "1", cwd=wd).returncode == 0
    rows = read_csv(wd / "results/sweeps/longer/sweep/runs.csv")
    assert [r["key"] for r in rows] == [f"p{p}/r{r}" for p in range(4) for r in range(2)]
    assert list(rows[0])[:6] == ["point", "rep", "key", "seed", "pricing.intermediary_fee", "sites.qingyang.pue"]
    assert [int(r["seed"]) for r in rows] == [run_seed(20231130, p, r) for p in range(4) for r in range(2)]
    monkeypatch.chdir(wd)
    row = rows[5]  # point 2 (fee 0.3, PUE 1.1), replication 1
    scenario = sim.load_scenario("scenarios/qingyang.toml", ["scenario.horizon_days=65", "pricing.intermediary_fee=0.3",
                                                             "sites.qingyang.pue=1.1"])
    summary = sim.run(scenario, seed=int(row["seed"])).summary
    assert (row["pricing.intermediary_fee"], row["sites.qingyang.pue"]) == ("0.3", "1.1")
    assert int(row["revenue_fen.operator_revenue"]) == summary.revenue.operator_revenue
    assert float(row["utilisation.overall"]) == summary.utilisation.overall
    # replications differ: the seeds do reach the model
    assert rows[4]["revenue_fen.operator_revenue"] != rows[5]["revenue_fen.operator_revenue"]


def test_points_table_holds_the_interval_of_each_points_runs(wd):
    assert sim_cli("sweep", "small", "--workers", "1", cwd=wd).returncode == 0
    out = wd / "results/sweeps/small/sweep"
    runs = read_csv(out / "runs.csv")
    points = [r for r in read_csv(out / "points.csv") if r["metric"] == "revenue_cny.operator_net"]
    assert len(points) == 4
    for p in points:
        values = [float(r["revenue_cny.operator_net"]) for r in runs if r["point"] == p["point"]]
        iv = interval(values)
        assert int(p["n"]) == 2
        assert float(p["mean"]) == pytest.approx(iv.mean, rel=1e-12)
        assert float(p["low"]) == pytest.approx(iv.low, rel=1e-9)
        assert float(p["high"]) == pytest.approx(iv.high, rel=1e-9)


def chunk_files(folder: Path) -> list[Path]:
    return [p for d in folder.glob(".sweep-runs-*") for p in d.glob("*.jsonl")]


def test_a_sweep_killed_with_sigkill_resumes_with_no_run_missing_or_twice(wd):
    many = SMALL.replace("replications = 2", "replications = 8").replace('"scenario.horizon_days" = 20',
                                                                         '"scenario.horizon_days" = 45')
    (wd / "scenarios/sweeps/many.toml").write_text(many)  # 4 points x 8 = 32 runs
    assert sim_cli("sweep", "many", "--workers", "1", "--out", "results/whole", cwd=wd).returncode == 0

    folder = wd / "results/sweeps/many"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", "many", "--workers", "1", "--chunk-runs", "1"],
                            cwd=wd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(chunk_files(folder)) < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the sweep ended before it could be killed"
    saved = len(chunk_files(folder))
    assert 5 <= saved < 32
    assert not (folder / "sweep").exists()

    again = sim_cli("sweep", "many", "--workers", "2", cwd=wd)
    assert again.returncode == 0, again.stderr
    n = int(again.stdout.split("resumed: ")[1].split()[0])
    assert saved <= n < 32  # what was saved was not run again
    assert files(folder / "sweep") == files(wd / "results/whole/sweep")
    assert chunk_files(folder) == []


def test_ctrl_c_stops_the_workers_and_says_what_is_saved(wd):
    many = SMALL.replace("replications = 2", "replications = 30").replace('"scenario.horizon_days" = 20',
                                                                          '"scenario.horizon_days" = 60')
    (wd / "scenarios/sweeps/many.toml").write_text(many)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    folder = wd / "results/sweeps/many"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", "many", "--workers", "2", "--chunk-runs", "2"],
                            cwd=wd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not chunk_files(folder) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    line, = err.splitlines()
    done = int(line.split("interrupted: ")[1].split()[0])
    assert line == (f"interrupted: {done} of 120 runs saved in results/sweeps/many; "
                    "run the same command again to go on from there")
    assert sum(len(p.read_text().splitlines()) - 1 for p in chunk_files(folder)) == done  # a header, then rows


def bad_sweep_leaves_earlier_results(wd, text):
    assert sim_cli("sweep", "small", "--workers", "1", cwd=wd).returncode == 0
    out = wd / "results/sweeps/small"
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (wd / "scenarios/sweeps/small.toml").write_text(text)
    p = sim_cli("sweep", "small", "--workers", "1", cwd=wd)
    after = {q.relative_to(out): q.read_bytes() for q in out.rglob("*") if q.is_file()}
    assert after == before
    return p


@pytest.mark.parametrize("change, line", [
    (('"sites.qingyang.pue" = { range = [1.1, 1.3]', '"sites.qingyang.pue" = { range = [1.3, 1.1]'),
     'scenarios/sweeps/small.toml: parameters."sites.qingyang.pue".range: empty range [1.3, 1.1]: '
     "low must be below high"),
    (("[parameters]", "[parameters]\n\"pricing.fee\" = { values = [0.1] }"),
     'scenarios/sweeps/small.toml: parameters."pricing.fee".values: 0.1 is not allowed: pricing.fee: unknown key '
     "(in scenarios/qingyang.toml)"),
    (('scenario = "qingyang"', 'scenario = "nope"'),
     "scenarios/sweeps/small.toml: sweep.scenario: base scenario does not load: scenarios/nope.toml: no such file"),
])
def test_bad_sweep_is_one_line_exit_2_and_leaves_earlier_results(wd, change, line):
    p = bad_sweep_leaves_earlier_results(wd, SMALL.replace(*change))
    assert p.returncode == 2
    assert p.stderr == line + "\n"
    assert p.stdout == ""


def test_missing_sweep_and_bad_dask_address_are_one_line_exit_2(wd):
    p = sim_cli("sweep", "nope", cwd=wd)
    assert (p.returncode, p.stderr) == (2, "scenarios/sweeps/nope.toml: no such file\n")
    p = sim_cli("sensitivity", "small", "--dask", "tcp://127.0.0.1:1", cwd=wd)
    assert (p.returncode, p.stderr) == (2, "--dask tcp://127.0.0.1:1: no Dask scheduler answers there "
                                           "(Connection refused)\n")
    p = sim_cli("run", "qingyang", "--reps", "2", "--dask", "somewhere", cwd=wd)
    assert (p.returncode, p.stderr) == (2, "--dask somewhere: not an address; give tcp://host:port or local\n")
    assert not (wd / "results").exists()


# --- replications ----------------------------------------------------------------------------
def test_replications_are_the_same_bytes_with_one_or_two_workers(wd):
    # 65 days: past the operator's first tranche (2025-03-01), so that the replications' money differs.
    one = sim_cli("run", "qingyang", "--horizon", "65", "--reps", "5", "--workers", "1", cwd=wd)
    assert one.returncode == 0, one.stderr
    out = wd / "results/qingyang@scenario.horizon_days=65,reps=5"
    first = files(out)
    assert sorted(first) == ["intervals.csv", "replications.csv", "report.md"]
    assert sim_cli("run", "qingyang", "--horizon", "65", "--reps", "5", "--workers", "2", cwd=wd).returncode == 0
    assert files(out) == first
    assert "revenue_cny.operator_net" in one.stdout and "95 % t-interval" in one.stdout

    reps = read_csv(out / "replications.csv")
    assert [int(r["seed"]) for r in reps] == [run_seed(20231130, r) for r in range(5)]
    ivs = {r["metric"]: r for r in read_csv(out / "intervals.csv")}
    values = [float(r["revenue_cny.operator_revenue"]) for r in reps]
    iv = interval(values)
    assert len(set(values)) == 5
    row = ivs["revenue_cny.operator_revenue"]
    assert (int(row["n"]), float(row["mean"])) == (5, pytest.approx(iv.mean, rel=1e-12))
    assert float(row["half_width"]) == pytest.approx(iv.half_width, rel=1e-9)


def test_api_replicate_matches_separate_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = sim.load_scenario("scenarios/qingyang.toml", ["scenario.horizon_days=15"])
    reps = sim.replicate(scenario, 3, workers=1)
    for r, row in enumerate(reps.rows):
        summary = sim.run(scenario, seed=run_seed(scenario.seed, r)).summary
        assert row["revenue_fen.operator_net"] == summary.revenue.operator_net
    assert reps.intervals["revenue_fen.operator_net"].n == 3
    assert list(reps.frame()["rep"]) == [0, 1, 2]


# --- make --------------------------------------------------------------------------------------
def make(*args, cwd):
    import shutil

    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed",
                           f"PY={sys.executable}", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("target, var", [("sweep", "SWEEP"), ("sensitivity", "SWEEP"), ("sim", "REPS")])
def test_make_passes_sweep_and_reps_as_one_argument(tmp_path, target, var):
    bait = f"injected-{os.getpid()}-{target}"
    value = f"x; touch {bait} $(shell touch {bait}) `touch {bait}`"
    try:
        p = make(target, f"{var}={value}", "SCENARIO=nope", cwd=tmp_path)
        assert not (tmp_path / bait).exists() and not (ROOT / bait).exists()
    finally:
        (ROOT / bait).unlink(missing_ok=True)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    if var == "SWEEP":
        assert f"scenarios/sweeps/{value}.toml: no such file\n" in p.stderr
    else:
        assert f"argument --reps: must be a whole number, got '{value}'" in p.stderr
