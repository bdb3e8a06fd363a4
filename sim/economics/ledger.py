"""An append-only ledger of balanced transactions in integer fen.

A transaction is a set of postings (account, fen) that sums to zero; it is refused
otherwise. Accounts and what a transaction is for are structured keys, not strings to
parse: an `Account` is (kind, name, tenant) and a transaction's `Where` is (stream, site,
owner), the owner being whoever owns the capacity or racks it concerns. The ledger keeps
running sums per account and per (where, account), so a 20-year run never holds its
entries in memory, and statements can total by stream, site and owner. Pass a `sink`
(anything with `append`) to also keep or stream every transaction.
"""

from __future__ import annotations

from typing import NamedTuple

from attrs import frozen

from sim.model.site import OPERATOR

# Streams: what a transaction is for. The money model (sim/economics/money.py) says what each
# is to the operator and which statement lines it feeds; a new one is named there.
COMPUTE_OPERATOR = "compute-operator"  # sales on operator-owned capacity
COMPUTE_THIRD_PARTY = "compute-third-party"  # sales on tenants' opted-in capacity
TOKEN_SALES = "tokens"  # inference services' tokens served on operator-owned capacity
COLOCATION = "colocation"  # tenants' rack rent
POWER_OVER_ALLOWANCE = "power-over-allowance"  # tenants' power above what their rent covers
ELECTRICITY = "electricity"  # power for every commissioned rack, paid by the operator

# Account kinds.
OPERATOR_KIND, TENANT_KIND, CLIENT_KIND, GRID_KIND = "operator", "tenant", "client", "grid"


class Account(NamedTuple):
    kind: str
    name: str = ""  # the tenant's, client class's or site's name
    tenant: str = ""  # a tenant's own client class: that tenant ("" for marketplace clients)


class Where(NamedTuple):
    stream: str
    site: str
    owner: str  # OPERATOR or a tenant's name: whose capacity or racks


OPERATOR_ACCOUNT = Account(OPERATOR_KIND, OPERATOR)


def tenant_account(name: str) -> Account:
    return Account(TENANT_KIND, name)


def client_account(name: str, tenant: str | None = None) -> Account:
    return Account(CLIENT_KIND, name, tenant or "")


def grid_account(site: str) -> Account:
    return Account(GRID_KIND, site)


class LedgerImbalance(ValueError):
    pass


@frozen
class Transaction:
    time_h: float
    where: Where
    postings: tuple[tuple[Account, int], ...]
    memo: str = ""

    @property
    def stream(self) -> str:
        return self.where.stream


class Ledger:
    def __init__(self, sink=None):
        self.balances: dict[Account, int] = {}
        self.sums: dict[Where, dict[Account, int]] = {}  # where -> account -> fen
        self.transactions = 0
        self.sink = sink

    def post(self, time_h: float, where: Where, postings, memo: str = "") -> None:
        total = 0
        for account, fen in postings:
            if type(fen) is not int:
                raise LedgerImbalance(f"{where.stream}: {account}: amount {fen!r} is not whole fen")
            total += fen
        if total:
            raise LedgerImbalance(f"{where.stream} at {time_h} h: postings sum to {total} fen, not 0")
        balances = self.balances
        accounts = self.sums.setdefault(where, {})
        for account, fen in postings:
            balances[account] = balances.get(account, 0) + fen
            accounts[account] = accounts.get(account, 0) + fen
        self.transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, where, tuple(postings), memo))

    def transfer(self, time_h: float, where: Where, payer: Account, payee: Account, fen: int,
                 memo: str = "") -> None:
        """Two postings, -fen and +fen: balanced by construction, so no check beyond whole fen."""
        if type(fen) is not int:
            raise LedgerImbalance(f"{where.stream}: {payer} -> {payee}: amount {fen!r} is not whole fen")
        if not fen:
            return
        balances = self.balances
        balances[payer] = balances.get(payer, 0) - fen
        balances[payee] = balances.get(payee, 0) + fen
        accounts = self.sums.get(where)
        if accounts is None:
            accounts = self.sums[where] = {}
        accounts[payer] = accounts.get(payer, 0) - fen
        accounts[payee] = accounts.get(payee, 0) + fen
        self.transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, where, ((payer, -fen), (payee, fen)), memo))

    def balance(self, account: Account) -> int:
        return self.balances.get(account, 0)
