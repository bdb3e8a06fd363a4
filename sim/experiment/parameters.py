"""Swept parameters: a list of values, a numeric range, or a choice among named variants.

Each maps a point of the unit interval to a value (Latin hypercube, Sobol, SALib designs),
lists its grid values, and turns a value into scenario overrides.
"""

from __future__ import annotations

import math

from attrs import frozen

from sim.experiment.overrides import as_overrides


@frozen
class Values:
    """Discrete values of the parameter's keys, in the file's order."""

    values: tuple

    def grid(self) -> tuple:
        return self.values

    def count(self) -> int:
        return len(self.values)


@frozen
class Range:
    """[low, high]; integers when both bounds are. A grid takes `steps` values, ends included."""

    low: float
    high: float
    steps: int | None = None
    integer: bool = False

    def grid(self) -> tuple:
        steps = self.steps
        if steps is None:
            raise ValueError("a range on a grid needs its steps")
        if self.integer:
            return tuple(sorted({round(self.low + (self.high - self.low) * i / (steps - 1))
                                 for i in range(steps)}))
        # 12 significant digits: 0.15, not 0.15000000000000002, in tables and overrides
        return tuple(float(f"{self.low + (self.high - self.low) * i / (steps - 1):.12g}")
                     for i in range(steps))

    def at(self, u: float):
        if self.integer:  # equal shares of [0, 1) for each integer, both ends included
            return min(self.high, self.low + math.floor(u * (self.high - self.low + 1)))
        return self.low + u * (self.high - self.low)


@frozen
class Choices:
    """Named variants, each a set of overrides (a policy, a scenario variant)."""

    names: tuple[str, ...]
    settings: tuple[tuple[str, ...], ...]  # overrides of each variant

    def grid(self) -> tuple:
        return self.names

    def count(self) -> int:
        return len(self.names)


@frozen
class Parameter:
    name: str  # the column it gets; the scenario key itself unless `keys` or choices are given
    keys: tuple[str, ...]  # scenario keys it sets (empty for choices)
    kind: Values | Range | Choices

    @property
    def discrete(self) -> bool:
        return not isinstance(self.kind, Range)

    def grid(self) -> tuple:
        return self.kind.grid()

    def at(self, u: float):
        """The value at u in [0, 1): a range's point, or one of the discrete values in equal shares."""
        if isinstance(self.kind, Range):
            return self.kind.at(u)
        options = self.kind.grid()
        return options[min(len(options) - 1, math.floor(u * len(options)))]

    def bounds(self) -> tuple[float, float]:
        """For SALib: a range's own bounds; [0, count) for discrete values, mapped by `from_salib`."""
        if isinstance(self.kind, Range):  # integers: [low, high + 1), floored, an equal share each
            return (float(self.kind.low), float(self.kind.high + (1 if self.kind.integer else 0)))
        return (0.0, float(self.kind.count()))

    def from_salib(self, x: float):
        if isinstance(self.kind, Range):
            if self.kind.integer:
                return min(self.kind.high, max(self.kind.low, math.floor(x)))
            return float(x)
        return self.at(x / self.kind.count())

    def overrides(self, value) -> tuple[str, ...]:
        if isinstance(self.kind, Choices):
            return self.kind.settings[self.kind.names.index(value)]
        return as_overrides({k: value for k in self.keys})
