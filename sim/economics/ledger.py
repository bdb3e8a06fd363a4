"""An append-only ledger of balanced transactions in integer fen.

A transaction is a set of postings (account, fen) that sums to zero; it is refused
otherwise. The ledger keeps running sums per account and per (stream, account), so a
20-year run never holds its entries in memory. Pass a `sink` (anything with `append`) to
also keep or stream every transaction.
"""

from __future__ import annotations

from attrs import frozen

OPERATOR_ACCOUNT = "operator"

# Streams: what a transaction is for.
COMPUTE_OPERATOR = "compute-operator"  # sales on operator-owned capacity
COMPUTE_THIRD_PARTY = "compute-third-party"  # sales on tenants' opted-in capacity
COLOCATION = "colocation"  # tenants' rack rent
ELECTRICITY = "electricity"  # power for every commissioned rack, paid by the operator
STREAMS = (COMPUTE_OPERATOR, COMPUTE_THIRD_PARTY, COLOCATION, ELECTRICITY)


def tenant_account(name: str) -> str:
    return f"tenant:{name}"


def client_account(key: str) -> str:
    return f"client:{key}"


def grid_account(site: str) -> str:
    return f"grid:{site}"


class LedgerImbalance(ValueError):
    pass


@frozen
class Transaction:
    time_h: float
    stream: str
    postings: tuple[tuple[str, int], ...]
    memo: str = ""


class Ledger:
    def __init__(self, sink=None):
        self.balances: dict[str, int] = {}
        self.by_stream: dict[str, dict[str, int]] = {s: {} for s in STREAMS}  # stream -> account -> fen
        self.transactions = 0
        self.sink = sink

    def post(self, time_h: float, stream: str, postings: tuple[tuple[str, int], ...], memo: str = "") -> None:
        total = 0
        for account, fen in postings:
            if type(fen) is not int:
                raise LedgerImbalance(f"{stream}: {account}: amount {fen!r} is not whole fen")
            total += fen
        if total:
            raise LedgerImbalance(f"{stream} at {time_h} h: postings sum to {total} fen, not 0")
        for account, fen in postings:
            self._add(stream, account, fen)
        self.transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, stream, tuple(postings), memo))

    def transfer(self, time_h: float, stream: str, payer: str, payee: str, fen: int, memo: str = "") -> None:
        """Two postings, -fen and +fen: balanced by construction, so no check beyond whole fen."""
        if type(fen) is not int:
            raise LedgerImbalance(f"{stream}: {payer} -> {payee}: amount {fen!r} is not whole fen")
        if not fen:
            return
        balances = self.balances
        balances[payer] = balances.get(payer, 0) - fen
        balances[payee] = balances.get(payee, 0) + fen
        accounts = self.by_stream.setdefault(stream, {})
        accounts[payer] = accounts.get(payer, 0) - fen
        accounts[payee] = accounts.get(payee, 0) + fen
        self.transactions += 1
        if self.sink is not None:
            self.sink.append(Transaction(time_h, stream, ((payer, -fen), (payee, fen)), memo))

    def _add(self, stream: str, account: str, fen: int) -> None:
        balances = self.balances
        balances[account] = balances.get(account, 0) + fen
        accounts = self.by_stream.setdefault(stream, {})
        accounts[account] = accounts.get(account, 0) + fen

    def stream_total(self, stream: str, account: str) -> int:
        return self.by_stream.get(stream, {}).get(account, 0)

    def stream_total_prefix(self, stream: str, prefix: str) -> int:
        accounts = self.by_stream.get(stream, {})
        return sum(accounts[a] for a in sorted(accounts) if a.startswith(prefix))

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)
