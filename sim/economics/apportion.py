"""Splitting a whole number of fen over parts without changing the total."""

from __future__ import annotations

import math


def apportion(total: int, weights) -> list[int]:
    """Whole shares of `total` in proportion to `weights` that add up to exactly `total`
    (largest remainder; ties to the earlier part). All-zero weights: all to the first part."""
    weights = list(weights)
    s = math.fsum(weights)
    if not weights:
        return []
    if s <= 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [total * w / s for w in weights]
    shares = [math.floor(x) for x in exact]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares
