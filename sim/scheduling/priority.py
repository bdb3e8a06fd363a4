"""The one priority rule between lines, shared by every queue discipline.

Lines are independent queues: line 0 is the marketplace, line 1 + i is tenant i's own demand.
A tenant's own work goes ahead of marketplace work wherever the two compete (the tenant's
opted-in servers); in the marketplace's line, a preemptible tier's jobs (spot) go after the
other tiers' (sim/scheduling/tiers.py evicts them for the work ranked ahead). Tenants never compete with one another (a tenant's own work runs only on
its own racks), so the order among tenant lines is immaterial; they are taken in index order.

The scheduler puts `rank` in front of every discipline's key and strict disciplines walk
`lines_in_order`, so a discipline added later inherits the rule instead of restating it.
"""

from __future__ import annotations

MARKET_LINE = 0
TENANT_RANK = 0  # a tenant's own work
MARKET_RANK = 1  # marketplace work: after any tenant's where they compete
SPOT_RANK = 2  # marketplace work of a preemptible tier: after all other work in its line


def rank(private: bool, spot: bool = False) -> int:
    """Where a job's line stands (and, inside the marketplace's line, its tier): smaller goes first."""
    return TENANT_RANK if private else SPOT_RANK if spot else MARKET_RANK


def lines_in_order(lines: int) -> list[int]:
    """Line indices, highest priority first: every tenant's line, then the marketplace."""
    return [*range(1, lines), MARKET_LINE]
