"""The operator's income statement, read off the ledger's running sums (fen)."""

from __future__ import annotations

from sim.economics.ledger import (
    COLOCATION,
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    ELECTRICITY,
    OPERATOR_ACCOUNT,
)

LINES = (
    "compute_sales_operator_capacity",  # marketplace sales on operator-owned servers
    "compute_sales_third_party_capacity",  # gross marketplace sales on tenants' servers
    "intermediary_fee",  # the operator's cut of those
    "tenant_payouts",  # the rest, paid to tenants
    "colocation_rent",  # tenants' rent to the operator
    "electricity_cost",  # paid by the operator
    "operator_revenue",  # own-capacity sales + fees + rent
    "operator_net",  # revenue - electricity
)


def statement(ledger) -> dict[str, int]:
    op = OPERATOR_ACCOUNT
    own = ledger.stream_total(COMPUTE_OPERATOR, op)
    fee = ledger.stream_total(COMPUTE_THIRD_PARTY, op)
    payouts = ledger.stream_total_prefix(COMPUTE_THIRD_PARTY, "tenant:")
    rent = ledger.stream_total(COLOCATION, op)
    power = -ledger.stream_total(ELECTRICITY, op)
    revenue = own + fee + rent
    return {
        "compute_sales_operator_capacity": own,
        "compute_sales_third_party_capacity": fee + payouts,
        "intermediary_fee": fee,
        "tenant_payouts": payouts,
        "colocation_rent": rent,
        "electricity_cost": power,
        "operator_revenue": revenue,
        "operator_net": revenue - power,
    }
