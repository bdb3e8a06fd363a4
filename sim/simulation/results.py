"""A run's results as immutable records: the summary tree, the daily rows, and frames of both.

Money is integer fen inside every record; the JSON shows each money record twice, as CNY
(`..._cny`) and as exact fen (`..._fen`). `summary.json` and the CSV files are renderings of
these records (sim/report/tables.py), nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from sim.economics.money import DAILY_LINES, LINES, add_fields
from sim.model.demand import class_label
from sim.model.frozen import FrozenDict, freeze
from sim.model.scenario import Policy, Scenario
from sim.units import FEN_PER_CNY

OWNER_CLASSES = ("operator", "third-party")


@frozen
@add_fields(LINES, "int")
class Money:
    """The operator's statement, whole fen: one field per line of the money model
    (sim/economics/money.py: `LINES`)."""

    if TYPE_CHECKING:  # its fields come from the money model, unseen by a type checker
        def __getattr__(self, name: str) -> int: ...

    def cny(self) -> dict[str, float]:
        return {k: v / FEN_PER_CNY for k, v in attrs.asdict(self).items()}


@frozen
class PriceReport:
    """The operator's price path: a price per P is per dense FP16 P; money with or without VAT
    as `vat_included` says (`vat_stated`: whether the file says it, or it is the default)."""

    basis: str
    vat_included: bool
    vat_stated: bool
    anchor_date: dt.date
    annual_decline: float
    cny_per_pflops_year_at_anchor: float | None  # when the file gives a price per P-year
    cny_per_pflops_year_at_start: FrozenDict[str, float] = attrs.field(converter=freeze)  # by accelerator
    cny_per_pflops_year_at_end: FrozenDict[str, float] = attrs.field(converter=freeze)
    cny_per_accelerator_hour_at_start: FrozenDict[str, float] = attrs.field(converter=freeze)
    cny_per_accelerator_hour_at_end: FrozenDict[str, float] = attrs.field(converter=freeze)
    path: str | None = None  # the named market price path it follows ([price_paths]); None: annual_decline
    # The offer floor (a busy card's power and variable cost, sim.economics.pricing.marginal_cost_cny)
    # and the hours of the run whose quote fell below it (the card idled rather than sell), by type.
    marginal_cost_cny_per_accelerator_hour: FrozenDict[str, float] = attrs.field(converter=freeze, factory=dict)
    hours_below_marginal_cost: FrozenDict[str, float] = attrs.field(converter=freeze, factory=dict)


@frozen
class Capacity:
    racks: int  # built
    racks_in_use: int  # holding servers: the operator's, and tenants' racks under lease
    rack_power_kw: float
    standard_racks: float
    servers: int
    accelerators: int
    pflops_fp16_dense: float
    pflops_fp16_sparse: float
    pflops_as_stated_per_card: float | None = None  # accelerators x a claim's per-card figure, where stated
    pflops_as_stated_per_server: float | None = None  # servers x a claim's per-server figure, where stated


@frozen
class PowerOverload:
    site: str
    rack_group: str
    rack_power_kw: float
    servers_per_rack: int
    servers_per_rack_within_power: int
    server_power_kw: float
    needed_rack_power_kw: float


@frozen
class PowerCheck:
    enforce_power: bool
    rack_groups_over_budget: tuple[PowerOverload, ...]


@frozen
class CapacityReport:
    planned: Capacity
    at_horizon: Capacity
    planned_by_owner: FrozenDict[str, Capacity] = attrs.field(converter=freeze)
    standard_rack_kw: float
    power: PowerCheck


@frozen
class Utilisation:
    """Busy / commissioned accelerator-hours over the measured window (after the warm-up)."""

    overall: float
    operator: float
    third_party: float
    third_party_marketplace: float
    third_party_private: float
    third_party_opted_in_marketplace: float
    commissioned_accelerator_hours: float
    busy_accelerator_hours: float


@frozen
class Waits:
    """Hours from submission to first start; quantiles within one histogram bin (~5 %)."""

    jobs: int
    mean: float
    max: float
    p50: float
    p90: float
    p99: float


@frozen
class JobCounts:
    submitted: int
    balked: int
    rejected: int
    started: int
    completed: int
    abandoned: int
    preemptions: int
    preempted_lost: int


@frozen
class DemandOutcome:
    """Jobs, their dense P-hours (as offered: size x duration x the class's P per accelerator)
    and their worth at the quote in force at each job's arrival."""

    jobs: int
    pflops_hours: float
    value_fen: int
    value_cny: float


@frozen
class ClassDemand:
    """Where a class's demand went. Every offered job is accepted (started at least once),
    lost to price (went elsewhere at the quote), lost to waiting (abandoned, or never started
    by the horizon) or lost to no capacity (no pool it may use could ever hold it)."""

    offered: DemandOutcome
    accepted: DemandOutcome
    lost_to_price: DemandOutcome
    lost_to_waiting: DemandOutcome
    lost_to_no_capacity: DemandOutcome
    share_lost_to_price: float  # of offered P-hours
    share_lost_to_waiting: float
    share_lost_to_no_capacity: float
    billed_cny: float  # what it paid within the horizon: work done, at its quotes
    limited_by: str  # "capacity" or "demand" (see MarketReport.capacity_limited_above)


@frozen
class ClassResult:
    name: str
    tenant: str | None  # a tenant's own demand; None for marketplace clients
    demand_basis: str  # "absolute", or "follows capacity (what-if)" for an offered load
    pflops_dense_per_accelerator: float  # what one accelerator-hour of its work counts as, in P-hours
    counts: JobCounts
    accelerator_hours: float
    wait_hours: Waits
    waiting_at_horizon: Waits  # jobs never started by the horizon, and their waits so far
    demand: ClassDemand
    abandoned_wait_hours: Waits  # jobs whose patience ran out: their waits until they left
    joined_wait_hours: Waits  # every job that joined the queue: started, abandoned or waiting at the horizon

    @property
    def label(self) -> str:
        return class_label(self.tenant, self.name)


@frozen
class Jobs:
    total: JobCounts
    queued_at_horizon: int
    running_at_horizon: int
    waiting_at_horizon: Waits  # of jobs submitted after the warm-up and never started
    by_class: tuple[ClassResult, ...]


@frozen
class NamedMarket:
    """One [markets.<name>] and where the demand of the classes taking a share of it went."""

    name: str
    share_reaching_operator: float
    classes: tuple[str, ...]  # labels of the classes that take a share of it
    marketplace: ClassDemand  # its marketplace classes together
    tenants_own: ClassDemand  # its tenants' own classes together
    outside_price_cny_per_pflops_year_at_start: float | None  # None: no outside option in this market
    outside_price_cny_per_pflops_year_at_end: float | None


@frozen
class MarketReport:
    """Demand against what was sold. A class is capacity-limited when more than
    `capacity_limited_above` of its offered P-hours were lost to waiting or no capacity;
    demand-limited otherwise (what it lost, it lost to price or never asked for). The totals
    cover every class; the outside price is [market]'s, and each named market has its row."""

    capacity_limited_above: float
    marketplace: ClassDemand  # all marketplace classes together
    tenants_own: ClassDemand  # all tenants' own demand together
    capacity_limited_classes: tuple[str, ...]
    demand_limited_classes: tuple[str, ...]
    outside_price_cny_per_pflops_year_at_start: float | None  # competing centres, dense P; None: no outside option
    outside_price_cny_per_pflops_year_at_end: float | None
    # Only when the scenario has [markets.<name>]: one row each, in file order.
    by_market: tuple[NamedMarket, ...] | None = attrs.field(default=None, metadata={"optional": True})


@frozen
class QueueStats:
    mean_length: float  # time-average over the measured window
    arrival_rate_per_hour: float  # of jobs that joined (accepted their quote and could fit)
    measured_hours: float


@frozen
class PerPflopsYear:
    basis: str
    commissioned_pflops_years: float
    marketplace_sales: float
    operator_revenue: float
    operator_net: float
    annualised_operator_net_cny: float


@frozen
class SiteOwner:
    """One site's capacity of one owner class, its use and its money."""

    site: str
    owner_class: str  # "operator" or "third-party"
    planned: Capacity
    at_horizon: Capacity
    commissioned_accelerator_hours: float
    busy_accelerator_hours: float
    utilisation: float
    revenue: Money


@frozen
class SimulationStats:
    jobs: int
    events: int
    ledger_transactions: int
    version: str


@frozen
class Provenance:
    scenario_file: str
    scenario_sha256: str
    overrides: tuple[str, ...]
    seed: int
    package_version: str
    git_commit: str | None
    command: str


@frozen
class LeasedRacks:
    """Tenants' racks built and under lease: at the horizon, and as a share of rack-hours built
    over the run. `name`: a tenant, a site, or "all"."""

    name: str
    racks_built: int
    racks_leased: int
    share_at_horizon: float
    mean_share: float  # rack-hours leased / rack-hours built, start to horizon


@frozen
class TenantLeasing:
    tenant: str
    basis: str  # "follows demand", "fixed path (what-if)" or "every built rack (what-if)"
    rent_includes_power: str  # what power the rent covers, in words: "up to 20 kW a rack"
    racks: LeasedRacks
    kept_past_term: int  # most racks demand would have let go at a term's end, kept (never released)
    kept_from: dt.date | None


@frozen
class LeasingReport:
    """Tenants' leasing, an output when it follows demand; `check_share`, if the scenario gives
    one, is a reported rack-use rate to read it against (never an input)."""

    total: LeasedRacks
    by_site: tuple[LeasedRacks, ...]
    tenants: tuple[TenantLeasing, ...]
    check_share: float | None
    check_source: str


@frozen
class ContractReport:
    """Lease contracts against on-demand sales: money in fen and CNY, capacity in
    accelerator-hours over the whole horizon (warm-up included, as money is)."""

    classes: tuple[str, ...]
    signed: int
    started: int
    ended: int  # by the end of their terms or an early exit
    running_at_horizon: int
    contract_sales_operator_capacity_fen: int
    contract_sales_third_party_capacity_fen: int  # gross, before the intermediary fee
    take_or_pay_fen: int  # of those, paid for terms the lessees left early
    on_demand_sales_fen: int  # all other compute sales (marketplace classes)
    contract_sales_cny: float
    on_demand_sales_cny: float
    contract_accelerator_hours: float
    on_demand_accelerator_hours: float
    commissioned_accelerator_hours: float


@frozen
class FailureReport:
    """Server failures over the horizon. Availability: server-hours up over server-hours
    commissioned, of the server models that fail; configured: MTBF / (MTBF + MTTR), weighted
    by commissioned server-hours. Revenue lost: what the runs thrown away would have been
    charged (they are not)."""

    stopped_jobs: str
    configured_availability: float
    availability: float
    failures: int
    repairs: int
    servers_down_at_horizon: int
    jobs_stopped: int
    jobs_lost: int
    accelerator_hours_lost: float
    revenue_lost_fen: int
    revenue_lost_cny: float


@frozen
class TierReport:
    """One price tier over the run (sim/model/tiers.py), from running totals, warm-up included.
    Allocation: accelerator-hours held on the capacity the tier may use over that capacity's
    commissioned accelerator-hours (all work, and this tier's alone). Taken from on-demand: what
    jobs paid that chose this preemptible tier though they would have bought one that is not."""

    preemptible: bool
    jobs_chosen: int
    jobs_started: int
    jobs_completed: int
    jobs_killed: int
    jobs_from_on_demand: int
    accelerator_hours: float  # billed
    busy_accelerator_hours: float  # held, lost work and restart overheads included
    revenue_fen: int
    revenue_cny: float
    revenue_per_busy_accelerator_hour_cny: float
    revenue_from_on_demand_cny: float
    evictions: int
    evicted_jobs: int
    eviction_rate: float  # jobs evicted at least once / jobs started
    work_lost_accelerator_hours: float
    wait_hours_mean: float  # submission to first start, jobs that started
    capacity_accelerator_hours: float
    allocation_rate: float  # all work on the capacity it may use
    tier_allocation_rate: float  # its own jobs alone


@frozen
class SamplingInfo:
    """How a sampled run was simulated (sim/model/sampling.py): its money and utilisation are
    estimates for the whole horizon; its job counts and waits are those of the simulated days."""

    method: str
    windows_per_year: int
    window_days: int
    warmup_days: int
    lead_in_days: int
    windows: int
    simulated_days: float
    horizon_days: float
    days_per_simulated_day: float


@frozen
class FractionReport:
    """Shares of one card (sim/scheduling/fractional.py), over the whole horizon. Allocation
    rate: accelerator-hours allocated to jobs (a share counts pro rata) over those
    commissioned. Fragmentation at the horizon (Weng et al., ATC'23): the expected share of
    the free capacity that a job drawn from the run's joined jobs' shapes could not use."""

    allocation_rate: float
    busy_rate: float  # cards held, a shared card whole, over cards commissioned
    fractional_accelerator_hours: float
    shared_card_hours: float
    free_accelerators_at_horizon: float
    fragmented_accelerators_at_horizon: float
    fragmentation_rate_at_horizon: float
    # Sampled once a simulated day (a day with nothing free is left out), for the shapes
    # joined so far: its mean over the run.
    fragmentation_rate_daily_mean: float
    fragmentation_daily_samples: int


@frozen
class Summary:
    scenario: str
    description: str
    seed: int
    start_date: dt.date
    horizon_days: float
    end_date: dt.date
    warmup_days: float
    policy: Policy
    demand_basis: str  # over all classes: "absolute", "follows capacity (what-if)" or "mixed: ..."
    prices: PriceReport
    capacity: CapacityReport
    utilisation: Utilisation
    jobs: Jobs
    market: MarketReport
    wait_hours: Waits  # jobs that started
    abandoned_wait_hours: Waits  # jobs that left the queue when their patience ran out
    joined_wait_hours: Waits  # all who joined: the two above and those waiting at the horizon (so far)
    queue: QueueStats
    revenue: Money
    revenue_per_pflops_year_cny: PerPflopsYear
    by_site: tuple[SiteOwner, ...]
    simulation: SimulationStats
    provenance: Provenance | None = None
    # Sections a run has only when its scenario asks for them: left out of summary.json if None.
    contracts: ContractReport | None = attrs.field(default=None, metadata={"optional": True})
    failures: FailureReport | None = attrs.field(default=None, metadata={"optional": True})
    tiers: dict | None = attrs.field(default=None, metadata={"optional": True})  # name -> TierReport
    leasing: LeasingReport | None = attrs.field(default=None, metadata={"optional": True})
    fractions: FractionReport | None = attrs.field(default=None, metadata={"optional": True})
    services: dict | None = attrs.field(default=None, metadata={"optional": True})  # sim/simulation/services.py
    sampling: SamplingInfo | None = None  # only in a sampled run's summary.json


DAILY_MONEY = DAILY_LINES  # the statement's lines each daily row holds, as `<line>_cny`


@frozen
@add_fields(DAILY_LINES, "float", "_cny")
class DailyRow:
    """One simulated day (the last may be partial): means over the day, money for the day in CNY
    (a `<line>_cny` column per daily line of the money model, after these)."""

    day: int
    date: dt.date
    hours: float
    commissioned_accelerators: float
    busy_operator: float
    busy_third_party_marketplace: float
    busy_third_party_private: float
    utilisation: float
    queue_length_mean: float
    queued_at_close: int


@frozen
@add_fields(DAILY_LINES, "float", "_cny")
class SiteDailyRow:
    """One day of one site's capacity of one owner class (money columns as in DailyRow)."""

    day: int
    date: dt.date
    site: str
    owner_class: str
    commissioned_accelerators: float
    busy_accelerators: float
    utilisation: float


COLUMNS = tuple(f.name for f in attrs.fields(DailyRow))
SITE_COLUMNS = tuple(f.name for f in attrs.fields(SiteDailyRow))


def plain(obj):
    """A record tree as JSON-ready dicts and lists; a Money field `x` becomes `x_cny` and `x_fen`."""
    if isinstance(obj, Money):
        raise TypeError("Money is rendered by its parent")
    if attrs.has(type(obj)):
        out = {}
        for f in attrs.fields(type(obj)):
            v = getattr(obj, f.name)
            if v is None and f.metadata.get("optional"):
                continue
            if isinstance(v, Money):
                out[f"{f.name}_cny"] = v.cny()
                out[f"{f.name}_fen"] = attrs.asdict(v)
            else:
                out[f.name] = plain(v)
        return out
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [plain(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def flat(d: dict, prefix: str = "") -> dict:
    """Nested dicts as one level of dotted keys (lists are left out)."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat(v, key + "."))
        elif not isinstance(v, list):
            out[key] = v
    return out


@frozen
class RunResult:
    """One simulated run: the scenario as run, its summary (`summary_dict()` as summary.json
    holds it, but for the `claim` section sim.report.summary_of adds), its daily rows, all
    sites and by site (`daily_frame()`, `daily_by_site_frame()`), and for a sampled run how
    many days each row stands for."""

    scenario: Scenario
    summary: Summary
    daily: tuple[DailyRow, ...]
    daily_by_site: tuple[SiteDailyRow, ...]
    day_weights: tuple[float, ...] | None = None  # a sampled run: how many days each daily row stands for

    def __repr__(self) -> str:
        s = self.summary
        return (f"RunResult(scenario={self.scenario.name!r}, seed={self.scenario.seed}, "
                f"days={len(self.daily)}, operator_net_cny={s.revenue.operator_net / 100:,.2f})")

    def summary_dict(self) -> dict:
        """The summary as summary.json holds it (without its `claim` section: sim.report.summary_of)."""
        d = plain(self.summary)
        if d["sampling"] is None:  # a full run's summary is as it always was
            del d["sampling"]
        if d["prices"].get("path", 0) is None:  # as it always was without a named path
            del d["prices"]["path"]
        return d

    def summary_frame(self):
        """One row: every scalar of the summary under its dotted key (lists left out)."""
        import pandas as pd

        d = flat(self.summary_dict())
        return pd.DataFrame([d], columns=list(d))

    def by_site_frame(self):
        """One row per site and owner class: capacity, use and money (fen and CNY)."""
        import pandas as pd

        return pd.DataFrame([flat(plain(r)) for r in self.summary.by_site])

    def by_class_frame(self):
        """One row per client class: outcomes, work done and waits."""
        import pandas as pd

        return pd.DataFrame([flat(plain(c)) for c in self.summary.jobs.by_class])

    def daily_frame(self):
        """One row per day; `date` as datetime64."""
        return _frame(self.daily, COLUMNS)

    def daily_by_site_frame(self):
        """One row per day, site and owner class (long format); `date` as datetime64."""
        return _frame(self.daily_by_site, SITE_COLUMNS)


def _frame(rows, columns):
    import pandas as pd

    df = pd.DataFrame([attrs.astuple(r, recurse=False) for r in rows], columns=list(columns))
    df["date"] = pd.to_datetime(df["date"])
    return df
