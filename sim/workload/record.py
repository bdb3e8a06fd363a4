"""A job as a stream yields it, and the stream's interface (sim/workload/stream.py is the seam:
it re-exports both). Apart so that the streams stream.py picks among (replay, shaped) build
on the record without importing the module that imports them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Protocol


class JobRecord(NamedTuple):
    arrival_h: float
    client: int  # index of the client class in the scenario
    size: int  # accelerators
    duration_h: float
    patience_h: float | None  # None: waits for ever
    max_price_fen: float | None  # per accelerator-hour; None: accepts any quote
    wtp_fen_per_pflops_hour: float | None = None  # the most it pays per dense P-hour; None: no limit


class JobStream(Protocol):
    def __iter__(self) -> Iterator[JobRecord]: ...
