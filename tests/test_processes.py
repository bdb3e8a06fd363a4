"""The command and its worker processes (issue 24): kill -9 leaves no worker behind holding the
dead command's stdout; Ctrl-C or SIGTERM at any moment ends in one line, exit 130 or 143,
never a traceback, whether during the imports, with the pool starting, or as the program ends.

Linux only: the processes are found in /proc."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweeps import ROOT, SMALL, workdir
from tiny import TINY

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes in /proc")

MANY = SMALL.replace("replications = 2", "replications = 30").replace('"scenario.horizon_days" = 20',
                                                                      '"scenario.horizon_days" = 60')
SWEEP = ["sweep", "many", "--workers", "2", "--chunk-runs", "2"]
REPS = ["run", "qingyang", "--horizon", "60", "--reps", "40", "--workers", "2"]


@pytest.fixture
def wd(tmp_path):
    return workdir(tmp_path, many=MANY)


# --- processes in /proc ------------------------------------------------------------------------
def stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent, process group, start time) of a process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (name) "
    return fields[0], int(fields[1]), int(fields[2]), int(fields[19])


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(pid: int) -> dict[int, int]:
    """Every process below `pid`: pid -> start time (to tell a reused pid)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (s := stat(int(entry.name))) is not None:
            children.setdefault(s[1], []).append(int(entry.name))
    out, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if (s := stat(child)) is not None:
                out[child] = s[3]
                todo.append(child)
    return out


def living(procs: dict[int, int]) -> list[int]:
    """Those still running (a zombie has ended: nobody may be left to reap it)."""
    return [pid for pid, start in procs.items()
            if (s := stat(pid)) is not None and s[3] == start and s[0] not in "ZX"]


def workers(pid: int) -> list[int]:
    """The pool's workers: children of the fork server started by `pid`."""
    servers = [p for p in descendants(pid) if "multiprocessing.forkserver" in cmdline(p)
               and (s := stat(p)) is not None and s[1] == pid]
    return [p for p in descendants(pid) if (s := stat(p)) is not None and s[1] in servers]


def wait_until(what, timeout_s: float, proc: subprocess.Popen):
    deadline = time.monotonic() + timeout_s
    while not (found := what()):
        if proc.poll() is not None:
            pytest.fail(f"the command ended first: {proc.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.01)
    return found


def start(wd: Path, args, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=wd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def end(proc: subprocess.Popen, family: dict[int, int]) -> None:
    for pid in living(family):  # only what this test started, by pid
        os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


# --- item 3: kill -9 ---------------------------------------------------------------------------
@pytest.mark.parametrize("args", [SWEEP, REPS], ids=["sweep", "reps"])
def test_kill_9_leaves_no_worker_and_no_open_pipe(wd, args):
    proc = start(wd, args)
    family = {}
    try:
        pool = wait_until(lambda: len(workers(proc.pid)) >= 2 and workers(proc.pid), 120, proc)
        family = descendants(proc.pid)
        me = stat(proc.pid)[2]
        assert all(stat(p)[2] != me for p in pool)  # the pool has a process group of its own
        os.kill(proc.pid, signal.SIGKILL)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=10)  # EOF: nobody holds the dead command's pipes
        assert time.monotonic() - t0 < 5
        deadline = t0 + 5
        while living(family) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert living(family) == [], [cmdline(p)[:80] for p in living(family)]
        assert proc.returncode == -signal.SIGKILL
    finally:
        end(proc, family)


WATCHED = r"""
import sys, time
from pathlib import Path
from sim.experiment import pool_guard
pool_guard._kernel_kills_us_with = lambda parent: False  # as where there is no prctl
pool_guard.die_with(int(sys.argv[1]))
Path(sys.argv[2]).write_text("watching")
time.sleep(60)
"""

PARENT = r"""
import subprocess, sys, os, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2]])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_without_prctl_a_watchdog_ends_the_worker_with_its_parent(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    marker = tmp_path / "marker"
    parent = subprocess.Popen([sys.executable, "-c", PARENT, WATCHED, str(marker)], env=env,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    child = int(parent.stdout.readline())
    family = {child: stat(child)[3]}
    try:
        wait_until(marker.exists, 60, parent)
        assert living(family) == [child]
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while living(family) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert living(family) == []
    finally:
        end(parent, family)


# --- item 7: interrupts speak one line ---------------------------------------------------------
def catches(pid: int, sig: int) -> bool:
    """The process has a handler for `sig` (SigCgt in /proc/PID/status)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return False
    mask = int(next(line.split()[1] for line in lines if line.startswith("SigCgt:")), 16)
    return bool(mask >> (sig - 1) & 1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_during_the_imports_is_one_line(wd, sig):
    proc = start(wd, ["run", "qingyang", "--horizon", "5"])
    try:
        # Python catches SIGINT from its start; SIGTERM only once computesim's handlers are
        # in, before the second or more its imports take
        wait_until(lambda: catches(proc.pid, signal.SIGTERM), 60, proc)
        os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=30)
    finally:
        end(proc, {})
    code, word = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}[sig]
    assert (proc.returncode, out, err) == (code, "", f"{word}: nothing was run or written\n")
    assert not (wd / "results").exists()


@pytest.mark.parametrize("moment, sig", [("pool starting", signal.SIGINT), ("workers running", signal.SIGINT),
                                         ("workers running", signal.SIGTERM)], ids=str)
@pytest.mark.parametrize("args", [SWEEP, REPS], ids=["sweep", "reps"])
def test_a_signal_to_the_terminals_group_is_one_line_whenever_it_comes(wd, args, moment, sig):
    proc = start(wd, args)
    family = {}
    try:
        if moment == "pool starting":  # the fork server is importing the simulation
            wait_until(lambda: any("multiprocessing.forkserver" in cmdline(p) for p in descendants(proc.pid)),
                       120, proc)
        else:
            wait_until(lambda: len(workers(proc.pid)) >= 2, 120, proc)
            time.sleep(0.5)  # into their first runs
        family = descendants(proc.pid)
        os.killpg(proc.pid, sig)  # as Ctrl-C at a terminal: the whole foreground group
        out, err = proc.communicate(timeout=30)
        deadline = time.monotonic() + 5
        while living(family) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert living(family) == []
    finally:
        end(proc, family)
    code, word = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}[sig]
    assert proc.returncode == code, err
    assert len(err.splitlines()) == 1 and err.startswith(f"{word}: "), err
    if args is SWEEP and moment == "workers running":
        assert "runs saved in results/sweeps/many; run the same command again" in err
    assert "Traceback" not in out + err


LATE = r"""
import atexit, sys, time
from pathlib import Path

def slow_exit():  # the last thing the interpreter's exit does: a signal comes meanwhile
    Path("exiting").touch()
    time.sleep(1.0)

atexit.register(slow_exit)
sys.argv = ["python -m sim", *sys.argv[1:]]
from sim.__main__ import program
program()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_as_the_program_ends_still_says_what_was_kept(tmp_path, sig):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", LATE, "run", "tiny", "--quiet"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until((tmp_path / "exiting").exists, 120, proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        end(proc, {})
    code, word = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}[sig]
    assert (proc.returncode, out, err) == (code, "", f"{word}: results/tiny already holds this run's results\n")
    assert {"report.md", "summary.json"} <= {p.name for p in (tmp_path / "results" / "tiny").iterdir()}
