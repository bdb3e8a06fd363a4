"""A run in representative periods (sim/model/sampling.py): the windows simulated back to
back with their state carried over, then the days put back on the calendar and weighted.

What changes against a full run:
- Simulated time is compressed: build-out steps and rate paths that fall in a gap between
  windows take effect at the start of the next window; prices are quoted at the real hour.
- Each simulated day's money is scaled by its window's weight (period / window), once per
  stream, in whole fen; warm-up days are dropped. Colocation rent does not depend on the
  jobs, so it is not sampled: each period's rent is computed for the real calendar and
  spread over its window's days.
- The summary's money, utilisation and capacity are estimates for the whole horizon; its job
  counts, waits and queue figures are those of the simulated days (summary.sampling says so).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

import attrs

from sim.economics.apportion import apportion
from sim.economics.pricing import price_model
from sim.experiment.recorder import month_hours, month_starts, owner_class
from sim.experiment.results import (
    DailyRow,
    Money,
    PerPflopsYear,
    SamplingInfo,
    SiteDailyRow,
    Utilisation,
)
from sim.experiment.run import Model
from sim.experiment.sections import leasing_report
from sim.experiment.summary import OUTSIDE, capacity, capacity_of, outside_prices, price_report
from sim.model.sampling import compressed
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR

SCALED = ("compute_sales_operator_capacity", "intermediary_fee", "tenant_payouts", "power_over_allowance",
          "electricity_cost")


class RealTimePrices:
    """The scenario's price model, quoted on the real calendar.

    A job carried from one window into the next stands for a job of the same age in the
    next period, so the quote it is billed at is the one of its age before the real hour of
    the billing, not that of the real hour it was submitted (a quarter of falling prices
    earlier). At arrival the two are the same."""

    def __init__(self, inner, time_map):
        self.inner = inner
        self.time_map = time_map
        self.fee_ppm = inner.fee_ppm
        self.env = None  # the run's SimPy environment, set once the model is built
        self.lo = self.hi = -1.0  # the segment last used: (lo, hi] in simulated hours
        self.offset = 0.0  # its real hour minus its simulated hour

    def quote_fen(self, accelerator: str, hour: float) -> float:
        # real(now) - (now - hour) = hour + the offset of the segment `now` is in (a seam
        # belongs to the segment before it: work up to it was done there).
        now = self.env.now
        if not self.lo < now <= self.hi:
            self.lo, self.hi, self.offset = self.time_map.segment_before(now)
        return self.inner.quote_fen(accelerator, max(0.0, hour + self.offset))

    def real_hour(self, hour: float) -> float:
        """The real hour of a simulated one in the segment the run is in now (the outside
        price is read there, as the quote is)."""
        now = self.env.now
        if not self.lo < now <= self.hi:
            self.lo, self.hi, self.offset = self.time_map.segment_before(now)
        return max(0.0, hour + self.offset)


def bill_at_seam(sched, now: float) -> None:
    """Bill every running job for its hours so far and go on from here, so that work is
    charged in the window where it was done. A full run charges a job once, at its end; in a
    sampled run a lease of a month spans many windows, i.e. years of the calendar, and would
    be booked years late. Only the billing moves: the run keeps its start and length, so a
    job preempted and requeued later restarts whole, as in a full run."""
    for pool in sched.cluster.pools:
        for job in pool.running.values():
            hours = now - job.billed_to_h
            if hours > 0:
                sched.bill(job, hours)
                job.billed_to_h = now


class PeriodRent:
    """Colocation rent by site for real hours [p0, p1): kW online x the tenant's monthly rate x
    the share of each calendar month, as the monthly bills of a full run charge it.

    Built once per run: per site, the build-out steps (hour, CNY per month they add) sorted with
    prefix sums, so a month's rent is two bisections, not a pass over every daily ramp step."""

    def __init__(self, scenario):
        bounds = [0.0, *month_starts(scenario.start_date, scenario.horizon_hours), scenario.horizon_hours]
        self.months = [(a, b, month_hours(scenario.start_date, a)) for a, b in zip(bounds, bounds[1:])]
        rates = {t.name: t.colocation_cny_per_kw_month for t in scenario.tenants}
        self.sites = {}
        for site in scenario.sites:
            steps = sorted((max(t, 0.0), n * g.power_kw * rates[g.owner])
                           for g in site.rack_groups if g.owner in rates for t, n in g.online)
            times = [t for t, _ in steps]
            cum = list(itertools.accumulate((c for _, c in steps), initial=0.0))
            cum_t = list(itertools.accumulate((c * t for t, c in steps), initial=0.0))
            self.sites[site.name] = (times, cum, cum_t)

    def _month_cny(self, site, lo: float, hi: float) -> float:
        """The integral over [lo, hi) of the CNY per month online: steps before lo count whole,
        steps inside from their hour."""
        times, cum, cum_t = self.sites[site]
        i, j = bisect.bisect_right(times, lo), bisect.bisect_left(times, hi)
        return cum[i] * (hi - lo) + (cum[j] - cum[i]) * hi - (cum_t[j] - cum_t[i])

    def __call__(self, p0: float, p1: float) -> dict[str, int]:
        months = [(max(a, p0), min(b, p1), length) for a, b, length in self.months if b > p0 and a < p1]
        return {site: round(sum(self._month_cny(site, lo, hi) / length for lo, hi, length in months) * FEN_PER_CNY)
                for site in self.sites}


def _fen(cny: float) -> int:
    return round(cny * FEN_PER_CNY)


def _money_cny(own: int, fee: int, payouts: int, rent: int, over: int, power: int) -> dict[str, float]:
    return {
        "compute_sales_operator_capacity_cny": own / FEN_PER_CNY,
        "compute_sales_third_party_capacity_cny": (fee + payouts) / FEN_PER_CNY,
        "intermediary_fee_cny": fee / FEN_PER_CNY,
        "tenant_payouts_cny": payouts / FEN_PER_CNY,
        "colocation_rent_cny": rent / FEN_PER_CNY,
        "power_over_allowance_cny": over / FEN_PER_CNY,
        "electricity_cost_cny": power / FEN_PER_CNY,
        "operator_net_cny": (own + fee + rent + over - power) / FEN_PER_CNY,
    }


def _statement(own: int, fee: int, payouts: int, rent: int, over: int, power: int) -> Money:
    return Money(compute_sales_operator_capacity=own, compute_sales_third_party_capacity=fee + payouts,
                 intermediary_fee=fee, tenant_payouts=payouts, colocation_rent=rent, power_over_allowance=over,
                 electricity_cost=power, operator_revenue=own + fee + rent + over,
                 operator_net=own + fee + rent + over - power)


def run_sampled(scenario, *, ledger_sink=None, trace=None, progress=None, argv=None):
    from sim.experiment.results import RunResult

    sim_scenario, tm = compressed(scenario, scenario.sampling)
    real_h, sim_h = scenario.horizon_hours, tm.sim_horizon_h
    on_day = None
    if progress is not None:
        def on_day(now_h, horizon_h):  # noqa: E306  progress in real days, as a full run reports it
            progress(now_h / sim_h * real_h, real_h)
    prices = RealTimePrices(price_model(scenario.pricing), tm)
    model = Model(sim_scenario, ledger_sink, trace, on_day=on_day, prices=prices)
    prices.env = model.env
    for seg in tm.segments[1:]:
        # Scheduled before the run, so it comes before the day that closes at the same hour.
        model.clock.at(seg.sim_h, lambda _: bill_at_seam(model.sched, model.env.now))
    raw = model.run(argv)

    # Days: where each lies in the calendar, its weight, and its rent (per site).
    starts, t = [], 0.0
    for r in raw.daily:
        starts.append(t)
        t += r.hours
    segments = [tm.segment_at(s + 1e-9) for s in starts]
    rent_by_segment = {}
    period_rent_fen = PeriodRent(scenario)
    for k, seg in enumerate(tm.segments):
        if seg.weight == 0.0:
            continue
        days = [i for i, s in enumerate(segments) if s is seg]
        per_site = period_rent_fen(seg.period_start_h, seg.period_end_h)
        rent_by_segment[k] = {site: dict(zip(days, apportion(fen, [raw.daily[i].hours for i in days])))
                              for site, fen in per_site.items()}
    index = {id(seg): k for k, seg in enumerate(tm.segments)}
    site_rows_by_day: dict[int, list] = {}
    for r in raw.daily_by_site:
        site_rows_by_day.setdefault(r.day, []).append(r)

    daily, by_site, weights = [], [], []
    totals: dict[tuple[str, str], list[int]] = {}  # (site, owner class) -> own, fee, payouts, rent, over allowance, power
    hours: dict[tuple[str, str], list[float]] = {}  # -> weighted commissioned, busy accelerator-hours
    for i, row in enumerate(raw.daily):
        seg = segments[i]
        w = seg.weight
        if w == 0.0:
            continue  # a warm-up day stands for nothing
        real_start = seg.real_h + (starts[i] - seg.sim_h)
        date = scenario.start_date + dt.timedelta(hours=real_start)
        day = len(daily)
        sums = [0] * 6
        for r in site_rows_by_day.get(row.day, ()):
            own, fee, payouts, over, power = (round(_fen(getattr(r, f"{k}_cny")) * w) for k in SCALED)
            rent = rent_by_segment[index[id(seg)]][r.site][i] if r.owner_class == "third-party" else 0
            parts = (own, fee, payouts, rent, over, power)
            key = (r.site, r.owner_class)
            totals[key] = [a + b for a, b in zip(totals.get(key, [0] * 6), parts)]
            h = hours.setdefault(key, [0.0, 0.0])
            h[0] += w * r.commissioned_accelerators * row.hours
            h[1] += w * r.busy_accelerators * row.hours
            sums = [a + b for a, b in zip(sums, parts)]
            by_site.append(attrs.evolve(r, day=day, date=date, **_money_cny(*parts)))
        daily.append(attrs.evolve(row, day=day, date=date, **_money_cny(*sums)))
        weights.append(w)

    summary = _summary(scenario, raw, model, tm, totals, hours, daily, weights)
    return RunResult(scenario, summary, tuple(daily), tuple(by_site), tuple(weights))


def _summary(scenario, raw, model, tm, totals, hours, daily, weights):
    s = raw.summary
    real_h = scenario.horizon_hours
    std = scenario.standard_rack_kw
    all_parts = [sum(v[j] for v in totals.values()) for j in range(6)]
    by_site = []
    for r in s.by_site:
        key = (r.site, r.owner_class)
        groups = [g for site in scenario.sites if site.name == r.site for g in site.rack_groups
                  if owner_class(g.owner) == r.owner_class]
        c, b = hours.get(key, (0.0, 0.0))
        by_site.append(attrs.evolve(
            r, planned=capacity_of(groups, std), at_horizon=capacity_of(groups, std, real_h),
            commissioned_accelerator_hours=round(c, 6), busy_accelerator_hours=round(b, 6),
            utilisation=round(b / c, 6) if c else 0.0, revenue=_statement(*totals.get(key, [0] * 6))))
    # Utilisation from the weighted days (the opted-in share is the simulated days').
    comm = sum(w * d.commissioned_accelerators * d.hours for w, d in zip(weights, daily))
    op = sum(w * d.busy_operator * d.hours for w, d in zip(weights, daily))
    market = sum(w * d.busy_third_party_marketplace * d.hours for w, d in zip(weights, daily))
    private = sum(w * d.busy_third_party_private * d.hours for w, d in zip(weights, daily))
    op_comm = sum(h[0] for (_, oc), h in hours.items() if oc == "operator")
    tp_comm = comm - op_comm

    def share(x, y):
        return round(x / y, 6) if y else 0.0

    u = s.utilisation
    utilisation = Utilisation(
        overall=share(op + market + private, comm), operator=share(op, op_comm),
        third_party=share(market + private, tp_comm), third_party_marketplace=share(market, tp_comm),
        third_party_private=share(private, tp_comm), third_party_opted_in_marketplace=u.third_party_opted_in_marketplace,
        commissioned_accelerator_hours=round(comm, 6), busy_accelerator_hours=round(op + market + private, 6))
    money = _statement(*all_parts)
    per = s.revenue_per_pflops_year_cny
    sim_comm = s.utilisation.commissioned_accelerator_hours
    p_years = per.commissioned_pflops_years * (comm / sim_comm) if sim_comm else 0.0
    years = real_h / HOURS_PER_YEAR

    def per_p(fen):
        return round(fen / FEN_PER_CNY / p_years, 2) if p_years else 0.0

    sales = money.compute_sales_operator_capacity + money.compute_sales_third_party_capacity
    revenue_per_p = PerPflopsYear(
        basis=per.basis, commissioned_pflops_years=round(p_years, 6), marketplace_sales=per_p(sales),
        operator_revenue=per_p(money.operator_revenue), operator_net=per_p(money.operator_net),
        annualised_operator_net_cny=round(money.operator_net / FEN_PER_CNY / years, 2) if years else 0.0)
    sampling = scenario.sampling
    simulated_days = sum(d.hours for d in daily) / HOURS_PER_DAY
    info = SamplingInfo(
        method=sampling.describe(), windows_per_year=sampling.windows_per_year, window_days=sampling.window_days,
        warmup_days=sampling.warmup_days, lead_in_days=sampling.lead_in_days, windows=sum(1 for seg in tm.segments if seg.weight),
        simulated_days=round(tm.sim_horizon_h / HOURS_PER_DAY, 6), horizon_days=round(real_h / HOURS_PER_DAY, 6),
        days_per_simulated_day=round(real_h / HOURS_PER_DAY / simulated_days, 6) if simulated_days else 0.0)
    return attrs.evolve(
        s, horizon_days=round(real_h / HOURS_PER_DAY, 6),
        end_date=scenario.start_date + dt.timedelta(hours=real_h), capacity=capacity(scenario, real_h),
        utilisation=utilisation, revenue=money, revenue_per_pflops_year_cny=revenue_per_p, by_site=tuple(by_site),
        market=_outside_at_real_horizon(s.market, scenario), sampling=info, leasing=leasing_report(scenario, real_h),
        prices=price_report(scenario, model.prices.inner.quote_fen, real_h))  # the real calendar's, not the quote of "now"


def _outside_at_real_horizon(report, scenario):
    """The market section with its outside prices at the real horizon, not the simulated one."""
    def at(market):
        return dict(zip(OUTSIDE, outside_prices(market, scenario.horizon_hours)))

    rows = report.by_market and tuple(attrs.evolve(r, **at(scenario.markets[r.name])) for r in report.by_market)
    return attrs.evolve(report, **at(scenario.market), by_market=rows)


