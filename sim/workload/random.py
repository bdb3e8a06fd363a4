"""Seeded random streams, one per named purpose.

Each purpose ("client:training:sizes", ...) gets its own Generator from the scenario seed
and a stable hash of its name, so adding or reordering classes never shifts another
class's draws, and the same seed gives the same numbers in any process.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np

BLOCK = 4096  # draws are taken in blocks: far cheaper than one numpy call per job


def generator(seed: int, purpose: str) -> np.random.Generator:
    key = zlib.crc32(purpose.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def draws(rng: np.random.Generator, draw):
    """Endless iterator over values drawn in blocks by `draw(rng, n)`; take one with next().

    Within a block, next() runs in C (itertools), not in a Python method.
    """
    def blocks():
        while True:
            yield draw(rng, BLOCK).tolist()

    return itertools.chain.from_iterable(blocks())
