"""Seeded random streams, one per named purpose.

Each purpose, a tuple of names such as ("client", tenant, class, "sizes"), gets its own
Generator from the scenario seed, spawned on a key that spells the names out byte by byte
(each name prefixed by its length), so two purposes never share a stream: no hash that two
names could collide in. Adding or reordering classes never shifts another class's draws,
and the same seed gives the same numbers in any process.
"""

from __future__ import annotations

import itertools

import numpy as np

BLOCK = 4096  # draws are taken in blocks: far cheaper than one numpy call per job


def spawn_key(parts: tuple[str, ...]) -> tuple[int, ...]:
    """An injective spelling of `parts` as SeedSequence spawn-key words."""
    key: list[int] = []
    for part in parts:
        data = part.encode("utf-8")
        key.append(len(data))
        key.extend(data)
    return tuple(key)


def generator(seed: int, *purpose: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key(purpose))))


def draws(rng: np.random.Generator, draw):
    """Endless iterator over values drawn in blocks by `draw(rng, n)`; take one with next().

    Within a block, next() runs in C (itertools), not in a Python method.
    """
    def blocks():
        while True:
            yield draw(rng, BLOCK).tolist()

    return itertools.chain.from_iterable(blocks())
