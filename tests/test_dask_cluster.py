"""A real Dask cluster, started here as separate `dask scheduler` and `dask worker` processes
on 127.0.0.1, gives the same sweep tables, byte for byte, as local processes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweeps import ROOT, SMALL, workdir

from sim.version import __version__

pytest.importorskip("distributed")

START_TIMEOUT_S = 60


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # dask's own clean shutdown (the worker stops its nannies)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the process group this test made for it
            proc.wait(timeout=10)


def start(args, cwd: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # as an installed package would be: no repository needed
    return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=cwd, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout=START_TIMEOUT_S, set_as_default=False) as c:
        deadline = time.monotonic() + START_TIMEOUT_S
        while len(c.scheduler_info(n_workers=-1)["workers"]) != n:
            assert time.monotonic() < deadline, f"never {n} workers"
            time.sleep(0.1)


@pytest.mark.slow
def test_sweep_on_a_dask_cluster_matches_local_processes(tmp_path):
    wd = workdir(tmp_path / "clone", small=SMALL)
    elsewhere = tmp_path / "cluster"  # the cluster runs outside the clone
    elsewhere.mkdir()
    scheduler_file = elsewhere / "scheduler.json"
    procs = []
    try:
        procs.append(start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(scheduler_file)], elsewhere, elsewhere / "scheduler.log"))
        deadline = time.monotonic() + START_TIMEOUT_S
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, (elsewhere / "scheduler.log").read_text()
            assert procs[0].poll() is None, (elsewhere / "scheduler.log").read_text()
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but give it a moment
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        # a worker with another version of the package: refused in one line, nothing submitted
        other = elsewhere / "other_version.py"
        other.write_text("import sim.version\nsim.version.__version__ = '0.0-other'\n")
        odd = start(["worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                     "--preload", str(other), "--local-directory", str(elsewhere)], elsewhere, elsewhere / "odd.log")
        procs.append(odd)
        wait_for_workers(address, 1)
        p = subprocess.run([sys.executable, "-m", "sim", "sweep", "small", "--dask", address, "--out", "results/x"],
                           cwd=wd, env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 2, p.stderr
        assert p.stderr.startswith("--dask: worker tcp://127.0.0.1:")
        assert p.stderr.endswith(f" has computesim 0.0-other, this process {__version__}; "
                                 "install the same version on every worker\n")
        assert not (wd / "results/x").exists()
        stop(odd)
        wait_for_workers(address, 0)

        procs.append(start(["worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2", "--nthreads", "1",
                            "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60",
                            "--local-directory", str(elsewhere)], elsewhere, elsewhere / "worker.log"))

        dask = subprocess.run([sys.executable, "-m", "sim", "sweep", "small", "--dask", address, "--chunk-runs", "2",
                               "--out", "results/dask"], cwd=wd, env=env, capture_output=True, text=True,
                              timeout=300)
        assert dask.returncode == 0, dask.stderr
    finally:
        for p in reversed(procs):
            stop(p)
    local = subprocess.run([sys.executable, "-m", "sim", "sweep", "small", "--workers", "1", "--out", "results/local"],
                           cwd=wd, env=env, capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr
    a, b = (wd / "results/dask/sweep"), (wd / "results/local/sweep")
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for p in b.iterdir():
        assert (a / p.name).read_bytes() == p.read_bytes(), p.name
    assert "Traceback" not in (elsewhere / "worker.log").read_text()
