"""The run's results as records (sim/experiment/results.py), identical for identical inputs.

Nothing here depends on wall-clock time or the machine; timing goes elsewhere."""

from __future__ import annotations

import datetime as dt

from sim.economics.statement import LINES, statement, statements
from sim.experiment.sections import contract_report, failure_report
from sim.experiment.recorder import owner_class
from sim.experiment.results import (
    OWNER_CLASSES,
    Capacity,
    CapacityReport,
    ClassResult,
    JobCounts,
    Jobs,
    Money,
    PerPflopsYear,
    PowerCheck,
    PowerOverload,
    QueueStats,
    SimulationStats,
    SiteOwner,
    Summary,
    Utilisation,
    Waits,
)
from sim.metrics import COUNTERS, LogHistogram
from sim.scheduling.pool import OPERATOR_POOL, SHARED_POOL
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR
from sim.version import __version__


def _r(x: float, digits: int = 6) -> float:
    return float(round(x, digits))


def _share(busy: float, total: float) -> float:
    return _r(busy / total) if total else 0.0


def capacity_of(groups, standard_rack_kw: float, at=None) -> Capacity:
    """Racks, power, servers, accelerators and P of rack groups: all planned, or online at `at` h."""
    racks = [(g, g.count if at is None else g.racks_online_at(at)) for g in groups]
    acc = [(g, n * g.servers_per_rack * g.server.accelerators_per_server) for g, n in racks]
    kw = sum(n * g.power_kw for g, n in racks)
    stated = None
    if any(g.server.stated_pflops_per_server is not None for g in groups):
        # The claim's own per-server figure (rounded as it rounds), beside ours.
        stated = _r(sum(n * g.servers_per_rack * (g.server.stated_pflops_per_server or 0.0) for g, n in racks))
    return Capacity(
        racks=sum(n for _, n in racks),
        rack_power_kw=_r(kw),
        standard_racks=_r(kw / standard_rack_kw),
        servers=sum(n * g.servers_per_rack for g, n in racks),
        accelerators=sum(a for _, a in acc),
        pflops_fp16_dense=_r(sum(a * g.server.accelerator.pflops_fp16_dense for g, a in acc)),
        pflops_fp16_sparse=_r(sum(a * g.server.accelerator.pflops_fp16_sparse for g, a in acc)),
        pflops_as_stated=stated,
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


def jobs(model) -> Jobs:
    sched = model.sched
    by_class = tuple(
        ClassResult(
            name=client.name, tenant=client.tenant,
            counts=JobCounts(**{c: getattr(st, c) for c in COUNTERS}),
            accelerator_hours=_r(st.accelerator_hours),
            wait_hours=waits(st.waits),
            waiting_at_horizon=waits(st.waiting_at_horizon),
        )
        for client, st in zip(model.scenario.clients, sched.classes)
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
    sales = stmt["compute_sales_operator_capacity"] + stmt["compute_sales_third_party_capacity"]

    def per_p(fen):
        return _r(fen / FEN_PER_CNY / p_years, 2) if p_years else 0.0

    measured_h = horizon_h - warm_h
    sched = model.sched
    return Summary(
        scenario=sc.name,
        description=sc.description,
        seed=sc.seed,
        start_date=sc.start_date,
        horizon_days=_r(horizon_h / HOURS_PER_DAY),
        end_date=sc.start_date + dt.timedelta(hours=horizon_h),
        warmup_days=_r(warm_h / HOURS_PER_DAY),
        policy=sc.policy,
        capacity=capacity(sc, horizon_h),
        utilisation=utilisation(pools, areas),
        jobs=jobs(model),
        wait_hours=waits(merged(st.waits for st in sched.classes)),
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
    )
