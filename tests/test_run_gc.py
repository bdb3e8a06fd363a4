"""Garbage collection during a run (sim/simulation/run.py quiet_gc): off while the model runs, so
its cost per job does not grow with the live objects of a large cluster; back as it was after."""

import gc

import pytest
from tiny import tiny

from sim.simulation.run import run


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_collector_is_off_during_a_run_and_as_it_was_after(enabled_before):
    seen = []
    was = gc.isenabled()
    (gc.enable if enabled_before else gc.disable)()
    try:
        run(tiny("scenario.horizon_days=3"), progress=lambda now_h, horizon_h: seen.append(gc.isenabled()))
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    # the days closed inside the run (all but the last, closed as the run finishes) saw it off
    assert len(seen) == 3 and not any(seen[:-1])
    assert after == enabled_before


def test_nothing_stays_frozen_after_a_run():
    """What the run made is handed to the oldest generation, not left in the permanent one
    (where a later cycle among it would never be collected)."""
    assert gc.get_freeze_count() == 0
    run(tiny())
    assert gc.get_freeze_count() == 0


def test_the_collector_is_back_after_a_run_that_fails():
    was = gc.isenabled()
    gc.enable()

    def boom(now_h, horizon_h):
        raise RuntimeError("stop")

    try:
        with pytest.raises(RuntimeError, match="stop"):
            run(tiny(), progress=boom)
        assert gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        (gc.enable if was else gc.disable)()
