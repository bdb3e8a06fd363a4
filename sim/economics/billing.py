"""Billing a run of a job: one charge, rounded once, and its postings.

On operator capacity the client pays the operator; on a tenant's opted-in capacity the
operator keeps the intermediary fee and the tenant gets the rest, in one balanced
transaction. A tenant's own work on its own servers earns the marketplace nothing.
"""

from __future__ import annotations

from typing import NamedTuple

from sim.economics.ledger import (
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    OPERATOR_ACCOUNT,
    Account,
    Where,
    client_account,
    tenant_account,
)
from sim.economics.pricing import PriceModel, charge_fen, split_fee
from sim.model.site import OPERATOR


class Route(NamedTuple):
    """Where sales on one kind of capacity go; made once per pool, not per charge."""

    accelerator: str
    where: Where
    tenant: Account | None  # who is paid the rest after the fee; None on operator capacity


class Billing:
    def __init__(self, prices: PriceModel, ledger, clients):
        self.prices = prices
        self.ledger = ledger
        self.client_accounts = [client_account(c.name, c.tenant) for c in clients]

    @staticmethod
    def route(accelerator: str, site: str, owner: str) -> Route:
        if owner == OPERATOR:
            return Route(accelerator, Where(COMPUTE_OPERATOR, site, owner), None)
        return Route(accelerator, Where(COMPUTE_THIRD_PARTY, site, owner), tenant_account(owner))

    def charge(self, now: float, client: int, size: int, submit_h: float, hours: float, route: Route) -> int:
        """Bill `size` accelerators for `hours` at the quote in force at `submit_h`; returns fen."""
        accelerator, where, tenant = route
        amount = charge_fen(self.prices.quote_fen(accelerator, submit_h), size, hours)
        if not amount:
            return 0
        payer = self.client_accounts[client]
        if tenant is None:
            self.ledger.transfer(now, where, payer, OPERATOR_ACCOUNT, amount)
        else:
            fee, payout = split_fee(amount, self.prices.fee_ppm)
            self.ledger.post(now, where, ((payer, -amount), (OPERATOR_ACCOUNT, fee), (tenant, payout)))
        return amount
