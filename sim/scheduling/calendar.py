"""The model's clock: SimPy's environment with the model's own calendar inside its run loop.

Every timed callback of the model (arrivals, finishes, patience, days, months,
commissioning) goes through `Clock.at` / `Clock.after` into one calendar of entries: objects
with a time and a sequence number whose `fire()` runs the callback. `Environment.step` takes
the earlier of the calendar's head and SimPy's own next event, so SimPy stays the clock:
`env.now`, `env.run(until=...)`, timeouts and processes work as ever and interleave with the
calendar by time. An entry costs one small object on a heap, not a SimPy event object, which
roughly halves the cost per model event (benchmarks/peers.py shows it per job).

A job's first finish is the job itself (`Clock.add`; Job is an Entry): a large cluster's
calendar holds one entry per running job, and each is run hours after it was made, when
whatever it points to has left the caches. An entry that is the job, with its time and
number unboxed in it (compiled), saves the tuple, time and number objects a finish would
otherwise read and free cold (cachegrind, 16,000 racks, compiled: 26.3 -> 21.7 last-level
misses a job, 15 % fewer instructions). Interpreted, the heap's comparisons are Python calls
(`Entry.__lt__`): M/M/64 about 5 % slower, large clusters as fast.

Order: by time, then in the order entries were added (as SimPy orders its own events);
at a time where both have something due, SimPy's events go first, so `run(until=t)`
stops before any calendar entry at t.

Many pending entries (a large cluster's running jobs' finishes): one heap of them all
makes each push and pop slower as it grows (3.9 us at 157,000 entries against 0.5 at 60:
more levels and cache misses). Past `BUCKETS_FROM` entries the calendar becomes two-level:
a heap of the entries in the current time bucket (`calendar`), and the later ones in
unsorted buckets of a fixed width, each heapified when the time comes to it. Which entry
comes first is decided by the same tuples as before, so the order is exactly a single
heap's: a bucket holds whole stretches of time, earlier buckets only earlier entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any

import simpy

Source = tuple[float, int, Callable[[Any], None], Any]  # an entry of `sources` (few: plain tuples)

BUCKETS_FROM = 8192  # pending entries above which buckets pay (measured: ~4,000 break even)
BUCKET_ENTRIES = 512  # aimed-for entries per bucket near now (256-1024 measured alike at 157,000)


class Entry:
    """Something to run at hour `time_h`: `fire()`. Entries at one hour run in the order they
    were added (`seq`, the clock's count)."""

    __slots__ = ("time_h", "seq")
    time_h: float  # both set by Clock.add
    seq: int

    def __lt__(self, other: Entry) -> bool:
        t, u = self.time_h, other.time_h
        return t < u or (t == u and self.seq < other.seq)

    def fire(self) -> None:
        raise NotImplementedError


class Call(Entry):
    """The general entry: `callback(value)`."""

    __slots__ = ("callback", "value")

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        self.callback = callback
        self.value = value

    def fire(self) -> None:
        self.callback(self.value)


class PastTime(ValueError):
    """An entry for a time before now: the calendar would run it late, out of order."""

    def __init__(self, time_h: float, now_h: float):
        super().__init__(f"a calendar entry for hour {time_h!r}, before now (hour {now_h!r})")
        self.time_h, self.now_h = time_h, now_h


class Environment(simpy.Environment):
    """A SimPy environment whose run loop also serves the model's calendar, kept in two heaps:
    `calendar` for most entries (`Entry` objects), `sources` for the one pending entry of each
    source that keeps one (an intake's next arrival; (time, seq, callback, value) tuples).
    With many entries, those of later buckets wait in `far` (bucket number -> entries,
    unsorted), their numbers in the heap `far_keys`; `calendar` then holds buckets up to
    `near_k` only."""

    buckets_from = BUCKETS_FROM
    bucket_entries = BUCKET_ENTRIES

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.calendar: list[Entry] = []
        self.sources: list[Source] = []
        self.far: dict[float, list[Entry]] = {}
        self.far_keys: list[float] = []
        self.near_k: float = -math.inf
        self.per_h = 0.0  # buckets per hour; 0: one heap, no buckets yet
        self.seq = -1  # the sequence number of the calendar entry being run
        self.rebucket_above = 0  # a bucket larger than this is split finer (buckets on)

    def step(self) -> None:
        """Run the calendar's entries for as long as they come before SimPy's next event, then
        (if none did) SimPy's own step. Many entries per call: SimPy's run loop would otherwise
        cost a call and a check per entry. The lists keep their identity (buckets refill them)."""
        calendar, sources, queue, far_keys = self.calendar, self.sources, self._queue, self.far_keys
        ran = False
        while True:
            if not calendar and far_keys:
                self._next_bucket()
            if sources:
                t, seq = sources[0][0], sources[0][1]
                if not calendar or t < calendar[0].time_h or (t == calendar[0].time_h and seq < calendar[0].seq):
                    if queue and t >= queue[0][0]:
                        break
                    self._now, self.seq, callback, value = heappop(sources)
                    callback(value)
                    ran = True
                    continue
            if not calendar or (queue and calendar[0].time_h >= queue[0][0]):
                break
            entry = heappop(calendar)
            self._now = entry.time_h
            self.seq = entry.seq
            entry.fire()
            del entry  # interpreted, a finished job held here could not be reused (job.py)
            ran = True
        if not ran:
            simpy.Environment.step(self)

    def peek(self) -> float:
        heads = [self.calendar[0].time_h] if self.calendar else []
        if self.sources:
            heads.append(self.sources[0][0])
        if self.far_keys:
            heads.append(min(e.time_h for e in self.far[self.far_keys[0]]))
        return min(simpy.Environment.peek(self), *heads)

    def push_far(self, entry: Entry) -> None:
        """Add an entry with buckets on (Clock.at does the common case itself)."""
        k = _bucket(entry.time_h, self.per_h)
        if k <= self.near_k:
            heappush(self.calendar, entry)
        else:
            b = self.far.get(k)
            if b is None:
                self.far[k] = [entry]
                heappush(self.far_keys, k)
            else:
                b.append(entry)

    def _next_bucket(self) -> None:
        k = heappop(self.far_keys)
        entries = self.far.pop(k)
        self.near_k = k
        self.calendar.extend(entries)
        if len(entries) > self.rebucket_above:
            self.use_buckets()  # the pending entries grew denser: finer buckets
        else:
            heapify(self.calendar)

    def use_buckets(self) -> None:
        """(Re)bucket every pending entry, with a width that puts about `bucket_entries` of the
        next 8 x that many entries in each bucket. Rare: when the calendar first grows past
        `buckets_from`, and when a bucket comes up more than 8 times fuller than aimed for
        (which the new width cannot do again: its first bucket spans an eighth of them)."""
        entries = self.calendar + [e for b in self.far.values() for e in b]
        times = sorted(e.time_h for e in entries if e.time_h < math.inf)
        n = min(len(times), 8 * self.bucket_entries)
        span = times[n - 1] - times[0] if n else 0.0
        if span <= 0.0:  # all at one time (or none): buckets cannot split them
            self.rebucket_above = 2 * max(len(entries), self.rebucket_above)
            if not self.per_h:
                self.buckets_from = 2 * max(len(entries), self.buckets_from)
            heapify(self.calendar)
            return
        self.per_h = n / self.bucket_entries / span
        self.rebucket_above = 8 * self.bucket_entries
        self.calendar.clear()
        self.far.clear()
        self.far_keys.clear()
        self.near_k = _bucket(self._now, self.per_h)
        for e in entries:
            self.push_far(e)
        if not self.calendar and self.far_keys:
            self._next_bucket()


def _bucket(time_h: float, per_h: float) -> float:
    """The bucket of a time: non-decreasing in time, so buckets partition time in order."""
    x = time_h * per_h
    return int(x) if x < math.inf else math.inf


class Clock:
    __slots__ = ("env", "calendar", "sources", "events")

    def __init__(self, env: Environment | None = None):
        self.env = env if env is not None else Environment()
        self.calendar = self.env.calendar
        self.sources = self.env.sources
        self.events = 0  # calendar entries made by the model; also the next entry's sequence number

    @property
    def now(self) -> float:
        return self.env.now

    def at(self, time_h: float, callback: Callable[[Any], None], value: Any = None) -> int:
        """Call `callback(value)` at `time_h` (absolute, not before now: PastTime if it is).
        Returns the entry's sequence number (`env.seq` while it runs)."""
        return self.add(Call(callback, value), time_h)

    def add(self, entry: Entry, time_h: float) -> int:
        """Put `entry`, not pending already, on the calendar: its `fire()` runs at `time_h` (not
        before now: PastTime). Sets its time and number; returns the number."""
        env = self.env
        if not time_h >= env._now:  # NaN too; _now: env.now without its property call (hot)
            raise PastTime(time_h, env.now)
        seq = self.events
        self.events = seq + 1
        entry.time_h = time_h
        entry.seq = seq
        per_h = env.per_h
        if per_h:  # buckets on: Environment.push_far, inline (hot)
            x = time_h * per_h
            k = int(x) if x < math.inf else math.inf
            if k <= env.near_k:
                heappush(self.calendar, entry)
            else:
                b = env.far.get(k)
                if b is None:
                    env.far[k] = [entry]
                    heappush(env.far_keys, k)
                else:
                    b.append(entry)
        else:
            heap = self.calendar
            heappush(heap, entry)
            if len(heap) > env.buckets_from:
                env.use_buckets()
        return seq

    def source_at(self, time_h: float, callback: Callable[[Any], None], value: Any = None) -> None:
        """`at`, for a source that keeps one entry pending and adds the next when it is due
        (an intake's arrivals). Such entries wait in a heap of their own, as small as the
        number of sources, instead of sifting through every running job's finish."""
        if not time_h >= self.env._now:
            raise PastTime(time_h, self.env.now)
        seq = self.events
        self.events = seq + 1
        heappush(self.sources, (time_h, seq, callback, value))

    def after(self, delay_h: float, callback: Callable[[Any], None], value: Any = None) -> None:
        """Call `callback(value)` `delay_h` hours from now (not a negative delay: PastTime)."""
        if not delay_h >= 0.0:
            raise PastTime(self.env.now + delay_h, self.env.now)
        self.at(self.env.now + delay_h, callback, value)
