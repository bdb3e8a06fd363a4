"""The command line's options: help, --seed, --horizon, --set, --out, --quiet, and their errors.

Most cases call sim.cli.main in this process (from a temporary folder laid out like a
clone); the help and one bad --set run as a user runs them, `python -m sim`.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tiny import TINY

from sim.cli import main
from sim.report.outdir import output_folder

ROOT = Path(__file__).resolve().parent.parent


def _largest_training_pool() -> int:
    """The largest pool the shipped qingyang's training class may use, as the scenario has it now."""
    from sim.scenario import load_scenario
    from sim.scheduling.cluster import Cluster

    s = load_scenario(ROOT / "scenarios" / "qingyang.toml")
    training = next(c for c in s.clients if c.name == "training")
    return max(p.planned_accelerators for p in Cluster(s).pools_for(training))


LARGEST_TRAINING_POOL = _largest_training_pool()


def sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_cli(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def summary(workdir, name="tiny"):
    return json.loads((workdir / "results" / name / "summary.json").read_text())


# --- help ------------------------------------------------------------------------------------
def test_help_lists_the_commands_and_exit_codes(tmp_path):
    p = sim("--help", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("usage: python -m sim")
    text = " ".join(p.stdout.split())  # argparse wraps to the terminal's width
    for words in ("run", "Exit codes: 0 done, 1 results could not be written, 2 bad input, 130 interrupted"):
        assert words in text


def test_run_help_lists_every_option(tmp_path):
    p = sim("run", "--help", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("usage: python -m sim run")
    for option in ("--seed", "--horizon DAYS", "--set KEY=VALUE", "--out", "--quiet", "scenario"):
        assert option in p.stdout


@pytest.mark.parametrize("args", [["run"], ["run", "tiny", "--colour"], ["run", "tiny", "--seed"]])
def test_a_malformed_command_line_exits_2_with_usage(workdir, capsys, args):
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m sim") and "Traceback" not in err
    assert not (workdir / "results").exists()


def test_an_unknown_command_exits_2_in_one_line_with_the_commands(workdir, capsys):
    assert main(["walk", "tiny"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("python -m sim: no command 'walk'; commands: run, ")


# --- --set ------------------------------------------------------------------------------------
def test_set_changes_the_result(workdir, capsys):
    assert run_cli(capsys, "run", "tiny", "--quiet")[0] == 0
    assert summary(workdir)["revenue_cny"]["intermediary_fee"] == 6.0  # 15 % of 40 CNY
    assert run_cli(capsys, "run", "tiny", "--quiet", "--set", "pricing.intermediary_fee=0.5",
                   "--set", "sites.a.pue=2")[0] == 0
    assert summary(workdir)["revenue_cny"]["intermediary_fee"] == 6.0  # the baseline is left alone
    s = summary(workdir, "tiny@pricing.intermediary_fee=0.5,sites.a.pue=2")
    assert s["revenue_cny"]["intermediary_fee"] == 20.0
    assert s["revenue_cny"]["electricity_cost"] == pytest.approx(33.6 * 2 / 1.5)  # PUE 1.5 -> 2
    assert s["provenance"]["overrides"] == ["pricing.intermediary_fee=0.5", "sites.a.pue=2"]


def test_set_takes_toml_values_and_quoted_keys(workdir, capsys):
    overrides = ['clients.c.arrivals.at_hours=[0, 1]', 'sites."a".racks.rented.online=2025-01-01',
                 "scenario.name=renamed"]
    code, _, err = run_cli(capsys, "run", "tiny", "--quiet", *(a for o in overrides for a in ("--set", o)))
    assert code == 0, err
    s = summary(workdir, output_folder("results", "tiny", overrides, None).name)
    assert s["scenario"] == "renamed"
    assert s["jobs"]["total"]["submitted"] == 2
    assert s["capacity"]["at_horizon"]["accelerators"] == 8


def test_a_bad_set_is_reported_like_the_file_would_be(workdir):
    p = sim("run", "qingyang", "--set", "sites.qingyang.pue=0.9", cwd=workdir)
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == "scenarios/qingyang.toml: sites.qingyang.pue: must be >= 1.0, got 0.9\n"
    assert not (workdir / "results").exists()


@pytest.mark.parametrize("args, lines", [
    (["--set", "sites.qingyang.pue=0.9", "--set", "pricing.intermediary_fee=1.5"],
     ["scenarios/qingyang.toml: sites.qingyang.pue: must be >= 1.0, got 0.9",
      "scenarios/qingyang.toml: pricing.intermediary_fee: must be <= 1, got 1.5"]),
    (["--set", "sites.qingyang.pue=high"],
     ["scenarios/qingyang.toml: sites.qingyang.pue: must be a number, got string 'high'"]),
    (["--set", "sites.qingyang.pue=true"],
     ["scenarios/qingyang.toml: sites.qingyang.pue: must be a number, got boolean true"]),
    (["--set", "sites.qingyang.colour=red"], ["scenarios/qingyang.toml: sites.qingyang.colour: unknown key"]),
    (["--set", "sites.qingyang.racks.gpu-cloud-a.ramp_end=2024-06-30"],
     ["scenarios/qingyang.toml: sites.qingyang.racks.gpu-cloud-a.ramp_end: must be after ramp_start"]),
    (["--set", 'sites.qingyang.racks.operator-fund.server="h100"'],
     ["scenarios/qingyang.toml: sites.qingyang.racks.operator-fund.server: no server named 'h100' in [servers]"]),
    (["--set", "clients.training.sizes.values=[100000]", "--set", "clients.training.sizes.weights=[1]"],
     ["scenarios/qingyang.toml: clients.training.sizes.values: a job of 100000 accelerators is larger than any "
      f"pool this class may use (largest: {LARGEST_TRAINING_POOL} accelerators at full build-out)"]),
    (["--set", "pue"], ["scenarios/qingyang.toml: --set pue: must be key=value, e.g. sites.qingyang.pue=1.3"]),
    (["--set", "=1.3"], ["scenarios/qingyang.toml: --set =1.3: must be key=value, e.g. sites.qingyang.pue=1.3"]),
    (["--set", "sites.qingyang.pue.x=1"], ["scenarios/qingyang.toml: sites.qingyang.pue: --set sites.qingyang.pue.x: "
                                           "not a table"]),
    (["--set", "scenario.seed=" + "9" * 5000],
     ["scenarios/qingyang.toml: scenario.seed: --set scenario.seed: an integer of more than 4300 digits"]),
    # --seed and --horizon are overrides of scenario.seed and scenario.horizon_days
    (["--horizon", "0"], ["scenarios/qingyang.toml: scenario.horizon_days: must be > 0, got 0"]),
    (["--horizon", "-5"], ["scenarios/qingyang.toml: scenario.horizon_days: must be > 0, got -5"]),
    (["--horizon", "ten"], ["scenarios/qingyang.toml: scenario.horizon_days: must be a number, got string 'ten'"]),
    (["--horizon", "inf"], ["scenarios/qingyang.toml: scenario.horizon_days: must be finite, got inf"]),
    (["--seed", "-1"], ["scenarios/qingyang.toml: scenario.seed: must be >= 0, got -1"]),
    (["--seed", "abc"], ["scenarios/qingyang.toml: scenario.seed: must be an integer, got string 'abc'"]),
    (["--seed", "1.5"], ["scenarios/qingyang.toml: scenario.seed: must be an integer, got 1.5"]),
    (["--seed", "-1", "--horizon", "0"], ["scenarios/qingyang.toml: scenario.seed: must be >= 0, got -1",
                                          "scenarios/qingyang.toml: scenario.horizon_days: must be > 0, got 0"]),
])
def test_bad_options_are_validated_like_the_file(workdir, capsys, args, lines):
    code, out, err = run_cli(capsys, "run", "qingyang", *args)
    assert (code, out) == (2, "")
    assert err.splitlines() == lines
    assert not (workdir / "results").exists()


# --- --seed, --horizon, --out, --quiet -------------------------------------------------------
def test_seed_and_horizon_override_the_file(workdir, capsys):
    assert run_cli(capsys, "run", "qingyang", "--quiet", "--horizon", "3")[0] == 0
    first = summary(workdir, "qingyang@scenario.horizon_days=3")
    assert (first["seed"], first["horizon_days"]) == (20231130, 3)
    assert run_cli(capsys, "run", "qingyang", "--quiet", "--horizon", "2.5", "--seed", "7")[0] == 0
    second = summary(workdir, "qingyang@scenario.seed=7,scenario.horizon_days=2.5")
    assert (second["seed"], second["horizon_days"], second["end_date"]) == (7, 2.5, "2025-01-03")
    assert second["provenance"]["overrides"] == ["scenario.seed=7", "scenario.horizon_days=2.5"]


def test_out_writes_there_and_only_there(workdir, capsys):
    code, out, _ = run_cli(capsys, "run", "tiny", "--out", "elsewhere/deep")
    assert code == 0
    assert sorted(f.name for f in (workdir / "elsewhere" / "deep").iterdir()) == [
        "report.html", "report.md", "revenue.png", "summary.json", "timeseries.csv", "timeseries.parquet",
        "timeseries_by_site.csv", "timeseries_by_site.parquet", "utilisation.png"]
    assert not (workdir / "results").exists()
    assert "wrote elsewhere/deep/{" in out


def test_quiet_prints_nothing_on_success_and_loud_prints_the_table(workdir, capsys):
    assert run_cli(capsys, "run", "tiny", "--quiet") == (0, "", "")
    code, out, err = run_cli(capsys, "run", "tiny")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["tiny", "seed", "1,", "2", "days", "from", "2025-01-01"]
    assert "operator net" in out and out.endswith("summary.json}\n")


def test_quiet_still_reports_errors(workdir, capsys):
    code, out, err = run_cli(capsys, "run", "tiny", "--quiet", "--horizon", "0")
    assert (code, out) == (2, "")
    assert err == "scenarios/tiny.toml: scenario.horizon_days: must be > 0, got 0\n"


def test_a_scenario_is_named_or_given_as_a_path(workdir, capsys):
    assert run_cli(capsys, "run", "scenarios/tiny.toml", "--quiet")[0] == 0
    assert run_cli(capsys, "run", str(workdir / "scenarios" / "tiny.toml"), "--quiet", "--out", "abs")[0] == 0
    assert summary(workdir)["provenance"]["scenario_file"] == "scenarios/tiny.toml"
    code, _, err = run_cli(capsys, "run", "nope")
    assert (code, err) == (2, "scenarios/nope.toml: no such file\n")


def test_policy_options_select_the_policies(workdir, capsys):
    code, _, err = run_cli(capsys, "run", "tiny", "--queue", "sjf", "--placement", "best-fit",
                           "--reclaim", "preempt", "--quiet")
    assert code == 0, err
    summary = json.loads((workdir / "results" / "tiny@policy.placement=best-fit,policy.queue=sjf,"
                                     "policy.reclaim=preempt" / "summary.json").read_text())
    assert summary["policy"] == {"placement": "best-fit", "queue": "sjf", "reclaim": "preempt",
                                 "preempted": "requeue"}
    assert summary["provenance"]["overrides"] == [
        'policy.placement="best-fit"', 'policy.queue="sjf"', 'policy.reclaim="preempt"']


def test_an_unknown_policy_is_a_usage_error(workdir, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "tiny", "--queue", "lifo"])
    assert e.value.code == 2
    assert "invalid choice: 'lifo'" in capsys.readouterr().err
    assert not (workdir / "results").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"horizon_days": 0}, "tiny.toml: scenario.horizon_days: must be > 0, got 0"),
    ({"horizon_days": 40_000}, "tiny.toml: scenario.horizon_days: must be <= 36500, got 40000"),
    ({"seed": -3}, "tiny.toml: scenario.seed: must be >= 0, got -3"),
    ({"seed": 1.5}, "tiny.toml: scenario.seed: must be an integer, got 1.5"),
])
def test_run_checks_its_own_seed_and_horizon_like_the_file(kwargs, message):
    from tiny import tiny

    import sim

    with pytest.raises(sim.ScenarioError) as e:
        sim.run(tiny(), **kwargs)
    assert e.value.messages == [message]
