"""Checks across sections, once each is read: prices for the cards racks hold, the servers'
total, tiers, market shares, sampling, and (with the capacity whole) who can be served at all,
each class's dense P and the work budget."""

from __future__ import annotations

import attrs

from sim.model import ClientClass, Scenario
from sim.scenario.budget import client_key, daily_problem, failures_problem, jobs_problem, rate_points_problem
from sim.scenario.fields import Problems, Table, key_text
from sim.scenario.sections import budget_scenario
from sim.scenario.tiers import check_class_tiers, check_tier_capacity
from sim.scenario.workload import check_leases
from sim.scheduling.cluster import Cluster
from sim.workload.demand import mean_pflops
from sim.workload.kinds import kind_of


def check_used_accelerators_priced(root: Table, sites) -> None:
    """With prices given per accelerator, every accelerator some rack holds needs one."""
    pricing = root.data.get("pricing")
    priced = pricing.get("cny_per_accelerator_hour") if isinstance(pricing, dict) else None
    if isinstance(pricing, dict) and isinstance(priced, dict) and "price_cny_per_pflops_year" not in pricing:
        used: dict[str, str] = {}  # accelerator -> the first site that has it
        for s in sites:
            for g in s.rack_groups:
                used.setdefault(g.server.accelerator.name, s.name)
        for a, site in used.items():
            if a not in priced:
                root.problems.add("pricing.cny_per_accelerator_hour", f"no price for {a!r}, used in site {site!r}")


def check_servers(root: Table, sites, max_servers) -> bool:
    """Every server is held in memory for the whole run: the total is bounded. False if over."""
    groups = [g for s in sites for g in s.rack_groups]
    total = sum(g.count * g.servers_per_rack for g in groups)
    if max_servers is None or total <= max_servers:
        return True
    g = max(groups, key=lambda g: g.count * g.servers_per_rack)
    raw = root.data["sites"][g.site].get("racks", {}).get(g.name)
    key = (f"sites.{key_text(g.site)}.openb_nodes" if raw is None  # a node list's group
           else f"sites.{key_text(g.site)}.racks.{key_text(g.name)}.{'count' if 'count' in raw else 'standard_racks'}")
    root.problems.add(key, f"{total:,} servers planned in all ({g.count * g.servers_per_rack:,} in this group: "
                      f"{g.count:,} racks x {g.servers_per_rack:,}), over the limit of {max_servers:,}; "
                      "raise it on purpose with [scenario] max_servers")
    return False


def check_market_shares(problems: Problems, clients) -> None:
    """The classes' shares of each market reaching the operator add up to at most all of it
    (a generated class's arrivals, shaped or not, or a replayed trace's workload)."""
    by_market: dict[str, list[tuple[ClientClass, float, str]]] = {}
    for c in clients:
        kind = _kind(c)
        share = kind.market_share(c.arrivals) if kind is not None else None
        if share is not None:
            by_market.setdefault(share[0], []).append((c, share[1], kind.table))
    for name, shares in by_market.items():
        total = sum(share for _, share, _ in shares)
        if total > 1 + 1e-9:
            last, _, table = shares[-1]
            which = f"shares of market {name!r}" if name else "market shares"
            problems.add(f"{client_key(last)}.{table}.market_share",
                         f"the classes' {which} add up to {total:g}, more than the whole market (1)")


def check_sampling(problems: Problems, scenario) -> None:
    if not scenario.sampling:
        return
    if scenario.failures is not None and scenario.failures.servers:
        # A failure throws its run away unbilled, but a seam may have billed part of the run in
        # an earlier window, at that window's weight: a sampled run cannot take it back.
        problems.add("scenario.sampling", "representative periods cannot take back a run a server failure throws "
                                          "away once a window's seam has billed part of it: simulate every day "
                                          "(--full), or leave out [failures]")
    for c in scenario.clients:
        # A kind that cannot map its arrivals onto the windows (ArrivalsKind.sampled; rates,
        # P-hours, offered loads and explicit times can): run such a scenario every day rather
        # than misplace them.
        kind = _kind(c)
        if kind is not None and not kind.sampled:
            problems.add("scenario.sampling", f"representative periods cannot map {client_key(c)}'s {kind.name} "
                                              f"arrivals onto their windows: simulate every day (--full)")
            return


def check_tiers(root: Table, tiers, scenario: Scenario) -> None:
    """Tiers that may use some capacity, not with sampling, and the classes' tiers known."""
    if tiers:
        check_tier_capacity(root, tiers, scenario.sites, scenario.tenants)
        if scenario.sampling is not None:
            root.problems.add("tiers", "not yet with [scenario] sampling (evictions across the seams of "
                              "representative periods are not modelled): remove one")
    if tiers is not None:
        check_class_tiers(root, scenario.clients, tiers)


def check_capacity(problems: Problems, scenario: Scenario, clients: list, budget) -> Scenario:
    """With racks and tenants whole: demand that could never be served, job sizes that fit no
    pool, each class's dense P (`clients`: (class, stated reference P) pairs), leases, and with
    no problem so far the work `budget` (Meta.budget). The scenario with its classes' P resolved."""
    # Pools depend on racks and tenants alone: with those whole, job sizes can be checked
    # even when other parts of the file have problems, so all are reported at once.
    cluster = Cluster(scenario)
    served = _check_served(scenario, cluster, problems)
    _check_job_sizes(scenario, cluster, problems, served)
    _check_service_capacity(scenario, cluster, problems, served)
    refs = {c.key: r for c, r in clients if c is not None}
    scenario = attrs.evolve(scenario, clients=tuple(
        _resolve_pflops(c, refs[c.key], cluster, problems) for c in scenario.clients))
    scenario = check_leases(scenario, cluster, problems)
    if not problems.messages and budget is not None:
        _check_budget(problems, scenario, cluster, *budget)
    return scenario


def _check_budget(problems: Problems, scenario: Scenario, cluster: Cluster, max_rows: int, max_jobs: int,
                  max_failures: int) -> None:
    """The work a run would do against [scenario]'s budget: the first limit passed, if any."""
    simulated = budget_scenario(scenario)  # a sampled run simulates its windows only
    if simulated is not scenario:
        cluster = Cluster(simulated)
    h = simulated.horizon_hours
    for problem in (daily_problem(simulated, cluster, h, max_rows),
                    rate_points_problem(simulated, cluster),
                    jobs_problem(simulated, cluster, h, max_jobs),
                    failures_problem(simulated, cluster, h, max_failures)):
        if problem:
            problems.add(*problem)
            break


def _check_served(scenario: Scenario, cluster: Cluster, problems: Problems) -> set:
    """Demand in P-hours that no pool of the scenario could ever serve is a mistake in the
    file. Returns the keys of the classes reported."""
    out = set()
    for c in scenario.clients:
        if _is_work(c) and not cluster.pools_for(c):
            table = _kind(c).table
            problems.add(f"{client_key(c)}.{table}", "no pool of this scenario holds servers this class may use "
                         "(its accelerators, sites and owners): its demand could never be served")
            out.add(c.key)
    return out


def _check_job_sizes(scenario: Scenario, cluster: Cluster, problems: Problems, reported=()) -> None:
    """A class whose sizes can never fit any pool it may use is a mistake in the file."""
    for c in scenario.clients:
        if c.key in reported:
            continue
        largest = max((p.planned_accelerators for p in cluster.pools_for(c)), default=0)
        biggest = max(c.sizes.values)
        if biggest > largest:
            problems.add(f"{client_key(c)}.sizes.values",
                         f"a job of {biggest} accelerators is larger than any pool this class may use "
                         f"(largest: {largest} accelerators at full build-out)")


def _check_service_capacity(scenario: Scenario, cluster: Cluster, problems: Problems, reported=()) -> None:
    """A service's replicas hold one size of job, and its capacity table has a row for every
    accelerator they may land on (sim/workload/service.py)."""
    for c in scenario.clients:
        kind = _kind(c)
        named = kind.capacity_accelerators(c.arrivals) if kind is not None else None
        if named is None or c.key in reported:
            continue
        if len(c.sizes.values) != 1:
            problems.add(f"{client_key(c)}.sizes.values", "a service's replicas are all one size: give one value")
        missing = sorted({p.accelerator for p in cluster.pools_for(c)} - set(named))
        if missing:
            problems.add(f"{client_key(c)}.arrivals.capacity", f"no row for {', '.join(missing)}, which this "
                         "service's replicas may hold: add one, or restrict the class's accelerators")


def _resolve_pflops(c: ClientClass, reference, cluster: Cluster, problems: Problems) -> ClientClass:
    """The dense P at which a class's accelerator-hours count: the stated reference, else the
    one dense P all its cards share, else (work in P-hours needs one) a problem; a class that
    states its demand in jobs counts at its cards' capacity-weighted mean."""
    pools = cluster.pools_for(c)
    dense = {p.server.accelerator.pflops_fp16_dense for p in pools}
    if reference is not None:
        return attrs.evolve(c, pflops_dense=reference)
    if len(dense) == 1:
        return attrs.evolve(c, pflops_dense=dense.pop())
    if len(dense) > 1 and _is_work(c):
        problems.add(f"{client_key(c)}.reference_pflops_dense",
                     f"missing: the cards this class may use differ in dense P ({', '.join(f'{d:g}' for d in sorted(dense))}), "
                     "so its P-hours need a stated reference P per accelerator")
        return c
    return attrs.evolve(c, pflops_dense=mean_pflops(pools))


def _kind(c: ClientClass):
    """The kind of a class's arrivals (sim/workload/kinds.py); None where the file left them unread."""
    return None if c.arrivals is None else kind_of(c.arrivals)


def _is_work(c: ClientClass) -> bool:
    """Demand stated in P-hours (a class's own, a market share, a trace replayed to either)."""
    kind = _kind(c)
    return kind is not None and kind.states_work(c.arrivals)
