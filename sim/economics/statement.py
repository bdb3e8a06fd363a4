"""The operator's income statement, read off the ledger's running sums (fen): for the whole
run, or grouped by anything a transaction's `Where` (stream, site, owner) tells. Its lines
and identities are the money model's (sim/economics/money.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from sim.economics.ledger import OPERATOR_ACCOUNT, OPERATOR_KIND, Where
from sim.economics.money import LINES, STREAMS, lines, zero

__all__ = ["LINES", "statement", "statements"]

# Ledger stream -> the money streams booked under it: (name, account kind, sign).
_BOOKED: dict[str, list[tuple[str, str, int]]] = {}
for _s in STREAMS:
    _BOOKED.setdefault(_s.ledger, []).append((_s.name, _s.account, _s.sign))


def statements(ledger, group: Callable[[Where], Hashable | None]) -> dict[Hashable, dict[str, int]]:
    """One statement per group that has postings; `group(where)` None leaves a sum out."""
    parts: dict[Hashable, dict[str, int]] = {}  # group -> fen by money stream
    for where, accounts in ledger.sums.items():
        k = group(where)
        if k is None:
            continue
        p = parts.get(k)
        if p is None:
            p = parts[k] = zero()
        for name, kind, sign in _BOOKED.get(where.stream, ()):
            if kind == OPERATOR_KIND:  # the one operator account
                p[name] += sign * accounts.get(OPERATOR_ACCOUNT, 0)
            else:
                p[name] += sign * sum(f for a, f in accounts.items() if a.kind == kind)
    return {k: lines(p) for k, p in parts.items()}


def statement(ledger) -> dict[str, int]:
    """The whole run's statement."""
    return statements(ledger, lambda where: 0).get(0) or lines(zero())
