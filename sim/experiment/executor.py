"""The executor seam: something that runs chunks of runs and hands back their rows.

Results never depend on the executor: each run's seed comes from its key, and rows are put
in key order after they come back, in whatever order they finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from sim.experiment.executor_base import ExecutorError, default_workers  # noqa: F401  (re-exported)


class Executor(Protocol):
    workers: int  # runs it can do at once: sizes the chunks

    def map_chunks(self, fn: Callable, chunks: Sequence) -> Iterator[tuple[int, list]]:
        """fn(chunk) for every chunk, yielding (index of the chunk, result) as each finishes."""

    def close(self) -> None:
        """Stop every worker this executor started, finished or not."""


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """Local processes (`workers`, default all cores; 1 runs in this process), or a Dask
    cluster at `dask` ("tcp://host:port", or "local" to start a LocalCluster of `workers`)."""
    if dask is not None:
        from sim.experiment.dask_executor import DaskExecutor

        return DaskExecutor(dask, workers)
    from sim.experiment.local_executor import LocalExecutor

    return LocalExecutor(workers or default_workers())
