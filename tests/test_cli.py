"""The command line, as a user runs it: outputs, reproducibility, errors."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def sim(*args, cwd=ROOT, hashseed="0"):
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def workdir(tmp_path):
    """A folder laid out like a clone: scenarios/ beside an empty results/."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


def test_run_writes_every_output_under_results_scenario(workdir):
    p = sim("run", "qingyang", "--horizon", "20", cwd=workdir)
    assert p.returncode == 0, p.stderr
    out = workdir / "results" / "qingyang@scenario.horizon_days=20"  # a run with overrides: its own folder
    assert sorted(f.name for f in out.iterdir()) == [
        "report.html", "report.md", "revenue.png", "summary.json", "timeseries.csv", "timeseries.parquet",
        "timeseries_by_site.csv", "timeseries_by_site.parquet", "utilisation.png"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "qingyang" and summary["horizon_days"] == 20
    assert summary["provenance"]["overrides"] == ["scenario.horizon_days=20"]
    assert len((out / "timeseries.csv").read_text().splitlines()) == 1 + 20
    assert (out / "utilisation.png").read_bytes()[:4] == b"\x89PNG"
    assert "wrote results/qingyang@scenario.horizon_days=20/" in p.stdout


def test_same_seed_gives_byte_identical_summary_across_processes(workdir):
    out = workdir / "results" / "qingyang@scenario.horizon_days=40" / "summary.json"
    assert sim("run", "qingyang", "--horizon", "40", "--quiet", cwd=workdir, hashseed="1").returncode == 0
    first = out.read_bytes()
    assert sim("run", "qingyang", "--horizon", "40", "--quiet", cwd=workdir, hashseed="2").returncode == 0
    assert out.read_bytes() == first
    assert sim("run", "qingyang", "--horizon", "40", "--quiet", "--seed", "7", cwd=workdir).returncode == 0
    assert out.read_bytes() == first  # the seed 7 run has a folder of its own
    other = workdir / "results" / "qingyang@scenario.seed=7,scenario.horizon_days=40" / "summary.json"
    assert other.read_bytes() != first


def test_unknown_scenario_is_one_line_exit_2_and_writes_nothing(workdir):
    p = sim("run", "nope", cwd=workdir)
    assert p.returncode == 2
    assert p.stderr == "scenarios/nope.toml: no such file\n"
    assert not (workdir / "results").exists()
