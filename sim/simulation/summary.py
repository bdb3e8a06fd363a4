"""The run's results as records (sim/simulation/results.py), identical for identical inputs.

Nothing here depends on wall-clock time or the machine; timing goes elsewhere."""

from __future__ import annotations

import datetime as dt

from sim.economics.market import OutsidePath
from sim.economics.money import sales as compute_sales
from sim.economics.pricing import marginal_cost_cny
from sim.economics.statement import LINES, statement, statements
from sim.metrics import COUNTERS, LogHistogram
from sim.metrics.classes import DEMAND
from sim.model.demand import ABSOLUTE, FOLLOWS_CAPACITY, demand_basis
from sim.scheduling.pool import OPERATOR_POOL, SHARED_POOL
from sim.simulation.fractions import fraction_report
from sim.simulation.recorder import owner_class
from sim.simulation.results import (
    OWNER_CLASSES,
    Capacity,
    CapacityReport,
    ClassDemand,
    ClassResult,
    DemandOutcome,
    JobCounts,
    Jobs,
    MarketReport,
    Money,
    NamedMarket,
    PerPflopsYear,
    PowerCheck,
    PowerOverload,
    PriceReport,
    QueueStats,
    SimulationStats,
    SiteOwner,
    Summary,
    Utilisation,
    Waits,
)
from sim.simulation.sections import contract_report, failure_report, leasing_report, tier_report
from sim.simulation.services import service_report
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR
from sim.version import __version__


def _r(x: float, digits: int = 6) -> float:
    return float(round(x, digits))


def _share(busy: float, total: float) -> float:
    return _r(busy / total) if total else 0.0


def capacity_of(groups, standard_rack_kw: float, at=None) -> Capacity:
    """Racks and their power (built), and the servers, accelerators and P in the racks in use
    (built, and a tenant's under lease) of rack groups: all planned, or online at `at` h."""
    built = [(g, g.count if at is None else g.racks_built_at(at)) for g in groups]
    racks = [(g, g.racks_in_use if at is None else g.racks_online_at(at)) for g in groups]
    acc = [(g, n * g.servers_per_rack * g.server.accelerators_per_server) for g, n in racks]
    kw = sum(n * g.power_kw for g, n in built)
    stated = card = None
    if any(g.server.stated_pflops_per_server is not None for g in groups):
        # The claim's own per-server figure (rounded as it rounds), beside ours.
        stated = _r(sum(n * g.servers_per_rack * (g.server.stated_pflops_per_server or 0.0) for g, n in racks))
    if any(g.server.accelerator.stated_pflops is not None for g in groups):
        card = _r(sum(a * (g.server.accelerator.stated_pflops or 0.0) for g, a in acc))
    return Capacity(
        racks=sum(n for _, n in built),
        racks_in_use=sum(n for _, n in racks),
        rack_power_kw=_r(kw),
        standard_racks=_r(kw / standard_rack_kw),
        servers=sum(n * g.servers_per_rack for g, n in racks),
        accelerators=sum(a for _, a in acc),
        pflops_fp16_dense=_r(sum(a * g.server.accelerator.pflops_fp16_dense for g, a in acc)),
        pflops_fp16_sparse=_r(sum(a * g.server.accelerator.pflops_fp16_sparse for g, a in acc)),
        pflops_as_stated_per_card=card,
        pflops_as_stated_per_server=stated,
    )


def capacity(scenario, horizon_h: float) -> CapacityReport:
    groups = scenario.rack_groups
    std = scenario.standard_rack_kw
    owners: dict[str, list] = {}
    for g in groups:
        owners.setdefault(g.owner, []).append(g)
    return CapacityReport(
        planned=capacity_of(groups, std),
        at_horizon=capacity_of(groups, std, horizon_h),
        planned_by_owner={o: capacity_of(gs, std) for o, gs in owners.items()},
        standard_rack_kw=std,
        power=PowerCheck(scenario.enforce_power, tuple(
            PowerOverload(g.site, g.name, g.power_kw, g.servers_per_rack, g.servers_per_rack_within_power,
                          g.server.power_kw, _r(g.servers_per_rack * g.server.power_kw))
            for g in groups if g.over_power_budget
        )),
    )


class Areas:
    """Accelerator-hours of each pool over the measured window (after the warm-up)."""

    def __init__(self, pools, warm: dict):
        self.by_pool = {}
        for p in pools:
            m0, p0, s0 = warm[p.id]
            self.by_pool[p.id] = ((p.area_servers - s0) * p.A, p.area_busy_market - m0, p.area_busy_private - p0)

    def of(self, pools) -> tuple[float, float, float]:
        """(commissioned, marketplace-busy, tenant-busy) accelerator-hours of `pools`."""
        rows = [self.by_pool[p.id] for p in pools]
        return sum(r[0] for r in rows), sum(r[1] for r in rows), sum(r[2] for r in rows)


def utilisation(pools, areas: Areas) -> Utilisation:
    all_ = areas.of(pools)
    op = areas.of([p for p in pools if p.kind == OPERATOR_POOL])
    tp = areas.of([p for p in pools if p.kind != OPERATOR_POOL])
    shared = areas.of([p for p in pools if p.kind == SHARED_POOL])
    return Utilisation(
        overall=_share(all_[1] + all_[2], all_[0]),
        operator=_share(op[1], op[0]),
        third_party=_share(tp[1] + tp[2], tp[0]),
        third_party_marketplace=_share(tp[1], tp[0]),
        third_party_private=_share(tp[2], tp[0]),
        third_party_opted_in_marketplace=_share(shared[1], shared[0]),
        commissioned_accelerator_hours=_r(all_[0]),
        busy_accelerator_hours=_r(all_[1] + all_[2]),
    )


def waits(hist: LogHistogram) -> Waits:
    return Waits(jobs=hist.n, mean=_r(hist.mean), max=_r(hist.max), p50=_r(hist.quantile(0.5)),
                 p90=_r(hist.quantile(0.9)), p99=_r(hist.quantile(0.99)))


def merged(hists) -> LogHistogram:
    h = LogHistogram()
    for x in hists:
        h.merge(x)
    return h


def joined(st) -> LogHistogram:
    """Time in the queue before a first start of every job that joined it after the warm-up:
    to its start, to its abandonment, or (waiting at the horizon) so far. Its mean is the W of
    Little's law for the queue's mean length and arrival rate."""
    return merged((st.waits, st.abandoned_waits, st.waiting_at_horizon))


# A definition, not an assumption: a class is capacity-limited when more than this share of
# its offered P-hours were lost to waiting or to no capacity.
CAPACITY_LIMITED_ABOVE = 0.05


def outcome(jobs: int, pflops_hours: float, fen: float) -> DemandOutcome:
    fen = round(fen) if jobs else 0
    return DemandOutcome(jobs=jobs, pflops_hours=_r(pflops_hours) if jobs else 0.0, value_fen=fen,
                         value_cny=fen / FEN_PER_CNY)


def class_demand(stats, billed_fen: int) -> ClassDemand:
    """Where the demand of one class (or several: `stats` a list of ClassStats) went."""
    def total(k):
        return sum(getattr(st, k) for st in stats)

    offered = total("submitted")
    price, capacity, accepted = total("balked"), total("rejected"), total("started")
    waiting = offered - price - capacity - accepted
    parts = {k: (total(f"{k}_pflops_hours"), total(f"{k}_fen")) for k in DEMAND}
    # Lost to waiting is what is left; with no such job it is exactly nothing.
    left = [max(0.0, parts["offered"][i] - parts["lost_to_price"][i] - parts["lost_to_no_capacity"][i]
                - parts["accepted"][i]) if waiting else 0.0 for i in (0, 1)]
    p_offered = parts["offered"][0]

    def share(p):
        return _r(p / p_offered) if p_offered else 0.0

    lost_to_capacity = left[0] + parts["lost_to_no_capacity"][0]
    return ClassDemand(
        offered=outcome(offered, *parts["offered"]),
        accepted=outcome(accepted, *parts["accepted"]),
        lost_to_price=outcome(price, *parts["lost_to_price"]),
        lost_to_waiting=outcome(waiting, *left),
        lost_to_no_capacity=outcome(capacity, *parts["lost_to_no_capacity"]),
        share_lost_to_price=share(parts["lost_to_price"][0]),
        share_lost_to_waiting=share(left[0]),
        share_lost_to_no_capacity=share(parts["lost_to_no_capacity"][0]),
        billed_cny=billed_fen / FEN_PER_CNY,
        limited_by="capacity" if p_offered and lost_to_capacity > CAPACITY_LIMITED_ABOVE * p_offered else "demand",
    )


def billed(model) -> list[int]:
    """Fen each class paid over the run (its client account's outflow)."""
    return [-model.ledger.balance(a) for a in model.billing.client_accounts]


def outside_prices(market, horizon_h: float) -> tuple[float | None, float | None]:
    """A market's outside price per dense P-year at the start and the horizon; Nones without one."""
    if market is None or market.outside is None:
        return None, None
    path = OutsidePath(market.outside)
    start, end = (_r(path.fen_per_pflops_hour(h) * HOURS_PER_YEAR / FEN_PER_CNY, 2) for h in (0.0, horizon_h))
    return start, end


def market(model, by_class) -> MarketReport:
    sc, sched = model.scenario, model.sched
    rows = list(zip(sc.clients, sched.classes, billed(model), strict=True))

    def demand(rows, private):
        return class_demand([st for c, st, _ in rows if c.is_private == private],
                            0 if private else sum(f for c, _, f in rows if not c.is_private))

    def of(name):
        return [r for r in rows if sc.market_of(r[0]) is sc.markets[name]]

    named = tuple(
        NamedMarket(name=name, share_reaching_operator=m.share_reaching_operator,
                    classes=tuple(c.label for c, _, _ in of(name)),
                    marketplace=demand(of(name), False), tenants_own=demand(of(name), True),
                    **dict(zip(OUTSIDE, outside_prices(m, model.horizon_h), strict=True)))
        for name, m in sc.markets.items()
    )
    return MarketReport(
        capacity_limited_above=CAPACITY_LIMITED_ABOVE,
        marketplace=demand(rows, False),
        tenants_own=demand(rows, True),
        capacity_limited_classes=tuple(c.label for c in by_class if c.demand.limited_by == "capacity"),
        demand_limited_classes=tuple(c.label for c in by_class if c.demand.limited_by == "demand"),
        **dict(zip(OUTSIDE, outside_prices(sc.market, model.horizon_h), strict=True)),
        by_market=named or None,
    )


OUTSIDE = ("outside_price_cny_per_pflops_year_at_start", "outside_price_cny_per_pflops_year_at_end")


def jobs(model) -> Jobs:
    sched = model.sched
    paid = billed(model)
    by_class = tuple(
        ClassResult(
            name=client.name, tenant=client.tenant, demand_basis=demand_basis(client.arrivals),
            pflops_dense_per_accelerator=_r(pflops, 9),
            counts=JobCounts(**{c: getattr(st, c) for c in COUNTERS}),
            accelerator_hours=_r(st.accelerator_hours),
            wait_hours=waits(st.waits),
            waiting_at_horizon=waits(st.waiting_at_horizon),
            demand=class_demand([st], fen),
            abandoned_wait_hours=waits(st.abandoned_waits),
            joined_wait_hours=waits(joined(st)),
        )
        for client, st, pflops, fen in zip(model.scenario.clients, sched.classes, model.pflops_dense, paid, strict=True)
    )
    total = JobCounts(**{c: sum(getattr(st, c) for st in sched.classes) for c in COUNTERS})
    return Jobs(total=total, queued_at_horizon=sched.queue.live, running_at_horizon=sched.running,
                waiting_at_horizon=waits(merged(st.waiting_at_horizon for st in sched.classes)),
                by_class=by_class)


def by_site(model, areas: Areas) -> tuple[SiteOwner, ...]:
    sc = model.scenario
    stmts = statements(model.ledger, lambda w: (w.site, owner_class(w.owner)))
    rows = []
    for site in sc.sites:
        for oc in OWNER_CLASSES:
            groups = [g for g in site.rack_groups if owner_class(g.owner) == oc]
            pools = [p for p in model.cluster.pools if p.site == site.name and owner_class(p.owner) == oc]
            if not groups:
                continue
            c, m, pr = areas.of(pools)
            rows.append(SiteOwner(
                site=site.name, owner_class=oc,
                planned=capacity_of(groups, sc.standard_rack_kw),
                at_horizon=capacity_of(groups, sc.standard_rack_kw, model.horizon_h),
                commissioned_accelerator_hours=_r(c), busy_accelerator_hours=_r(m + pr),
                utilisation=_share(m + pr, c),
                revenue=Money(**stmts.get((site.name, oc), dict.fromkeys(LINES, 0))),
            ))
    return tuple(rows)


def prices(model) -> PriceReport:
    return price_report(model.scenario, model.prices.quote_fen, model.horizon_h)


def price_report(sc, quote, horizon_h: float) -> PriceReport:
    """The price path at the start and the horizon; `quote(type, hour)` in fen per accelerator-hour."""
    p = sc.pricing
    types = sorted(p.cny_per_accelerator_hour)

    def per_hour(hour):
        return {t: _r(quote(t, hour) / FEN_PER_CNY) for t in types}

    def per_p_year(hour):
        return {t: _r(quote(t, hour) / FEN_PER_CNY * HOURS_PER_YEAR / sc.accelerators[t].pflops_fp16_dense, 2)
                for t in types}

    floor = marginal_cost_cny(sc)
    below = {}
    for t in types:  # hour by hour: a quote is smooth between points, so an hour's step is exact enough
        f = floor.get(t)
        n = int(horizon_h)
        below[t] = 0.0 if f is None else float(sum(1 for h in range(n) if quote(t, h + 0.5) < f * FEN_PER_CNY))
    return PriceReport(
        marginal_cost_cny_per_accelerator_hour={t: _r(floor[t]) for t in types if t in floor},
        hours_below_marginal_cost=below,
        basis="dense FP16 P", vat_included=p.vat_included, vat_stated=p.vat_stated,
        anchor_date=sc.start_date + dt.timedelta(hours=p.anchor_h), annual_decline=p.annual_decline,
        cny_per_pflops_year_at_anchor=p.cny_per_pflops_year,
        cny_per_pflops_year_at_start=per_p_year(0.0), cny_per_pflops_year_at_end=per_p_year(horizon_h),
        cny_per_accelerator_hour_at_start=per_hour(0.0), cny_per_accelerator_hour_at_end=per_hour(horizon_h),
        path=None if p.path is None else p.path.name,
    )


def overall_basis(clients) -> str:
    """Whether the scenario's demand is absolute, follows capacity, or a mix (naming the what-ifs)."""
    following = [c.label for c in clients if demand_basis(c.arrivals) == FOLLOWS_CAPACITY]
    if not following:
        return ABSOLUTE
    if len(following) == len(clients):
        return FOLLOWS_CAPACITY
    return f"mixed: {FOLLOWS_CAPACITY} for {', '.join(following)}"


def summarise(model) -> Summary:
    sc = model.scenario
    horizon_h = model.horizon_h
    warm_h = min(sc.warmup_hours, horizon_h)
    pools = model.cluster.pools
    areas = Areas(pools, model.recorder.warm_areas)
    stmt = statement(model.ledger)
    years = horizon_h / HOURS_PER_YEAR
    # Average commissioned P over the horizon (dense), the denominator of revenue per P-year.
    p_years = sum(p.area_servers * p.A * p.server.accelerator.pflops_fp16_dense for p in pools) / HOURS_PER_YEAR
    sales = compute_sales(stmt)

    def per_p(fen):
        return _r(fen / FEN_PER_CNY / p_years, 2) if p_years else 0.0

    measured_h = horizon_h - warm_h
    sched = model.sched
    job_results = jobs(model)
    return Summary(
        scenario=sc.name,
        description=sc.description,
        seed=sc.seed,
        start_date=sc.start_date,
        horizon_days=_r(horizon_h / HOURS_PER_DAY),
        end_date=sc.start_date + dt.timedelta(hours=horizon_h),
        warmup_days=_r(warm_h / HOURS_PER_DAY),
        policy=sc.policy,
        demand_basis=overall_basis(sc.clients),
        prices=prices(model),
        capacity=capacity(sc, horizon_h),
        utilisation=utilisation(pools, areas),
        jobs=job_results,
        market=market(model, job_results.by_class),
        wait_hours=waits(merged(st.waits for st in sched.classes)),
        abandoned_wait_hours=waits(merged(st.abandoned_waits for st in sched.classes)),
        joined_wait_hours=waits(merged(joined(st) for st in sched.classes)),
        queue=QueueStats(
            mean_length=(_r((sched.queue.length.area_until(horizon_h) - model.recorder.warm_queue_area) / measured_h)
                         if measured_h else 0.0),
            arrival_rate_per_hour=_r(sum(st.joined for st in sched.classes) / measured_h) if measured_h else 0.0,
            measured_hours=_r(measured_h),
        ),
        revenue=Money(**stmt),
        revenue_per_pflops_year_cny=PerPflopsYear(
            basis="average commissioned dense FP16 P over the horizon",
            commissioned_pflops_years=_r(p_years),
            marketplace_sales=per_p(sales),
            operator_revenue=per_p(stmt["operator_revenue"]),
            operator_net=per_p(stmt["operator_net"]),
            annualised_operator_net_cny=_r(stmt["operator_net"] / FEN_PER_CNY / years, 2) if years else 0.0,
        ),
        by_site=by_site(model, areas),
        simulation=SimulationStats(jobs=sched.jobs, events=model.clock.events,
                                   ledger_transactions=model.ledger.transactions, version=__version__),
        contracts=contract_report(model, sales),
        failures=failure_report(model),
        tiers=tier_report(model),
        leasing=leasing_report(sc, horizon_h),
        fractions=fraction_report(model),
        services=service_report(model, sales),
    )
