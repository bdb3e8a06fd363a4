"""An inference service: a long-lived demand of requests served by replicas (issue 29).

A service has a request rate (requests/s) that follows a daily profile (24 hourly factors) and
grows by `annual_growth` a year; each request brings input and output tokens. Replicas each hold
the class's accelerators (whole, or a share of one card with `gpu_milli`) and serve up to
`requests_per_s` within the latency objective on the accelerator they run on (the capacity
table, each row with its source). An autoscaler looks at the rate every `scale_interval_minutes`
and asks for ceil(rate / capacity / target_utilisation) replicas within [min, max]; what it asks
for comes `lag_minutes` later. The replicas are jobs: the stream below yields one record per
replica run (arrival: when the autoscaler adds it; duration: until it removes it, last added
first removed), placed by the normal scheduler; one that waits (no room) leaves the queue when
the autoscaler would have removed it, and one that starts late runs its whole planned length. What they serve and earn is metered during the
run (sim/simulation/services.py). The decisions follow the stated rate, not the sampled jobs:
the same service asks for the same replicas in every seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from attrs import frozen

from sim.units import FEN_PER_CNY, HOURS_PER_YEAR, MINUTES_PER_HOUR, SECONDS_PER_HOUR
from sim.workload.kind import ArrivalsKind
from sim.workload.record import JobRecord

HOURS_PER_DAY = 24


@frozen
class CapacityRow:
    """Requests per second one replica serves within the objective on `accelerator`."""

    accelerator: str
    requests_per_s: float
    source: str


@frozen
class Service:
    requests_per_s: float  # the base rate, times the hour's factor and the growth
    daily_profile: tuple[float, ...]  # 24 factors, hour 0-23 of the day
    annual_growth: float
    input_tokens: float  # per request
    output_tokens: float
    price_input_cny_per_million_tokens: float
    price_output_cny_per_million_tokens: float
    capacity: tuple[CapacityRow, ...]
    scale_interval_minutes: float
    lag_minutes: float
    min_replicas: int
    max_replicas: int
    target_utilisation: float

    def rate_rps(self, hour: float) -> float:
        """Requests per second at `hour` (growth compounded continuously through the year)."""
        factor = self.daily_profile[int(math.floor(hour)) % HOURS_PER_DAY]
        return self.requests_per_s * factor * (1.0 + self.annual_growth) ** (hour / HOURS_PER_YEAR)

    def requests_between(self, a_h: float, b_h: float) -> float:
        """Requests arriving in [a, b): the rate integrated hour piece by hour piece (growth
        taken at each piece's middle)."""
        total, t = 0.0, a_h
        while t < b_h:
            end = min(b_h, math.floor(t) + 1.0)
            total += self.rate_rps((t + end) / 2) * (end - t) * SECONDS_PER_HOUR
            t = end
        return total

    def capacity_rps(self, accelerator: str) -> float:
        """A replica's capacity on `accelerator`; 0 on one the table does not name."""
        return next((r.requests_per_s for r in self.capacity if r.accelerator == accelerator), 0.0)

    @property
    def sizing_rps(self) -> float:
        """The capacity the autoscaler sizes for: the least of the table (a replica may land anywhere)."""
        return min(r.requests_per_s for r in self.capacity)

    @property
    def fen_per_request(self) -> float:
        """What one request served earns, in fen (prices in CNY per million tokens)."""
        return (self.input_tokens * self.price_input_cny_per_million_tokens
                + self.output_tokens * self.price_output_cny_per_million_tokens) / 1_000_000 * FEN_PER_CNY

    def wanted(self, hour: float) -> int:
        """Replicas the autoscaler asks for, looking at the rate at `hour`."""
        x = self.rate_rps(hour) / self.sizing_rps / self.target_utilisation
        if not x <= self.max_replicas:  # more than the cap (an overflow to inf, or NaN, too)
            return max(self.min_replicas, self.max_replicas)
        return max(self.min_replicas, math.ceil(x - 1e-9))

    def replica_path(self, horizon_h: float) -> list[tuple[float, int]]:
        """[(hour, replicas from then on)]: the first count at once, every later decision at
        its hour plus the lag; only changes are kept."""
        step = self.scale_interval_minutes / MINUTES_PER_HOUR
        lag = self.lag_minutes / MINUTES_PER_HOUR
        path = [(0.0, self.wanted(0.0))]
        k = 1
        while k * step + lag < horizon_h:
            n = self.wanted(k * step)
            if n != path[-1][1]:
                path.append((k * step + lag, n))
            k += 1
        return path

    def boundaries(self, horizon_h: float) -> list[float]:
        """Where the metered intervals meet: every hour and every hour the autoscaler's
        decisions take effect (the rate and the replicas asked for are constant between)."""
        step = self.scale_interval_minutes / MINUTES_PER_HOUR
        lag = self.lag_minutes / MINUTES_PER_HOUR
        points = {float(h) for h in range(int(math.ceil(horizon_h)))}
        k = 1
        while k * step + lag < horizon_h:
            points.add(k * step + lag)
            k += 1
        return sorted(p for p in points | {horizon_h} if 0.0 <= p <= horizon_h)


def replica_runs(path: list[tuple[float, int]], horizon_h: float) -> list[tuple[float, float]]:
    """(start, end) of each replica run from a replica path, last added first removed; runs
    still up at the horizon end an hour past it (never finished inside the run)."""
    started: list[float] = []
    runs = []
    for t, n in path:
        while len(started) > n:
            runs.append((started.pop(), t))
        while len(started) < n:
            started.append(t)
    runs += [(s, horizon_h + 1.0) for s in started]
    return sorted(runs)


class ServiceStream:
    """One job record per replica run, in order of arrival."""

    def __init__(self, index: int, client, horizon_h: float):
        self.index, self.client, self.horizon_h = index, client, horizon_h

    def __iter__(self) -> Iterator[JobRecord]:
        spec = self.client.arrivals
        size = self.client.sizes.values[0]
        for start, end in replica_runs(spec.replica_path(self.horizon_h), self.horizon_h):
            # A replica not started by the time the autoscaler removes it leaves the queue then.
            yield JobRecord(start, self.index, size, end - start, end - start, None, None)


class ServiceArrivals(ArrivalsKind):
    name = "inference service"
    arrivals_key = "service_requests_per_s"
    billed_per_hour = False  # a replica earns per token served (sim/simulation/services.py)

    needs_horizon = True  # its replicas' runs end where the autoscaler removes them or past the horizon

    def stream(self, index, client, seed, capacity_path, horizon_h: float = HOURS_PER_YEAR):
        return ServiceStream(index, client, horizon_h)

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        return float(len(replica_runs(client.arrivals.replica_path(horizon_h), horizon_h)))

    def expected_pflops_hours(self, client, horizon_h, capacity_h):
        path = client.arrivals.replica_path(horizon_h)
        ends = [t for t, _ in path[1:]] + [horizon_h]
        replica_h = sum(n * (e - t) for (t, n), e in zip(path, ends, strict=True))
        per_replica = client.gpu_milli / 1000 if client.gpu_milli else client.sizes.values[0]
        return replica_h * per_replica * (client.pflops_dense or 0.0)

    def capacity_accelerators(self, spec):
        return tuple(r.accelerator for r in spec.capacity)

    def why(self, client, horizon_h, expected):
        return f"an inference service of {expected:.0f} replica runs"

    def read(self, table, start):
        t = table
        rate = t.number("service_requests_per_s", gt=0)
        factors: tuple[float, ...] | None = (1.0,) * HOURS_PER_DAY
        if t.has("daily_profile"):
            profile = t.raw("daily_profile")
            if (not isinstance(profile, list) or len(profile) != HOURS_PER_DAY
                    or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0 for x in profile)):
                t.error("daily_profile", "must be 24 factors >= 0, one per hour of the day")
                factors = None
            else:
                factors = tuple(float(x) for x in profile)
        growth = t.number("annual_growth", 0.0, gt=-1, le=100)
        tin = t.number("input_tokens", ge=0)
        tout = t.number("output_tokens", ge=0)
        pin = t.number("price_input_cny_per_million_tokens", ge=0)
        pout = t.number("price_output_cny_per_million_tokens", ge=0)
        rows = []
        for row in t.array_of_tables("capacity"):
            acc = row.string("accelerator")
            rps = row.number("requests_per_s", gt=0)
            src = row.string("source")
            row.done()
            if None not in (acc, rps, src):
                rows.append(CapacityRow(acc, float(rps), src))
        if t.has("capacity") and not rows and isinstance(t.data.get("capacity"), list) and not t.data["capacity"]:
            t.error("capacity", "must name at least one row")
        interval = t.number("scale_interval_minutes", gt=0, le=7 * 24 * 60)
        lag = t.number("lag_minutes", ge=0, le=7 * 24 * 60)
        lo = t.number("min_replicas", 1, integer=True, ge=0, le=100_000)
        hi = t.number("max_replicas", integer=True, ge=1, le=100_000)
        util = t.number("target_utilisation", 0.7, gt=0, le=1)
        if lo is not None and hi is not None and lo > hi:
            t.error("min_replicas", f"must be at most max_replicas ({hi}), got {lo}")
            return None
        values = (rate, factors, growth, tin, tout, pin, pout, interval, lag, lo, hi, util)
        if factors is None or None in values or not rows or len(rows) != len(t.data.get("capacity", ())):
            return None
        return Service(float(rate), factors, float(growth), float(tin), float(tout), float(pin), float(pout),
                       tuple(rows), float(interval), float(lag), int(lo), int(hi), float(util))

