"""Hostile command lines and paths (issue 24, items 5, 6 and 8): every count has an upper
bound, only regular files are read, and an output folder or name that could not be written
or told apart is refused before anything runs. Each: one line, exit code 2, nothing written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sweeps import SMALL
from sweeps import workdir as sweep_workdir
from tiny import TINY

from sim import compiled
from sim.cli import main
from sim.model import limits

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def wd(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(capsys, *args) -> str:
    """The one line `python -m sim ARGS` says, with exit code 2 (returned or raised) and
    nothing written."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    assert code == 2 and out == "", (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert not Path("results").exists()
    return lines[0]


# --- 5. counts from the command line ------------------------------------------------------------
SOLVE = ("solve", "tiny", "--target", "utilisation.overall=0.5", "--vary", "pricing.intermediary_fee=0:1")


@pytest.mark.parametrize("args, line", [
    (("run", "tiny", "--reps", "1000000000"),
     "--reps: must be <= 1,000,000 (runs one command may queue), got 1,000,000,000"),
    (("run", "tiny", "--reps", "2", "--workers", "100000"),
     "--workers: must be <= 256 (processes of ~250 MB each), got 100,000"),
    (("sweep", "x", "--workers", "257"), "--workers: must be <= 256 (processes of ~250 MB each), got 257"),
    (("sweep", "x", "--chunk-runs", "10000000"),
     "--chunk-runs: must be <= 1,000,000 (runs one command may queue), got 10,000,000"),
    (("compare", "tiny", "tiny", "--reps", "600000"),
     "--reps: 2 scenarios x 600,000 replications is more than 1,000,000 runs (the most one command may queue)"),
    ((*SOLVE, "--max-evals", "2000000"), "--max-evals: must be <= 1,000,000 (runs one command may queue), "
                                         "got 2,000,000"),
    ((*SOLVE, "--reps", "1000000000"), "--reps: must be <= 1,000,000 (runs one command may queue), "
                                       "got 1,000,000,000"),
    ((*SOLVE, "--max-evals", "2000", "--reps", "1000"),
     "--max-evals: 2,000 values x 1,000 replications is more than 1,000,000 runs (the most one command may queue)"),
])
def test_every_count_on_the_command_line_has_an_upper_bound(wd, capsys, args, line):
    assert refused(capsys, *args) == line


class Handed(Exception):
    pass


def test_the_largest_count_is_accepted_and_the_python_api_is_bounded_too(wd, monkeypatch):
    from sim.experiment import replicate
    from sim.scenario import loads

    assert limits.MAX_RUNS == 1_000_000 and limits.MAX_WORKERS == 256
    real = replicate.replicate

    def handed(scenario, reps, **kw):
        raise Handed(reps)

    monkeypatch.setattr(replicate, "replicate", handed)
    with pytest.raises(Handed) as e:  # parsed and handed on, not refused
        main(["run", "tiny", "--quiet", "--reps", str(limits.MAX_RUNS), "--workers", str(limits.MAX_WORKERS)])
    assert e.value.args == (limits.MAX_RUNS,)
    with pytest.raises(ValueError, match="reps must be 1 to 1,000,000, got 1000001"):
        real(loads(TINY, "tiny.toml"), limits.MAX_RUNS + 1, workers=1)


def test_a_sweep_files_points_steps_and_samples_are_bounded(tmp_path, monkeypatch):
    from sim.experiment.sweepfile import load_sweep
    from sim.scenario import ScenarioError

    monkeypatch.chdir(sweep_workdir(tmp_path))
    F = "scenarios/sweeps/t.toml"

    def errors(text):
        Path(F).write_text(text)
        with pytest.raises(ScenarioError) as e:
            load_sweep(F)
        return e.value.messages

    assert errors(SMALL.replace("steps = 2", "steps = 1_000_000_000_000")) == [
        f'{F}: parameters."sites.qingyang.pue".steps: must be <= 1000000, got 1000000000000']
    assert errors(SMALL.replace('sampling = "grid"', 'sampling = "latin-hypercube"\npoints = 1_000_000_000')
                  .replace(", steps = 2", "")) == [
        f"{F}: sweep.replications: 1,000,000,000 points x 2 replications is more than 1,000,000 runs"]
    assert errors(SMALL + "[sensitivity]\nsobol_base_samples = 1_048_576\n") == [
        f"{F}: sensitivity.sobol_base_samples: 1,048,576 x (2 parameters + 2) Sobol points and 10 x (2 + 1) "
        "Morris points, x 1 replications, make 4,194,334 runs, more than 1,000,000"]
    Path(F).write_text(SMALL + "[sensitivity]\nsobol_base_samples = 64\n")
    assert load_sweep(F).sensitivity.sobol_base_samples == 64


# --- 6. only regular files are read ------------------------------------------------------------------
def sim_process(*args, cwd, timeout=30):
    """`python -m sim ARGS`, killed after `timeout` s: a read that blocks fails the test, not the suite."""
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def one_line_2(p) -> str:
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr, (p.returncode, p.stderr)
    (line,) = p.stderr.splitlines()
    return line


TRACE_CLASS = """
[clients.philly]
workload = { trace = "jobs.csv" }
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_a_job_trace_is_refused_without_blocking(wd):
    os.mkfifo(wd / "jobs.csv")
    os.mkfifo(wd / "scenarios" / "jobs.csv")  # the trace is looked for beside the scenario
    (wd / "scenarios" / "replay.toml").write_text(TINY + TRACE_CLASS)
    assert one_line_2(sim_process("run", "replay", cwd=wd)) == (
        "scenarios/replay.toml: clients.philly.workload.trace: scenarios/jobs.csv: is a FIFO (named pipe), not a regular file")
    assert one_line_2(sim_process("fit-trace", "jobs.csv", cwd=wd)) == (
        "jobs.csv: is a FIFO (named pipe), not a regular file")
    assert not (wd / "results").exists()
    # In this process too: refused from the stat, before any open.
    from sim.workload.trace import TraceError, read_text, read_trace

    for read in (read_trace, read_text):
        with pytest.raises(TraceError, match="is a FIFO"):
            read(wd / "jobs.csv")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_as_a_job_trace_is_refused(wd):
    assert one_line_2(sim_process("fit-trace", "/dev/zero", cwd=wd)) == (
        "/dev/zero: is a character device, not a regular file")
    (wd / "scenarios" / "dev.toml").write_text(TINY + TRACE_CLASS.replace("jobs.csv", "/dev/zero"))
    assert one_line_2(sim_process("run", "dev", cwd=wd)).endswith(
        "clients.philly.workload.trace: /dev/zero: is a character device, not a regular file")
    assert one_line_2(sim_process("fit-trace", str(wd), cwd=wd)) == f"{wd}: is a directory, not a trace file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_where_an_earlier_runs_summary_was_is_not_read(wd, capsys):
    import sim.cli

    (wd / "scenarios" / "claimed.toml").write_text(
        (ROOT / "scenarios" / "qingyang-as-claimed.toml").read_text())
    (wd / "results" / "claimed").mkdir(parents=True)
    os.mkfifo(wd / "results" / "claimed" / "summary.json")
    summary, note = sim.cli._earlier_run(Path("scenarios/claimed.toml"), None, [])
    assert summary is None and note.startswith("No run in results/claimed/ yet")


# --- 8. small ones ------------------------------------------------------------------------------------
@pytest.mark.parametrize("out, line", [
    ("x/", "x/: --out must end in a folder name, not '.', '..' or '/'"),  # the README promised it
    ("x/.", "x/.: --out must end in a folder name, not '.', '..' or '/'"),
    ("a/" * 2000 + "b", "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/.../a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/b "
                        "(4,001 characters): 2,001 folders deep, over the 256 the writer can make; give a "
                        "shallower --out"),
    ("abcdefghij" * 2 + ("/" + "abcdefghij" * 2) * 195, None),  # 4,115 bytes: past PATH_MAX with its files
    ("n" * 240, None),  # its hidden sibling .<name>.<token>.staging would pass NAME_MAX
])
def test_an_out_folder_that_could_not_be_written_is_refused_before_the_run(wd, capsys, out, line):
    said = refused(capsys, "run", "tiny", "--out", out)
    if line is not None:
        assert said == line
    else:
        assert ("too long for the files written in it" in said or "the writer's hidden siblings leave room for"
                in said) and said.endswith(("give a shorter --out", "give a shorter --out or rename the file"))
    assert not Path(out.split("/")[0]).exists()


def test_sweeps_compare_and_solve_check_out_the_same_way(wd, capsys):
    for args in (("sweep", "x"), ("compare", "tiny", "tiny"), SOLVE):
        assert refused(capsys, *args, "--out", "x/") == "x/: --out must end in a folder name, not '.', '..' or '/'"


def test_a_long_but_writable_out_is_written(wd, capsys):
    out = "/".join(["abcdefghij"] * 200)  # 200 folders, 2,199 bytes
    assert main(["run", "tiny", "--quiet", "--out", out]) == 0
    assert (Path(out) / "summary.json").is_file()


def test_out_of_memory_is_one_line(wd, capsys, monkeypatch):
    import sim.cli

    def greedy(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(sim.cli, "run", greedy)
    assert refused(capsys, "run", "tiny", "--set", "scenario.max_servers=100000000") == (
        "out of memory: this run needs more than the machine has; lower [scenario] max_servers or max_jobs if "
        "raised, or give fewer racks, less demand or a shorter horizon")


@pytest.mark.skipif(sys.platform != "linux", reason="needs an address-space limit (RLIMIT_AS)")
@pytest.mark.xfail(compiled.in_use(), strict=False, reason="make compiled: mypyc's runtime aborts when it cannot "
                   "allocate (`fatal: out of memory`, SIGABRT) instead of raising MemoryError (README, Speed)")
def test_raising_max_servers_past_the_memory_is_one_line_not_a_memory_error(wd):
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    p = subprocess.run([sys.executable, "-m", "sim", "run", "tiny", "--quiet", "--set", "sites.a.racks.own.count=100000000",
                        "--set", "sites.a.racks.own.servers_per_rack=1", "--set", "scenario.max_servers=200000000"],
                       cwd=wd, capture_output=True, text=True, timeout=120, preexec_fn=limit,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert one_line_2(p).startswith("out of memory: ")
    assert not (wd / "results").exists()


@pytest.mark.parametrize("target, var", [("sim", "SCENARIO"), ("sweep", "SWEEP"), ("solve", "SCENARIO")])
@pytest.mark.parametrize("value", ["-h", "--help", "--version", "-x'y"])
def test_make_refuses_a_name_that_starts_like_an_option(tmp_path, target, var, value):
    p = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-o", ".venv/.installed", f"PY={sys.executable}",
                        target, f"{var}={value}"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""  # no help, no version
    assert p.stderr.splitlines()[0] == (f'make: {var}={value}: must name a file: it starts with "-" like an option '
                                        "(options go in ARGS)")


def test_rent_is_capped_with_its_reason():
    from sim.scenario import ScenarioError, loads

    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", ["tenants.t.colocation_cny_per_kw_month=1e15"])
    assert e.value.messages == [
        "tiny.toml: tenants.t.colocation_cny_per_kw_month: must be at most 100,000 CNY per kW-month (real rents "
        "are hundreds to a few thousand: a figure per MW or per year?), got 1e+15"]
    assert loads(TINY, "tiny.toml", ["tenants.t.colocation_cny_per_kw_month=100_000"])


def test_pro_rata_rent_is_exact_to_the_fen():
    """42,687 racks of 109.3 kW online from day 16 of January at 84,546.65 CNY per kW-month owe
    84,546.65 x 100 x 109.3 x 42,687 x (744 - 384) / 744 fen: 19,087,179,839,347.5 exactly, rounded
    half to even as every bill is, ...348. The floating-point product said ...347, a fen short."""
    from fractions import Fraction

    from sim.economics.costs import Colocation
    from sim.economics.ledger import Ledger, tenant_account
    from sim.scenario import loads

    s = loads(TINY, "tiny.toml", ["tenants.t.colocation_cny_per_kw_month=84546.65",
                                  "sites.a.racks.rented={owner='t', count=42687, power_kw=109.3, server='s', "
                                  "servers_per_rack=1, online=16}"])
    exact = Fraction("84546.65") * 100 * Fraction("109.3") * 42687 * (744 - 384) / 744
    assert round(exact) == 19087179839348 != round(84546.65 * 100 * (109.3 * 42687 * 360.0) / 744)
    ledger = Ledger()
    Colocation(s, ledger).bill(0.0, 744.0, 744.0)
    assert ledger.balances[tenant_account("t")] == -19087179839348


CLASS = '\narrivals = { at_hours = [30] }\nsizes = { values = [4] }\nduration = { dist = "fixed", hours = 1 }\n'


@pytest.mark.parametrize("header, line", [
    ('[clients.""]', 'tiny.toml: clients."": a name must not be empty or blank'),
    ('[clients."  "]', 'tiny.toml: clients."  ": a name must not be empty or blank'),
    ('[clients."a\\nb"]', 'tiny.toml: clients."a\\u000ab": a name must not hold control characters or line breaks'),
    ('[tenants.t.demand."a\\tb"]',
     'tiny.toml: tenants.t.demand."a\\u0009b": a name must not hold control characters or line breaks'),
    ('[sites."\\u0007"]', 'tiny.toml: sites."\\u0007": a name must not hold control characters or line breaks'),
])
def test_empty_names_and_names_with_control_characters_are_refused(header, line):
    from sim.scenario import ScenarioError, loads

    with pytest.raises(ScenarioError) as e:
        loads(TINY + "\n" + header + CLASS, "tiny.toml")
    assert line in e.value.messages and all("\n" not in m for m in e.value.messages)
    with pytest.raises(ScenarioError) as e:
        loads(TINY.replace('name = "tiny"', 'name = "two\\nlines"'), "tiny.toml")
    assert e.value.messages == ["tiny.toml: scenario.name: a name must not hold control characters or line breaks"]


def test_a_class_named_like_a_tenants_class_gets_a_label_of_its_own():
    import sim
    from sim.model.demand import class_label
    from sim.report.markdown import report_md
    from sim.scenario import loads

    assert class_label(None, "x") == "x" and class_label("t", "x") == "t/x"
    assert class_label(None, "t/x") == '"t/x"' and class_label("t", 'x"y') == 't/"x\\"y"'
    assert class_label("a/b", "c") == '"a/b"/c' != class_label("a", "b/c") == 'a/"b/c"'
    s = loads(TINY + '\n[clients."t/x"]' + CLASS + "\n[tenants.t.demand.x]" + CLASS, "tiny.toml")
    result = sim.run(s)
    labels = [c.label for c in result.summary.jobs.by_class]
    assert sorted(labels) == ['"t/x"', "c", "t/x"]
    report = report_md(result.summary_dict())
    assert '\n| "t/x" |' in report and "\n| t/x |" in report
