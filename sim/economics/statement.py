"""The operator's income statement, read off the ledger's running sums (fen): for the whole
run, or grouped by anything a transaction's `Where` (stream, site, owner) tells. Its lines
and identities are the money model's (sim/economics/money.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from sim.economics.ledger import OPERATOR_ACCOUNT, OPERATOR_KIND, Where
from sim.economics.money import LINES, STREAMS, lines_of

__all__ = ["LINES", "statement", "statements"]

# Ledger stream -> the money streams booked under it: (position in STREAMS, account kind, sign).
_BOOKED: dict[str, list[tuple[int, str, int]]] = {}
for _i, _s in enumerate(STREAMS):
    _BOOKED.setdefault(_s.ledger, []).append((_i, _s.account, _s.sign))
_N = len(STREAMS)


def statements(ledger, group: Callable[[Where], Hashable | None]) -> dict[Hashable, dict[str, int]]:
    """One statement per group that has postings; `group(where)` None leaves a sum out."""
    parts: dict[Hashable, list[int]] = {}  # group -> fen by money stream, in the order of STREAMS
    for where, accounts in ledger.sums.items():
        k = group(where)
        if k is None:
            continue
        p = parts.get(k)
        if p is None:
            p = parts[k] = [0] * _N
        for i, kind, sign in _BOOKED.get(where.stream, ()):
            if kind == OPERATOR_KIND:  # the one operator account
                p[i] += sign * accounts.get(OPERATOR_ACCOUNT, 0)
            else:
                p[i] += sign * sum(f for a, f in accounts.items() if a.kind == kind)
    return {k: lines_of(p) for k, p in parts.items()}


def statement(ledger) -> dict[str, int]:
    """The whole run's statement."""
    return statements(ledger, lambda where: 0).get(0) or lines_of([0] * _N)
