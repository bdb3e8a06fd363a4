"""Hostile command lines and paths (issue 24, items 5, 6 and 8): every count has an upper
bound, only regular files are read, and an output folder or name that could not be written
or told apart is refused before anything runs. Each: one line, exit code 2, nothing written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.model import limits
from sweeps import SMALL, workdir as sweep_workdir
from tiny import TINY

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
