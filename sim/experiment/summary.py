"""The run's results as one plain, JSON-ready dict, identical bytes for identical inputs.

Nothing here depends on wall-clock time or the machine; timing goes elsewhere."""

from __future__ import annotations

import datetime as dt

from sim.economics.statement import statement
from sim.metrics import LogHistogram
from sim.scheduling.scheduler import COUNTERS
from sim.scheduling.pool import OPERATOR_POOL, SHARED_POOL
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR
from sim.version import __version__

QUANTILES = (0.5, 0.9, 0.99)


def _r(x: float, digits: int = 6) -> float:
    return float(round(x, digits))


def capacity(scenario, horizon_h: float) -> dict:
    groups = scenario.rack_groups
    def totals(gs, at=None):
        racks = [(g, g.count if at is None else g.racks_online_at(at)) for g in gs]
        acc = [(g, n * g.servers_per_rack * g.server.accelerators_per_server) for g, n in racks]
        kw = sum(n * g.power_kw for g, n in racks)
        out = {
            "racks": sum(n for _, n in racks),
            "rack_power_kw": _r(kw),
            "standard_racks": _r(kw / scenario.standard_rack_kw),
            "servers": sum(n * g.servers_per_rack for g, n in racks),
            "accelerators": sum(a for _, a in acc),
            "pflops_fp16_dense": _r(sum(a * g.server.accelerator.pflops_fp16_dense for g, a in acc)),
            "pflops_fp16_sparse": _r(sum(a * g.server.accelerator.pflops_fp16_sparse for g, a in acc)),
        }
        if any(g.server.stated_pflops_per_server is not None for g in gs):
            # The claim's own per-server figure (rounded as it rounds), beside ours.
            out["pflops_as_stated"] = _r(sum(
                n * g.servers_per_rack * (g.server.stated_pflops_per_server or 0.0) for g, n in racks))
        return out

    owners = {}
    for g in groups:
        owners.setdefault(g.owner, []).append(g)
    return {
        "planned": totals(groups),
        "at_horizon": totals(groups, horizon_h),
        "planned_by_owner": {o: totals(gs) for o, gs in owners.items()},
        "standard_rack_kw": scenario.standard_rack_kw,
        "power": {
            "enforce_power": scenario.enforce_power,
            "rack_groups_over_budget": [
                {
                    "site": g.site,
                    "rack_group": g.name,
                    "rack_power_kw": g.power_kw,
                    "servers_per_rack": g.servers_per_rack,
                    "servers_per_rack_within_power": g.servers_per_rack_within_power,
                    "server_power_kw": g.server.power_kw,
                    "needed_rack_power_kw": _r(g.servers_per_rack * g.server.power_kw),
                }
                for g in groups if g.over_power_budget
            ],
        },
    }


def _areas(pools) -> tuple[float, float, float]:
    """(commissioned, marketplace-busy, tenant-busy) accelerator-hours of `pools`."""
    return (sum(p.area_servers * p.A for p in pools), sum(p.area_busy_market for p in pools),
            sum(p.area_busy_private for p in pools))


def utilisation(pools) -> dict:
    def share(busy, total):
        return _r(busy / total) if total else 0.0

    all_ = _areas(pools)
    op = _areas([p for p in pools if p.kind == OPERATOR_POOL])
    tp = _areas([p for p in pools if p.kind != OPERATOR_POOL])
    shared = _areas([p for p in pools if p.kind == SHARED_POOL])
    return {
        "overall": share(all_[1] + all_[2], all_[0]),
        "operator": share(op[1], op[0]),
        "third_party": share(tp[1] + tp[2], tp[0]),
        "third_party_marketplace": share(tp[1], tp[0]),
        "third_party_private": share(tp[2], tp[0]),
        "third_party_opted_in_marketplace": share(shared[1], shared[0]),
        "commissioned_accelerator_hours": _r(all_[0]),
        "busy_accelerator_hours": _r(all_[1] + all_[2]),
    }


def waits(hist) -> dict:
    out = {"jobs": hist.n, "mean": _r(hist.mean), "max": _r(hist.max)}
    for q in QUANTILES:
        out[f"p{round(q * 100)}"] = _r(hist.quantile(q))
    return out


def jobs(model) -> dict:
    sched = model.sched
    by_class = {}
    total = {c: 0 for c in COUNTERS}
    for client, st in zip(model.scenario.clients, sched.classes):
        d = {c: getattr(st, c) for c in COUNTERS}
        d["accelerator_hours"] = _r(st.accelerator_hours)
        d["wait_hours"] = waits(st.waits)
        by_class[client.key] = d
        for c in COUNTERS:
            total[c] += d[c]
    total["queued_at_horizon"] = sched.queue.live
    total["running_at_horizon"] = sched.running
    return {"total": total, "by_class": by_class}


def merged_waits(model):
    h = LogHistogram()
    for st in model.sched.classes:
        h.merge(st.waits)
    return h


def summarise(model) -> dict:
    sc = model.scenario
    horizon_h = model.horizon_h
    pools = model.cluster.pools
    stmt = statement(model.ledger)
    years = horizon_h / HOURS_PER_YEAR
    # Average commissioned P over the horizon (dense), the denominator of revenue per P-year.
    p_years = sum(p.area_servers * p.A * p.server.accelerator.pflops_fp16_dense for p in pools) / HOURS_PER_YEAR
    sales = stmt["compute_sales_operator_capacity"] + stmt["compute_sales_third_party_capacity"]

    def per_p(fen):
        return _r(fen / FEN_PER_CNY / p_years, 2) if p_years else 0.0

    return {
        "scenario": sc.name,
        "description": sc.description,
        "seed": sc.seed,
        "start_date": sc.start_date.isoformat(),
        "horizon_days": _r(horizon_h / HOURS_PER_DAY),
        "end_date": (sc.start_date + dt.timedelta(hours=horizon_h)).isoformat(),
        "policy": {"placement": sc.policy.placement, "queue": sc.policy.queue,
                   "reclaim": sc.policy.reclaim, "preempted": sc.policy.preempted},
        "capacity": capacity(sc, horizon_h),
        "utilisation": utilisation(pools),
        "jobs": jobs(model),
        "wait_hours": waits(merged_waits(model)),
        "queue": {
            "mean_length": _r(model.sched.queue.length.area_until(horizon_h) / horizon_h),
            "arrival_rate_per_hour": _r(model.sched.jobs / horizon_h),
        },
        "revenue_cny": {k: v / FEN_PER_CNY for k, v in stmt.items()},
        "revenue_per_pflops_year_cny": {
            "basis": "average commissioned dense FP16 P over the horizon",
            "commissioned_pflops_years": _r(p_years),
            "marketplace_sales": per_p(sales),
            "operator_revenue": per_p(stmt["operator_revenue"]),
            "operator_net": per_p(stmt["operator_net"]),
            "annualised_operator_net_cny": _r(stmt["operator_net"] / FEN_PER_CNY / years, 2) if years else 0.0,
        },
        "simulation": {
            "jobs": model.sched.jobs,
            "events": model.sched.events,
            "ledger_transactions": model.ledger.transactions,
            "version": __version__,
        },
    }
