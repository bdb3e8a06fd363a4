"""What a run may be asked to do: bounds that keep every number finite and a run within
the memory and minutes of CPU of one machine (about 24 GiB here).

These are not model assumptions (those live in scenario files) but the simulator's own
range. The README's scenario-format section lists them; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import math

# --- time ---------------------------------------------------------------------------------
MIN_HORIZON_DAYS = 1 / 24  # one hour: rates per hour and per-day rows divide by the horizon
MAX_HORIZON_DAYS = 36500  # 100 years
# Start and end dates: matplotlib draws dates only within years 1-9999, and pads a plot's
# axis beyond its data; 1900-2999 leaves centuries of room on both sides.
FIRST_START = dt.date(1900, 1, 1)
LAST_END = dt.date(2999, 12, 31)
MIN_DURATION_HOURS = 1 / 3600  # one second: job durations and patience
# Divisors of the summary: a P count per P-year, a power per standard rack.
MIN_PFLOPS = 1e-6  # per accelerator: one GFLOPS, far below any real one
MIN_STANDARD_RACK_KW = 1e-3  # one watt
MAX_PRICE_CNY = 1e15  # a price path anchored after the start must not run away before it
# Colocation rent: real rents are hundreds to a few thousand CNY per kW-month; a hundred
# thousand is a per-MW or per-year figure written per kW-month. (Rent is billed exactly in
# fen at any size: sim.economics.costs.Colocation.)
MAX_RENT_CNY_PER_KW_MONTH = 100_000
SEED_RANGE = (0, 2**63 - 1)  # any non-negative 64-bit integer seeds numpy's SeedSequence

# --- work budget (raise MAX_JOBS and MAX_SERVERS on purpose with [scenario] max_jobs,
# max_servers). The model runs about 100,000 jobs/s and holds about 400 bytes per waiting
# job and 60-100 bytes per server: 20 M jobs is 3-4 minutes of CPU and at most ~8 GB if every
# job waited; 20 M servers ~2 GB. Qingyang over 20 years is about 1 M jobs (12 M when its
# demand followed its capacity).
MAX_JOBS = 20_000_000  # expected arrivals over the horizon, all classes together
MAX_SERVERS = 20_000_000  # servers planned, all rack groups together
# Server failures (raise on purpose with [scenario] max_failure_events). A failure and its
# repair are two events of about 12 us each (~42,000 failures/s measured, a pool's up servers
# redrawn at each): 20 M events is about 4 minutes, as many as the jobs' budget. Counted as
# their expected number over the horizon: see sim.scenario.budget.failure_events.
MAX_FAILURE_EVENTS = 20_000_000  # failures and repairs, all servers together
# A mean time between failures under an hour, or a repair under a minute, is no server in
# service (real accelerator servers fail every few thousand hours, and a repair is at least a
# restart): most likely minutes or seconds written as hours. Refused rather than simulated.
MIN_MTBF_HOURS = 1.0
MIN_MTTR_HOURS = 1 / 60
# Daily rows and postings: every day closes one row for the run and one per site and owner
# class, all held until the results are written (~550 bytes each, ~35,000 a second measured),
# and posts electricity per site and owner and power over allowance per site and tenant
# (~120,000 postings a second). 5 M rows is ~3 GB and ~2.5 minutes; 20 M postings ~3 minutes,
# held as running sums (no memory). [scenario] max_daily_rows raises both in proportion.
MAX_DAILY_ROWS = 5_000_000  # days x (1 + sites' owner classes)
MAX_LEDGER_POSTINGS = 20_000_000  # days x (site-owner + site-tenant meters) + months x tenants' sites
# Counts a command takes (--reps, --max-evals, a sweep's points and samples): runs queued by
# one command. Each spec is held until its run is done, and even one-second runs would take
# twelve days of one core: a typo in a count should not queue a year of work.
MAX_RUNS = 1_000_000
# Worker processes (--workers): each holds a copy of the simulator and its run, ~250 MB, so
# 256 of them is 64 GB, more than any one machine this targets; beyond the runs, they idle.
MAX_WORKERS = 256
# Structural limits, fixed: each costs work at load time whatever the horizon.
MAX_BUILD_STEPS = 1_000_000  # one per tranche and one per day of a ramp, all rack groups together
MAX_CLIENT_CLASSES = 1_000  # each holds a few seeded streams drawn in blocks (~0.4 MB)
MAX_RATE_POINTS = 2_000_000  # offered-load classes x build-out steps: ~1 s and ~250 MB at the start of a run

SCENARIO = "scenario"


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def run_problems(seed, horizon_days, start_date: dt.date | None) -> list[str]:
    """Problems with a run's seed, horizon (days) and start date, as `scenario.key: problem`
    lines; empty if none. A None argument is not checked (its own check failed already)."""
    out = []
    if seed is not None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            out.append(f"{SCENARIO}.seed: must be an integer, got {seed!r}")
        elif not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            out.append(f"{SCENARIO}.seed: must be between {SEED_RANGE[0]} and {SEED_RANGE[1]}, got {seed!r}")
    start = start_date  # None when there is none to check the horizon against
    if start is not None and not FIRST_START <= start <= LAST_END:
        out.append(f"{SCENARIO}.start_date: must be between {FIRST_START} and {LAST_END}, got {start_date}")
        start = None
    if horizon_days is None:
        return out
    h = f"{SCENARIO}.horizon_days"
    if not _number(horizon_days) or not math.isfinite(horizon_days):
        out.append(f"{h}: must be a finite number, got {horizon_days!r}")
    elif horizon_days <= 0:
        out.append(f"{h}: must be > 0, got {horizon_days!r}")
    elif horizon_days < MIN_HORIZON_DAYS:
        out.append(f"{h}: must be at least one hour (1/24 day), got {horizon_days!r}")
    elif horizon_days > MAX_HORIZON_DAYS:
        out.append(f"{h}: must be <= {MAX_HORIZON_DAYS}, got {horizon_days!r}")
    elif start is not None and (LAST_END - start).days < horizon_days:
        out.append(f"{h}: the run must end by {LAST_END}, got {horizon_days!r} days from {start_date}")
    return out
