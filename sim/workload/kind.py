"""What a kind of arrivals answers for itself: the interface every kind implements.

A client class's `arrivals` is a frozen record of sim/model (RatePath, OfferedLoad, Shaped,
TraceReplay, Contracts...): plain data, layer 1. What it means is an `ArrivalsKind` here in
layer 2, found by the record's type in `KINDS` (sim/workload/kinds.py). The loader, the work
budget, representative periods, billing and the summary ask the kind, never the record's type:
a new kind of arrivals is one module (its record, its stream, its kind) and one line in KINDS.

`client` below is the class whose `arrivals` is the kind's record; `capacity_h` the
accelerator-hours its pools are commissioned for over [0, horizon]; `capacity_path` the
[(hour, accelerators commissioned from then on)] of its pools; `per_job_h` the mean
accelerator-hours of one job when not the class's mean size x mean duration (a shaped class's
durations by size).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sim.model.client import ClientClass
from sim.workload.distributions import mean_hours
from sim.workload.record import JobStream


def accelerator_hours(client: ClientClass) -> float:
    """Mean accelerators x mean hours of one job of the class."""
    return client.sizes.mean * mean_hours(client.duration)


class ArrivalsKind(ABC):
    name = "generated"  # for people, in messages: "shaped arrivals", "trace replay arrivals"
    table = "arrivals"  # the class's table in a scenario file that states it
    arrivals_key: str | None = None  # a key of `arrivals = { ... }` the loader reads with `read`
    sampled = False  # representative periods can map it onto their windows (`on_windows`)
    scales_in_windows = True  # a sampled run may shorten its jobs (and bring more of them)
    shapeable = False  # a `workload` table may shape it (profiles, bursts)
    leasable = False  # a `lease` may sign contracts as it arrives
    billed_per_hour = True  # its jobs pay the quote per accelerator-hour (a service earns per token instead)
    needs_horizon = False  # `stream` takes the run's `horizon_h` (a service's replicas end past it)

    # --- the run --------------------------------------------------------------------------
    @abstractmethod
    def stream(self, index: int, client: ClientClass, seed: int, capacity_path) -> JobStream:
        """The class's job stream (sim/workload/record.py JobRecord), its draws keyed by `seed`."""

    def rate(self, client: ClientClass, capacity_path, per_job_h: float | None = None):
        """Jobs per hour (an Intensity or GrowingRate of sim/workload/arrivals.py), for kinds that
        are Poisson arrivals at a rate of their own."""
        raise TypeError(f"{self.name} arrivals have no rate of their own")

    # --- the work budget ------------------------------------------------------------------
    @abstractmethod
    def expected_jobs(self, client: ClientClass, horizon_h: float, capacity_h: float,
                      per_job_h: float | None = None) -> float:
        """Mean number of arrivals before the horizon."""

    def expected_pflops_hours(self, client: ClientClass, horizon_h: float, capacity_h: float) -> float:
        """Mean dense P-hours those arrivals bring (0 while the class's dense P is unresolved)."""
        return self.expected_jobs(client, horizon_h, capacity_h) * accelerator_hours(client) * (
            client.pflops_dense or 0.0)

    def why(self, client: ClientClass, horizon_h: float, expected: float) -> str:
        """Why the class brings `expected` jobs, for the work budget's message."""
        return f"{self.name} arrivals averaging {expected / (horizon_h or 1):.3g} jobs per hour"

    def follows_build_out(self, spec) -> bool:
        """Its rate holds a point at every build-out step of the class's pools (budgeted)."""
        return False

    # --- representative periods -----------------------------------------------------------
    def changes_h(self, spec) -> tuple[float, ...]:
        """Real hours at which its rate changes (a window after one gets its warm-up)."""
        return ()

    def on_windows(self, spec, time_map, k: float):
        """`spec` on the simulated time of a sampled run (sim/model/sampling.py TimeMap), its
        jobs `k` times as long: as many more of them. Called for kinds that say `sampled`
        (the loader refuses to sample the others). Unchanged by default: an offered load
        follows the compressed build-out by itself."""
        return spec

    # --- what else the loader, billing and the summary ask --------------------------------
    def lease(self, spec):
        """The lease contract its jobs are (sim/model/workload.py Lease), or None: on demand."""
        return None

    def market_share(self, spec) -> tuple[str, float] | None:
        """(market name, "" for [market]; share) if it is a share of a market, else None."""
        return None

    def states_work(self, spec) -> bool:
        """Its demand is stated in dense P-hours (which need one dense P per accelerator)."""
        return False

    def shares_cards(self, spec) -> bool:
        """Some of its jobs carry their own share of one card (a replayed pod list)."""
        return False

    def capacity_accelerators(self, spec) -> tuple[str, ...] | None:
        """The accelerators its jobs state a capacity on (a service's capacity table); None: no table."""
        return None

    def read(self, table, start):
        """The record from the class's `arrivals` table holding `arrivals_key` (a
        sim/scenario/fields.py Table: report problems with table.error); None if wrong."""
        raise NotImplementedError(f"{self.name} arrivals are not read from an arrivals table")
