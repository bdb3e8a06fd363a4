"""Leasing that follows a tenant's own demand: how many racks it leases, and when.

The sizing rule (docs/architecture.md, "Leasing"): at each review the tenant looks at its own
customers' demand D (dense P-hours a year) and wants

    racks = ceil(D / (8,760 h x target utilisation x dense P per rack))

installed, filled into its rack groups in file order and never more than each group has
built. New racks come online `lag` after the review that asked for them. Each lease runs a
`term`; at its end it is renewed for the racks demand then needs. The simulator never takes
servers out of service, so a lease that demand would let go at a term's end is kept: the
racks so kept are counted and reported, never hidden.
"""

from __future__ import annotations

import math

from attrs import frozen

from sim.units import HOURS_PER_YEAR

DEMAND = "follows demand"
FIXED = "fixed path (what-if)"
EVERY_BUILT = "every built rack (what-if)"


@frozen
class DemandLeasing:
    """A tenant's rule for leasing to its own demand."""

    target_utilisation: float  # busy share of installed P the tenant sizes for
    lag_hours: float  # from the review that asks for racks to their servers online
    term_hours: float  # a lease's term; renewed at its end for what demand then needs
    review_hours: float  # how often the tenant looks at its demand


@frozen
class LeaseOutcome:
    """Racks online (hour, racks) per group, and what the rule could not do."""

    online: tuple[tuple[tuple[float, int], ...], ...]
    kept_past_term: int = 0  # most racks held at once that demand would have let go at a term's end
    kept_from_h: float | None = None  # when that first happened


def built_at(built, hour: float) -> int:
    return sum(n for t, n in built if t <= hour)


def wanted(demand_pflops_hours_per_year: float, rule: DemandLeasing, pflops_per_rack: list[float],
           capacity: list[int]) -> list[int]:
    """Racks wanted in each group: the demand's P at the target utilisation, filled into the
    groups in order, each up to `capacity` racks."""
    need_p = demand_pflops_hours_per_year / (HOURS_PER_YEAR * rule.target_utilisation)
    out = []
    for p, cap in zip(pflops_per_rack, capacity, strict=True):
        n = min(cap, max(0, math.ceil(need_p / p - 1e-9))) if need_p > 0 else 0
        out.append(n)
        need_p -= n * p
    return out


def demand_leases(groups, demand_at, rule: DemandLeasing, horizon_h: float) -> LeaseOutcome:
    """`groups`: [(built steps, dense P per rack)]; `demand_at(hour)`: P-hours a year."""
    k = len(groups)
    held = [0] * k
    steps: list[list[tuple[float, int]]] = [[] for _ in range(k)]
    kept = 0
    kept_from = None
    n_reviews = max(1, math.ceil(horizon_h / rule.review_hours - 1e-9))
    for i in range(n_reviews):
        review = i * rule.review_hours
        arrive = review + rule.lag_hours
        if arrive >= horizon_h:
            break
        want = wanted(float(demand_at(review)), rule, [p for _, p in groups],
                      [built_at(b, arrive) for b, _ in groups])
        over_term = 0
        for g in range(k):
            if want[g] > held[g]:
                steps[g].append((arrive, want[g] - held[g]))
                held[g] = want[g]
            elif want[g] < held[g]:
                # Racks whose first term is over could be let go (at renewal); the run cannot
                # take servers away, so they are kept and counted.
                free = sum(n for t, n in steps[g] if arrive - t >= rule.term_hours - 1e-9)
                over_term += min(held[g] - want[g], free)
        if over_term > kept:
            kept = over_term
            if kept_from is None:
                kept_from = arrive
    return LeaseOutcome(tuple(tuple(s) for s in steps), kept, kept_from)
