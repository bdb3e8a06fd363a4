"""Results are written as one set, to a folder of their own, and say where they came from.

A run replaces the whole previous set in one step (sim/report/files.py; the step-by-step
failure tests are in test_result_set.py). Here: real renders, the folder names, and real
processes stopped by signals, killed, run side by side, or writing into a closed pipe.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from depth import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import TINY, tiny

import sim
from sim.cli import main
from sim.report import FILES, write_results
from sim.report.outdir import MAX_OVERRIDES_CHARS, OutputNameError, output_folder
from sim.simulation.provenance import git_commit
from sim.simulation.run import run

ROOT = Path(__file__).resolve().parent.parent
# The old results in the process tests: fewer jobs, so that every file differs from the new.
OLD_TINY = TINY.replace("at_hours = [0, 1, 30, 30]", "at_hours = [0, 5]")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


def tree(folder: Path) -> set[str]:
    """Every path under `folder`, links not followed."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def assert_clean(out: Path) -> None:
    """Only the link, its lock and the one version it names: nothing left by earlier runs."""
    target = os.readlink(out)
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")) == \
        sorted([f".{out.name}.lock", target])


# --- in process ------------------------------------------------------------------------------
def test_a_write_replaces_the_whole_set(tmp_path):
    a, b = run(tiny()), run(tiny("scenario.seed=2", "clients.c.arrivals.at_hours=[0, 5]"))
    out = tmp_path / "out"
    write_results(a, out)
    before = snapshot(out)
    assert sorted(before) == sorted(FILES)
    write_results(b, out)
    after = snapshot(out)
    assert sorted(after) == sorted(FILES)
    assert all(after[name] != before[name] for name in FILES)
    assert json.loads(after["summary.json"])["seed"] == 2
    assert_clean(out)


def test_results_that_cannot_be_written_exit_1_with_one_line(workdir, capsys):
    (workdir / "blocked").write_text("a file where the output folder should go")
    capsys.readouterr()
    assert main(["run", "tiny", "--out", "blocked/tiny"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("blocked/tiny: cannot write results: ") and captured.err.count("\n") == 1
    assert captured.out == ""
    assert (workdir / "blocked").read_text() == "a file where the output folder should go"


def test_a_folder_holding_other_files_is_not_replaced(workdir, capsys):
    (workdir / "mine").mkdir()
    (workdir / "mine" / "notes.md").write_text("keep")
    capsys.readouterr()
    assert main(["run", "tiny", "--out", "mine"]) == 1
    assert capsys.readouterr().err == ("mine: cannot write results: holds files this program did not write "
                                       "(notes.md); move them or give another --out\n")
    assert not (workdir / "mine").is_symlink() and tree(workdir / "mine") == {"notes.md"}


# --- where results go ------------------------------------------------------------------------
R = Path("results")


@pytest.mark.parametrize("overrides, name", [
    ([], "qingyang"),
    (["pricing.intermediary_fee=0.3", "scenario.seed=7"], "qingyang@pricing.intermediary_fee=0.3,scenario.seed=7"),
    (['policy.queue="sjf"', " scenario.horizon_days = 2.5 "],
     "qingyang@policy.queue=sjf,scenario.horizon_days=2.5"),
    (["scenario.start_date=2025-03-01"], "qingyang@scenario.start_date=2025-03-01"),
])
def test_a_run_with_overrides_gets_a_readable_folder_of_its_own(overrides, name):
    assert output_folder(R, "qingyang", overrides, None) == R / name


def test_a_table_value_is_named_without_its_blanks():
    name = output_folder(R, "zhonghe", ["scenario.sampling={ windows_per_year = 4, window_days = 2 }"], None).name
    assert re.fullmatch(r"zhonghe@scenario\.sampling=_windows_per_year=4_window_days=2_~[0-9a-f]{8}", name)


@pytest.mark.parametrize("a, b", [
    (["scenario.description=a b"], ["scenario.description=a_b"]),     # the same after "_" for " "
    (['scenario.name="1"'], ["scenario.name=1"]),                     # a string, and a number
    (["a=1,b=2"], ["a=1", "b=2"]),                                    # one override, and two
    (["x=" + "1" * 200 + "2"], ["x=" + "1" * 200 + "3"]),             # differ past the cut
    (["sites.a.pue=1.2", "pricing.intermediary_fee=0.3"], ["pricing.intermediary_fee=0.3", "sites.a.pue=1.2"]),
])
def test_different_overrides_never_share_a_folder(a, b):
    assert output_folder(R, "tiny", a, None) != output_folder(R, "tiny", b, None)


def test_a_lossy_or_long_name_carries_a_hash():
    readme = output_folder(R, "tiny", ["scenario.description=two words"], None).name
    assert readme == "tiny@scenario.description=two_words~ab8e50e3"  # the README's example
    name = output_folder(R, "tiny", ["scenario.description=two words/../x"], None).name
    assert re.fullmatch(r"tiny@scenario\.description=two_words_\.\._x~[0-9a-f]{8}", name)
    long = output_folder(R, "tiny", [f"clients.c{i}.sizes.values=[{i}]" for i in range(30)], None).name
    assert len(long) == len("tiny@") + MAX_OVERRIDES_CHARS + 9 and "~" in long


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_any_overrides_give_one_plain_folder_inside_results(overrides):
    out = output_folder(R, "tiny", overrides, None)
    assert out.parent == R and out.name.startswith("tiny@")
    assert re.fullmatch(r"[A-Za-z0-9._=+@,~-]+", out.name) and len(out.name) <= 5 + MAX_OVERRIDES_CHARS + 9
    assert output_folder(R, "tiny", list(overrides), None) == out


def test_out_is_used_as_given_even_with_overrides():
    assert output_folder(R, "tiny", ["scenario.seed=2"], Path("elsewhere/x")) == Path("elsewhere/x")


def test_overrides_leave_the_baseline_results_alone(workdir, capsys):
    baseline = snapshot(workdir / "results" / "tiny")
    assert main(["run", "tiny", "--set", "pricing.intermediary_fee=0.5", "--seed", "4"]) == 0
    assert "wrote results/tiny@pricing.intermediary_fee=0.5,scenario.seed=4/{" in capsys.readouterr().out
    assert snapshot(workdir / "results" / "tiny") == baseline
    what_if = json.loads((workdir / "results" / "tiny@pricing.intermediary_fee=0.5,scenario.seed=4"
                          / "summary.json").read_text())
    assert what_if["seed"] == 4 and what_if["revenue_cny"]["intermediary_fee"] == 20.0


@pytest.mark.parametrize("args, line", [
    (["...toml"], "results/..: a scenario file name that starts with '.'"),        # make sim SCENARIO=...toml
    (["scenarios/..toml"], "results/.: a scenario file name that starts with '.'"),
    (["scenarios/.hidden.toml"], "results/.hidden: a scenario file name that starts with '.'"),
    (["tiny", "--out", ".."], "..: --out must end in a folder name"),
    (["tiny", "--out", "."], ".: --out must end in a folder name"),
    (["tiny", "--out", "results/tiny/.."], "results/tiny/..: --out must end in a folder name"),
])
def test_a_name_that_escapes_results_is_refused_and_nothing_written(workdir, capsys, args, line):
    for name in ("...toml", "scenarios/..toml", "scenarios/.hidden.toml"):
        (workdir / name).write_text(TINY)
    (workdir / "results" / "tiny").mkdir(exist_ok=True)
    before = tree(workdir)
    capsys.readouterr()
    assert main(["run", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(line) and err.count("\n") == 1
    assert tree(workdir) == before
    with pytest.raises(OutputNameError):
        output_folder(R, Path(args[0]).stem, [], None if len(args) == 1 else Path(args[2]))


# --- real processes --------------------------------------------------------------------------
# The child runs the CLI with one function wrapped so that it stops at a chosen point: mid-way
# through writing the first file of the new set, just before or just after the switch, or as
# it prints its table after writing; it says so in a marker file and sleeps until the test
# signals it. Optionally its cleanup is slow, so that a second signal can land in it.
CHILD = r"""
import os, shutil, sys, time
from pathlib import Path
import sim.cli

marker, where, slow_cleanup, args = sys.argv[1], sys.argv[2], sys.argv[3] == "slow", sys.argv[4:]

def stop():
    Path(marker).write_text(where)
    time.sleep(120)

real_write, real_replace, real_rmtree, real_table = os.write, os.replace, shutil.rmtree, sim.cli.table

def write(fd, data):
    if where == "write" and ".staging/" in os.readlink(f"/proc/self/fd/{fd}"):
        real_write(fd, bytes(data[: len(data) // 2]))
        stop()
    return real_write(fd, data)

def replace(src, dst):
    switch = str(src).endswith(".link")
    if switch and where == "switch":
        stop()
    real_replace(src, dst)
    if switch and where == "switched":
        stop()

def rmtree(path, *a, **k):
    if slow_cleanup:
        Path(marker + ".cleanup").write_text("now")
        time.sleep(1.5)  # a no-op handler lets it sleep on after a signal
    return real_rmtree(path, *a, **k)

def table(*a):
    if where == "printing":
        stop()
    return real_table(*a)

os.write, os.replace, shutil.rmtree, sim.cli.table = write, replace, rmtree, table
sys.exit(sim.cli.main(args))
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A folder with scenarios/tiny.toml and the (old) results of a variant of it."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(OLD_TINY)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tiny", "--quiet"]) == 0
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    return tmp_path


def reference(tmp_path, monkeypatch, args) -> dict[str, bytes]:
    """The set `python -m sim <args>` writes in a clean folder, byte for byte."""
    ref = tmp_path / f"ref-{len(list(tmp_path.iterdir()))}"
    (ref / "scenarios").mkdir(parents=True)
    (ref / "scenarios" / "tiny.toml").write_text(TINY)
    with monkeypatch.context() as m:
        m.chdir(ref)
        assert main(list(args)) == 0
        out = next(p for p in (ref / "results").iterdir() if p.is_symlink())
        return snapshot(out)


def start_child(workdir: Path, where: str, args, slow_cleanup=False) -> subprocess.Popen:
    marker = workdir / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), where,
                              "slow" if slow_cleanup else "-", *args],
                             cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(marker, child)
    return child


def wait_for(marker: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"the child ended before it stopped: {child.communicate()}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child never reached its stop")
        time.sleep(0.01)


SIGNALS = {signal.SIGTERM: (143, "terminated"), signal.SIGINT: (130, "interrupted")}


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the file being written in /proc")
@pytest.mark.parametrize("where, switched, sig", [
    ("write", False, signal.SIGTERM),       # half-way through the first file of the new set
    ("switch", False, signal.SIGINT),       # the new set complete, not yet switched in
    ("switched", True, signal.SIGTERM),     # just switched, the old version not yet removed
    ("printing", True, signal.SIGINT),      # Ctrl-C just after the write
], ids=lambda v: getattr(v, "name", str(v)))
def test_a_signal_at_any_stage_leaves_one_whole_set_and_says_which(workdir, tmp_path, monkeypatch, where,
                                                                 switched, sig):
    args = ["run", "tiny"] + ([] if where == "printing" else ["--quiet"])
    new = reference(tmp_path, monkeypatch, args)
    out = workdir / "results" / "tiny"
    old = snapshot(out)
    assert all(old[name] != new[name] for name in FILES)
    child = start_child(workdir, where, args)
    child.send_signal(sig)
    stdout, stderr = child.communicate(timeout=30)
    code, word = SIGNALS[sig]
    assert child.returncode == code, stderr
    if switched:
        assert stderr == f"{word}: results/tiny already holds this run's results\n"
        assert snapshot(out) == new
    else:
        assert stderr == f"{word}: earlier results left as they were\n"
        assert snapshot(out) == old
        assert_clean(out)  # its own staging folder, version and link were removed
    assert main(args) == 0
    assert snapshot(out) == new
    assert_clean(out)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the file being written in /proc")
def test_signals_during_cleanup_are_ignored(workdir):
    out = workdir / "results" / "tiny"
    old = snapshot(out)
    child = start_child(workdir, "write", ["run", "tiny", "--quiet"], slow_cleanup=True)
    child.send_signal(signal.SIGTERM)
    wait_for(workdir / "marker.cleanup", child)
    child.send_signal(signal.SIGINT)
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=30)
    assert (child.returncode, stdout, stderr) == (143, "", "terminated: earlier results left as they were\n")
    assert snapshot(out) == old
    assert_clean(out)  # the cleanup ran to its end


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the file being written in /proc")
def test_a_run_killed_mid_write_leaves_the_old_set_and_the_next_run_cleans_up(workdir, tmp_path, monkeypatch):
    new = reference(tmp_path, monkeypatch, ["run", "tiny", "--quiet"])
    out = workdir / "results" / "tiny"
    old = snapshot(out)
    child = start_child(workdir, "write", ["run", "tiny", "--quiet"])
    [staging] = (workdir / "results").glob(".tiny.*.staging")
    [half] = staging.iterdir()
    assert 0 < len(half.read_bytes()) < len(new[half.name])
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(out) == old and staging.exists()
    assert main(["run", "tiny", "--quiet"]) == 0
    assert snapshot(out) == new
    assert_clean(out)
    assert not staging.exists()


# Each child waits until both have reached the write, then writes slowly, so that without a
# lock their files would interleave; it records how long it waited for the lock.
RACER = r"""
import fcntl, os, sys, time
from pathlib import Path
import sim.report
import sim.cli

me, args = sys.argv[1], sys.argv[2:]
real_write_all, real_write, real_flock = sim.report.write_all, os.write, fcntl.flock

def write_all(out_dir, files):
    Path(f"ready.{me}").touch()
    while not (Path("ready.1").exists() and Path("ready.2").exists()):
        time.sleep(0.005)
    return real_write_all(out_dir, files)

def write(fd, data):
    time.sleep(0.1)
    return real_write(fd, data)

def flock(fd, op):
    t0 = time.monotonic()
    real_flock(fd, op)
    Path(f"waited.{me}").write_text(str(time.monotonic() - t0))

sim.report.write_all, os.write, fcntl.flock = write_all, write, flock
sys.exit(sim.cli.main(args))
"""


def test_two_runs_into_one_folder_leave_one_whole_set(workdir, tmp_path, monkeypatch):
    args = {seed: ["run", "tiny", "--quiet", "--out", "results/shared", "--seed", seed,
                   "--set", "clients.c.arrivals={ rate_per_hour = 2 }"] for seed in ("1", "2")}
    refs = {seed: reference(tmp_path, monkeypatch, a) for seed, a in args.items()}
    assert all(refs["1"][name] != refs["2"][name] for name in FILES)
    children = [subprocess.Popen([sys.executable, "-c", RACER, seed, *a], cwd=workdir,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for seed, a in args.items()]
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr
    waited = sorted(float((workdir / f"waited.{seed}").read_text()) for seed in args)
    assert waited[1] > 0.3  # the second writer waited for the first
    found = snapshot(workdir / "results" / "shared")
    assert found in (refs["1"], refs["2"])
    assert_clean(workdir / "results" / "shared")


def test_a_closed_stdout_ends_quietly_once_the_results_are_written(workdir, tmp_path, monkeypatch):
    new = reference(tmp_path, monkeypatch, ["run", "tiny"])
    # As `python -m sim run tiny | head -c0`, with the reader gone before the table is printed.
    child = subprocess.Popen([sys.executable, "-m", "sim", "run", "tiny"], cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0 and stderr == ""
    out = workdir / "results" / "tiny"
    assert {k: v for k, v in snapshot(out).items() if k != "summary.json"} == \
        {k: v for k, v in new.items() if k != "summary.json"}  # the command line differs
    assert json.loads(snapshot(out)["summary.json"])["provenance"]["command"] == "python -m sim run tiny"
    p = subprocess.run(f"'{sys.executable}' -m sim run tiny | head -c0", shell=True, cwd=workdir,
                       capture_output=True, text=True, timeout=60)
    assert p.stderr == ""


# --- provenance ------------------------------------------------------------------------------
def test_summary_json_carries_provenance(workdir):
    scenario = workdir / "scenarios" / "tiny.toml"
    p = subprocess.run([sys.executable, "-m", "sim", "run", "tiny", "--seed", "5", "--horizon", "1.5",
                        "--set", 'sites.a.pue=1.25', "--set", "scenario.description=two words", "--quiet"],
                       cwd=workdir, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    overrides = ["sites.a.pue=1.25", "scenario.description=two words", "scenario.seed=5",
                 "scenario.horizon_days=1.5"]
    out = workdir / output_folder(R, "tiny", overrides, None)
    assert out.name.startswith("tiny@sites.a.pue=1.25,scenario.description=two_words,scenario.seed=5,")
    prov = json.loads((out / "summary.json").read_text())["provenance"]
    assert prov == {
        "scenario_file": "scenarios/tiny.toml",
        "scenario_sha256": hashlib.sha256(scenario.read_bytes()).hexdigest(),
        "overrides": overrides,
        "seed": 5,
        "package_version": sim.__version__,
        "git_commit": prov["git_commit"],
        "command": "python -m sim run tiny --seed 5 --horizon 1.5 --set sites.a.pue=1.25 "
                   "--set 'scenario.description=two words' --quiet",
    }
    if shutil.which("git") and (ROOT / ".git").exists():
        # HEAD, or an ancestor of it if someone committed while the test ran.
        assert re.fullmatch(r"[0-9a-f]{40}", prov["git_commit"])
        assert subprocess.run(["git", "merge-base", "--is-ancestor", prov["git_commit"], "HEAD"],
                              cwd=ROOT, capture_output=True).returncode == 0
    else:
        assert prov["git_commit"] is None


def test_the_hash_is_of_the_file_that_was_run(workdir):
    scenario = workdir / "scenarios" / "tiny.toml"
    scenario.write_text(TINY.replace("seed = 1", "seed = 3"))
    assert main(["run", "scenarios/tiny.toml", "--quiet"]) == 0
    summary = json.loads((workdir / "results" / "tiny" / "summary.json").read_text())
    assert summary["provenance"]["scenario_sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()
    assert summary["provenance"]["scenario_sha256"] != hashlib.sha256(TINY.encode()).hexdigest()
    assert summary["provenance"]["seed"] == summary["seed"] == 3


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_is_only_that_of_the_packages_own_checkout(tmp_path):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    repo = tmp_path / "repo"
    (repo / "sim").mkdir(parents=True)
    (repo / "vendored" / "sim").mkdir(parents=True)
    (repo / "sim" / "x.py").write_text("")
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *cmd], cwd=repo, env=env, check=True, capture_output=True)
    commit = git_commit(repo / "sim")
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    # A copy of the package inside some other repository is not that repository's commit.
    assert git_commit(repo / "vendored" / "sim") is None
    assert git_commit(tmp_path / "nowhere" / "sim") is None
