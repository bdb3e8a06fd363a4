"""The optional sections of a run's summary: lease contracts' sales and capacity apart from
on-demand ones (sim/model/workload.py Lease, sim/economics/billing.py), and server failures
(sim/scheduling/failures.py), and price tiers (sim/model/tiers.py)."""

from __future__ import annotations

import datetime as dt

from sim.model.site import OPERATOR
from sim.simulation.results import ContractReport, FailureReport, LeasedRacks, LeasingReport, TenantLeasing, TierReport
from sim.units import FEN_PER_CNY
from sim.workload.kinds import kind_of


def contract_report(model, sales_fen: int) -> ContractReport | None:
    """None if the scenario has no lease class. `sales_fen`: all compute sales (gross)."""
    clients = model.scenario.clients
    lease = [i for i, c in enumerate(clients) if kind_of(c.arrivals).lease(c.arrivals) is not None]
    if not lease:
        return None
    stats = model.sched.classes
    billing = model.billing
    own = sum(v for (_, owner), v in billing.contracted.items() if owner == OPERATOR)
    third = sum(v for (_, owner), v in billing.contracted.items() if owner != OPERATOR)
    on_demand = [i for i, c in enumerate(clients) if i not in lease and not c.is_private]
    started = sum(stats[i].started for i in lease)
    ended = sum(stats[i].completed for i in lease)
    return ContractReport(
        classes=tuple(clients[i].name for i in lease),
        signed=sum(stats[i].submitted for i in lease),
        started=started,
        ended=ended,
        running_at_horizon=sum(stats[i].started - stats[i].completed - stats[i].preempted_lost for i in lease),
        contract_sales_operator_capacity_fen=own,
        contract_sales_third_party_capacity_fen=third,
        take_or_pay_fen=billing.take_or_pay_fen,
        on_demand_sales_fen=sales_fen - own - third,
        contract_sales_cny=(own + third) / FEN_PER_CNY,
        on_demand_sales_cny=(sales_fen - own - third) / FEN_PER_CNY,
        contract_accelerator_hours=round(float(sum(stats[i].accelerator_hours for i in lease)), 6),
        on_demand_accelerator_hours=round(float(sum(stats[i].accelerator_hours for i in on_demand)), 6),
        commissioned_accelerator_hours=round(float(sum(p.area_servers * p.A for p in model.cluster.pools)), 6),
    )


def failure_report(model) -> FailureReport | None:
    f = model.failures
    if f is None:
        return None
    spec = model.scenario.failures
    commissioned = sum(pf.pool.area_servers for pf in f.pools)
    down = sum(pf.down_area for pf in f.pools)
    configured = sum(pf.pool.area_servers * spec.servers[pf.pool.server.name].availability for pf in f.pools)
    return FailureReport(
        stopped_jobs=spec.stopped_jobs,
        configured_availability=round(configured / commissioned, 6) if commissioned else 1.0,
        availability=round(1.0 - down / commissioned, 6) if commissioned else 1.0,
        failures=f.failures,
        repairs=f.repairs,
        servers_down_at_horizon=sum(len(pf.failed) for pf in f.pools),
        jobs_stopped=f.jobs_stopped,
        jobs_lost=f.jobs_lost,
        accelerator_hours_lost=round(f.accelerator_hours_lost, 6),
        revenue_lost_fen=f.revenue_lost_fen,
        revenue_lost_cny=f.revenue_lost_fen / FEN_PER_CNY,
    )


def tier_report(model) -> dict | None:
    """By tier name, from the scheduler's running totals; None if the scenario has no tiers."""
    sc, sched = model.scenario, model.sched
    if not sc.tiers:
        return None
    now = model.horizon_h
    held = [0.0] * len(sc.tiers)  # runs still going at the horizon
    for pool in model.cluster.pools:
        for job in pool.running:
            if job.tier >= 0:
                held[job.tier] += job.size * (now - job.start_h)
    out = {}
    for i, (tier, st) in enumerate(zip(sc.tiers, sched.tier_stats, strict=True)):
        pools = sched.tiers.pools[i]
        capacity = sum(p.area_servers * p.A for p in pools)
        busy_all = sum(p.area_busy_market + p.area_busy_private for p in pools)
        busy = st.busy_accelerator_hours + held[i]
        out[tier.name] = TierReport(
            preemptible=tier.preemptible,
            jobs_chosen=st.chosen,
            jobs_started=st.started,
            jobs_completed=st.completed,
            jobs_killed=st.killed,
            jobs_from_on_demand=st.from_on_demand,
            accelerator_hours=round(float(st.accelerator_hours), 6),
            busy_accelerator_hours=round(float(busy), 6),
            revenue_fen=st.revenue_fen,
            revenue_cny=st.revenue_fen / FEN_PER_CNY,
            revenue_per_busy_accelerator_hour_cny=round(st.revenue_fen / FEN_PER_CNY / busy, 6) if busy else 0.0,
            revenue_from_on_demand_cny=st.from_on_demand_fen / FEN_PER_CNY,
            evictions=st.evictions,
            evicted_jobs=st.evicted_jobs,
            eviction_rate=round(st.evicted_jobs / st.started, 6) if st.started else 0.0,
            work_lost_accelerator_hours=round(float(st.lost_accelerator_hours), 6),
            wait_hours_mean=round(st.wait_h / st.waits, 6) if st.waits else 0.0,
            capacity_accelerator_hours=round(float(capacity), 6),
            allocation_rate=round(busy_all / capacity, 6) if capacity else 0.0,
            tier_allocation_rate=round(busy / capacity, 6) if capacity else 0.0,
        )
    return out


def _leased(name: str, groups, horizon_h: float) -> LeasedRacks:
    def hours(steps):
        return sum(n * max(0.0, horizon_h - max(t, 0.0)) for t, n in steps if t < horizon_h)

    built = sum(g.racks_built_at(horizon_h) for g in groups)
    leased = sum(g.racks_online_at(horizon_h) for g in groups)
    built_h = sum(hours(g.built if g.built is not None else g.online) for g in groups)
    leased_h = sum(hours(g.online) for g in groups)
    return LeasedRacks(name, built, leased, round(leased / built, 6) if built else 0.0,
                       round(leased_h / built_h, 6) if built_h else 0.0)


def leasing_report(scenario, horizon_h: float) -> LeasingReport | None:
    """Tenants' racks leased against built (the real calendar's scenario); None without tenants."""
    if not scenario.tenants:
        return None
    tenant_groups = [g for g in scenario.rack_groups if g.owner != OPERATOR]
    sites = [s.name for s in scenario.sites if any(g.owner != OPERATOR for g in s.rack_groups)]
    tenants = []
    for t in scenario.tenants:
        kept, kept_h = t.kept_past_term
        kw = ([t.power_allowance_kw_per_rack] if t.power_allowance_kw_per_rack is not None else
              sorted({g.power_kw for g in tenant_groups if g.owner == t.name}))
        included = f"up to {' / '.join(f'{k:g}' for k in kw)} kW a rack" + (
            "" if t.power_allowance_kw_per_rack is not None else " (its budget)")
        tenants.append(TenantLeasing(
            t.name, t.leasing_basis, included, _leased(t.name, [g for g in tenant_groups if g.owner == t.name], horizon_h),
            kept, None if kept_h is None else scenario.start_date + dt.timedelta(hours=kept_h)))
    check = scenario.rack_use_check
    return LeasingReport(
        total=_leased("all", tenant_groups, horizon_h),
        by_site=tuple(_leased(s, [g for g in tenant_groups if g.site == s], horizon_h) for s in sites),
        tenants=tuple(tenants),
        check_share=None if check is None else check[0], check_source="" if check is None else check[1])
