"""Billing a run of a job: one charge, rounded once, and its postings.

On operator capacity the client pays the operator; on a tenant's opted-in capacity the
operator keeps the intermediary fee and the tenant gets the rest, in one balanced
transaction. A tenant's own work on its own servers earns the marketplace nothing. A lease
class pays its contract's price per server-month instead of the quote. A job of a price tier
pays its tier's price (a discount on the quote, or a fixed price) and the fee is its tier's.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.economics.ledger import (
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    OPERATOR_ACCOUNT,
    TOKEN_SALES,
    Account,
    Accrual,
    Where,
    client_account,
    tenant_account,
)
from sim.economics.pricing import PriceModel, charge_fen, split_fee
from sim.model.site import OPERATOR
from sim.units import FEN_PER_CNY, fraction_to_ppm


class Route(NamedTuple):
    """Where sales on one kind of capacity go; made once per pool, not per charge."""

    accelerator: str
    where: Where
    tenant: Account | None  # who is paid the rest after the fee; None on operator capacity
    # By client class: its charges by the hour summed until the ledger is read (Billing.route
    # makes the list; None where a class has charged nothing yet, or the ledger keeps each).
    accrued: list[Accrual | None] | None = None


class Billing:
    def __init__(self, prices: PriceModel, ledger, clients, leases=None, tiers=(), per_token=None):
        self.prices = prices
        self.ledger = ledger
        self.client_accounts = [client_account(c.name, c.tenant) for c in clients]
        # Lease classes pay their contract's price per server-month, not the quote: `leases`,
        # by class, each a sim/model/workload.py Lease or None (on demand; all, if not given).
        self.leases = list(leases) if leases is not None else [None] * len(clients)
        self.contracts = any(lease is not None for lease in self.leases)
        # Classes whose jobs earn per token served, not per hour held (an inference service's
        # replicas, sim/workload/service.py): their runs are not charged; `token_sale` books them.
        self.per_token = list(per_token) if per_token is not None else [False] * len(clients)
        self.token_fen = 0  # token sales booked, gross, on any capacity
        self.contracted: dict[tuple[str, str], int] = {}  # (site, owner) -> contract sales, gross fen
        self.take_or_pay_fen = 0  # of which paid for terms left early
        # By tier: (multiplier on the quote, or a fixed price in fen), and the fee in ppm.
        self.tier_prices = [(t.multiplier, None if t.price_cny_per_accelerator_hour is None
                             else t.price_cny_per_accelerator_hour * FEN_PER_CNY) for t in tiers]
        self.tier_fee_ppm = [prices.fee_ppm if t.fee is None else fraction_to_ppm(t.fee) for t in tiers]

    def route(self, accelerator: str, site: str, owner: str) -> Route:
        # A ledger with a sink keeps each transaction: nothing is summed for it.
        accrued: list[Accrual | None] | None = ([None] * len(self.client_accounts) if self.ledger.sink is None
                                                 else None)
        if owner == OPERATOR:
            return Route(accelerator, Where(COMPUTE_OPERATOR, site, owner), None, accrued)
        return Route(accelerator, Where(COMPUTE_THIRD_PARTY, site, owner), tenant_account(owner), accrued)

    def _price_fen(self, client: int, accelerator: str, submit_h: float, tier: int = -1) -> float:
        lease = self.leases[client]
        if lease is not None:
            return lease.fen_per_accelerator_hour
        if tier >= 0:
            multiplier, fixed = self.tier_prices[tier]
            return fixed if fixed is not None else multiplier * self.prices.quote_fen(accelerator, submit_h)
        return self.prices.quote_fen(accelerator, submit_h)

    def charge(self, now: float, client: int, size: float, submit_h: float, hours: float, route: Route,
               tier: int = -1, quoted_fen: float = -1.0) -> int:
        """Bill `size` accelerators for `hours` at the quote in force at `submit_h` (a lease: at
        its contract's price; a tier's job: at its tier's); returns fen. `quoted_fen`: that
        quote for `route`'s card type, if the caller has it (-1: look it up)."""
        if self.per_token[client]:
            return 0
        lease = self.leases[client]
        if lease is None and tier < 0:  # _price_fen's common case, inline (on every job's path)
            price = quoted_fen if quoted_fen >= 0.0 else self.prices.quote_fen(route.accelerator, submit_h)
        else:
            price = self._price_fen(client, route.accelerator, submit_h, tier)
        amount = charge_fen(price, size, hours)
        if not amount:
            return 0
        if lease is not None:
            key = (route.where.site, route.where.owner)
            self.contracted[key] = self.contracted.get(key, 0) + amount
        if tier < 0 and route.accrued is not None:  # summed until the ledger is read (_post's sums)
            acc = route.accrued[client]
            if acc is None:
                acc = route.accrued[client] = self.ledger.accrual(route.where, self.client_accounts[client],
                                                                  OPERATOR_ACCOUNT, route.tenant)
            if acc is not None:  # None: the ledger keeps every transaction
                acc.add(amount, 0 if route.tenant is None else split_fee(amount, self.prices.fee_ppm)[0])
                return amount
        return self._post(now, client, amount, route, tier)

    def amount(self, client: int, size: float, submit_h: float, hours: float, accelerator: str, tier: int = -1) -> int:
        """What `charge` would bill, without billing it (fen)."""
        return charge_fen(self._price_fen(client, accelerator, submit_h, tier), size, hours)

    def token_sale(self, now: float, client: int, amount: int, route: Route) -> int:
        """Book `amount` fen of tokens served by a service's replicas on `route`'s capacity: on the
        operator's, as token sales; on a tenant's, as third-party sales (the fee kept, the rest paid out)."""
        if amount <= 0:
            return 0
        if route.tenant is None:
            route = Route(route.accelerator, Where(TOKEN_SALES, route.where.site, route.where.owner), None)
        self.token_fen += amount
        return self._post(now, client, amount, route)

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

    def _post(self, now: float, client: int, amount: int, route: Route, tier: int = -1) -> int:
        where, tenant = route.where, route.tenant
        payer = self.client_accounts[client]
        if tenant is None:
            self.ledger.transfer(now, where, payer, OPERATOR_ACCOUNT, amount)
        else:
            fee, payout = split_fee(amount, self.prices.fee_ppm if tier < 0 else self.tier_fee_ppm[tier])
            self.ledger.post(now, where, ((payer, -amount), (OPERATOR_ACCOUNT, fee), (tenant, payout)))
        return amount
