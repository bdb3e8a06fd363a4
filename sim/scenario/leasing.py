"""Tenants whose leasing follows demand: their rack groups leased as their demand asks, once the
classes are read."""

from __future__ import annotations

import attrs

from sim.model import Scenario
from sim.model.leasing import demand_leases
from sim.scenario.buildout import BuildSteps
from sim.workload.kinds import kind_of
from sim.workload.replay import work_at


def lease_to_demand(tables: dict, scenario: Scenario, steps: BuildSteps) -> Scenario:
    """Rack groups of tenants whose leasing follows demand, leased as their demand asks
    (sim/model/leasing.py). A tenant's demand must be stated in P-hours to be sized to."""
    rules = {t.name: t.follows_demand for t in scenario.tenants if t.follows_demand is not None}
    if not rules or scenario.horizon_hours is None:
        return scenario
    online: dict[tuple[str, str], tuple] = {}
    kept = {}
    for name, rule in rules.items():
        table = tables[name]
        classes = [c for c in scenario.clients if c.tenant == name]
        if any(c.arrivals is None for c in classes):
            continue  # its arrivals were refused (a problem already stated): nothing to size
        vague = [c.label for c in classes if not kind_of(c.arrivals).states_work(c.arrivals)]
        if vague or not classes:
            table.error("leasing", "follows demand, so its own demand must be stated in P-hours (market_share, "
                        "pflops_hours_per_year or pflops_hours_path): " +
                        (f"{', '.join(vague)} is not" if vague else "it has no [tenants.*.demand] class"))
            continue
        groups = [g for g in scenario.rack_groups if g.owner == name]
        # Past a short horizon too, until the last rack built could be leased: a run cut short
        # keeps the plan (and pools) of the whole scenario, as the build-out does.
        until = max(scenario.horizon_hours,
                    max((t for g in groups for t, _ in g.online), default=0.0) + rule.lag_hours + rule.review_hours)
        lease = demand_leases(
            [(g.online, g.servers_per_rack * g.server.accelerators_per_server * g.server.accelerator.pflops_fp16_dense)
             for g in groups],
            lambda h, classes=classes: sum(float(work_at(c.arrivals.work, h)) for c in classes), rule, until)
        if not steps.take(table, "leasing", sum(len(o) for o in lease.online)):
            return scenario
        for g, o in zip(groups, lease.online, strict=True):
            online[(g.site, g.name)] = o
        kept[name] = (lease.kept_past_term, lease.kept_from_h)
    sites = tuple(attrs.evolve(s, rack_groups=tuple(
        attrs.evolve(g, built=g.online, online=online[(s.name, g.name)]) if (s.name, g.name) in online else g
        for g in s.rack_groups)) for s in scenario.sites)
    tenants = tuple(attrs.evolve(t, kept_past_term=kept[t.name]) if t.name in kept else t for t in scenario.tenants)
    return attrs.evolve(scenario, sites=sites, tenants=tenants)
