"""Billing a run of a job: one charge, rounded once, and its postings.

On operator capacity the client pays the operator; on a tenant's opted-in capacity the
operator keeps the intermediary fee and the tenant gets the rest, in one balanced
transaction. A tenant's own work on its own servers earns the marketplace nothing. A lease
class pays its contract's price per server-month instead of the quote.
"""

from __future__ import annotations

import math
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
    def __init__(self, prices: PriceModel, ledger, clients, leases=None):
        self.prices = prices
        self.ledger = ledger
        self.client_accounts = [client_account(c.name, c.tenant) for c in clients]
        # Lease classes pay their contract's price per server-month, not the quote: `leases`,
        # by class, each a sim/model/workload.py Lease or None (on demand; all, if not given).
        self.leases = list(leases) if leases is not None else [None] * len(clients)
        self.contracts = any(lease is not None for lease in self.leases)
        self.contracted: dict[tuple[str, str], int] = {}  # (site, owner) -> contract sales, gross fen
        self.take_or_pay_fen = 0  # of which paid for terms left early

    @staticmethod
    def route(accelerator: str, site: str, owner: str) -> Route:
        if owner == OPERATOR:
            return Route(accelerator, Where(COMPUTE_OPERATOR, site, owner), None)
        return Route(accelerator, Where(COMPUTE_THIRD_PARTY, site, owner), tenant_account(owner))

    def _price_fen(self, client: int, accelerator: str, submit_h: float) -> float:
        lease = self.leases[client]
        return self.prices.quote_fen(accelerator, submit_h) if lease is None else lease.fen_per_accelerator_hour

    def charge(self, now: float, client: int, size: int, submit_h: float, hours: float, route: Route) -> int:
        """Bill `size` accelerators for `hours` at the quote in force at `submit_h` (a lease: at
        its contract's price); returns fen."""
        amount = charge_fen(self._price_fen(client, route.accelerator, submit_h), size, hours)
        if not amount:
            return 0
        if self.leases[client] is not None:
            key = (route.where.site, route.where.owner)
            self.contracted[key] = self.contracted.get(key, 0) + amount
        return self._post(now, client, amount, route)

    def amount(self, client: int, size: int, submit_h: float, hours: float, accelerator: str) -> int:
        """What `charge` would bill, without billing it (fen)."""
        return charge_fen(self._price_fen(client, accelerator, submit_h), size, hours)

    def take_or_pay(self, now: float, client: int, size: int, duration_h: float, route: Route) -> int:
        """At the end of a contract that lasted `duration_h`: if the lessee left during a term,
        the part of its take-or-pay minimum it did not use; returns fen."""
        lease = self.leases[client]
        if lease is None or not lease.take_or_pay:
            return 0
        term = lease.term_hours
        used = duration_h - math.floor(duration_h / term + 1e-9) * term  # of the last term
        if used <= 1e-9 * term:
            return 0  # ended with a whole term
        amount = charge_fen(lease.fen_per_accelerator_hour, size, max(0.0, lease.take_or_pay * term - used))
        if not amount:
            return 0
        key = (route.where.site, route.where.owner)
        self.contracted[key] = self.contracted.get(key, 0) + amount
        self.take_or_pay_fen += amount
        return self._post(now, client, amount, route)

    def _post(self, now: float, client: int, amount: int, route: Route) -> int:
        _, where, tenant = route
        payer = self.client_accounts[client]
        if tenant is None:
            self.ledger.transfer(now, where, payer, OPERATOR_ACCOUNT, amount)
        else:
            fee, payout = split_fee(amount, self.prices.fee_ppm)
            self.ledger.post(now, where, ((payer, -amount), (OPERATOR_ACCOUNT, fee), (tenant, payout)))
        return amount
