"""Workloads beyond plain Poisson classes: replayed traces, shaped arrivals, more duration laws.

Each is a frozen record used as a client class's `arrivals` (what it means, its job stream
included, is its kind's: sim/workload/kinds.py KINDS by the record's type) or `duration`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from attrs import field, frozen

from sim.model.demand import ArrivalTimes, Duration, MarketShare, OfferedLoad, RatePath, Work, WorkPath


# --- durations ------------------------------------------------------------------------------
@frozen
class Weibull:
    scale_hours: float
    shape: float


@frozen
class Gamma:
    scale_hours: float
    shape: float


@frozen
class Mixture:
    """A duration drawn from one of `components`, chosen with probabilities `weights`."""

    weights: tuple[float, ...]
    components: tuple[Duration | Weibull | Gamma, ...]


# --- a replayed trace -----------------------------------------------------------------------
def _read_only(a) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


@frozen(eq=False)  # numpy arrays: compared by identity; a TraceReplay compares checksums
class TraceJobs:
    """The jobs of a trace file in submission order (ties in file order).

    Hours count from `origin`, midnight before the first submission, so that the hour of the
    day is kept; `period_h` is the whole number of weeks that covers every submission, so a
    looped trace keeps both the hour of day and the day of week."""

    arrival_h: np.ndarray = field(converter=_read_only)  # float64
    size: np.ndarray = field(converter=_read_only)  # int64, accelerators
    duration_h: np.ndarray = field(converter=_read_only)  # float64
    origin: dt.datetime
    period_h: float
    # Per job, for a pod list (sim/workload/openb.py): its share of one card in milli-cards (0:
    # whole cards) and the accelerator types it may run on (() : any). None: whole cards, any type.
    milli: np.ndarray | None = field(default=None, converter=lambda a: None if a is None else _read_only(a))
    models: tuple[tuple[str, ...], ...] | None = None
    skipped: int = 0  # rows left out (a pod list's pods of no GPU)

    @property
    def accelerator_hours(self) -> float:
        size = self.size.astype(np.float64)
        if self.milli is not None:  # a share counts pro rata
            size = np.where(self.milli > 0, self.milli / 1000.0, size)
        return float(np.dot(size, self.duration_h))


@frozen
class TraceReplay:
    """Arrivals, sizes and durations from a trace file.

    `speedup` divides the trace's submission times (arrivals come that many times as fast;
    durations are kept). The job count is scaled by at most one of: `scale`, a fixed factor;
    `work`, so that the replay brings that many dense P-hours a year (absolute demand; with
    `market_share`, the share of [market] it was resolved from); `load`, so that the mean busy
    accelerators are `load` x the class's commissioned capacity, following it as it is built
    (the what-if: demand follows capacity). None: the trace as it is. `loop` repeats the
    trace every `jobs.period_h / speedup` hours."""

    path: str
    format: str
    sha256: str  # of the decompressed text: identifies `jobs`, which is left out of eq and hash
    jobs: TraceJobs = field(eq=False, repr=False)
    speedup: float = 1.0
    scale: float | None = None
    load: float | None = None
    loop: bool = False
    work: WorkPath | None = None
    market_share: float | None = None

    @property
    def follows_capacity(self) -> bool:
        return self.load is not None


# --- shaped arrivals for generated classes ------------------------------------------------
@frozen
class Bursts:
    """A two-state Markov-modulated Poisson process, normalised to the base rate on average.

    Busy spells take `busy_time_share` of the time and bring `busy_job_share` of the jobs;
    they last `mean_busy_hours` on average (exponentially distributed), quiet spells
    `mean_quiet_hours`."""

    busy_time_share: float
    busy_job_share: float
    mean_busy_hours: float

    @property
    def busy_multiplier(self) -> float:
        return self.busy_job_share / self.busy_time_share

    @property
    def quiet_multiplier(self) -> float:
        return (1.0 - self.busy_job_share) / (1.0 - self.busy_time_share)

    @property
    def mean_quiet_hours(self) -> float:
        return self.mean_busy_hours * (1.0 - self.busy_time_share) / self.busy_time_share


@frozen
class SizeBand:
    """Durations of the jobs whose size is in `sizes`."""

    sizes: tuple[int, ...]
    duration: Duration | Weibull | Gamma | Mixture


@frozen
class Shaped:
    """A generated class's arrivals, `base`, reshaped: the rate times an hour-of-day and a
    day-of-week profile (each weights normalised to mean 1), optionally bursty; and
    durations that depend on the job's size (`durations`; sizes in no band use the class's
    own `duration`). On average the rate is the base rate."""

    base: RatePath | OfferedLoad | Work | MarketShare
    hour_of_day: tuple[float, ...] | None = None  # 24 weights, hour 0 = midnight
    day_of_week: tuple[float, ...] | None = None  # 7 weights, Monday first
    start_weekday: int = 0  # the scenario's start date, Monday = 0
    bursts: Bursts | None = None
    durations: tuple[SizeBand, ...] = ()

    @property
    def follows_capacity(self) -> bool:
        return getattr(self.base, "follows_capacity", False)


# --- lease contracts ------------------------------------------------------------------------
HOURS_PER_MONTH = 8760.0 / 12  # 730 h: a lease month is a twelfth of the 8,760-hour year


@frozen
class Lease:
    """Whole servers rented for terms of `term_months` at a price per server-month, fixed when
    the contract is signed.

    At the end of each term the contract renews with `renewal_probability`. In any term the
    lessee may leave early (`early_exit_probability`, at a uniformly random point of it); it
    then pays for at least `take_or_pay` of that term (take-or-pay), and its servers go back
    to the marketplace. `accelerators_per_server` is that of the servers the class may use
    (one size), set when the scenario is loaded."""

    term_months: float
    cny_per_server_month: float
    renewal_probability: float
    take_or_pay: float = 0.0
    early_exit_probability: float = 0.0
    accelerators_per_server: int = 0

    @property
    def term_hours(self) -> float:
        return self.term_months * HOURS_PER_MONTH

    @property
    def fen_per_accelerator_hour(self) -> float:
        return self.cny_per_server_month * 100 / (self.accelerators_per_server * HOURS_PER_MONTH)

    @property
    def mean_hours(self) -> float:
        """Expected length of a contract: terms go on with probability (1 - exit) x renewal; a
        term lasts the whole term, or half of it on average when the lessee leaves early."""
        go_on = (1.0 - self.early_exit_probability) * self.renewal_probability
        per_term = self.term_hours * (1.0 - self.early_exit_probability / 2)
        return per_term / (1.0 - go_on)


@frozen
class Contracts:
    """Lease contracts signed as `base` says (a rate, an offered load or given hours); each
    contract is a job of whole servers that lasts as its lease draws."""

    base: RatePath | OfferedLoad | ArrivalTimes
    lease: Lease

    @property
    def follows_capacity(self) -> bool:
        return getattr(self.base, "follows_capacity", False)
