"""[tiers.<name>] and a class's tier keys: price tiers (sim/model/tiers.py), checked."""

from __future__ import annotations

from sim.model.site import OPERATOR
from sim.model.tiers import CAPACITIES, ON_EVICTION, OPERATOR_CAPACITY, OPTED_IN_CAPACITY, Tier, Tolerance
from sim.scenario.fields import Table, did_you_mean, key_text

# Keys only a preemptible tier has.
SPOT_KEYS = ("notice_h", "protected_runtime_h", "on_eviction", "checkpoint_interval_h", "restart_overhead_h",
             "quota", "bill_lost_work")


def read_tiers(root: Table) -> tuple[Tier, ...] | None:
    """The scenario's tiers in file order; () when it states none, None if any is bad."""
    out, ok = [], True
    for name, t in root.tables("tiers", required=False):
        tier = _tier(t, name)
        ok &= tier is not None
        if tier is not None:
            out.append(tier)
    if ok and out and all(t.preemptible for t in out):
        root.error("tiers", "every tier is preemptible: state one that is not (on-demand), for the work that "
                   "evicts them")
        return None
    return tuple(out) if ok else None


def _tier(t: Table, name: str) -> Tier | None:
    d = Tier(name)
    preemptible = t.boolean("preemptible", name == "spot")
    if t.has("discount") and t.has("price_cny_per_accelerator_hour"):
        t.error("price_cny_per_accelerator_hour", "give discount or price_cny_per_accelerator_hour, not both")
    discount = t.number("discount", 0.0, ge=0, lt=1)
    price = t.number("price_cny_per_accelerator_hour", None, gt=0, le=1e6)
    capacity = t.string("capacity", d.capacity, choices=CAPACITIES)
    fee = t.number("fee", None, ge=0, le=1)
    if preemptible is False:
        for k in SPOT_KEYS:
            if t.has(k):
                t.error(k, "only a preemptible tier has it (preemptible = true)")
                t.raw(k, False)
        spot = {}
    else:
        spot = dict(
            notice_h=t.number("notice_h", d.notice_h, ge=0, le=1e4),
            protected_runtime_h=t.number("protected_runtime_h", d.protected_runtime_h, ge=0, le=1e5),
            on_eviction=t.string("on_eviction", d.on_eviction, choices=ON_EVICTION),
            checkpoint_interval_h=t.number("checkpoint_interval_h", None, gt=0, le=1e5),
            restart_overhead_h=t.number("restart_overhead_h", d.restart_overhead_h, ge=0, le=1e4),
            quota=t.number("quota", d.quota, gt=0, le=1),
            bill_lost_work=t.boolean("bill_lost_work", d.bill_lost_work),
        )
    t.done()
    values = dict(discount=discount, capacity=capacity, preemptible=preemptible, **spot)
    if any(v is None for k, v in values.items() if k != "checkpoint_interval_h") or t.problems.messages:
        return None
    return Tier(name, price_cny_per_accelerator_hour=price, fee=fee, **values)


def check_tier_capacity(root: Table, tiers, sites, tenants) -> None:
    """A tier that may use no capacity at all is a mistake: name it."""
    opted_in = {t.name for t in tenants if t.opt_in_fraction > 0}
    owners = {g.owner for s in sites for g in s.rack_groups}
    has = {OPERATOR_CAPACITY: OPERATOR in owners, OPTED_IN_CAPACITY: bool(owners & opted_in)}
    for tier in tiers:
        kinds = (OPERATOR_CAPACITY, OPTED_IN_CAPACITY) if tier.capacity not in has else (tier.capacity,)
        if not any(has[k] for k in kinds):
            what = {OPERATOR_CAPACITY: "no rack group is the operator's",
                    OPTED_IN_CAPACITY: "no tenant opts servers into the marketplace"}
            root.problems.add(f"tiers.{key_text(tier.name)}.capacity",
                              f"{tier.capacity!r} is no capacity here: " + " and ".join(what[k] for k in kinds))


def read_class_tiers(t: Table, tenant) -> tuple:
    """(tiers a class chooses among or None, its tolerance for interruption or None)."""
    names = t.strings("tiers", None)
    tolerance = None
    if t.has("interruption_tolerance"):
        v = t.data["interruption_tolerance"]
        if not isinstance(v, dict):
            x = t.number("interruption_tolerance", ge=0, le=1)
            tolerance = None if x is None else Tolerance(x, x)
        else:
            u = t.table("interruption_tolerance")
            if u is not None:
                u.string("dist", "uniform", choices=("uniform",))
                low, high = u.number("low", ge=0, le=1), u.number("high", ge=0, le=1)
                u.done()
                if None not in (low, high):
                    if high < low:
                        u.error("high", f"must be at least low ({low!r}), got {high!r}")
                    else:
                        tolerance = Tolerance(low, high)
    if tenant is not None:
        for k in ("tiers", "interruption_tolerance"):
            if t.has(k):
                t.error(k, "a tenant's own demand has no tier (it goes ahead of every tier on its racks)")
        return None, None
    return names, tolerance


def check_class_tiers(root: Table, clients, tiers) -> None:
    """A class's `tiers` name tiers the scenario has; class tier keys need [tiers]."""
    known = {t.name for t in tiers}
    for c in clients:
        where = f"clients.{key_text(c.name)}"
        if (c.tiers is not None or c.interruption_tolerance is not None) and not tiers:
            root.problems.add(f"{where}.{'tiers' if c.tiers is not None else 'interruption_tolerance'}",
                              "the scenario states no [tiers]")
            continue
        for n in c.tiers or ():
            if n not in known:
                root.problems.add(f"{where}.tiers", f"no tier named {n!r} in [tiers]" + did_you_mean(n, known))
