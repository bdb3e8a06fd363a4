"""The Python routes the command line has: names for sim.run and sim.replicate, the lazy names
in dir(sim), sim.write_results / finance / audit / verdict / scenarios, short reprs, docstrings,
`python -m sim list`, and "did you mean" on mistyped keys, scenarios, classes and commands."""

import subprocess
import sys
from pathlib import Path

import pytest
from tiny import TINY

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_run_takes_a_name_with_overrides_as_the_command_line_does():
    by_name = sim.run("qingyang@scenario.horizon_days=3")
    loaded = sim.run(sim.load_scenario("qingyang"), horizon_days=3)
    assert by_name.summary_dict()["revenue_fen"] == loaded.summary_dict()["revenue_fen"]
    assert by_name.scenario.overrides == ("scenario.horizon_days=3",)
    with pytest.raises(sim.ScenarioError, match="did you mean 'qingyang'"):
        sim.run("qingyan")
    with pytest.raises(TypeError):
        sim.run(42)


def test_replicate_takes_a_path(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    reps = sim.replicate(str(path), 2, workers=1)
    assert len(reps.rows) == 2 and reps.scenario.source == str(path)
    assert repr(reps) == f"Replications(scenario='tiny', reps=2, metrics={len(reps.intervals)})"


def test_dir_lists_the_lazy_names_and_each_resolves():
    names = dir(sim)
    for name in ("compare", "replicate", "sweep", "sensitivity", "solve", "write_results", "finance", "audit",
                 "verdict", "scenarios", "run", "load_scenario"):
        assert name in names and name in sim.__all__
        assert callable(getattr(sim, name)) and getattr(sim, name).__doc__


def test_write_results_finance_audit_and_verdict_from_python(tmp_path):
    from fin_tiny import FIN_TINY

    from sim.scenario import loads

    result = sim.run(loads(FIN_TINY, "fin.toml"))
    written = sim.write_results(result, tmp_path / "fin")
    assert {p.name for p in written} >= {"summary.json", "report.md", "finance.csv"}
    assert sim.finance(result).total.verdict.payback_year == 2
    assert sim.audit(result) is None and sim.verdict(result) is None  # no [claim]
    a = sim.audit("qingyang")
    assert a.row("IT power, MW").grounded.lo == 40
    v = sim.verdict("qingyang")
    assert dict(v.lines())["market buys"].startswith("not run yet")


def test_reprs_are_short():
    result = sim.run("qingyang", horizon_days=2)
    text = repr(result)
    assert text.startswith("RunResult(scenario='qingyang', seed=20231130, days=2, operator_net_cny=")
    assert len(text) < 120
    assert repr(result.scenario) == ("Scenario(name='qingyang', source='" + result.scenario.source
                                     + "', seed=20231130, horizon_days=2, sites=['qingyang'])")


def test_every_public_class_has_a_docstring():
    from sim.economics.audit import Audit, Row
    from sim.experiment.compare import Comparison
    from sim.experiment.replicate import Replications
    from sim.experiment.sensitivity import SensitivityResult
    from sim.experiment.solve import Solution
    from sim.experiment.sweep import SweepResult
    from sim.experiment.sweepfile import Sweep
    from sim.model.claim import Claim, Span
    from sim.model.scenario import Scenario
    from sim.report.verdict import Verdict
    from sim.scenario.shipped import Shipped
    from sim.simulation.finance import FinanceResult, SiteFinance

    for cls in (sim.RunResult, sim.ScenarioError, Scenario, Replications, SweepResult, Sweep, SensitivityResult,
                Comparison, Solution, FinanceResult, SiteFinance, Audit, Row, Claim, Span, Verdict, Shipped):
        assert cls.__doc__ and cls.__doc__.strip(), cls.__name__
        assert not cls.__doc__.startswith(cls.__name__ + "("), f"{cls.__name__}: attrs' signature, not a docstring"


def test_scenarios_and_list_name_the_shipped_files(capsys):
    items = sim.scenarios()
    stems = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert [s.name for s in items if s.kind == "scenario"] == stems
    assert [s.name for s in items if s.kind == "sweep"] == sorted(p.stem for p in (ROOT / "scenarios" / "sweeps").glob("*.toml"))
    assert all(s.description for s in items)
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for s in items:
        assert f"  {s.name} " in out and s.description in out


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_did_you_mean_on_a_command_a_scenario_a_key_and_a_class():
    p = cli("rn", "qingyang")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == ["python -m sim: no command 'rn' (did you mean 'run'?); commands: run, sweep, "
                                     "sensitivity, fit-trace, validate-openb, audit, list, compare, uncertainty, solve"]
    p = cli("run", "qingyan")
    assert (p.returncode, p.stderr) == (2, "scenarios/qingyan.toml: no such file (did you mean 'qingyang'?)\n")
    p = cli("audit", "qingyang", "--set", "pricing.intermedary_fee=0.2")
    assert (p.returncode, p.stderr) == (2, "scenarios/qingyang.toml: pricing.intermedary_fee: unknown key "
                                           "(did you mean 'intermediary_fee'?)\n")
    p = cli("audit", "qingyang", "--set", "clients.trainig.sizes={values=[1]}")
    assert p.returncode == 2
    assert p.stderr.splitlines()[0] == ("scenarios/qingyang.toml: clients.trainig.arrivals: missing "
                                        "(clients.trainig is not in the file; did you mean 'training'?)")
    p = cli("audit", "qingyang", "--set", 'sites.qingyang.racks.gpu-cloud-a.server="atlas-800t-a3"')
    assert p.stderr == ("scenarios/qingyang.toml: sites.qingyang.racks.gpu-cloud-a.server: no server named "
                        "'atlas-800t-a3' in [servers] (did you mean 'atlas-800t-a2'?)\n")
