"""The model's clock: SimPy's environment with the model's own calendar inside its run loop.

Every timed callback of the model (arrivals, finishes, patience, days, months,
commissioning) goes through `Clock.at` / `Clock.after` into one calendar: a heap of
(time, sequence, callback, value) entries. `Environment.step` takes the earlier of the
calendar's head and SimPy's own next event, so SimPy stays the clock: `env.now`,
`env.run(until=...)`, timeouts and processes work as ever and interleave with the
calendar by time. An entry costs a tuple on a heap, not a SimPy event object, which
roughly halves the cost per model event (benchmarks/peers.py shows it per job).

Order: by time, then in the order entries were added (as SimPy orders its own events);
at a time where both have something due, SimPy's events go first, so `run(until=t)`
stops before any calendar entry at t.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy

Entry = tuple[float, int, Callable[[Any], None], Any]


class PastTime(ValueError):
    """An entry for a time before now: the calendar would run it late, out of order."""

    def __init__(self, time_h: float, now_h: float):
        super().__init__(f"a calendar entry for hour {time_h!r}, before now (hour {now_h!r})")
        self.time_h, self.now_h = time_h, now_h


class Environment(simpy.Environment):
    """A SimPy environment whose run loop also serves the model's calendar of plain callbacks,
    kept in two heaps: `calendar` for most entries, `sources` for the one pending entry of
    each source that keeps one (an intake's next arrival)."""

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.calendar: list[Entry] = []
        self.sources: list[Entry] = []

    def step(self) -> None:
        heap, sources = self.calendar, self.sources
        if sources and (not heap or sources[0] < heap[0]):
            heap = sources
        if heap:
            queue = self._queue
            if not queue or heap[0][0] < queue[0][0]:
                self._now, _, callback, value = heappop(heap)
                callback(value)
                return
        simpy.Environment.step(self)

    def peek(self) -> float:
        return min(simpy.Environment.peek(self), *(h[0][0] for h in (self.calendar, self.sources) if h))


class Clock:
    __slots__ = ("env", "calendar", "sources", "_seq", "events")

    def __init__(self, env: Environment | None = None):
        self.env = env if env is not None else Environment()
        self.calendar = self.env.calendar
        self.sources = self.env.sources
        self._seq = itertools.count()
        self.events = 0  # calendar entries made by the model

    @property
    def now(self) -> float:
        return self.env.now

    def at(self, time_h: float, callback: Callable[[Any], None], value: Any = None) -> None:
        """Call `callback(value)` at `time_h` (absolute, not before now: PastTime if it is)."""
        if not time_h >= self.env._now:  # NaN too; _now: env.now without its property call (hot)
            raise PastTime(time_h, self.env.now)
        heappush(self.calendar, (time_h, next(self._seq), callback, value))
        self.events += 1

    def source_at(self, time_h: float, callback: Callable[[Any], None], value: Any = None) -> None:
        """`at`, for a source that keeps one entry pending and adds the next when it is due
        (an intake's arrivals). Such entries wait in a heap of their own, as small as the
        number of sources, instead of sifting through every running job's finish."""
        if not time_h >= self.env._now:
            raise PastTime(time_h, self.env.now)
        heappush(self.sources, (time_h, next(self._seq), callback, value))
        self.events += 1

    def after(self, delay_h: float, callback: Callable[[Any], None], value: Any = None) -> None:
        """Call `callback(value)` `delay_h` hours from now (not a negative delay: PastTime)."""
        if not delay_h >= 0.0:
            raise PastTime(self.env.now + delay_h, self.env.now)
        heappush(self.calendar, (self.env.now + delay_h, next(self._seq), callback, value))
        self.events += 1
