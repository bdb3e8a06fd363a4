"""A stated claim, as a scenario's `[claim]` section gives it: the claim's own figures and
what they are checked against. A figure known only within a range is a Span (low, high)."""

from __future__ import annotations

from attrs import frozen


@frozen
class Span:
    """A positive quantity known to lie in [lo, hi] (lo == hi for an exact one). Products and
    quotients of positive spans are spans: every audit figure is monotone in its inputs."""

    lo: float
    hi: float

    @classmethod
    def of(cls, x) -> Span:
        return x if isinstance(x, Span) else cls(float(x), float(x))

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __mul__(self, other) -> Span:
        o = Span.of(other)
        return Span(self.lo * o.lo, self.hi * o.hi)

    __rmul__ = __mul__

    def __truediv__(self, other) -> Span:
        o = Span.of(other)
        return Span(self.lo / o.hi, self.hi / o.lo)

    def __rtruediv__(self, other) -> Span:
        return Span.of(other) / self

    def floor(self) -> Span:
        import math

        # Round first so that 5.0 / 2.5 is 2, not 1.999... floored to 1.
        return Span(math.floor(round(self.lo, 9)), math.floor(round(self.hi, 9)))


@frozen
class Reported:
    """A reported total to set the claim beside."""

    what: str
    pflops: float


@frozen
class Claim:
    """A scenario's `[claim]`: the claim's own figures and what they are checked against."""

    source: str
    sites: int
    standard_racks_per_site: float
    servers_per_rack: int
    accelerators_per_server: int
    pflops_per_accelerator: float  # the claim's own per-card figure
    pflops_per_server: float  # as stated (the claim may round)
    pflops_total: float  # as stated
    # What the claim is checked against.
    accelerator_pflops_dense: Span  # the named card's dense FP16 spec
    accelerator_pflops_sparse: Span  # and its 2:4 sparse one (= dense when none is published)
    server_power_kw: Span  # maximum draw of one such server
    built_rack_kw: float  # the power of the racks as sites really build them
    market_cap_cny: Span
    price_cny_per_pflops_year: float  # the claim's revenue anchor
    reported: tuple[Reported, ...] = ()
    whole_claim_scenario: str | None = None  # for one site's share: the scenario of the whole claim

    @property
    def standard_racks(self) -> float:
        return self.sites * self.standard_racks_per_site

    @property
    def servers(self) -> float:
        return self.standard_racks * self.servers_per_rack

    @property
    def accelerators(self) -> float:
        return self.servers * self.accelerators_per_server
