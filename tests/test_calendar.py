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
