"""Load a scenario file into validated model objects, or fail with every problem at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from itertools import pairwise
from pathlib import Path

import attrs

from sim.economics.pricing import PRICE_MODELS
from sim.model import (
    OPERATOR,
    AcceleratorType,
    ArrivalTimes,
    ClientClass,
    Exponential,
    Fixed,
    Lognormal,
    Market,
    MarketShare,
    OfferedLoad,
    OutsidePrice,
    Policy,
    Pricing,
    RackGroup,
    RatePath,
    Scenario,
    ServerModel,
    Site,
    Sizes,
    Tenant,
    WillingnessToPay,
    Work,
    WorkPath,
    limits,
    servers_within_power,
)
from sim.model.generations import Generation, superseded_h
from sim.model.leasing import DemandLeasing, demand_leases
from sim.model.limits import MAX_HORIZON_DAYS
from sim.model.pricepath import PricePath
from sim.model.site import leased
from sim.model.workload import Gamma, Mixture, Weibull
from sim.scenario.budget import (
    client_key,
    daily_counts,
    daily_problem,
    failure_events,
    failures_problem,
    jobs_problem,
    rate_points_problem,
    total_jobs,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.failures import read_failures
from sim.scenario.fields import (
    INT64,
    MAX_DAYS,
    MISSING,
    Problems,
    Table,
    check_number,
    describe,
    did_you_mean,
    key_text,
    name_problem,
    one_line,
)
from sim.scenario.files import read_scenario, scenario_path
from sim.scenario.market_build import follow_site
from sim.scenario.overrides import apply_overrides, hinted, override_texts
from sim.scenario.parse import key_problem, parse_toml
from sim.scenario.sections import budget_scenario, read_claim, read_finance, read_sampling
from sim.scenario.tiers import check_class_tiers, check_tier_capacity, read_class_tiers, read_tiers
from sim.scenario.workload import (
    EXTRA_DURATIONS,
    check_leases,
    extra_duration,
    read_lease,
    read_replay,
    read_shaping,
)
from sim.scheduling.cluster import Cluster
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.units import HOURS_PER_DAY, HOURS_PER_YEAR, PPM, cny_per_pflops_year_to_cny_per_accelerator_hour
from sim.workload.demand import mean_pflops
from sim.workload.kinds import arrivals_keys, kind_of
from sim.workload.replay import work_at

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


# --- sections -------------------------------------------------------------------------------
def _build(root: Table, source: str):
    meta = root.table("scenario")
    name = description = seed = start = horizon = warmup = std_kw = None
    enforce = True
    max_jobs, max_servers = limits.MAX_JOBS, limits.MAX_SERVERS
    max_failures, max_rows = limits.MAX_FAILURE_EVENTS, limits.MAX_DAILY_ROWS
    sampling = check = None
    if meta is not None:
        name = meta.string("name", Path(source).stem)
        if name is not None and name_problem(name):
            meta.error("name", name_problem(name))
            name = None
        description = meta.string("description", "")
        start = _date(meta, "start_date")
        seed, horizon, start = _seed_and_horizon(meta, start)
        warmup = _warmup(meta, horizon)
        std_kw = _at_least(meta, "standard_rack_kw", meta.number("standard_rack_kw", gt=0),
                           limits.MIN_STANDARD_RACK_KW, "one watt")
        enforce = meta.boolean("enforce_power", True)
        # The work budget, raised on purpose: see sim/model/limits.py.
        max_jobs = meta.number("max_jobs", limits.MAX_JOBS, integer=True, ge=1)
        max_servers = meta.number("max_servers", limits.MAX_SERVERS, integer=True, ge=1)
        max_failures = meta.number("max_failure_events", limits.MAX_FAILURE_EVENTS, integer=True, ge=1)
        max_rows = meta.number("max_daily_rows", limits.MAX_DAILY_ROWS, integer=True, ge=1)
        sampling = read_sampling(meta)
        check = _leasing_check(meta.table("leasing_check", required=False))
        meta.done()
    policy = _policy(root.table("policy", required=False))
    # Names declared in the file, valid or not: a reference to a declared entry that has its
    # own problems is not reported again as a reference to nothing.
    declared = {k: _declared(root, k) for k in ("accelerators", "servers", "sites", "tenants")}
    accelerators = _accelerators(root)
    servers = _servers(root, accelerators, declared["accelerators"])
    tenants, demand, tenant_tables = _tenants(root, start)
    leasing = {t.name: t.leasing for t in tenants if t.leasing is not None}
    steps = _BuildSteps()
    sites, capacity_ok = _sites(root, start, servers, declared["servers"], declared["tenants"], std_kw, enforce,
                                leasing, steps)
    capacity_ok &= len(tenants) == len(declared["tenants"])
    paths = _price_paths(root, start)
    generations = _generations(root, start, declared["accelerators"])
    pricing = _pricing(root.table("pricing"), accelerators, declared["accelerators"], start, horizon, paths,
                       generations)
    markets = {"": _market(root.table("market", required=False), start, horizon)}
    named = {n: _market(t, start, horizon) for n, t in root.tables("markets", required=False)}
    markets = {"": follow_site(root, "market", markets[""], sites, declared["sites"])}
    named = {n: follow_site(root, f"markets.{key_text(n)}", m, sites, declared["sites"]) for n, m in named.items()}
    if pricing is not None and pricing.path is not None:
        markets = {"": _follow(root, "market", markets[""], pricing.path)}
        named = {n: _follow(root, f"markets.{key_text(n)}", m, pricing.path) for n, m in named.items()}
    failures = read_failures(root.table("failures", required=False), servers, declared["servers"])
    clients = [
        _client(t, n, None, start, declared["accelerators"], declared["sites"], markets, named)
        for n, t in root.tables("clients", required=False)
    ]
    for tenant, classes in demand:
        clients.extend(_client(t, n, tenant, start, declared["accelerators"], declared["sites"], markets, named)
                       for n, t in classes)
    finance = read_finance(root, declared["servers"], sites, pricing is None or pricing.vat_included)
    claim = read_claim(root)
    tiers = read_tiers(root)
    ranges = root.table("uncertainty", required=False)  # read by `sim uncertainty` (sim/scenario/uncertainty.py)
    if ranges is not None:
        ranges.seen.update(ranges.data)
    if len(clients) > limits.MAX_CLIENT_CLASSES:
        root.error("clients", f"{len(clients):,} client classes (marketplace and tenants' own), over the "
                   f"{limits.MAX_CLIENT_CLASSES:,} a run may have")
    root.done()
    _check_used_accelerators_priced(root, sites)
    capacity_ok &= _check_servers(root, sites, max_servers)
    # After a problem in [scenario] or [pricing] some of these are None (the ignores): the
    # scenario is built anyway, for the checks below to report their problems too, and returned
    # only when there are none.
    scenario = Scenario(
        name=name, description=description, source=source, seed=seed, start_date=start,  # type: ignore[arg-type]
        horizon_hours=None if horizon is None else horizon * HOURS_PER_DAY, standard_rack_kw=std_kw,  # type: ignore[arg-type]
        enforce_power=enforce, accelerators=accelerators, servers=servers, sites=tuple(sites),
        tenants=tuple(tenants), clients=tuple(c for c, _ in clients if c is not None), pricing=pricing,  # type: ignore[arg-type]
        policy=policy, warmup_hours=0.0 if warmup is None else warmup * HOURS_PER_DAY, market=markets[""][0],
        markets={n: m for n, (m, _) in named.items() if m is not None},
        failures=failures,
        finance=finance, claim=claim, sampling=sampling, tiers=tiers or (), generations=generations or {},
        rack_use_check=check,
    )
    if capacity_ok:
        scenario = _lease_to_demand(tenant_tables, scenario, steps)
    if tiers:
        check_tier_capacity(root, tiers, sites, tenants)
        if sampling is not None:
            root.problems.add("tiers", "not yet with [scenario] sampling (evictions across the seams of "
                              "representative periods are not modelled): remove one")
    if tiers is not None:
        check_class_tiers(root, scenario.clients, tiers)
    _check_market_shares(root.problems, scenario.clients)
    _check_sampling(root.problems, scenario)
    if capacity_ok:
        # Pools depend on racks and tenants alone: with those whole, job sizes can be checked
        # even when other parts of the file have problems, so all are reported at once.
        cluster = Cluster(scenario)
        served = _check_served(scenario, cluster, root.problems)
        _check_job_sizes(scenario, cluster, root.problems, served)
        refs = {c.key: r for c, r in clients if c is not None}
        scenario = attrs.evolve(scenario, clients=tuple(
            _resolve_pflops(c, refs[c.key], cluster, root.problems) for c in scenario.clients))
        scenario = check_leases(scenario, cluster, root.problems)
        if not root.problems.messages and None not in (max_jobs, max_failures, max_rows):
            simulated = budget_scenario(scenario)  # a sampled run simulates its windows only
            if simulated is not scenario:
                cluster = Cluster(simulated)
            h = simulated.horizon_hours
            for problem in (daily_problem(simulated, cluster, h, max_rows),
                            rate_points_problem(simulated, cluster),
                            jobs_problem(simulated, cluster, h, max_jobs),
                            failures_problem(simulated, cluster, h, max_failures)):
                if problem:
                    root.problems.add(*problem)
                    break
    return None if root.problems.messages else scenario


def _at_least(t: Table, k: str, v, minimum: float, words: str):
    """`v` if it is None or at least `minimum`; else an error saying so, and None."""
    if v is not None and v < minimum:
        t.error(k, f"must be at least {minimum:g} ({words}), got {describe(v)}")
        return None
    return v


def _seed_and_horizon(meta: Table, start):
    """Seed, horizon (days) and start date, each None if it has a problem."""
    seed = meta.number("seed", integer=True, ge=0)
    horizon = meta.number("horizon_days", gt=0, le=MAX_HORIZON_DAYS)
    for line in limits.run_problems(seed, horizon, start):
        meta.problems.add_line(line)
        key = line.split(":", 1)[0]
        if key == "scenario.seed":
            seed = None
        elif key == "scenario.horizon_days":
            horizon = None
        else:
            start = None
    return seed, horizon, start


def _warmup(meta: Table, horizon):
    """Days at the start left out of wait, queue and utilisation statistics (never out of money)."""
    warmup = meta.number("warmup_days", 0.0, ge=0)
    if horizon is not None and warmup is not None and warmup >= horizon:
        meta.error("warmup_days", f"must be shorter than the horizon ({horizon!r} days), got {warmup!r}")
        return None
    return warmup


def check_seed_and_horizon(scenario: Scenario, seed, horizon_days, warmup_days=None) -> None:
    """Check a seed, horizon and warm-up given beside a loaded scenario (sim.run's arguments)
    exactly as the file's would be; ScenarioError if not.

    A horizon longer than the scenario's own may ask for no more jobs (failures, daily rows)
    than the default budget or the scenario's own horizon, whichever is more: a budget raised
    in the file was raised for that file's horizon."""
    values = {"seed": scenario.seed if seed is None else seed,
              "horizon_days": scenario.horizon_hours / HOURS_PER_DAY if horizon_days is None else horizon_days,
              "warmup_days": scenario.warmup_hours / HOURS_PER_DAY if warmup_days is None else warmup_days}
    problems = Problems(scenario.source)
    meta = Table(problems, values, "scenario")
    _, horizon, _ = _seed_and_horizon(meta, scenario.start_date)
    _warmup(meta, horizon)
    if horizon is not None and horizon * HOURS_PER_DAY > scenario.horizon_hours:
        cluster = Cluster(scenario)
        allowed = max(limits.MAX_JOBS, total_jobs(scenario, cluster, scenario.horizon_hours))
        h, own_h = horizon * HOURS_PER_DAY, scenario.horizon_hours
        loading = ", loading it with this horizon_days"
        rows = max(limits.MAX_DAILY_ROWS, daily_counts(cluster, own_h, 0)[1])
        events = max(limits.MAX_FAILURE_EVENTS, sum(failure_events(scenario, cluster, own_h).values()))
        for problem in (daily_problem(scenario, cluster, h, rows, remedy="[scenario] max_daily_rows" + loading),
                        jobs_problem(scenario, cluster, h, allowed, remedy="[scenario] max_jobs" + loading),
                        failures_problem(scenario, cluster, h, events,
                                         remedy="[scenario] max_failure_events" + loading)):
            if problem:
                problems.add(*problem)
                break
    if problems.messages:
        raise ScenarioError(problems.messages)


def _declared(root: Table, k: str) -> set[str]:
    v = root.data.get(k)
    return set(v) if isinstance(v, dict) else set()


def _date(t: Table, k: str):
    v = t.raw(k)
    if v is MISSING:
        return None
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        t.error(k, f"must be a date (YYYY-MM-DD), got {describe(v)}")
        return None
    return v


def _policy(t: Table | None) -> Policy:
    """Names are looked up in the policy registries at load time, so a policy registered after
    import is accepted."""
    if t is None:
        return Policy()
    d = Policy()
    p = Policy(
        placement=t.string("placement", d.placement, choices=PLACEMENTS) or d.placement,
        queue=t.string("queue", d.queue, choices=DISCIPLINES) or d.queue,
        reclaim=t.string("reclaim", d.reclaim, choices=RECLAIMS) or d.reclaim,
        preempted=t.string("preempted", d.preempted, choices=("requeue", "lost")) or d.preempted,
    )
    t.done()
    return p


def _accelerators(root: Table) -> dict[str, AcceleratorType]:
    out = {}
    for name, t in root.tables("accelerators"):
        dense, sparse = (_at_least(t, k, t.number(k, gt=0), limits.MIN_PFLOPS, "one GFLOPS")
                         for k in ("pflops_fp16_dense", "pflops_fp16_sparse"))
        power = t.number("power_w", gt=0)
        stated = t.number("stated_pflops", None, gt=0)  # a claim's per-card figure: reported, never priced
        t.done()
        if None not in (dense, sparse, power) and (stated is not None or not t.has("stated_pflops")):
            if sparse < dense:
                t.error("pflops_fp16_sparse", f"must be >= pflops_fp16_dense ({dense}), got {sparse!r}")
                continue
            out[name] = AcceleratorType(name, dense, sparse, power, stated)
    return out


def _servers(root: Table, accelerators, declared) -> dict[str, ServerModel]:
    out = {}
    for name, t in root.tables("servers"):
        acc = t.string("accelerator")
        if acc is not None and acc not in accelerators:
            if acc not in declared:
                t.error("accelerator", f"no accelerator named {acc!r} in [accelerators]"
                        + did_you_mean(acc, declared))
            acc = None
        n = t.number("accelerators_per_server", integer=True, ge=1, le=64)
        kw = t.number("power_kw", gt=0)
        idle = t.number("idle_power_fraction", ge=0, le=1)
        busy = t.number("busy_power_fraction", gt=0, le=1)
        stated = t.number("stated_pflops_per_server", None, gt=0)
        t.done()
        if idle is not None and busy is not None and busy < idle:
            t.error("busy_power_fraction", f"must be >= idle_power_fraction ({idle}), got {busy!r}")
            continue
        if None not in (acc, n, kw, idle, busy):
            out[name] = ServerModel(name, accelerators[acc], n, kw, idle, busy, stated)
    return out


def _tenants(root: Table, start):
    """Tenants, their private demand tables to read once sites are known, and their tables."""
    out = []
    demand = []
    tables = {}
    for name, t in root.tables("tenants", required=False):
        tables[name] = t
        if name == OPERATOR:
            t.error("", f"{OPERATOR!r} is the operator, not a tenant")
        share = t.number("opt_in_fraction", ge=0, le=1)
        rent = t.number("colocation_cny_per_kw_month", ge=0)
        if rent is not None and rent > limits.MAX_RENT_CNY_PER_KW_MONTH:
            t.error("colocation_cny_per_kw_month", f"must be at most {limits.MAX_RENT_CNY_PER_KW_MONTH:,} CNY per "
                    f"kW-month (real rents are hundreds to a few thousand: a figure per MW or per year?), got {rent:g}")
            rent = None
        lease = rule = None
        if isinstance(t.data.get("leasing"), dict):
            rule = _demand_leasing(t.table("leasing"))
        elif t.has("leasing"):
            lease = _leasing(t, start)
        allowance = t.number("power_allowance_kw_per_rack", None, ge=0)
        classes = t.tables("demand", required=False)
        t.done()
        demand.append((name, classes))
        if None not in (share, rent) and (lease is not None or rule is not None or not t.has("leasing")) and \
                (allowance is not None or not t.has("power_allowance_kw_per_rack")):
            out.append(Tenant(name, share, rent, lease, allowance, rule))
    return out, demand, tables


def _leasing_check(t: Table | None):
    """leasing_check = { share, source }: a reported rack-use rate shown beside the leasing."""
    if t is None:
        return None
    share = t.number("share", gt=0, le=1)
    source = t.string("source")
    t.done()
    return None if None in (share, source) else (share, source)


def _demand_leasing(t: Table) -> DemandLeasing | None:
    """leasing = { follows = "demand", target_utilisation, lag_days, term_years, review_days }."""
    t.string("follows", choices=("demand",))
    u = t.number("target_utilisation", gt=0, le=1)
    lag = t.number("lag_days", ge=0, le=limits.MAX_HORIZON_DAYS)
    term = t.number("term_years", gt=0, le=limits.MAX_HORIZON_DAYS / 365)
    review = t.number("review_days", ge=1, le=limits.MAX_HORIZON_DAYS)
    t.done()
    if None in (u, lag, term, review):
        return None
    return DemandLeasing(u, lag * HOURS_PER_DAY, term * HOURS_PER_YEAR, review * HOURS_PER_DAY)


def _lease_to_demand(tables: dict, scenario: Scenario, steps: _BuildSteps) -> Scenario:
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


def _leasing(t: Table, start):
    """A tenant's leasing path: [{ date, share }] of its built racks under contract, steps that
    never fall; None if bad."""
    points = _dated_points(t, "leasing", "share", start, "leasing points", "point", ge=0, le=1)
    if points is None:
        return None
    for i in range(1, len(points)):
        if points[i][1] < points[i - 1][1]:
            t.problems.add(f"{t.key('leasing')}[{i}].share", f"must not fall below the share before it ({points[i - 1][1]:g}), got "
                    f"{points[i][1]:g}: a lease once signed runs to the horizon in this model")
            return None
    return tuple(points)


def _sites(root: Table, start, servers, declared_servers, tenants, std_kw,
           enforce, leasing, steps) -> tuple[list[Site], bool]:
    """The sites, and whether every rack group in the file was built (the capacity is whole)."""
    out = []
    whole = isinstance(root.data.get("sites"), dict)
    for name, t in root.tables("sites"):
        pue = t.number("pue", ge=1.0)
        price = t.number("electricity_cny_per_kwh", ge=0)
        racks = t.data.get("racks")
        groups = [
            g for g in (_rack_group(rt, gname, name, start, servers, declared_servers, tenants, std_kw, enforce,
                                    steps, leasing)
                        for gname, rt in t.tables("racks"))
            if g is not None
        ]
        whole &= isinstance(racks, dict) and len(groups) == len(racks) > 0
        t.done()
        out.append(Site(name, pue, price, tuple(groups)))  # with problems, used only to check job sizes
    return out, whole and len(out) == len(root.data["sites"])


def _rack_group(t: Table, name, site, start, servers, declared_servers, tenants, std_kw, enforce, steps, leasing):
    owner = t.string("owner")
    if owner is not None and owner != OPERATOR and owner not in tenants:
        t.error("owner", f"must be {OPERATOR!r} or a tenant in [tenants], got {owner!r}"
                + did_you_mean(owner, [OPERATOR, *tenants]))
        owner = None
    model = t.string("server")
    if model is not None and model not in servers:
        if model not in declared_servers:
            t.error("server", f"no server named {model!r} in [servers]" + did_you_mean(model, declared_servers))
        model = None
    power = t.number("power_kw", gt=0)
    count = None
    if t.has("count") and t.has("standard_racks"):
        t.error("count", "give count or standard_racks, not both")
        t.raw("standard_racks")
    elif t.has("standard_racks"):
        std = t.number("standard_racks", ge=0)
        if None not in (std, power, std_kw):
            # A standard rack is a unit of power: so many of them fill this many real racks.
            racks = std * std_kw / power
            if not racks <= INT64[1]:
                t.error("standard_racks", f"{std!r} standard racks of {std_kw} kW fill too many "
                        f"{power} kW racks ({racks:.3g})")
            else:
                count = math.floor(round(racks, 9))
    else:
        count = t.number("count", integer=True, ge=0)
    per_rack = t.number("servers_per_rack", None, integer=True, ge=1)
    online = _online(t, start, count, steps)
    t.done()
    if count is None or None in (owner, model, power, online):
        return None
    server = servers[model]
    if not math.isfinite(power / server.power_kw):
        t.error("power_kw", f"a {power} kW rack would hold {power / server.power_kw} {model} servers "
                f"of {server.power_kw} kW")
        return None
    within = servers_within_power(power, server.power_kw)
    if per_rack is None:
        if within == 0:
            t.error("power_kw", f"a {power} kW rack cannot power one {model} server ({server.power_kw} kW): "
                    "use bigger racks, or set servers_per_rack with enforce_power = false")
            return None
        per_rack = within
    elif per_rack > within and enforce:
        t.error("servers_per_rack", f"{per_rack} servers of {server.power_kw} kW need "
                f"{per_rack * server.power_kw:g} kW, over the {power} kW rack budget (at most {within}); "
                "set enforce_power = false to model it anyway")
        return None
    built = None
    if owner in leasing:
        # Unleased racks stand empty: servers (and rent) follow the racks under contract.
        if not steps.take(t, "owner", len(leasing[owner])):
            return None
        built, online = online, leased(online, leasing[owner])
    return RackGroup(name, site, owner, count, power, server, per_rack, within, online, built)


class _BuildSteps:
    """Build-out steps counted over all rack groups: a ramp costs one per day, found before
    it is built; past the limit the first group over it is named, once."""

    def __init__(self):
        self.count = 0
        self.over = False

    def take(self, t: Table, k: str, n: int) -> bool:
        self.count += n
        if self.count <= limits.MAX_BUILD_STEPS:
            return True
        if not self.over:
            self.over = True
            t.error(k, f"rack groups' build-outs reach {self.count:,} steps here (one per tranche, one per "
                    f"day of a ramp), over the {limits.MAX_BUILD_STEPS:,} a scenario may have")
        return False


def _online(t: Table, start, count, steps: _BuildSteps):
    """Build-out as (hour, racks) tranches: all at once, a daily linear ramp, or tranches."""
    kinds = [k for k in ("online", "ramp_start", "tranches") if t.has(k)]
    if t.has("ramp_end") and "ramp_start" not in kinds:
        kinds.append("ramp_start")
    if len(kinds) > 1:
        t.error(kinds[1], f"give one build-out: online, ramp_start/ramp_end or tranches, not {' and '.join(kinds)}")
        for k in ("online", "ramp_start", "ramp_end", "tranches"):
            t.raw(k, False)
        return None
    if not kinds:
        return ((0.0, count),) if count is not None else None
    if kinds[0] == "online":
        d = t.day("online", start)
        return ((d * HOURS_PER_DAY, count),) if None not in (d, count) else None
    if kinds[0] == "ramp_start":
        s, e = t.day("ramp_start", start), t.day("ramp_end", start)
        if None in (s, e, count):
            return None
        if e <= s:
            t.error("ramp_end", "must be after ramp_start")
            return None
        if not steps.take(t, "ramp_end", math.ceil(e - s)):
            return None
        return _ramp(s * HOURS_PER_DAY, e * HOURS_PER_DAY, count)
    tranches = _dated_points(t, "tranches", "racks", start, "tranches", "tranche", integer=True, ge=0)
    if tranches is None:
        return None
    if count is not None and sum(n for _, n in tranches) != count:
        t.error("tranches", f"racks add up to {sum(n for _, n in tranches)}, but the group has {count}")
        return None
    if not steps.take(t, "tranches", len(tranches)):
        return None
    return tuple(tranches)


def _dated_points(t: Table, key: str, value: str, start, plural: str, singular: str, **check):
    """An array of {date, <value>} tables in date order, as [(hour, value)]; None if any is bad.
    Every entry is checked, so all its problems are reported at once."""
    points = []
    last = None
    ok = True
    for pt in t.array_of_tables(key):
        d = pt.day("date", start)
        v = pt.number(value, **check)
        pt.done()
        if d is not None and last is not None and d < last:
            pt.error("date", f"{plural} must be in date order")
            ok = False
        if None in (d, v):
            ok = False
        else:
            last = d
            points.append((d * HOURS_PER_DAY, v))
    if t.data[key] == []:
        t.error(key, f"must list at least one {singular}")
    return points if ok and points else None


def _ramp(s_h: float, e_h: float, count: int):
    """Racks online rise linearly from 0 at s to count at e, counted at each day's end."""
    steps = []
    online = 0
    t = s_h
    while online < count:
        t = min(t + HOURS_PER_DAY, e_h)
        now = count if t >= e_h else math.floor(count * (t - s_h) / (e_h - s_h))
        if now > online:
            steps.append((t, now - online))
            online = now
    return tuple(steps)


def _price_paths(root: Table, start) -> dict[str, PricePath] | None:
    """[price_paths.NAME]: `annual_decline = x` (steady) or `points = [{ date, index }, ...]`
    (dates strictly increasing, index > 0); {} when there are none, None if any is bad."""
    out: dict[str, PricePath] = {}
    ok = True
    for name, t in root.tables("price_paths", required=False):
        if t.has("annual_decline") == t.has("points"):
            t.error("", "give annual_decline or points, exactly one")
            for k in ("annual_decline", "points"):
                t.raw(k, False)
            t.done()
            ok = False
            continue
        if t.has("annual_decline"):
            d = t.number("annual_decline", ge=0, lt=1)
            t.done()
            if d is None:
                ok = False
            else:
                out[name] = PricePath(name, annual_decline=d)
            continue
        pts = _dated_points(t, "points", "index", start, "points", "point", gt=0, le=1e6)
        t.done()
        if pts is not None and any(b[0] <= a[0] for a, b in pairwise(pts)):
            t.error("points", "dates must strictly increase (one index per date)")
            pts = None
        if pts is None:
            ok = False
        else:
            out[name] = PricePath(name, points=tuple(pts))
    return out if ok else None


def _follow(root: Table, key: str, market: tuple, path: PricePath) -> tuple:
    """A market whose outside price follows [pricing]'s path (its own decline is refused)."""
    m, ok = market
    if m is None or m.outside is None:
        return market
    if m.outside.decline_stated:
        root.problems.add(f"{key}.outside_price_annual_decline", f"give none: [pricing] names the price path "
                          f"{path.name!r}, which the outside price follows")
        return None, False
    return attrs.evolve(m, outside=attrs.evolve(m.outside, path=path)), ok


def _generations(root: Table, start, declared_accelerators) -> dict[str, Generation] | None:
    """[generations.NAME]: an accelerator generation's availability date, dense P and power per
    card, and its server (cards, maximum draw, price, O&M); `accelerator` names the
    [accelerators] type a run prices as it. {} when there are none, None if any is bad."""
    out: dict[str, Generation] = {}
    ok = True
    typed: dict[str, str] = {}
    dated: dict[float, str] = {}
    for name, t in root.tables("generations", required=False):
        days = t.day("available", start)
        if days is not None and days in dated:
            t.error("available", f"the same date as generation {dated[days]!r}: which is newer is then unknown")
            ok = False
        elif days is not None:
            dated[days] = name
        acc = t.string("accelerator", None)
        if acc is not None and acc not in declared_accelerators:
            t.error("accelerator", f"no accelerator named {acc!r} in [accelerators]" + did_you_mean(acc, declared_accelerators))
            acc, ok = None, False
        elif acc is not None and acc in typed:
            t.error("accelerator", f"{acc!r} is already generation {typed[acc]!r}: a card type is one generation")
            ok = False
        elif acc is not None:
            typed[acc] = name
        values = (
            t.number("pflops_fp16_dense", gt=0), t.number("power_w", gt=0),
            t.number("accelerators_per_server", integer=True, ge=1), t.number("server_power_kw", gt=0),
            t.number("server_price_cny", ge=0), t.number("server_price_change_per_year", 0.0, gt=-1, le=10),
            t.number("server_om_cny_per_year", 0.0, ge=0),
        )
        t.done()
        if days is None or None in values:
            ok = False
            continue
        out[name] = Generation(name, days * HOURS_PER_DAY, *values, accelerator=acc)
    return out if ok else None


def _pricing(t: Table | None, accelerators, declared, start, horizon_days, paths=None,
             generations=None) -> Pricing | None:
    if t is None:
        return None
    anchor = _anchor(t, "anchor_date", start, horizon_days)
    vat_stated = t.has("vat_included")
    # Unstated, prices are taken to include VAT, as Chinese contract prices are usually quoted
    # (the seed's 12万 CNY per P-year anchor does); the summary says which.
    vat = t.boolean("vat_included", True)
    basis = t.string("basis", "dense")
    if basis is not None and basis != "dense":
        t.error("basis", f"a price per P per year is per dense FP16 P, got {basis!r}: a card's sparse (or a "
                "claim's) figure would raise its bill with no more work done; remove the key or set \"dense\"")
        basis = None
    model = t.string("model", "declining", choices=PRICE_MODELS)  # looked up now: models added later count
    path = None
    if t.has("path"):
        if t.has("annual_decline"):
            t.error("annual_decline", "give annual_decline or path, not both (a path names its own course)")
        name = t.string("path")
        if name is not None and paths is not None:
            path = paths.get(name)
            if path is None:
                known = ", ".join(sorted(paths)) or "none"
                t.error("path", f"no price path named {name!r} in [price_paths] (named: {known})")
        decline = 0.0 if path is not None and not t.has("annual_decline") else None
        t.raw("annual_decline", False)
    else:
        decline = t.number("annual_decline", 0.0, ge=0, lt=1)
    fee = t.number("intermediary_fee", ge=0, le=1)
    # A card's price per P against the newest generation's ([generations]); 0: no ageing.
    ageing = t.number("ageing_per_year", 0.0, ge=0, lt=1)
    # Cost of a busy accelerator-hour besides its power (the floor no offer goes below).
    variable = t.number("variable_cost_cny_per_accelerator_hour", 0.0, ge=0)
    if fee is not None and abs(fee * PPM - round(fee * PPM)) > 1e-6:
        # The ledger splits fees in integer parts per million: anything finer would be lost.
        t.error("intermediary_fee", f"must be a whole number of parts per million (a multiple of 0.000001), "
                f"got {fee!r}")
        fee = None
    per_type = {}
    per_p_year = None
    ok = True
    if t.has("price_cny_per_pflops_year") == t.has("cny_per_accelerator_hour"):
        t.error("price_cny_per_pflops_year", "give price_cny_per_pflops_year or [pricing.cny_per_accelerator_hour], "
                "exactly one")
        t.raw("price_cny_per_pflops_year", False)
        t.raw("cny_per_accelerator_hour", False)
    elif t.has("price_cny_per_pflops_year"):
        p = per_p_year = t.number("price_cny_per_pflops_year", gt=0)
        if p is not None and basis is not None:
            per_type = {
                n: cny_per_pflops_year_to_cny_per_accelerator_hour(p, a.pflops_fp16_dense)
                for n, a in accelerators.items()
            }
            for n, price in per_type.items():
                if not math.isfinite(price):
                    t.error("price_cny_per_pflops_year", f"{p!r} CNY per P-year gives no finite price "
                            f"per accelerator-hour for {n!r}")
                    ok = False
                    break
    else:
        table = t.table("cny_per_accelerator_hour")
        if table is not None:
            for n in list(table.data):
                v = table.number(n, gt=0)
                if n not in declared:
                    table.error(n, f"no accelerator named {n!r} in [accelerators]" + did_you_mean(n, declared))
                elif v is not None:
                    per_type[n] = v
    t.done()
    if decline is None or None in (basis, fee, model, anchor, vat, ageing, variable) or not ok:
        return None
    gens = list((generations or {}).values())
    superseded = {g.accelerator: superseded_h(gens, g) for g in gens if g.accelerator is not None}
    steady = path.annual_decline if path is not None and path.steady else decline
    if _runaway(t, "anchor_date", max(per_type.values(), default=0.0), steady or 0.0, anchor, "per accelerator-hour"):
        return None
    return Pricing(basis, per_type, steady if path is None or path.steady else 0.0, fee, model,
                   anchor * HOURS_PER_DAY, vat, vat_stated, per_p_year, path, ageing,
                   {k: v for k, v in superseded.items() if math.isfinite(v)}, variable)


def _duration(t: Table | None):
    if t is None:
        return None
    kind = t.string("dist", choices=("lognormal", "exponential", "fixed", *EXTRA_DURATIONS))
    out: Lognormal | Exponential | Fixed | Weibull | Gamma | Mixture | None = None
    if kind is None:  # the other keys depend on the kind: nothing more to say about them
        for k in ("median_hours", "sigma", "mean_hours", "hours", "scale_hours", "shape", "components"):
            t.raw(k, False)
    if kind == "lognormal":
        median, sigma = _hours(t, "median_hours"), t.number("sigma", gt=0, le=10)
        out = Lognormal(median, sigma) if None not in (median, sigma) else None
    elif kind == "exponential":
        mean = _hours(t, "mean_hours")
        out = Exponential(mean) if mean is not None else None
    elif kind == "fixed":
        hours = _hours(t, "hours")
        out = Fixed(hours) if hours is not None else None
    elif kind in EXTRA_DURATIONS:
        out = extra_duration(t, kind, _hours, _duration)
    t.done()
    return out


def _hours(t: Table, k: str):
    return _at_least(t, k, t.number(k, gt=0), limits.MIN_DURATION_HOURS, "one second")


def _sizes(t: Table | None):
    if t is None:
        return None
    values = t.raw("values")
    weights = t.raw("weights", False)
    t.done()
    ok = True
    if values is MISSING:
        return None
    if not isinstance(values, list) or not values:
        t.error("values", f"must be a non-empty array of accelerator counts, got {describe(values)}")
        return None
    for i, v in enumerate(values):
        ok &= check_number(t, f"values[{i}]", v, integer=True, ge=1) is not None
    if weights is MISSING:
        weights = [1.0] * len(values)
    elif not isinstance(weights, list) or len(weights) != len(values):
        t.error("weights", f"must be an array of {len(values)} numbers, one per value")
        return None
    else:
        for i, w in enumerate(weights):
            ok &= check_number(t, f"weights[{i}]", w, ge=0) is not None
        if ok and sum(weights) <= 0:
            t.error("weights", "must not all be zero")
            ok = False
        elif ok and not math.isfinite(sum(weights)):
            t.error("weights", "must add up to a finite number")
            ok = False
    if ok and len(set(values)) != len(values):
        t.error("values", "must not repeat a size")
        ok = False
    return Sizes(tuple(values), tuple(float(w) for w in weights)) if ok else None


ARRIVALS = ("offered_load", "rate_per_hour", "ramp", "at_hours", "pflops_hours_per_year", "pflops_hours_path",
            "market_share")


def _arrivals(t: Table | None, start, markets: dict, named: dict):
    """`markets`: {"": ([market] or None, read without problems)}; `named`: the same for
    each [markets.<name>]."""
    if t is None:
        return None
    extra = arrivals_keys()  # keys of kinds that read themselves (ArrivalsKind.read)
    names = ARRIVALS + tuple(k for k in extra if k not in ARRIVALS)
    kinds = [k for k in names if t.has(k)]
    out = None
    if t.has("market") and "market_share" not in kinds:
        t.raw("market")
        t.error("market", "names the market a market_share is of: give it with market_share")
    if len(kinds) != 1:
        t.error(kinds[1] if kinds else "rate_per_hour",
                f"give exactly one of {', '.join(names[:-1])} or {names[-1]}")
        for k in kinds + ["annual_growth", "market"]:
            t.raw(k, False)
    elif kinds[0] in extra:
        out = extra[kinds[0]].read(t, start)
    elif kinds[0] == "at_hours":
        v = t.raw("at_hours")
        if not isinstance(v, list):
            t.error("at_hours", f"must be an array of hours, got {describe(v)}")
        else:
            hours = [check_number(t, f"at_hours[{i}]", h, ge=0) for i, h in enumerate(v)]
            if None not in hours:
                if hours != sorted(hours):
                    t.error("at_hours", "must be in increasing order")
                else:
                    out = ArrivalTimes(tuple(float(h) for h in hours))
    elif kinds[0] == "offered_load":
        f = t.number("offered_load", gt=0, le=10)
        out = OfferedLoad(f) if f is not None else None
    elif kinds[0] == "rate_per_hour":
        r = t.number("rate_per_hour", ge=0)
        g = _growth(t)
        out = RatePath(((0.0, r),), g) if None not in (r, g) else None
    elif kinds[0] == "ramp":
        points = _dated_points(t, "ramp", "rate_per_hour", start, "ramp points", "point", ge=0)
        out = RatePath(tuple(points)) if points else None
    elif kinds[0] == "market_share":
        share = t.number("market_share", gt=0, le=1)
        given = t.has("market")  # absent: [market]; else a [markets.<name>]
        name = t.string("market", "")
        if name is None:
            pass  # not a string: reported
        elif given and name not in named:
            known = f" (named: {', '.join(sorted(named))})" if named else ""
            t.error("market", f"no market named {name!r} in [markets]" + (did_you_mean(name, named) or known))
        else:
            market, market_ok = named[name] if given else markets[""]
            if market_ok and (market is None or market.work is None):
                section = f"[markets.{key_text(name)}]" if given else "[market]"
                t.error("market_share", f"a share of the market needs {section} pflops_hours_per_year or "
                        "pflops_hours_path")
            elif share is not None and market is not None:
                out = MarketShare(share, market.work.scaled(share * market.share_reaching_operator), name)
    else:
        work = _work(t, start)
        out = Work(work) if work is not None else None
    t.done()
    return out


def _growth(t: Table):
    """An optional continuous annual growth rate: -0.99 (falling to 1 % a year) to 10 (x11)."""
    return t.number("annual_growth", 0.0, ge=-0.99, le=10)


def _work(t: Table, start) -> WorkPath | None:
    """Dense P-hours per year: `pflops_hours_per_year` (+ `annual_growth`) from the start
    date, or `pflops_hours_path` = [{ date, pflops_hours_per_year }, ...]; None if bad."""
    if t.has("pflops_hours_path"):
        if t.has("annual_growth"):
            t.raw("annual_growth")
            t.error("annual_growth", "give annual_growth with pflops_hours_per_year, not with a dated path")
        points = _dated_points(t, "pflops_hours_path", "pflops_hours_per_year", start, "path points", "point",
                               ge=0)
        return WorkPath(tuple(points)) if points else None
    v = t.number("pflops_hours_per_year", ge=0)
    g = _growth(t)
    return WorkPath(((0.0, v),), g) if None not in (v, g) else None


def _market(t: Table | None, start, horizon_days) -> tuple[Market | None, bool]:
    """The [market] section, and whether it was read without problems (or is absent)."""
    if t is None:
        return None, True
    before = len(t.problems.messages)
    work = None
    if t.has("pflops_hours_per_year") and t.has("pflops_hours_path"):
        t.error("pflops_hours_per_year", "give pflops_hours_per_year or pflops_hours_path, not both")
        for k in ("pflops_hours_per_year", "pflops_hours_path", "annual_growth"):
            t.raw(k, False)
    elif t.has("pflops_hours_per_year") or t.has("pflops_hours_path"):
        work = _work(t, start)
    share = t.number("share_reaching_operator", 1.0 if work is None else MISSING, gt=0, le=1)
    follows = t.string("share_follows_build", "") or None  # a site's name: sim/scenario/market_build.py
    outside = None
    if t.has("outside_price_cny_per_pflops_year"):
        price = t.number("outside_price_cny_per_pflops_year", gt=0)
        anchor = _anchor(t, "outside_price_anchor_date", start, horizon_days)
        stated = t.has("outside_price_annual_decline")
        decline = t.number("outside_price_annual_decline", 0.0, ge=0, lt=1)
        if None not in (price, anchor, decline) and not _runaway(t, "outside_price_anchor_date", price, decline,
                                                                 anchor, "per P-year"):
            outside = OutsidePrice(price, anchor * HOURS_PER_DAY, decline, stated)
    t.done()
    # Without a start date its dates mean nothing: the market is not read, and says so no more.
    ok = len(t.problems.messages) == before and start is not None
    return (Market(work, share, outside, follows) if ok else None), ok


def _anchor(t: Table, k: str, start, horizon_days):
    """An anchor date for a price path, as days after the start (default: the start itself);
    it may lie before the start but not after the run's end. None if bad."""
    if not t.has(k):
        t.raw(k, False)
        return 0
    d = _date(t, k)
    if d is None:
        return None
    if start is None:
        return None
    days = (d - start).days
    if horizon_days is not None and days > horizon_days:
        end = start + dt.timedelta(days=horizon_days)
        t.error(k, f"must be on or before the run's end ({end}), got {d}: a price path runs from a date it has seen")
        return None
    if days < -MAX_DAYS:
        t.error(k, f"must be within {MAX_DAYS} days of start_date, got {d}")
        return None
    return days


def _runaway(t: Table, k: str, price: float, decline: float, anchor_days: float, unit: str) -> bool:
    """A price anchored after the start was higher before it: at the start, price x (1 - decline)
    ^ -(years to the anchor). True (and a problem) if that would be beyond any real price."""
    if anchor_days <= 0 or not decline:
        return False
    years = anchor_days / 365
    top = math.exp(math.log(price) - years * math.log1p(-decline)) if price > 0 else 0.0
    if top <= limits.MAX_PRICE_CNY:
        return False
    t.error(k, f"falling {decline:g} a year towards a date {years:.3g} years after the start, the price at the "
            f"start would be {top:.3g} CNY {unit}, over {limits.MAX_PRICE_CNY:g}")
    return True


def _willingness(t: Table | None):
    """A lognormal willingness to pay per dense P-hour; None if absent or bad."""
    if t is None:
        return None
    kind = t.string("dist", choices=("lognormal",))
    median = t.number("median_cny_per_pflops_hour", gt=0)
    sigma = t.number("sigma", ge=0, le=10)
    t.done()
    return WillingnessToPay(median, sigma) if None not in (kind, median, sigma) else None


def _client(t: Table, name, tenant, start, accelerators, sites, markets, named):
    """(class, stated reference P or None); class None if its sizes or where it may run are
    wrong (other parts may be None when the file has problems: the class then serves only to
    check job sizes)."""
    workload = t.table("workload", required=False)
    if workload is not None and workload.has("trace"):
        market, market_ok = markets[""]  # a trace replays a share of [market] (named markets: not yet)
        arrivals, sizes, duration = read_replay(t, workload, market, market_ok, lambda w: _work(w, start))
    else:
        arrivals = _arrivals(t.table("arrivals"), start, markets, named)
        sizes = _sizes(t.table("sizes"))
        if t.has("lease"):
            arrivals, duration = read_lease(t, t.table("lease"), arrivals, tenant)
        else:
            duration = _duration(t.table("duration"))
        if workload is not None:
            arrivals = read_shaping(workload, arrivals, start, sizes, _duration)
    patience = _duration(t.table("patience", required=False))
    price = None if tenant else t.number("max_price_cny_per_accelerator_hour", None, gt=0)
    wtp = None if tenant else _willingness(t.table("willingness_to_pay", required=False))
    reference = _at_least(t, "reference_pflops_dense", t.number("reference_pflops_dense", None, gt=0),
                          limits.MIN_PFLOPS, "one GFLOPS")
    types = t.strings("accelerators", None)
    where = t.strings("sites", None)
    ok = (types is not None or not t.has("accelerators")) and (where is not None or not t.has("sites"))
    for a in types or ():
        if a not in accelerators:
            t.error("accelerators", f"no accelerator named {a!r} in [accelerators]" + did_you_mean(a, accelerators))
            ok = False
    for s in where or ():
        if s not in sites:
            t.error("sites", f"no site named {s!r} in [sites]" + did_you_mean(s, sites))
            ok = False
    tier_names, tolerance = read_class_tiers(t, tenant)
    prefer = t.strings("prefer_sites", None)
    ok &= prefer is not None or not t.has("prefer_sites")
    for s in prefer or ():
        if s not in sites:
            t.error("prefer_sites", f"no site named {s!r} in [sites]" + did_you_mean(s, sites))
            ok = False
        elif where is not None and s not in where:
            t.error("prefer_sites", f"{s!r} is not among the sites it accepts ({', '.join(where)})")
            ok = False
    if prefer is not None and len(set(prefer)) < len(prefer):
        t.error("prefer_sites", "names a site twice")
        ok = False
    t.done()
    if sizes is None or not ok:
        return None, None
    return ClientClass(name, arrivals, sizes, duration, patience, price, types, where, tenant,
                       willingness_to_pay=wtp, prefer_sites=tuple(prefer or ()), tiers=tier_names,
                       interruption_tolerance=tolerance), reference


def _check_used_accelerators_priced(root: Table, sites) -> None:
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


def _check_servers(root: Table, sites, max_servers) -> bool:
    """Every server is held in memory for the whole run: the total is bounded. False if over."""
    groups = [g for s in sites for g in s.rack_groups]
    total = sum(g.count * g.servers_per_rack for g in groups)
    if max_servers is None or total <= max_servers:
        return True
    g = max(groups, key=lambda g: g.count * g.servers_per_rack)
    raw = root.data["sites"][g.site]["racks"][g.name]
    key = f"sites.{key_text(g.site)}.racks.{key_text(g.name)}.{'count' if 'count' in raw else 'standard_racks'}"
    root.problems.add(key, f"{total:,} servers planned in all ({g.count * g.servers_per_rack:,} in this group: "
                      f"{g.count:,} racks x {g.servers_per_rack:,}), over the limit of {max_servers:,}; "
                      "raise it on purpose with [scenario] max_servers")
    return False


def _kind(c: ClientClass):
    """The kind of a class's arrivals (sim/workload/kinds.py); None where the file left them unread."""
    return None if c.arrivals is None else kind_of(c.arrivals)


def _is_work(c: ClientClass) -> bool:
    """Demand stated in P-hours (a class's own, a market share, a trace replayed to either)."""
    kind = _kind(c)
    return kind is not None and kind.states_work(c.arrivals)


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


def _check_sampling(problems: Problems, scenario) -> None:
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


def _check_market_shares(problems: Problems, clients) -> None:
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
