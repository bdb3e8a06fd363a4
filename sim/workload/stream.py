"""The workload seam: a job stream yields job records in arrival order.

A stream is any iterable of `JobRecord`s with non-decreasing `arrival_h`; it may be endless
(the run stops taking records at the horizon). Every record carries its own draws, so what
happens to one job never shifts another's numbers. A class's stream is made by the kind of its
arrivals (sim/workload/kind.py ArrivalsKind, one line in sim/workload/kinds.py KINDS);
`stream_for` asks it.
"""

from __future__ import annotations

from sim.workload.kinds import KINDS, job_rate, kind_of, stream_for
from sim.workload.poisson import PoissonStream, TimesStream, offered_load_intensity
from sim.workload.record import Draws, JobRecord, JobStream

__all__ = ["KINDS", "Draws", "JobRecord", "JobStream", "PoissonStream", "TimesStream", "job_rate", "kind_of",
           "offered_load_intensity", "stream_for"]
