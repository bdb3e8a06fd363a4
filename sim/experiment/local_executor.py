"""Local executor: this process for one worker, otherwise a pool of worker processes."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from sim.experiment import pool_guard


class LocalExecutor:
    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._busy = False  # chunks still out: close() must stop the workers, not wait for them

    def map_chunks(self, fn, chunks):
        if self.workers == 1:
            for i, chunk in enumerate(chunks):
                yield i, fn(chunk)
            return
        if self._pool is None:
            # forkserver: workers fork from a clean server that has imported the package once,
            # not from this process and its threads (progress bar, Dask client).
            # pool_guard first: the server and its workers die with this process and keep
            # out of its process group (Ctrl-C is for this process to handle).
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.experiment.pool_guard", "sim.experiment.worker"])
            with pool_guard.spawning():
                multiprocessing.forkserver.ensure_running()
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx,
                                             initializer=pool_guard.worker_started)
        self._busy = True  # from the first submit: a signal may come while the rest go out
        pending = {self._pool.submit(fn, chunk): i for i, chunk in enumerate(chunks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                yield pending.pop(future), future.result()
        self._busy = False

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if self._busy:
            # Python 3.11 has no public way to stop busy workers; without it an interrupted
            # sweep would wait for every running chunk before it could end.
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
