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


class Accrual:
    """Charges of one kind, summed until the ledger is next read: what `payer` paid at `where`
    (fen), to `payee`, or with a fee split, the fee to `payee` and the rest to `tenant`; and how
    many charges that was. The ledger books the sums as those charges' transactions would have
    been booked: whole fen added up, so every balance and statement read is the same to the fen.
    A charge on every job's path then costs two additions, not a transaction."""

    __slots__ = ("where", "payer", "payee", "tenant", "fen", "fee", "count")

    def __init__(self, where: Where, payer: Account, payee: Account, tenant: Account | None = None):
        self.where, self.payer, self.payee, self.tenant = where, payer, payee, tenant
        self.fen = self.fee = self.count = 0

    def add(self, fen: int, fee: int = 0) -> None:
        """One charge of `fen` (whole, > 0), of which `fee` goes to the payee (with a tenant)."""
        self.fen += fen
        self.fee += fee
        self.count += 1


class Ledger:
    """Balances and statements read through `balances`, `sums`, `balance` and `transactions`,
    which book what accruals summed since the last read first."""

    def __init__(self, sink=None):
        self._balances: dict[Account, int] = {}
        self._sums: dict[Where, dict[Account, int]] = {}  # where -> account -> fen
        self._transactions = 0
        self.sink = sink
        self._accruals: list[Accrual] = []

    @property
    def balances(self) -> dict[Account, int]:
        self._settle()
        return self._balances

    @property
    def sums(self) -> dict[Where, dict[Account, int]]:
        self._settle()
        return self._sums

    @property
    def transactions(self) -> int:
        self._settle()
        return self._transactions

    def accrual(self, where: Where, payer: Account, payee: Account, tenant: Account | None = None) -> Accrual | None:
        """A new Accrual, or None with a sink (it is to see every transaction, with its time)."""
        if self.sink is not None:
            return None
        a = Accrual(where, payer, payee, tenant)
        self._accruals.append(a)
        return a

    def _settle(self) -> None:
        for a in self._accruals:
            if a.count:
                postings = (((a.payer, -a.fen), (a.payee, a.fen)) if a.tenant is None else
                            ((a.payer, -a.fen), (a.payee, a.fee), (a.tenant, a.fen - a.fee)))
                self._book(a.where, postings)
                self._transactions += a.count
                a.fen = a.fee = a.count = 0

    def _book(self, where: Where, postings) -> None:
        balances = self._balances
        accounts = self._sums.get(where)
        if accounts is None:
            accounts = self._sums[where] = {}
        for account, fen in postings:
            balances[account] = balances.get(account, 0) + fen
            accounts[account] = accounts.get(account, 0) + fen

    def post(self, time_h: float, where: Where, postings, memo: str = "") -> None:
        total = 0
        for account, fen in postings:
            if type(fen) is not int:
                raise LedgerImbalance(f"{where.stream}: {account}: amount {fen!r} is not whole fen")
            total += fen
        if total:
            raise LedgerImbalance(f"{where.stream} at {time_h} h: postings sum to {total} fen, not 0")
        self._book(where, postings)
        self._transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, where, tuple(postings), memo))

    def transfer(self, time_h: float, where: Where, payer: Account, payee: Account, fen: int,
                 memo: str = "") -> None:
        """Two postings, -fen and +fen: balanced by construction, so no check beyond whole fen."""
        if type(fen) is not int:
            raise LedgerImbalance(f"{where.stream}: {payer} -> {payee}: amount {fen!r} is not whole fen")
        if not fen:
            return
        self._book(where, ((payer, -fen), (payee, fen)))
        self._transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, where, ((payer, -fen), (payee, fen)), memo))

    def balance(self, account: Account) -> int:
        return self.balances.get(account, 0)
