"""Who brings work: tenants (third-party rack owners) and what client classes are made of
(arrivals, sizes, durations, markets; the class itself is sim/model/client.py)."""

from __future__ import annotations

import bisect
import json

from attrs import frozen

from sim.model.leasing import DEMAND, EVERY_BUILT, FIXED, DemandLeasing
from sim.model.pricepath import PricePath


@frozen
class Lognormal:
    median_hours: float
    sigma: float


@frozen
class Exponential:
    mean_hours: float


@frozen
class Fixed:
    hours: float


Duration = Lognormal | Exponential | Fixed


@frozen
class Sizes:
    """Accelerators per job: a discrete distribution."""

    values: tuple[int, ...]
    weights: tuple[float, ...]

    @property
    def mean(self) -> float:
        total = sum(self.weights)
        return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / total


@frozen
class RatePath:
    """Poisson arrival rate, piecewise linear through (hour, jobs per hour) points, flat outside.
    With `annual_growth` (one point only), the rate grows continuously from that point on."""

    points: tuple[tuple[float, float], ...]
    annual_growth: float = 0.0


@frozen
class WorkPath:
    """Work asked for, in dense FP16 P-hours per year: piecewise linear through (hour, value)
    points and flat outside them, or (one point, `annual_growth`) growing continuously from it."""

    points: tuple[tuple[float, float], ...]
    annual_growth: float = 0.0

    def scaled(self, factor: float) -> WorkPath:
        return WorkPath(tuple((t, v * factor) for t, v in self.points), self.annual_growth)


def follow_build(work: WorkPath, built: tuple[tuple[float, float], ...]) -> WorkPath:
    """`work` times the share of a site's capacity built: `built` is (hour, share of the
    finished capacity built from then on) steps, rising to 1. Between two knots the market is
    linear and the share constant, so the product is exact as points, a step as two points at
    one hour (before, after); before the first step nothing is built and the work is 0."""
    if work.annual_growth:
        raise ValueError("a share that follows the build-out needs a dated path or a flat market")
    ts = [t for t, _ in work.points]
    vs = [v for _, v in work.points]

    def market(h: float) -> float:
        if h <= ts[0]:
            return vs[0]
        if h >= ts[-1]:
            return vs[-1]
        j = bisect.bisect_right(ts, h) - 1
        return vs[j] + (vs[j + 1] - vs[j]) * (h - ts[j]) / (ts[j + 1] - ts[j])

    share_at = dict(built)
    out: list[tuple[float, float]] = []
    share = 0.0
    for h in sorted(set(ts) | set(share_at)):
        m = market(h)
        if h in share_at and share_at[h] != share:
            out.append((h, m * share))
            share = share_at[h]
        out.append((h, m * share))
    return WorkPath(tuple(out))


@frozen
class Work:
    """Absolute demand: dense P-hours per year, whatever capacity is built."""

    work: WorkPath


@frozen
class MarketShare:
    """A share of a market's demand reaching the operator; `work` is that share, resolved.
    `market`: "" for [market], else the name of a [markets.<name>]."""

    share: float
    work: WorkPath
    market: str = ""


@frozen
class OfferedLoad:
    """Arrival rate that keeps `fraction` of the class's commissioned capacity busy on average."""

    fraction: float

    @property
    def follows_capacity(self) -> bool:
        return True


@frozen
class ArrivalTimes:
    """Arrivals at given hours after the start: for hand-built cases and tests."""

    hours: tuple[float, ...]


Arrivals = RatePath | OfferedLoad | ArrivalTimes | Work | MarketShare

FOLLOWS_CAPACITY = "follows capacity (what-if)"
ABSOLUTE = "absolute"


def demand_basis(arrivals) -> str:
    """Whether a class's demand is stated in its own terms or follows the capacity built: an
    offered load, or a spec over one (a trace replayed at a `load`, shaped or contract arrivals
    over an offered load) that says so with `follows_capacity`."""
    return FOLLOWS_CAPACITY if getattr(arrivals, "follows_capacity", False) else ABSOLUTE


@frozen
class Market:
    """The regional market: dense P-hours per year of work looking for compute, and the share
    of it that reaches this operator (its tenants and its marketplace)."""

    work: WorkPath | None = None  # None: the file states no market demand
    share_reaching_operator: float = 1.0
    outside: OutsidePrice | None = None  # what competing centres charge; None: no outside option
    # A site whose build-out the share follows: `work` is then already scaled by the share of
    # that site's finished dense P built at each date (sim/model/demand.py follow_build).
    share_follows_build: str | None = None


@frozen
class OutsidePrice:
    """Competing centres' price per dense P-year, falling continuously from its anchor date
    (`anchor_h`, hours after the start; negative if before it)."""

    cny_per_pflops_year: float
    anchor_h: float = 0.0
    annual_decline: float = 0.0
    decline_stated: bool = False  # the file gave annual_decline (refused when [pricing] names a path)
    path: PricePath | None = None  # [pricing]'s path, which it then follows instead


@frozen
class WillingnessToPay:
    """The most a job would pay per dense P-hour, lognormal across jobs: median and sigma."""

    median_cny_per_pflops_hour: float
    sigma: float


def _label_part(name: str) -> str:
    # A name holding "/" (or a quote) is quoted, as JSON writes it: the marketplace class "t/x"
    # and tenant t's class x must not both read t/x.
    return json.dumps(name, ensure_ascii=False) if any(ch in name for ch in '/"\\') else name


def class_label(tenant: str | None, name: str) -> str:
    """A client class for people, one per class: "name" for the marketplace's, "tenant/name"
    for a tenant's own; a part that holds "/" or '"' is written in quotes ("t/x" vs t/x)."""
    return f"{_label_part(tenant)}/{_label_part(name)}" if tenant else _label_part(name)


@frozen
class Tenant:
    name: str
    opt_in_fraction: float  # share of its servers offered to the marketplace
    colocation_cny_per_kw_month: float  # rent per kW of rack budget, covering its power allowance
    # Share of its built racks under contract: (hour, share) steps, each share holding from its
    # hour on, none before the first; None: every built rack is leased.
    leasing: tuple[tuple[float, float], ...] | None = None
    power_allowance_kw_per_rack: float | None = None  # power the rent covers; None: each rack's budget
    follows_demand: DemandLeasing | None = None  # leases sized to its own demand (sim/model/leasing.py)
    # (most racks kept past their term that demand would have let go, from hour), set on loading
    kept_past_term: tuple[int, float | None] = (0, None)

    @property
    def leasing_basis(self) -> str:
        if self.follows_demand is not None:
            return DEMAND
        return FIXED if self.leasing is not None else EVERY_BUILT
