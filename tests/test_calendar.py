"""The model's clock (sim/scheduling/calendar.py): entries run in time order, and an entry for
a time before now is refused, not run late."""

import math

import pytest

from sim.scheduling.calendar import Clock, PastTime


def test_entries_run_in_time_order_then_in_the_order_they_were_added():
    clock, seen = Clock(), []
    clock.at(5.0, seen.append, "b")
    clock.at(2.0, seen.append, "a")
    clock.after(5.0, seen.append, "c")  # same hour as b, added after it
    clock.env.run()
    assert seen == ["a", "b", "c"] and clock.events == 3


def test_each_entry_knows_its_number_while_it_runs():
    """The scheduler tells a job's current finish from a stale one by this number (`Job.due`)."""
    clock, seen = Clock(), []
    first = clock.at(4.0, lambda v: seen.append((v, clock.env.seq)), "first")
    second = clock.at(4.0, lambda v: seen.append((v, clock.env.seq)), "second")
    clock.env.run()
    assert first != second and seen == [("first", first), ("second", second)]


def test_an_entry_for_now_is_accepted_and_runs_at_now():
    clock, seen = Clock(), []
    clock.at(3.0, lambda _: clock.at(clock.now, lambda v: seen.append((clock.now, v)), "same hour"))
    clock.env.run()
    assert seen == [(3.0, "same hour")]


@pytest.mark.parametrize("add", [
    lambda clock: clock.at(2.999, print),
    lambda clock: clock.at(math.nan, print),
    lambda clock: clock.source_at(1.0, print),
    lambda clock: clock.after(-0.001, print),
])
def test_an_entry_before_now_is_refused_and_nothing_is_added(add):
    clock, failures = Clock(), []

    def at_three(_):
        try:
            add(clock)
        except PastTime as e:
            failures.append(e)

    clock.at(3.0, at_three)
    clock.env.run()
    assert len(failures) == 1 and isinstance(failures[0], ValueError)
    assert "before now (hour 3.0)" in str(failures[0]) and failures[0].now_h == 3.0
    assert clock.events == 1 and not clock.calendar and not clock.sources  # only at_three was ever added


def _bucketing_clock(buckets_from=10, bucket_entries=4):
    clock = Clock()
    clock.env.buckets_from, clock.env.bucket_entries = buckets_from, bucket_entries
    return clock


def _workload(clock, seed, pending, steps, log, most_buckets):
    """A hold model: `pending` entries, each, when run, logs itself and adds 0-2 more at
    random delays (some repeated exactly, some zero, a few infinite), like finishes and
    patience timeouts; the order is in `log`, the most later buckets seen in `most_buckets`."""
    import numpy as np

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    delays = [0.0, 0.5, 2.0, math.inf]
    budget = [steps]

    def fire(tag):
        log.append((clock.now, tag))
        most_buckets[0] = max(most_buckets[0], len(clock.env.far_keys))
        for i in range(int(rng.integers(0, 3)) if budget[0] > 0 else 0):
            budget[0] -= 1
            r = rng.random()
            delay = delays[int(rng.integers(0, 4))] if r < 0.1 else float(rng.exponential(4.0))
            if r < 0.5:
                clock.after(delay, fire, (tag, i))
            else:
                clock.at(clock.now + delay, fire, (tag, i))

    for i in range(pending):
        clock.at(float(rng.exponential(4.0)) if i % 7 else float(i % 5), fire, i)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_buckets_keep_the_order_of_one_heap_exactly(seed):
    """With buckets of about 4 entries from 50 pending entries on (re-bucketed as entries pile
    up), the calendar runs the same entries at the same times in the same order as one heap."""
    logs = []
    for buckets_from in (10**9, 50):
        clock, log, most_buckets = _bucketing_clock(buckets_from), [], [0]
        _workload(clock, seed, 400, 6000, log, most_buckets)
        clock.env.run(until=1e6)
        logs.append((log, clock.events, most_buckets[0] > 10))
    (heap_log, heap_events, heap_buckets), (bucket_log, bucket_events, bucketed) = logs
    assert not heap_buckets and bucketed  # the two runs did differ in how they kept entries
    assert len(heap_log) > 5000 and bucket_log == heap_log and bucket_events == heap_events


@pytest.mark.parametrize("at_once", [1, 100, 1000])
def test_a_bucket_of_entries_all_at_one_time_runs_in_order_and_is_not_split_forever(at_once):
    """Buckets cannot split entries at one hour: a bucket that comes up overfull with them is
    run as it is (the calendar does not keep re-bucketing it)."""
    clock, seen = _bucketing_clock(), []
    for i in range(20):
        clock.at(1.0 + i, seen.append, ("spread", i))
    assert clock.env.per_h > 0
    for i in range(at_once):
        clock.at(50.0, seen.append, ("at once", i))
    clock.at(60.0, seen.append, "later")
    clock.env.run()
    assert seen == [*(("spread", i) for i in range(20)), *(("at once", i) for i in range(at_once)), "later"]


def test_peek_sees_an_entry_waiting_in_a_later_bucket():
    clock = _bucketing_clock()
    for i in range(40):
        clock.at(1.0 + i, print, i)
    env = clock.env
    assert env.per_h > 0 and env.far_keys and env.peek() == 1.0
    env.calendar.clear()  # as if the near bucket had run: the head is in a far one
    assert env.peek() == min(e.time_h for b in env.far.values() for e in b) > 1.0
