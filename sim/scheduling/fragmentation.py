"""GPU fragmentation after Weng et al., "Beware of Fragmentation", USENIX ATC'23 (section 3).

A node's free capacity is fragmented for a task when the task cannot use it: all of it if
the task does not fit on the node at all (too few cards with room, a model it may not use, or
too little CPU or memory); otherwise the free milli of each card too small for the task's
share of one card (a task of whole cards uses only cards that are wholly free). Weighting by
how often each task shape occurs in the workload gives the node's expected fragmentation
F_n(M) = sum_m p_m F_n(m); the cluster's is the sum over nodes, and the fragmentation rate is
that sum over the free capacity: the expected share of free capacity that a job drawn from
the workload could not use.

Capacities are integers in milli-cards (1000 = one card), so sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MILLI = 1000  # milli-cards in one card, as Kubernetes GPU-sharing expresses shares


class Shape:
    """One task shape of a workload: `cards` cards, each `milli` of a card (milli < 1000 only
    with one card; 0 cards: a task that needs no accelerator), on one of `models` (None: any),
    with popularity `p` (shares of the workload sum to 1)."""

    __slots__ = ("cards", "milli", "models", "p")

    def __init__(self, cards: int, milli: int, models: frozenset[str] | None, p: float):
        self.cards, self.milli, self.models, self.p = cards, milli, models, p

    def __repr__(self) -> str:
        return f"Shape({self.cards}, {self.milli}, {sorted(self.models) if self.models else None}, {self.p:.6g})"


def workload(shapes: Iterable[tuple[int, int, Iterable[str] | None]]) -> list[Shape]:
    """The workload's shapes with their popularity, from one (cards, milli, models) per task;
    in order of first appearance (deterministic)."""
    counts: dict[tuple, int] = {}
    for cards, milli, models in shapes:
        key = (cards, milli if cards else 0, frozenset(models) if models else None)
        counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    return [Shape(c, m, ms, n / total) for (c, m, ms), n in counts.items()] if total else []


def task_fragment(cards: Sequence[int], model: str, shape: Shape, fits_otherwise: bool = True) -> int:
    """Free milli of one node (free milli of each of its cards, busy ones 0, of accelerator
    `model`) that a task of `shape` cannot use; `fits_otherwise`: the node has the CPU and
    memory it needs."""
    free = sum(cards)
    if not fits_otherwise or shape.cards == 0 or (shape.models is not None and model not in shape.models):
        return free
    if shape.milli < MILLI:  # a share of one card: cards with less room than the share are lost to it
        if not any(c >= shape.milli for c in cards):
            return free
        return sum(c for c in cards if c < shape.milli)
    whole = sum(1 for c in cards if c == MILLI)
    if shape.cards > len(cards):  # a job of several whole servers: it takes only wholly free ones
        return 0 if whole == len(cards) else free
    if whole < shape.cards:
        return free
    return free - whole * MILLI  # only wholly free cards serve a task of whole cards


def node_fragment(cards: Sequence[int], model: str, shapes: Sequence[Shape],
                  fits_otherwise=None) -> float:
    """Expected fragmentation F_n(M) of one node, milli; `fits_otherwise(shape)` -> bool, None:
    every shape fits as far as CPU and memory go."""
    if fits_otherwise is None:
        return sum(s.p * task_fragment(cards, model, s) for s in shapes)
    return sum(s.p * task_fragment(cards, model, s, fits_otherwise(s)) for s in shapes)


def fragmentation_rate(nodes: Iterable[tuple[Sequence[int], str]], shapes: Sequence[Shape]) -> float:
    """Expected fragmented share of the free capacity of `nodes` ((free milli per card, model)
    each); 0 when nothing is free."""
    frag = free = 0.0
    for cards, model in nodes:
        frag += node_fragment(cards, model, shapes)
        free += sum(cards)
    return frag / free if free else 0.0
