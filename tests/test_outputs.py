"""Results are written safely and say where they came from.

Every file goes to a temporary name first and is renamed into place only when all of them
are on disk, summary.json last. A run that fails, is interrupted or is killed while writing
leaves the previous summary.json byte for byte, and valid JSON.
"""

import errno
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

import sim
from sim.cli import main
from sim.experiment.provenance import git_commit
from sim.experiment.run import run
from sim.report import FILES, write_results
from sim.report import files as files_module
from tiny import TINY, tiny

ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


def temporaries(folder: Path) -> list[str]:
    return [f.name for f in folder.iterdir() if f.name.endswith(".tmp")]


@pytest.fixture(scope="module")
def results():
    """Two different runs' (summary, daily): the old results and the new."""
    a, b = run(tiny()), run(tiny("scenario.seed=2", "clients.c.arrivals.at_hours=[0, 5]"))
    return a, b


@pytest.fixture
def out(tmp_path, results):
    old, _ = results
    folder = tmp_path / "out"
    write_results(old, folder)
    return folder


# --- in process ------------------------------------------------------------------------------
def test_a_write_replaces_every_file_and_leaves_no_temporaries(out, results):
    before = snapshot(out)
    assert sorted(before) == sorted(FILES)
    _, new = results
    write_results(new, out)
    after = snapshot(out)
    assert sorted(after) == sorted(FILES) and not temporaries(out)
    assert after["summary.json"] != before["summary.json"]
    assert after["timeseries.csv"] != before["timeseries.csv"]
    assert json.loads(after["summary.json"])["seed"] == 2
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "summary.json").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("at_call", [1, 3, 6])
def test_a_failure_while_writing_leaves_the_whole_old_set_and_no_temporaries(out, results, monkeypatch,
                                                                            failure, at_call):
    before = snapshot(out)
    _, new = results
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == at_call:  # the at_call-th file is being written: 6 is summary.json
            raise failure
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(type(failure)):
        write_results(new, out)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert temporaries(out) == []


def test_a_failure_while_renaming_leaves_the_old_summary_and_no_temporaries(out, results, monkeypatch):
    before = snapshot(out)
    _, new = results
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "summary.json":
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        write_results(new, out)
    monkeypatch.undo()
    after = snapshot(out)
    assert after["summary.json"] == before["summary.json"]
    assert after["timeseries.csv"] != before["timeseries.csv"]  # renamed before it: the new one
    assert temporaries(out) == []


def test_write_all_refuses_nothing_it_was_not_asked_to_write(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    written = files_module.write_all(tmp_path, {"a.txt": b"1", "b.txt": b"2"})
    assert written == [tmp_path / "a.txt", tmp_path / "b.txt"]
    assert snapshot(tmp_path) == {"a.txt": b"1", "b.txt": b"2", "keep.txt": b"mine"}


# --- a real process, killed while it writes --------------------------------------------------
# The child runs the CLI with one function wrapped to stop at a chosen point of the write:
# it writes half of summary.json's temporary file, or is about to rename summary.json, then
# says so (a marker file) and sleeps until the test kills it. Nothing in the package changes.
CHILD = r"""
import os, sys, time
from pathlib import Path
marker, where = sys.argv[1], sys.argv[2]

def stop():
    Path(marker).write_text("now")
    time.sleep(120)

if where == "write":
    real_fdopen = os.fdopen
    class Half:
        def __init__(self, f):
            self.f = f
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.f.__exit__(*exc)
        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            os.fsync(self.f.fileno())
            stop()
        def __getattr__(self, name):
            return getattr(self.f, name)
    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        return Half(f) if ".summary.json." in os.readlink(f"/proc/self/fd/{fd}") else f
    os.fdopen = fdopen
else:
    real_replace = os.replace
    def replace(src, dst):
        if Path(dst).name == "summary.json":
            stop()
        real_replace(src, dst)
    os.replace = replace

from sim.cli import main
sys.exit(main(["run", "tiny", "--seed", "2", "--quiet"]))
"""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A folder with scenarios/tiny.toml and the results of one run of it (in this process)."""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "tiny", "--quiet"]) == 0
    return tmp_path


def stopped_child(workdir: Path, where: str) -> subprocess.Popen:
    marker = workdir / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), where], cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if child.poll() is not None:
            pytest.fail(f"the child ended before it stopped: {child.communicate()}")
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child never reached the write")
        time.sleep(0.02)
    return child


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the temporary file's name in /proc")
def test_a_run_killed_mid_write_leaves_the_old_results_whole(workdir):
    out = workdir / "results" / "tiny"
    before = snapshot(out)
    child = stopped_child(workdir, "write")
    # It is mid-write: half of the new summary is in a temporary file beside the old one.
    [tmp] = [f for f in temporaries(out) if f.startswith(".summary.json.")]
    half = (out / tmp).read_bytes()
    assert half and not half.endswith(b"}\n")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    after = {k: v for k, v in snapshot(out).items() if not k.endswith(".tmp")}
    assert after == before  # the whole set, not only summary.json
    summary = json.loads(after["summary.json"])
    assert summary["seed"] == 1 and summary["provenance"]["overrides"] == []


def test_a_run_killed_while_renaming_leaves_the_old_summary_whole(workdir):
    out = workdir / "results" / "tiny"
    before = snapshot(out)
    child = stopped_child(workdir, "rename")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    after = snapshot(out)
    assert after["summary.json"] == before["summary.json"]
    assert json.loads(after["summary.json"])["seed"] == 1
    # The other files were already renamed: summary.json, renamed last, is the one to trust.
    assert [f for f in temporaries(out)] == [f for f in temporaries(out) if f.startswith(".summary.json.")]


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="finds the temporary file's name in /proc")
@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_run_stopped_by_a_signal_mid_write_cleans_up_and_says_so(workdir, sig, code, word):
    out = workdir / "results" / "tiny"
    before = snapshot(out)
    child = stopped_child(workdir, "write")
    child.send_signal(sig)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == code, stderr
    assert stderr == f"{word}: earlier results left as they were\n"
    assert snapshot(out) == before  # no temporary file left either
    json.loads(before["summary.json"])


def test_results_that_cannot_be_written_exit_1_with_one_line(workdir, capsys):
    (workdir / "blocked").write_text("a file where the output folder should go")
    capsys.readouterr()
    assert main(["run", "tiny", "--out", "blocked/tiny"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("blocked/tiny: cannot write results: ") and captured.err.count("\n") == 1
    assert captured.out == ""
    assert (workdir / "blocked").read_text() == "a file where the output folder should go"


# --- provenance ------------------------------------------------------------------------------
def test_summary_json_carries_provenance(workdir):
    scenario = workdir / "scenarios" / "tiny.toml"
    p = subprocess.run([sys.executable, "-m", "sim", "run", "tiny", "--seed", "5", "--horizon", "1.5",
                        "--set", 'sites.a.pue=1.25', "--set", "scenario.description=two words", "--quiet"],
                       cwd=workdir, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    prov = json.loads((workdir / "results" / "tiny" / "summary.json").read_text())["provenance"]
    assert prov == {
        "scenario_file": "scenarios/tiny.toml",
        "scenario_sha256": hashlib.sha256(scenario.read_bytes()).hexdigest(),
        "overrides": ["sites.a.pue=1.25", "scenario.description=two words", "scenario.seed=5",
                      "scenario.horizon_days=1.5"],
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
