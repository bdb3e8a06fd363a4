"""Billing a run of a job: one charge, rounded once, and its postings.

On operator capacity the client pays the operator; on a tenant's opted-in capacity the
operator keeps the intermediary fee and the tenant gets the rest, in one balanced
transaction. A tenant's own work on its own servers earns the marketplace nothing.
"""

from __future__ import annotations

import math

from sim.economics.ledger import (
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    OPERATOR_ACCOUNT,
    Where,
    client_account,
    tenant_account,
)
from sim.economics.pricing import PriceModel, charge_fen, split_fee
from sim.model.site import OPERATOR
from sim.model.workload import Contracts


class Billing:
    def __init__(self, prices: PriceModel, ledger, clients):
        self.prices = prices
        self.ledger = ledger
        self.client_accounts = [client_account(c.name, c.tenant) for c in clients]
        self._dest: dict[tuple[str, str], tuple] = {}  # (site, owner) -> (where, tenant account)
        # Lease classes pay their contract's price per server-month, not the quote.
        self.leases = [c.arrivals.lease if isinstance(c.arrivals, Contracts) else None for c in clients]
        self.contracts = any(lease is not None for lease in self.leases)
        self.contracted: dict[tuple[str, str], int] = {}  # (site, owner) -> contract sales, gross fen
        self.take_or_pay_fen = 0  # of which paid for terms left early

    def _destination(self, site: str, owner: str):
        d = self._dest.get((site, owner))
        if d is None:
            if owner == OPERATOR:
                d = (Where(COMPUTE_OPERATOR, site, owner), None)
            else:
                d = (Where(COMPUTE_THIRD_PARTY, site, owner), tenant_account(owner))
            self._dest[(site, owner)] = d
        return d

    def charge(self, now: float, client: int, size: int, submit_h: float, hours: float,
               accelerator: str, site: str, owner: str) -> int:
        """Bill `size` accelerators for `hours` at the quote in force at `submit_h` (a lease: at
        its contract's price); returns fen."""
        lease = self.leases[client]
        price = self.prices.quote_fen(accelerator, submit_h) if lease is None else lease.fen_per_accelerator_hour
        amount = charge_fen(price, size, hours)
        if not amount:
            return 0
        if lease is not None:
            self.contracted[(site, owner)] = self.contracted.get((site, owner), 0) + amount
        return self._post(now, client, amount, site, owner)

    def amount(self, client: int, size: int, submit_h: float, hours: float, accelerator: str) -> int:
        """What `charge` would bill, without billing it (fen)."""
        lease = self.leases[client]
        price = self.prices.quote_fen(accelerator, submit_h) if lease is None else lease.fen_per_accelerator_hour
        return charge_fen(price, size, hours)

    def take_or_pay(self, now: float, client: int, size: int, duration_h: float, site: str, owner: str) -> int:
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
        self.contracted[(site, owner)] = self.contracted.get((site, owner), 0) + amount
        self.take_or_pay_fen += amount
        return self._post(now, client, amount, site, owner)

    def _post(self, now: float, client: int, amount: int, site: str, owner: str) -> int:
        where, tenant = self._destination(site, owner)
        payer = self.client_accounts[client]
        if tenant is None:
            self.ledger.transfer(now, where, payer, OPERATOR_ACCOUNT, amount)
        else:
            fee, payout = split_fee(amount, self.prices.fee_ppm)
            self.ledger.post(now, where, ((payer, -amount), (OPERATOR_ACCOUNT, fee), (tenant, payout)))
        return amount
