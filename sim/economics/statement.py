"""The operator's income statement, read off the ledger's running sums (fen): for the whole
run, or grouped by anything a transaction's `Where` (stream, site, owner) tells."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from sim.economics.ledger import (
    COLOCATION,
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    ELECTRICITY,
    OPERATOR_ACCOUNT,
    POWER_OVER_ALLOWANCE,
    TENANT_KIND,
    Where,
)

LINES = (
    "compute_sales_operator_capacity",  # marketplace sales on operator-owned servers
    "compute_sales_third_party_capacity",  # gross marketplace sales on tenants' servers
    "intermediary_fee",  # the operator's cut of those
    "tenant_payouts",  # the rest, paid to tenants
    "colocation_rent",  # tenants' rent to the operator
    "power_over_allowance",  # tenants' power above what their rent covers, billed to them
    "electricity_cost",  # paid by the operator
    "operator_revenue",  # own-capacity sales + fees + rent + power over allowance
    "operator_net",  # revenue - electricity
)


def _lines(own: int, fee: int, payouts: int, rent: int, over: int, power: int) -> dict[str, int]:
    revenue = own + fee + rent + over
    return {
        "compute_sales_operator_capacity": own,
        "compute_sales_third_party_capacity": fee + payouts,
        "intermediary_fee": fee,
        "tenant_payouts": payouts,
        "colocation_rent": rent,
        "power_over_allowance": over,
        "electricity_cost": power,
        "operator_revenue": revenue,
        "operator_net": revenue - power,
    }


def statements(ledger, group: Callable[[Where], Hashable | None]) -> dict[Hashable, dict[str, int]]:
    """One statement per group that has postings; `group(where)` None leaves a sum out."""
    parts: dict[Hashable, list[int]] = {}  # own, fee, payouts, rent, power over allowance, electricity
    op = OPERATOR_ACCOUNT
    for where, accounts in ledger.sums.items():
        k = group(where)
        if k is None:
            continue
        p = parts.get(k)
        if p is None:
            p = parts[k] = [0, 0, 0, 0, 0, 0]
        stream = where.stream
        if stream == COMPUTE_OPERATOR:
            p[0] += accounts.get(op, 0)
        elif stream == COMPUTE_THIRD_PARTY:
            p[1] += accounts.get(op, 0)
            p[2] += sum(f for a, f in accounts.items() if a.kind == TENANT_KIND)
        elif stream == COLOCATION:
            p[3] += accounts.get(op, 0)
        elif stream == POWER_OVER_ALLOWANCE:
            p[4] += accounts.get(op, 0)
        elif stream == ELECTRICITY:
            p[5] -= accounts.get(op, 0)
    return {k: _lines(*p) for k, p in parts.items()}


def statement(ledger) -> dict[str, int]:
    """The whole run's statement."""
    return statements(ledger, lambda where: 0).get(0) or _lines(0, 0, 0, 0, 0, 0)
