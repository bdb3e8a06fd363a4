"""Generated arrivals: Poisson at a rate (a rate path, P-hours a year, a share of a market),
at a rate that follows capacity (an offered load), or at given hours; their streams and kinds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import cast

import attrs

from sim.model.client import ClientClass
from sim.model.demand import ArrivalTimes, OfferedLoad, WorkPath
from sim.model.sampling import rate_points_on
from sim.units import HOURS_PER_YEAR
from sim.workload.arrivals import Intensity, expected_arrivals, peak_rate
from sim.workload.demand import path_rate
from sim.workload.distributions import mean_hours
from sim.workload.kind import ArrivalsKind, accelerator_hours
from sim.workload.poisson_stream import PoissonStream
from sim.workload.record import Draws, JobRecord


class TimesStream:
    """Arrivals at given hours: for hand-built cases and tests."""

    def __init__(self, index: int, client: ClientClass, seed: int, hours: Iterable[float]):
        self.draws = Draws(index, client, seed)
        self.hours = tuple(hours)

    def __iter__(self) -> Iterator[JobRecord]:
        return self.draws.records(self.hours)


def offered_load_intensity(client: ClientClass, capacity_path, per_job_h: float | None = None) -> Intensity:
    """The rate that keeps `fraction` of the class's commissioned capacity busy on average.
    `capacity_path`: [(hour, accelerators commissioned from then on)]."""
    per_job = accelerator_hours(client) if per_job_h is None else per_job_h  # accelerator-hours per job
    scale = cast(OfferedLoad, client.arrivals).fraction / per_job  # the offered-load kind's own record
    points = []
    previous = 0.0
    for t, accelerators in capacity_path:
        points.append((t, previous))
        previous = scale * accelerators
        points.append((t, previous))
    return Intensity(points)


class RateArrivals(ArrivalsKind):
    """`rate_per_hour` (with `annual_growth`) or a `ramp`: sim/model/demand.py RatePath."""

    name = "rate"
    sampled = shapeable = leasable = True

    def rate(self, client, capacity_path, per_job_h=None):
        a = client.arrivals
        return path_rate(a.points, a.annual_growth)

    def stream(self, index, client, seed, capacity_path):
        return PoissonStream(index, client, seed, self.rate(client, capacity_path))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        return expected_arrivals(self.rate(client, ()), horizon_h)

    def why(self, client, horizon_h, expected):
        return f"a rate of up to {peak_rate(self.rate(client, ()), horizon_h):.3g} jobs per hour"

    def changes_h(self, spec):
        return tuple(t for t, _ in spec.points)

    def on_windows(self, spec, time_map, k):
        return type(spec)(tuple((t, r / k) for t, r in rate_points_on(time_map, spec.points, spec.annual_growth)))


class WorkArrivals(ArrivalsKind):
    """Dense P-hours a year, whatever capacity is built: sim/model/demand.py Work."""

    name = "P-hours"
    sampled = shapeable = True

    def pflops_hours_per_job(self, client, per_job_h=None) -> float:
        if client.pflops_dense is None:
            raise ValueError(f"client class {client.label!r}: no dense P per accelerator resolved")
        return (accelerator_hours(client) if per_job_h is None else per_job_h) * client.pflops_dense

    def rate(self, client, capacity_path, per_job_h=None):
        work = client.arrivals.work
        return path_rate(work.points, work.annual_growth,
                         1.0 / (HOURS_PER_YEAR * self.pflops_hours_per_job(client, per_job_h)))

    def stream(self, index, client, seed, capacity_path):
        return PoissonStream(index, client, seed, self.rate(client, capacity_path))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        if client.pflops_dense is None:
            return 0.0  # not resolved: the file has problems, reported already
        return expected_arrivals(self.rate(client, (), per_job_h), horizon_h)

    def why(self, client, horizon_h, expected):
        peak = peak_rate(self.rate(client, ()), horizon_h) * self.pflops_hours_per_job(client) * HOURS_PER_YEAR
        return (f"up to {peak:.3g} dense P-hours per year in jobs of {client.sizes.mean:.3g} accelerators x "
                f"{mean_hours(client.duration):.3g} hours x {client.pflops_dense:.3g} P on average")

    def states_work(self, spec):
        return True

    def changes_h(self, spec):
        return tuple(t for t, _ in spec.work.points)

    def on_windows(self, spec, time_map, k):
        # P-hours a year: the job rate rises by 1 / k by itself, as each job is shortened.
        return attrs.evolve(spec, work=WorkPath(rate_points_on(time_map, spec.work.points, spec.work.annual_growth)))


class MarketShareArrivals(WorkArrivals):
    """A share of a market's P-hours: sim/model/demand.py MarketShare."""

    def market_share(self, spec):
        return spec.market, spec.share


class LoadArrivals(ArrivalsKind):
    """`offered_load`: a rate that keeps a share of the class's capacity busy (what-if)."""

    name = "offered-load"
    sampled = shapeable = leasable = True

    def rate(self, client, capacity_path, per_job_h=None):
        return offered_load_intensity(client, capacity_path, per_job_h)

    def stream(self, index, client, seed, capacity_path):
        return PoissonStream(index, client, seed, self.rate(client, capacity_path))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        # The rate is fraction x commissioned accelerators / accelerator-hours per job: its
        # integral is that over the pools' commissioned accelerator-hours.
        return client.arrivals.fraction * capacity_h / (accelerator_hours(client) if per_job_h is None else per_job_h)

    def why(self, client, horizon_h, expected):
        return (f"offered_load {client.arrivals.fraction:g} with jobs of {client.sizes.mean:.3g} accelerators x "
                f"{mean_hours(client.duration):.3g} hours on average")

    def follows_build_out(self, spec):
        return True


class TimesArrivals(ArrivalsKind):
    """`at_hours`: arrivals at given hours, for hand-built cases and tests."""

    name = "given-times"
    sampled = leasable = True
    scales_in_windows = False  # the hours are the case: left alone

    def stream(self, index, client, seed, capacity_path):
        return TimesStream(index, client, seed, client.arrivals.hours)

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        return float(sum(1 for h in client.arrivals.hours if h < horizon_h))

    def why(self, client, horizon_h, expected):
        return f"{len(client.arrivals.hours):,} arrival times"

    def on_windows(self, spec, time_map, k):
        # Only arrivals inside a segment are simulated; the weights stand for the rest.
        hours = []
        for h in spec.hours:
            s = time_map.compress(h)
            if s is not None and time_map.segment_at(s).real_h <= h:
                hours.append(s)
        return ArrivalTimes(tuple(hours))
