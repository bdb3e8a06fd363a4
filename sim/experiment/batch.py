"""Running a batch of run specs on an executor: chunked, with progress, rows in key order."""

from __future__ import annotations

from collections.abc import Callable

from sim.experiment.executor import Executor, make_executor
from sim.experiment.plan import chunk_size, chunks
from sim.experiment.worker import run_chunk


def run_specs(specs, payload: dict, *, executor: Executor | None = None, workers: int | None = None,
              dask: str | None = None, on_chunk: Callable[[list[dict]], None] | None = None,
              chunk_runs: int | None = None, fn=run_chunk) -> list[dict]:
    """Run every spec (chunk fields in `payload`) and return the rows sorted by (point, rep).
    `on_chunk(rows)` is called in this process as each chunk comes back, e.g. to save it."""
    specs = list(specs)
    if not specs:
        return []
    return run_chunks(lambda workers_: chunks(specs, chunk_runs or chunk_size(len(specs), workers_), **payload),
                      executor=executor, workers=workers, dask=dask, on_chunk=on_chunk, fn=fn)


def run_chunks(make_chunks: Callable[[int], list], *, executor: Executor | None = None, workers: int | None = None,
               dask: str | None = None, on_chunk: Callable[[list[dict]], None] | None = None,
               fn=run_chunk) -> list[dict]:
    """Run the chunks `make_chunks(executor's workers)` builds; rows sorted by (point, rep)."""
    own = executor is None
    executor = executor or make_executor(workers, dask)
    try:
        rows = []
        for _, chunk_rows in executor.map_chunks(fn, make_chunks(executor.workers)):
            if on_chunk is not None:
                on_chunk(chunk_rows)
            rows.extend(chunk_rows)
    finally:
        if own:
            executor.close()
    return sorted(rows, key=lambda r: (r["point"], r["rep"]))
