"""Seeded random streams, one per named purpose.

Each purpose ("client:training:sizes", ...) gets its own Generator from the scenario seed
and a stable hash of its name, so adding or reordering classes never shifts another
class's draws, and the same seed gives the same numbers in any process.
"""

from __future__ import annotations

import zlib

import numpy as np

BLOCK = 4096  # draws are taken in blocks: far cheaper than one numpy call per job


def generator(seed: int, purpose: str) -> np.random.Generator:
    key = zlib.crc32(purpose.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


class Draws:
    """Endless stream of floats drawn in blocks by `draw(rng, n)`."""

    __slots__ = ("rng", "draw", "buf", "i")

    def __init__(self, rng: np.random.Generator, draw):
        self.rng = rng
        self.draw = draw
        self.buf: list = []
        self.i = 0

    def __call__(self):
        if self.i == len(self.buf):
            self.buf = self.draw(self.rng, BLOCK).tolist()
            self.i = 0
        v = self.buf[self.i]
        self.i += 1
        return v
