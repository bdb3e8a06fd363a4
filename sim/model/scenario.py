"""A whole scenario: everything a run needs, already validated."""

from __future__ import annotations

import datetime as dt

from attrs import field, frozen

from sim.model.claim import Claim
from sim.model.client import ClientClass
from sim.model.demand import Market, Tenant
from sim.model.failures import Failures
from sim.model.finance import Finance
from sim.model.frozen import FrozenDict, freeze
from sim.model.generations import Generation
from sim.model.hardware import AcceleratorType, ServerModel
from sim.model.pricepath import PricePath
from sim.model.sampling import Sampling
from sim.model.site import RackGroup, Site
from sim.model.tiers import Tier
from sim.units import HOURS_PER_DAY


@frozen
class Pricing:
    basis: str  # "dense": a price per P is per dense FP16 P (the only meaning a price has)
    cny_per_accelerator_hour: FrozenDict[str, float] = field(converter=freeze)  # by type, at the anchor
    annual_decline: float  # prices fall by this fraction a year, continuously from the anchor
    intermediary_fee: float  # operator's share of sales on third-party capacity
    model: str = "declining"  # the price model, by name (sim/economics/pricing.py PRICE_MODELS)
    anchor_h: float = 0.0  # when the prices above held: hours after the start (negative: before it)
    vat_included: bool = True  # whether prices (and so every money figure) include VAT
    vat_stated: bool = False  # whether the file says so (else vat_included is the default)
    cny_per_pflops_year: float | None = None  # the price per dense P-year at the anchor, if given so
    path: PricePath | None = None  # a named market price path ([price_paths]); None: annual_decline
    ageing_per_year: float = 0.0  # an older generation's price per P against the newest's (sim/model/generations.py)
    superseded_h: FrozenDict[str, float] = field(converter=freeze, factory=dict)  # by type: when a newer generation came out
    variable_cost_cny_per_accelerator_hour: float = 0.0  # a busy card's cost besides power (the offer floor)

@frozen
class Policy:
    placement: str = "owned-first"
    queue: str = "fifo-backfill"
    reclaim: str = "no-preempt"
    preempted: str = "requeue"  # what happens to a preempted marketplace job: "requeue" or "lost"


@frozen
class Scenario:
    """A loaded, checked scenario (sim.load_scenario): sites and racks, servers, tenants, client
    classes, pricing, policy and, optionally, markets, [finance] and [claim]."""

    name: str
    description: str
    source: str  # file it came from, for messages and provenance
    seed: int
    start_date: dt.date
    horizon_hours: float
    standard_rack_kw: float
    enforce_power: bool
    accelerators: FrozenDict[str, AcceleratorType] = field(converter=freeze)
    servers: FrozenDict[str, ServerModel] = field(converter=freeze)
    sites: tuple[Site, ...]
    tenants: tuple[Tenant, ...]
    clients: tuple[ClientClass, ...]  # marketplace clients and tenants' private demand
    pricing: Pricing
    policy: Policy
    warmup_hours: float = 0.0  # excluded from wait, queue and utilisation statistics (never from money)
    source_sha256: str = ""  # of the scenario text as loaded
    overrides: tuple[str, ...] = ()  # key=value overrides applied to the file, as given
    market: Market | None = None  # the regional market, if the file states one
    # Named markets ([markets.<name>]), for a scenario whose sites face different regions.
    markets: FrozenDict[str, Market] = field(factory=dict, converter=freeze)
    failures: Failures | None = None  # None: servers never fail
    finance: Finance | None = None  # [finance]: capex, O&M, tax, discounting and exit over the concession
    claim: Claim | None = None  # [claim]: a stated claim and what the audit checks it against
    sampling: Sampling | None = None  # [scenario] sampling: representative periods instead of every day
    tiers: tuple[Tier, ...] = ()  # [tiers.<name>]: price tiers (sim/model/tiers.py); none: one price for all
    # [generations]: accelerator generations by name (sim/model/generations.py); {} when none are stated.
    generations: FrozenDict[str, Generation] = field(factory=dict, converter=freeze)
    # [scenario] leasing_check: a reported rack-use share (and its source) to read tenants'
    # leasing against in the report; never an input.
    rack_use_check: tuple[float, str] | None = None

    def __repr__(self) -> str:
        return (f"Scenario(name={self.name!r}, source={self.source!r}, seed={self.seed}, "
                f"horizon_days={self.horizon_hours / HOURS_PER_DAY:g}, sites={[s.name for s in self.sites]!r})")

    @property
    def rack_groups(self) -> tuple[RackGroup, ...]:
        return tuple(g for s in self.sites for g in s.rack_groups)

    def market_of(self, client: ClientClass) -> Market | None:
        """The market a class's demand comes from: the named one it takes a share of, else
        [market] (None if the file states none). Shaped arrivals and contracts wrap theirs."""
        name = getattr(getattr(client.arrivals, "base", client.arrivals), "market", "")  # MarketShare's
        return self.markets[name] if name else self.market

    def date_at(self, hour: float) -> dt.date:
        return self.start_date + dt.timedelta(hours=hour)
