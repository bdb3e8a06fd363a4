"""Load a scenario file into validated model objects, or fail with every problem at once.

`_build` reads the file section by section, each in its own module of sim/scenario/, then
checks across sections; a problem anywhere is reported with the rest."""

from __future__ import annotations

import hashlib

import attrs

from sim.model import Scenario
from sim.scenario.buildout import BuildSteps
from sim.scenario.checks import (
    check_capacity,
    check_market_shares,
    check_sampling,
    check_servers,
    check_tiers,
    check_used_accelerators_priced,
)
from sim.scenario.clients import check_class_count, read_clients
from sim.scenario.errors import ScenarioError
from sim.scenario.failures import read_failures
from sim.scenario.fields import Problems, Table, one_line
from sim.scenario.files import read_scenario, scenario_path
from sim.scenario.hardware import read_accelerators, read_generations, read_servers
from sim.scenario.leasing import lease_to_demand
from sim.scenario.markets import read_markets
from sim.scenario.meta import check_seed_and_horizon, read_meta
from sim.scenario.overrides import apply_overrides, hinted, override_texts
from sim.scenario.parse import key_problem, parse_toml
from sim.scenario.policy import read_policy
from sim.scenario.pricing import read_price_paths, read_pricing
from sim.scenario.sections import read_claim, read_finance
from sim.scenario.sites import read_sites
from sim.scenario.tenants import read_tenants
from sim.scenario.tiers import read_tiers
from sim.units import HOURS_PER_DAY

__all__ = ["check_seed_and_horizon", "load_scenario", "loads", "read_scenario", "scenario_path"]


def load_scenario(path, overrides=()) -> Scenario:
    """Read a scenario, apply overrides, validate, build the model.

    `path` is a file or a bare name ("qingyang": scenarios/qingyang.toml, under the current
    directory or else the repository's). `overrides` is a dict {dotted key: Python value},
    e.g. {"sites.qingyang.pue": 1.3}, or a list of "key=value" strings (TOML values, as --set).
    """
    path = scenario_path(path)
    return loads(read_scenario(path).decode("utf-8"), str(path), overrides)


def loads(text: str, source: str = "<scenario>", overrides=()) -> Scenario:
    try:
        data = parse_toml(text)
    except ValueError as e:
        raise ScenarioError([one_line(f"{source}: {e}")]) from None
    problems = Problems(source)
    made = apply_overrides(data, overrides, problems)
    if not problems.messages:
        problem = key_problem(data)  # a long key may come in an override's value
        if problem:
            problems.add_line(problem)
    if problems.messages:
        raise ScenarioError(problems.messages)
    scenario = _build(Table(problems, data), source)
    if problems.messages:
        raise ScenarioError(hinted(problems.messages, made))
    return attrs.evolve(scenario, source_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        overrides=override_texts(overrides))


def _build(root: Table, source: str):
    meta = read_meta(root.table("scenario"), source)
    policy = read_policy(root.table("policy", required=False))
    # Names declared in the file, valid or not: a reference to a declared entry that has its
    # own problems is not reported again as a reference to nothing.
    declared = {k: _declared(root, k) for k in ("accelerators", "servers", "sites", "tenants")}
    accelerators = read_accelerators(root)
    servers = read_servers(root, accelerators, declared["accelerators"])
    tenants, demand, tenant_tables = read_tenants(root, meta.start)
    leasing = {t.name: t.leasing for t in tenants if t.leasing is not None}
    steps = BuildSteps()
    sites, capacity_ok = read_sites(root, meta.start, servers, declared["servers"], declared["tenants"],
                                    meta.std_kw, meta.enforce, leasing, steps, accelerators)
    capacity_ok &= len(tenants) == len(declared["tenants"])
    paths = read_price_paths(root, meta.start)
    generations = read_generations(root, meta.start, declared["accelerators"])
    pricing = read_pricing(root.table("pricing"), accelerators, declared["accelerators"], meta.start, meta.horizon,
                           paths, generations)
    markets, named = read_markets(root, meta.start, meta.horizon, pricing, sites, declared["sites"])
    failures = read_failures(root.table("failures", required=False), servers, declared["servers"])
    clients = read_clients(root, demand, meta.start, declared, markets, named)
    finance = read_finance(root, declared["servers"], sites, pricing is None or pricing.vat_included)
    claim = read_claim(root)
    tiers = read_tiers(root)
    ranges = root.table("uncertainty", required=False)  # read by `sim uncertainty` (sim/scenario/uncertainty.py)
    if ranges is not None:
        ranges.seen.update(ranges.data)
    check_class_count(root, clients)
    root.done()
    check_used_accelerators_priced(root, sites)
    capacity_ok &= check_servers(root, sites, meta.max_servers)
    # After a problem in [scenario] or [pricing] some of these are None (the ignores): the
    # scenario is built anyway, for the checks below to report their problems too, and returned
    # only when there are none.
    scenario = Scenario(
        name=meta.name, description=meta.description, seed=meta.seed,  # type: ignore[arg-type]
        start_date=meta.start, standard_rack_kw=meta.std_kw, enforce_power=meta.enforce,  # type: ignore[arg-type]
        horizon_hours=None if meta.horizon is None else meta.horizon * HOURS_PER_DAY,  # type: ignore[arg-type]
        warmup_hours=0.0 if meta.warmup is None else meta.warmup * HOURS_PER_DAY, source=source,
        accelerators=accelerators, servers=servers, sites=tuple(sites), tenants=tuple(tenants),
        clients=tuple(c for c, _ in clients if c is not None), pricing=pricing, policy=policy,  # type: ignore[arg-type]
        market=markets[""][0], markets={n: m for n, (m, _) in named.items() if m is not None}, failures=failures,
        finance=finance, claim=claim, sampling=meta.sampling, tiers=tiers or (), generations=generations or {},
        rack_use_check=meta.check,
    )
    if capacity_ok:
        scenario = lease_to_demand(tenant_tables, scenario, steps)
    check_tiers(root, tiers, scenario)
    check_market_shares(root.problems, scenario.clients)
    check_sampling(root.problems, scenario)
    if capacity_ok:
        scenario = check_capacity(root.problems, scenario, clients, meta.budget)
    return None if root.problems.messages else scenario


def _declared(root: Table, k: str) -> set[str]:
    v = root.data.get(k)
    return set(v) if isinstance(v, dict) else set()
