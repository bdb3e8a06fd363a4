"""Hypothesis strategies for small random scenarios, shared by the property tests.

Scenarios are built from the model classes directly (not through TOML), so a failing
example shrinks to a readable attrs repr. They stay small: a few sites, racks and servers,
a few hundred jobs, so hundreds of examples run in seconds.
"""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import strategies as st

from sim.model import (
    AcceleratorType,
    ClientClass,
    Exponential,
    Fixed,
    Lognormal,
    OfferedLoad,
    Policy,
    Pricing,
    RackGroup,
    RatePath,
    Scenario,
    ServerModel,
    Site,
    Sizes,
    Tenant,
)
from sim.model.demand import WillingnessToPay
from sim.model.failures import Failures, ServerFailures
from sim.model.tiers import CAPACITIES, ON_EVICTION, Tier, Tolerance
from sim.model.workload import Bursts, Shaped
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.workload.distributions import mean_hours

OPERATOR = "operator"

policies = st.builds(
    Policy,
    placement=st.sampled_from(sorted(PLACEMENTS)),
    queue=st.sampled_from(sorted(DISCIPLINES)),
    reclaim=st.sampled_from(sorted(RECLAIMS)),
    preempted=st.sampled_from(["requeue", "lost"]),
)

durations = st.one_of(
    st.builds(Exponential, mean_hours=st.floats(0.2, 20)),
    st.builds(Lognormal, median_hours=st.floats(0.2, 20), sigma=st.floats(0.1, 2)),
    st.builds(Fixed, hours=st.sampled_from([0.5, 1.0, 2.0, 5.0, 10.0])),
)


@st.composite
def sizes(draw):
    values = draw(st.lists(st.sampled_from([1, 1, 2, 3, 4, 4, 6, 8, 8, 12, 16, 24]), min_size=1, max_size=4,
                           unique=True))
    weights = draw(st.lists(st.floats(0.1, 1.0), min_size=len(values), max_size=len(values)))
    return Sizes(tuple(values), tuple(weights))


@st.composite
def tranches(draw, count: int, horizon_h: float):
    """(hour, racks) steps summing to `count`, in time order, some before the start."""
    k = draw(st.integers(1, min(count, 3)))
    cuts = sorted(draw(st.lists(st.integers(1, count - 1), min_size=k - 1, max_size=k - 1, unique=True))) \
        if count > 1 else []
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, count])]
    times = sorted(draw(st.lists(st.floats(-10, horizon_h * 0.6), min_size=len(parts), max_size=len(parts))))
    return tuple((max(t, 0.0), n) for t, n in zip(times, parts) if n > 0)


@st.composite
def spot_tier(draw, name="spot"):
    return Tier(name, discount=draw(st.sampled_from([0.0, 0.3, 0.6, 0.9])),
                capacity=draw(st.sampled_from(CAPACITIES)), preemptible=True,
                notice_h=draw(st.sampled_from([0.0, 0.05, 0.5, 2.0])),
                protected_runtime_h=draw(st.sampled_from([0.0, 0.5, 3.0])),
                on_eviction=draw(st.sampled_from(ON_EVICTION)),
                checkpoint_interval_h=draw(st.sampled_from([None, 0.25, 1.0, 3.0])),
                restart_overhead_h=draw(st.sampled_from([0.0, 0.1, 0.5])),
                quota=draw(st.sampled_from([0.25, 0.5, 1.0])),
                fee=draw(st.sampled_from([None, 0.0, 0.3])),
                bill_lost_work=draw(st.booleans()))


@st.composite
def price_tiers(draw):
    """On-demand, one or two preemptible tiers and sometimes a reserved one at a fixed price,
    in a random order (jobs with no price limit take the first they may use)."""
    tiers = [Tier("on-demand", capacity=draw(st.sampled_from(CAPACITIES))), draw(spot_tier())]
    if draw(st.booleans()):
        tiers.append(draw(spot_tier("spot-b")))
    if draw(st.booleans()):
        tiers.append(Tier("reserved", price_cny_per_accelerator_hour=draw(st.floats(0.5, 5.0)),
                          fee=draw(st.sampled_from([None, 0.1]))))
    return tuple(draw(st.permutations(tiers)))


@st.composite
def scenarios(draw, max_sites: int = 2, max_tenants: int = 2, policy=policies, rate_scale: float = 1.0,
              contended_tenant: bool = False, tiers: bool = False, shares: bool = False):
    """A small random scenario. With `contended_tenant`, tenant t0 exists, owns the first rack
    group, opts half or all of it into the marketplace and has busy demand of its own there,
    so reclaim (preemption) has something to do. With `tiers`, price tiers (spot among them)
    and marketplace classes that choose among them. With `shares`, classes of a share of one
    card (gpu_milli) beside whole-card ones."""
    horizon_h = draw(st.floats(24, 300))
    accelerators = {}
    for i in range(draw(st.integers(1, 2))):
        dense = draw(st.floats(0.05, 1.0))
        accelerators[f"acc{i}"] = AcceleratorType(f"acc{i}", dense, dense * draw(st.sampled_from([1, 2])), 300.0)
    servers = {}
    for i in range(draw(st.integers(1, 2))):
        acc = accelerators[draw(st.sampled_from(sorted(accelerators)))]
        idle = draw(st.floats(0.0, 0.5))
        servers[f"srv{i}"] = ServerModel(f"srv{i}", acc, draw(st.sampled_from([1, 2, 4, 8])),
                                         draw(st.floats(0.5, 10)), idle, draw(st.floats(idle, 1.0)))
    tenants = tuple(
        Tenant(f"t{i}", draw(st.sampled_from([0.5, 1.0] if contended_tenant and i == 0 else [0.0, 0.3, 0.5, 1.0])),
               draw(st.floats(0, 1000)),
               # Sometimes rent covers less power than the racks draw: power over allowance.
               power_allowance_kw_per_rack=draw(st.one_of(st.none(), st.floats(0.0, 5.0))))
        for i in range(draw(st.integers(1 if contended_tenant else 0, max_tenants)))
    )
    owners = [OPERATOR] + [t.name for t in tenants]
    sites = []
    for si in range(draw(st.integers(1, max_sites))):
        groups = []
        for gi in range(draw(st.integers(1, 3))):
            count = draw(st.integers(1, 3))
            per_rack = draw(st.integers(1, 3))
            server = servers[draw(st.sampled_from(sorted(servers)))]
            owner = "t0" if contended_tenant and si == gi == 0 else draw(st.sampled_from(owners))
            groups.append(RackGroup(
                f"g{gi}", f"site{si}", owner, count, server.power_kw * per_rack,
                server, per_rack, per_rack, draw(tranches(count, horizon_h))))
        sites.append(Site(f"site{si}", draw(st.floats(1.0, 2.0)), draw(st.floats(0.0, 1.0)), tuple(groups)))
    site_names = [s.name for s in sites]
    type_names = sorted(accelerators)

    capacity = sum(g.accelerators for s in sites for g in s.rack_groups)

    def client(name, tenant):
        size, duration = draw(sizes()), draw(durations)
        milli = draw(st.sampled_from([0, 100, 250, 300, 500, 700, 900])) if shares else 0
        if milli:
            size = Sizes((1,), (1.0,))
        # An offered load is capped so that no class brings more than ~1,000 jobs.
        per_job = size.mean * mean_hours(duration)
        most = 1000 * per_job / (capacity * horizon_h)
        arrivals = draw(st.one_of(
            st.builds(RatePath, st.tuples(st.tuples(st.just(0.0), st.floats(0.05, 3.0 * rate_scale)))),
            st.builds(OfferedLoad, st.floats(0.2, 1.5).map(lambda f: min(f, most))),
        ))
        if draw(st.integers(0, 3)) == 0:  # sometimes daily profiles and bursts on top
            arrivals = Shaped(arrivals, hour_of_day=draw(st.one_of(st.none(), st.lists(
                st.floats(0.0, 2.0), min_size=24, max_size=24).filter(lambda w: sum(w) > 0).map(tuple))),
                bursts=draw(st.one_of(st.none(), st.builds(Bursts, st.floats(0.05, 0.5), st.floats(0.5, 1.0),
                                                           st.floats(0.5, 24.0)))))
        where = draw(st.one_of(st.none(), st.lists(st.sampled_from(site_names), min_size=1, unique=True).map(tuple)))
        return ClientClass(
            name, arrivals, size, duration,
            draw(st.one_of(st.none(), durations)),
            None if tenant else draw(st.one_of(st.none(), st.floats(0.5, 12))),
            draw(st.one_of(st.none(), st.lists(st.sampled_from(type_names), min_size=1, unique=True).map(tuple))),
            where,
            tenant,
            prefer_sites=draw(st.lists(st.sampled_from(where or site_names), unique=True, max_size=2).map(tuple)),
            gpu_milli=milli,
        )

    clients = [client(f"c{i}", None) for i in range(draw(st.integers(1, 3)))]
    scenario_tiers = draw(price_tiers()) if tiers else ()
    if tiers:
        names = [t.name for t in scenario_tiers]
        clients = [attrs.evolve(
            c, tiers=draw(st.one_of(st.none(), st.lists(st.sampled_from(names), min_size=1, unique=True).map(tuple))),
            interruption_tolerance=draw(st.one_of(st.none(), st.tuples(st.floats(0, 1), st.floats(0, 1)).map(
                lambda lh: Tolerance(min(lh), max(lh))))),
            willingness_to_pay=draw(st.one_of(st.none(), st.builds(WillingnessToPay, st.floats(5.0, 100.0),
                                                                    st.floats(0.0, 1.0)))))
            for c in clients]
        # Contention across tiers on every example: one class on spot alone, one on on-demand alone.
        clients[0] = attrs.evolve(clients[0], tiers=("spot",), interruption_tolerance=Tolerance(1.0, 1.0),
                                  willingness_to_pay=None)
        clients.append(attrs.evolve(clients[0], name="od", tiers=("on-demand",), interruption_tolerance=None))
    for t in tenants:
        if (contended_tenant and t.name == "t0") or draw(st.booleans()):
            clients.append(client("own", t.name))
    pricing = Pricing("dense", {n: draw(st.floats(1.0, 10.0)) for n in type_names},
                      draw(st.floats(0.0, 0.6)), draw(st.floats(0.0, 1.0)))
    # Servers that fail and are repaired, often enough to matter within the horizon.
    failures = draw(st.one_of(st.none(), st.builds(
        Failures, st.sampled_from(["requeue", "lost"]),
        st.dictionaries(st.sampled_from(sorted(servers)),
                        st.builds(ServerFailures, st.floats(5.0, 200.0), st.floats(0.5, 30.0)), min_size=1))))
    return Scenario(
        name="hypothesis", description="", source="<strategy>", seed=draw(st.integers(0, 2**32 - 1)),
        start_date=dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400))),
        horizon_hours=horizon_h, standard_rack_kw=2.5, enforce_power=True,
        accelerators=accelerators, servers=servers, sites=tuple(sites), tenants=tenants,
        clients=tuple(clients), pricing=pricing, policy=draw(policy), failures=failures, tiers=scenario_tiers,
    )
