"""Local executor: this process for one worker, otherwise a pool of worker processes."""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool = None
        self._busy = False  # chunks still out: close() must stop the workers, not wait for them

    def map_chunks(self, fn, chunks):
        if self.workers == 1:
            for i, chunk in enumerate(chunks):
                yield i, fn(chunk)
            return
        if self._pool is None:
            # forkserver: workers fork from a clean server that has imported the package once,
            # not from this process and its threads (progress bar, Dask client).
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.experiment.worker"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_ignore_sigint)
        pending = {self._pool.submit(fn, chunk): i for i, chunk in enumerate(chunks)}
        self._busy = True
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.get):
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
