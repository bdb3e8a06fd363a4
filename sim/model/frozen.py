"""An immutable, hashable mapping, so that a Scenario can be hashed and not mutated."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(Mapping[K, V], Generic[K, V]):
    """A read-only dict that keeps insertion order and hashes by its items."""

    __slots__ = ("_d", "_hash")

    def __init__(self, items=()):
        self._d = dict(items)
        self._hash = None

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._d.items()))
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self._d.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenDict({self._d!r})"


def freeze(mapping) -> FrozenDict:
    """attrs converter: any mapping to a FrozenDict (a FrozenDict as it is)."""
    return mapping if isinstance(mapping, FrozenDict) else FrozenDict(mapping)
