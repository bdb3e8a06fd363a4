"""What every executor shares: the error one raises when it cannot start, and the number of
workers a machine offers. Below executor.py, which picks an executor and so imports them all."""

from __future__ import annotations

import os


class ExecutorError(Exception):
    """An executor that cannot start (e.g. a Dask address that does not answer): one line."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
