"""One run of a scenario: build the model, simulate to the horizon, collect the results."""

from __future__ import annotations

import contextlib
import gc

import attrs
import simpy
from attrs import frozen

from sim.economics.ledger import Ledger
from sim.economics.pricing import PriceBook
from sim.experiment.recorder import Recorder
from sim.experiment.summary import summarise
from sim.model.scenario import Scenario
from sim.scenario.loader import check_seed_and_horizon
from sim.scheduling.cluster import Cluster
from sim.scheduling.scheduler import Scheduler
from sim.units import HOURS_PER_DAY
from sim.workload.source import ArrivalSource


@frozen
class RunResult:
    scenario: Scenario
    summary: dict
    daily: list[dict]


@contextlib.contextmanager
def quiet_gc(first_generation: int = 100_000):
    """Collect garbage rarely during a run.

    The model makes almost no reference cycles, but it keeps many long-lived objects (running
    jobs, pending events); with the default thresholds the collector re-scans them so often
    that it takes a third of the time at 48,000 racks. Objects built before the run are
    frozen out of collection; the old settings come back afterwards.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(first_generation, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


class Model:
    """Everything one run holds; kept after the run for tests that look inside."""

    def __init__(self, scenario: Scenario, ledger_sink=None, trace=None):
        self.scenario = scenario
        self.env = env = simpy.Environment()
        self.horizon_h = scenario.horizon_hours
        self.cluster = Cluster(scenario)
        self.prices = PriceBook(scenario.pricing)
        self.ledger = Ledger(ledger_sink)
        self.sched = Scheduler(env, scenario, self.cluster, self.prices, self.ledger, trace)
        self.sources = [
            ArrivalSource(env, self.sched, i, c, scenario.seed, self.horizon_h)
            for i, c in enumerate(scenario.clients)
        ]
        self.recorder = Recorder(env, scenario, self.cluster, self.sched, self.ledger, self.horizon_h)

    def _commission_at(self, steps) -> None:
        now = self.env.now
        for pid, n in steps:
            self.cluster.pools[pid].commission(n, now)
        self.sched.commissioned()

    def run(self) -> RunResult:
        env = self.env
        by_time: dict[float, list] = {}
        for t, pid, n in self.cluster.plan:
            if t < self.horizon_h:
                by_time.setdefault(t, []).append((pid, n))
        for t, steps in by_time.items():
            if t <= 0.0:
                self._commission_at(steps)  # online before the run starts
            else:
                ev = env.timeout(t)
                ev.callbacks.append(lambda ev, steps=steps: self._commission_at(steps))
                self.sched.events += 1
        self.recorder.start()
        for s in self.sources:
            s.start()
        with quiet_gc():
            env.run(until=self.horizon_h)
        self.sched.close()
        self.recorder.finish()
        return RunResult(self.scenario, summarise(self), self.recorder.rows)


def run(scenario: Scenario, *, seed: int | None = None, horizon_days: float | None = None,
        ledger_sink=None, trace=None) -> RunResult:
    """Simulate `scenario` once. `seed` and `horizon_days` override the scenario's own and
    are checked as in a file (ScenarioError if out of range)."""
    check_seed_and_horizon(scenario, seed, horizon_days)
    changes = {}
    if seed is not None:
        changes["seed"] = seed
    if horizon_days is not None:
        changes["horizon_hours"] = horizon_days * HOURS_PER_DAY
    if changes:
        scenario = attrs.evolve(scenario, **changes)
    return Model(scenario, ledger_sink, trace).run()
