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
from sim.economics.money import BY_NAME, SAMPLED_BY_PERIOD, SAMPLED_SCALED, zero
from sim.economics.money import lines as money_lines
from sim.economics.money import sales as compute_sales
from sim.simulation.recorder import month_hours, month_starts, owner_class
from sim.simulation.results import (
    DAILY_MONEY,
    DailyRow,
    Money,
    PerPflopsYear,
    RunResult,
    SamplingInfo,
    SiteDailyRow,
    Utilisation,
)
from sim.simulation.sections import leasing_report
from sim.simulation.summary import OUTSIDE, capacity, capacity_of, outside_prices, price_report
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR
from sim.workload.windows import compressed

COLOCATION_RENT = "colocation_rent"  # worked out by period: rent does not depend on the jobs
if set(SAMPLED_BY_PERIOD) - {COLOCATION_RENT}:  # a stream the model says is BY_PERIOD needs its amount here
    raise NotImplementedError(f"sampled runs do not work out {sorted(set(SAMPLED_BY_PERIOD) - {COLOCATION_RENT})} "
                              "by period")

# The streams scaled by a window's weight, as (name, daily column); the others (BY_PERIOD) are
# worked out for each period in `run_sampled`.
SCALED = tuple((k, f"{k}_cny") for k in SAMPLED_SCALED)


class PeriodRent:
    """Colocation rent by site for real hours [p0, p1): kW online x the tenant's monthly rate x
    the share of each calendar month, as the monthly bills of a full run charge it.

    Built once per run: per site, the build-out steps (hour, CNY per month they add) sorted with
    prefix sums, so a month's rent is two bisections, not a pass over every daily ramp step."""

    def __init__(self, scenario):
        bounds = [0.0, *month_starts(scenario.start_date, scenario.horizon_hours), scenario.horizon_hours]
        self.months = [(a, b, month_hours(scenario.start_date, a)) for a, b in itertools.pairwise(bounds)]
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


def _money_cny(parts: dict[str, int]) -> dict[str, float]:
    """A day's money columns from its streams' fen."""
    return {f"{k}_cny": v / FEN_PER_CNY for k, v in money_lines(parts).items() if k in DAILY_MONEY}


def _statement(parts: dict[str, int]) -> Money:
    return Money(**money_lines(parts))


def _add(into: dict[str, int], parts: dict[str, int]) -> None:
    for k, v in parts.items():
        into[k] += v


def run_sampled(scenario, model_class, *, ledger_sink=None, trace=None, progress=None, argv=None):
    """`model_class`: the one-run model (sim.simulation.run.Model), handed in by `run`, which
    imports this module (the windows are that model run on compressed time)."""
    sim_scenario, tm = compressed(scenario, scenario.sampling)
    real_h, sim_h = scenario.horizon_hours, tm.sim_horizon_h
    on_day = None
    if progress is not None:
        def on_day(now_h, horizon_h):  # noqa: E306  progress in real days, as a full run reports it
            progress(now_h / sim_h * real_h, real_h)
    # Prices quoted at the real hour, running work billed at each seam (Model, time_map).
    model = model_class(sim_scenario, ledger_sink, trace, on_day=on_day, time_map=tm)
    raw = model.run(argv)

    # Days: where each lies in the calendar, its weight, and its rent (per site).
    starts, t = [], 0.0
    for d in raw.daily:
        starts.append(t)
        t += d.hours
    segments = [tm.segment_at(s + 1e-9) for s in starts]
    rent_by_segment = {}
    period_rent_fen = PeriodRent(scenario)
    for k, seg in enumerate(tm.segments):
        if seg.weight == 0.0:
            continue
        days = [i for i, s in enumerate(segments) if s is seg]
        per_site = period_rent_fen(seg.period_start_h, seg.period_end_h)
        rent_by_segment[k] = {site: dict(zip(days, apportion(fen, [raw.daily[i].hours for i in days]), strict=True))
                              for site, fen in per_site.items()}
    index = {id(seg): k for k, seg in enumerate(tm.segments)}
    site_rows_by_day: dict[int, list] = {}
    for r in raw.daily_by_site:
        site_rows_by_day.setdefault(r.day, []).append(r)

    # Each stream worked out by period: fen by segment, site and day (its side's rows only).
    by_period = {COLOCATION_RENT: rent_by_segment}
    period_sides = [(k, BY_NAME[k].side, by_period[k]) for k in SAMPLED_BY_PERIOD]
    daily: list[DailyRow] = []
    by_site: list[SiteDailyRow] = []
    weights: list[float] = []
    totals: dict[tuple[str, str], dict[str, int]] = {}  # (site, owner class) -> fen by stream
    hours: dict[tuple[str, str], list[float]] = {}  # -> weighted commissioned, busy accelerator-hours
    for i, row in enumerate(raw.daily):
        seg = segments[i]
        w = seg.weight
        if w == 0.0:
            continue  # a warm-up day stands for nothing
        real_start = seg.real_h + (starts[i] - seg.sim_h)
        date = scenario.start_date + dt.timedelta(hours=real_start)
        day = len(daily)
        sums = zero()
        k_seg = index[id(seg)]
        for r in site_rows_by_day.get(row.day, ()):
            parts = {name: round(_fen(getattr(r, col)) * w) for name, col in SCALED}
            for name, side, fen in period_sides:
                parts[name] = fen[k_seg][r.site][i] if r.owner_class == side else 0
            key = (r.site, r.owner_class)
            _add(totals.setdefault(key, zero()), parts)
            h = hours.setdefault(key, [0.0, 0.0])
            h[0] += w * r.commissioned_accelerators * row.hours
            h[1] += w * r.busy_accelerators * row.hours
            _add(sums, parts)
            by_site.append(attrs.evolve(r, day=day, date=date, **_money_cny(parts)))
        daily.append(attrs.evolve(row, day=day, date=date, **_money_cny(sums)))
        weights.append(w)

    summary = _summary(scenario, raw, model, tm, totals, hours, daily, weights)
    return RunResult(scenario, summary, tuple(daily), tuple(by_site), tuple(weights))


def _summary(scenario, raw, model, tm, totals, hours, daily, weights):
    s = raw.summary
    real_h = scenario.horizon_hours
    std = scenario.standard_rack_kw
    all_parts = zero()
    for v in totals.values():
        _add(all_parts, v)
    by_site = []
    for r in s.by_site:
        key = (r.site, r.owner_class)
        groups = [g for site in scenario.sites if site.name == r.site for g in site.rack_groups
                  if owner_class(g.owner) == r.owner_class]
        c, b = hours.get(key, (0.0, 0.0))
        by_site.append(attrs.evolve(
            r, planned=capacity_of(groups, std), at_horizon=capacity_of(groups, std, real_h),
            commissioned_accelerator_hours=round(c, 6), busy_accelerator_hours=round(b, 6),
            utilisation=round(b / c, 6) if c else 0.0, revenue=_statement(totals.get(key, zero()))))
    # Utilisation from the weighted days (the opted-in share is the simulated days').
    comm = sum(w * d.commissioned_accelerators * d.hours for w, d in zip(weights, daily, strict=True))
    op = sum(w * d.busy_operator * d.hours for w, d in zip(weights, daily, strict=True))
    market = sum(w * d.busy_third_party_marketplace * d.hours for w, d in zip(weights, daily, strict=True))
    private = sum(w * d.busy_third_party_private * d.hours for w, d in zip(weights, daily, strict=True))
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
    money = _statement(all_parts)
    per = s.revenue_per_pflops_year_cny
    sim_comm = s.utilisation.commissioned_accelerator_hours
    p_years = per.commissioned_pflops_years * (comm / sim_comm) if sim_comm else 0.0
    years = real_h / HOURS_PER_YEAR

    def per_p(fen):
        return round(fen / FEN_PER_CNY / p_years, 2) if p_years else 0.0

    sales = compute_sales(money_lines(all_parts))
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
        return dict(zip(OUTSIDE, outside_prices(market, scenario.horizon_hours), strict=True))

    rows = report.by_market and tuple(attrs.evolve(r, **at(scenario.markets[r.name])) for r in report.by_market)
    return attrs.evolve(report, **at(scenario.market), by_market=rows)


