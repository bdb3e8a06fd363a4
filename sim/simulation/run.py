"""One run of a scenario: build the model, simulate to the horizon, collect the results."""

from __future__ import annotations

import contextlib
import gc
from typing import Any

import attrs

from sim.economics.billing import Billing
from sim.economics.ledger import Ledger
from sim.economics.pricing import price_model
from sim.economics.realtime import RealTimePrices
from sim.model.scenario import Scenario
from sim.scenario.argument import as_scenario
from sim.scenario.loader import check_seed_and_horizon
from sim.scheduling.calendar import Clock
from sim.scheduling.cluster import Cluster
from sim.scheduling.failures import Failures
from sim.scheduling.intake import Intake
from sim.scheduling.scheduler import Scheduler
from sim.simulation.provenance import provenance
from sim.simulation.recorder import Recorder
from sim.simulation.results import RunResult
from sim.simulation.sampled import run_sampled
from sim.simulation.services import service_meters
from sim.simulation.summary import summarise
from sim.units import HOURS_PER_DAY
from sim.workload.demand import mean_pflops
from sim.workload.kinds import kind_of, stream_for


@contextlib.contextmanager
def quiet_gc():
    """No garbage collection during a run.

    The model makes almost no reference cycles (a few hundred objects in a whole run at
    48,000 racks) but keeps many long-lived objects: running jobs, pending calendar entries.
    Any automatic collection, even of the youngest generation, walks every object made since
    the last one and the old objects they point to, so its cost per job grew with the cluster
    (about half the time per job at 48,000 racks with only the first threshold raised). So
    the collector is off while the run lasts; afterwards everything made during the run is
    moved to the oldest generation unscanned (freeze, unfreeze) and the collector is back as
    it was: the run's few cycles go with the next full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


class Model:
    """Everything one run holds; kept after the run for tests that look inside.

    `streams`: job streams by client class index, in place of those the scenario describes
    (any iterable of sim.workload.stream.JobRecord in arrival order). `prices`: a price model
    in place of the scenario's. `time_map`: the sim/model/sampling.py TimeMap of a run in
    representative periods, `scenario` being already on its simulated time (sim/workload/
    windows.py compressed); None: simulated hours are real ones. With one, prices are quoted
    on the real calendar and running work is billed at each seam between segments, so that
    it is charged in the window where it was done (Scheduler.bill_running)."""

    def __init__(self, scenario: Scenario, ledger_sink=None, trace=None, streams=None, on_day=None, prices=None,
                 time_map=None):
        self.scenario = scenario
        self.clock = Clock()
        self.env = self.clock.env
        self.horizon_h = scenario.horizon_hours
        self.cluster = Cluster(scenario)
        self.prices = price_model(scenario.pricing) if prices is None else prices
        self.time_map = time_map
        if time_map is not None:
            self.prices = RealTimePrices(self.prices, time_map, self.env)
        self.ledger = Ledger(ledger_sink)
        self.billing = Billing(self.prices, self.ledger, scenario.clients,
                               [kind_of(c.arrivals).lease(c.arrivals) for c in scenario.clients],
                               scenario.tiers,
                               [not kind_of(c.arrivals).billed_per_hour for c in scenario.clients])
        self.sched = Scheduler(self.clock, scenario, self.cluster, self.prices, self.billing, trace)
        streams = streams or {}
        self.intakes = []
        # Dense P per accelerator each class's work counts at (resolved at load; a scenario
        # built by hand falls back to its pools' capacity-weighted mean).
        self.pflops_dense = [c.pflops_dense if c.pflops_dense is not None
                             else (mean_pflops(self.cluster.pools_for(c)) or 0.0) for c in scenario.clients]
        for i, c in enumerate(scenario.clients):
            stream = streams.get(i)
            if stream is None:
                path = self.cluster.capacity_path(self.cluster.pools_for(c))
                stream = stream_for(i, c, scenario.seed, path, self.horizon_h)
            self.intakes.append(Intake(self.clock, self.sched, i, c, stream, self.horizon_h))
        self.recorder = Recorder(self.clock, scenario, self.cluster, self.sched, self.ledger, self.horizon_h,
                                 on_day)
        self.failures = Failures(self.clock, self.sched, self.cluster, scenario) if scenario.failures else None
        self.services = service_meters(self)  # inference services: goodput and tokens billed
        for h in time_map.seams_h if time_map is not None else ():
            # Scheduled before the run, so it comes before the day that closes at the same hour.
            self.clock.at(h, self._seam)

    def _seam(self, _) -> None:
        self.sched.bill_running()

    def _commission_at(self, steps) -> None:
        now = self.env.now
        for pid, n in steps:
            self.cluster.pools[pid].commission(n, now)
            if self.failures:
                self.failures.commissioned(pid)
        self.sched.commissioned()

    def run(self, argv=None) -> RunResult:
        by_time: dict[float, list] = {}
        for t, pid, n in self.cluster.plan:
            if t < self.horizon_h:
                by_time.setdefault(t, []).append((pid, n))
        for t, steps in by_time.items():
            if t <= 0.0:
                self._commission_at(steps)  # online before the run starts
            else:
                self.clock.at(t, self._commission_at, steps)
        self.recorder.start()
        for meter in self.services:
            meter.start()
        for intake in self.intakes:
            intake.start()
        with quiet_gc():
            self.env.run(until=self.horizon_h)
        if self.failures:
            self.failures.close(self.horizon_h)
        self.sched.close()
        self.recorder.finish()
        summary = attrs.evolve(summarise(self), provenance=provenance(self.scenario, argv))
        return RunResult(self.scenario, summary, tuple(self.recorder.rows), tuple(self.recorder.site_rows))


def run(scenario: Scenario | str, *, seed: int | None = None, horizon_days: float | None = None,
        warmup_days: float | None = None, ledger_sink=None, trace=None, progress=None,
        argv=None) -> RunResult:
    """Simulate `scenario` once. `seed`, `horizon_days` and `warmup_days` override the
    scenario's own and are checked as in a file (ScenarioError if out of range).
    `progress(now_h, horizon_h)` is called as each simulated day closes; `argv`, the command
    line for the provenance (None: this process's). A scenario with `[scenario] sampling` is
    run in representative periods (sim/simulation/sampled.py). `scenario`: a Scenario, or a
    name in scenarios/ or a path, with overrides after an `@` ("qingyang@policy.queue=fifo")."""
    scenario = as_scenario(scenario)
    check_seed_and_horizon(scenario, seed, horizon_days, warmup_days)
    changes: dict[str, Any] = {}
    if seed is not None:
        changes["seed"] = seed
    if horizon_days is not None:
        changes["horizon_hours"] = horizon_days * HOURS_PER_DAY
    if warmup_days is not None:
        changes["warmup_hours"] = warmup_days * HOURS_PER_DAY
    if changes:
        scenario = attrs.evolve(scenario, **changes)
    if scenario.sampling is not None:
        return run_sampled(scenario, Model, ledger_sink=ledger_sink, trace=trace, progress=progress, argv=argv)
    return Model(scenario, ledger_sink, trace, on_day=progress).run(argv)
