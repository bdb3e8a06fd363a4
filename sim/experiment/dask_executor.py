"""Dask executor: chunks as tasks on a distributed cluster, or on a LocalCluster it starts.

One task holds several runs (Dask's scheduler spends about a millisecond per task and stalls
under hundreds of thousands of tiny ones). Workers need only the installed package: the task
is sim.experiment.worker.run_chunk, pickled by name, and the chunk carries the scenario text.
"""

from __future__ import annotations

import logging
import re
import socket
import uuid

from sim.experiment.executor_base import ExecutorError, default_workers

CONNECT_TIMEOUT_S = 10
_ADDRESS = re.compile(r"(?:tcp://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")


def check_address(address: str) -> str:
    """tcp://host:port (or host:port), answered by something, or one line saying why not.

    A plain TCP connect first: a refused port fails at once instead of after Dask's retries,
    and a malformed address never reaches the client (whose clean-up would then hang)."""
    m = _ADDRESS.fullmatch(address)
    if m is None:
        raise ExecutorError(f"--dask {address}: not an address; give tcp://host:port or local")
    host, port = m.group(1).strip("[]"), int(m.group(2))
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise ExecutorError(f"--dask {address}: no Dask scheduler answers there "
                            f"({e.strerror or type(e).__name__})") from None
    return f"tcp://{m.group(1)}:{port}"


def worker_version() -> str:
    from sim.version import __version__

    return __version__


class DaskExecutor:
    def __init__(self, address: str, workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - a dependency of the package
            raise ExecutorError("--dask needs the distributed package: pip install distributed") from None
        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR)
            address = self._cluster.scheduler_address
        else:
            address = check_address(address)
        try:
            self._client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorError(f"--dask {address}: no Dask scheduler answers there "
                                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no answer'})") from None
        self._futures: list = []  # distributed.Future (untyped)
        self._check_workers()
        # one run at a time per worker thread: the simulation holds the GIL
        self.workers = max(1, sum(self._client.nthreads().values()))

    def _check_workers(self) -> None:
        """Every worker has this very version of the package: another would give other numbers."""
        try:
            versions = self._client.run(worker_version)
        except Exception as e:  # e.g. the package is not installed there
            self.close()
            raise ExecutorError(f"--dask: the workers cannot run computesim ({type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else 'no message'}); install it on them") from None
        ours = worker_version()
        other = {w: v for w, v in versions.items() if v != ours}
        if other:
            self.close()
            w, v = sorted(other.items())[0]
            raise ExecutorError(f"--dask: worker {w} has computesim {v}, this process {ours}; "
                                "install the same version on every worker")

    def map_chunks(self, fn, chunks):
        from distributed import as_completed

        batch = uuid.uuid4().hex[:12]
        index = {}
        for i, chunk in enumerate(chunks):
            future = self._client.submit(fn, chunk, key=f"computesim-{batch}-{i}", pure=False)
            index[future.key] = i
            self._futures.append(future)
        for future in as_completed(self._futures, loop=self._client.loop):
            yield index[future.key], future.result()
        self._futures = []

    def close(self) -> None:
        if self._futures:
            self._client.cancel(self._futures)
            self._futures = []
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
