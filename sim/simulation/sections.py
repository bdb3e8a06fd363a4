"""The optional sections of a run's summary: lease contracts' sales and capacity apart from
on-demand ones (sim/model/workload.py Lease, sim/economics/billing.py), and server failures
(sim/scheduling/failures.py)."""

from __future__ import annotations

from sim.simulation.results import ContractReport, FailureReport
from sim.model.site import OPERATOR
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
