"""What a scenario says it does not know: each uncertain input's distribution and source, and
the groups of inputs that move together (a scenario's `[uncertainty]`; README, "The verdict
as a distribution").

A draw is a point u of the unit interval per factor: a group is one factor, every member at
the same quantile u of its own distribution (comonotone: one underlying draw, the members'
ranks move as one); an input outside any group is a factor of its own.
"""

from __future__ import annotations

import math

from attrs import frozen

# A lognormal's unit point is kept off 0 and 1 (Morris' levels reach both ends), where its
# quantile is 0 or infinite: its draws are truncated at these percentiles.
U_MIN, U_MAX = 0.001, 0.999
DISTS = ("uniform", "triangular", "lognormal", "choice")


@frozen
class Input:
    name: str  # the dotted key it sets, or a name of its own when `keys` are given
    keys: tuple[str, ...]  # the scenario keys set to its value
    dist: str  # one of DISTS
    params: tuple  # uniform (low, high); triangular (low, mode, high); lognormal (median, sigma)
    values: tuple = ()  # choice: the values, in the file's order
    weights: tuple = ()  # choice: their probabilities (sum 1)
    source: str = ""

    def at(self, u: float):
        """The value at quantile u in [0, 1]; a number to 6 significant digits and no finer than
        a millionth (fees and rates are whole parts per million in a scenario)."""
        x = self._at(u)
        return x if self.dist == "choice" else short(x)

    def _at(self, u: float):
        u = min(1.0, max(0.0, float(u)))
        if self.dist == "uniform":
            low, high = self.params
            return low + u * (high - low)
        if self.dist == "triangular":
            low, mode, high = self.params
            c = (mode - low) / (high - low)
            if u < c:
                return low + math.sqrt(u * (high - low) * (mode - low))
            return high - math.sqrt((1 - u) * (high - low) * (high - mode))
        if self.dist == "lognormal":
            from scipy.stats import norm

            median, sigma = self.params
            u = min(U_MAX, max(U_MIN, u))
            return median * math.exp(sigma * float(norm.ppf(u)))
        acc = 0.0
        for v, w in zip(self.values, self.weights, strict=True):
            acc += w
            if u < acc:
                return v
        return self.values[-1]

    def describe(self) -> str:
        if self.dist == "uniform":
            return f"uniform {_n(self.params[0])} to {_n(self.params[1])}"
        if self.dist == "triangular":
            return f"triangular {_n(self.params[0])} to {_n(self.params[2])}, mode {_n(self.params[1])}"
        if self.dist == "lognormal":
            return (f"lognormal, median {_n(self.params[0])}, sigma {_n(self.params[1])} "
                    f"(P10-P90 {_n(self.at(0.1))} to {_n(self.at(0.9))})")
        return "one of " + ", ".join(f"{v} ({w:.0%})" for v, w in zip(self.values, self.weights, strict=True))


def short(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, min(6, 5 - math.floor(math.log10(abs(x)))))


def _n(x) -> str:
    return f"{x:,.6g}" if isinstance(x, float) else f"{x:,}" if isinstance(x, int) else str(x)


@frozen
class Group:
    name: str
    members: tuple[str, ...]  # input names
    source: str = ""


@frozen
class Uncertainty:
    """A scenario's uncertain inputs and groups; `factors` are what a design samples."""

    inputs: tuple[Input, ...]
    groups: tuple[Group, ...]
    source: str = ""  # the scenario file

    @property
    def factors(self) -> tuple[tuple[str, tuple[Input, ...]], ...]:
        """(name, inputs) of each factor: the groups, then each input outside a group, in the file's order."""
        by_name = {i.name: i for i in self.inputs}
        grouped = {m for g in self.groups for m in g.members}
        return (tuple((g.name, tuple(by_name[m] for m in g.members)) for g in self.groups)
                + tuple((i.name, (i,)) for i in self.inputs if i.name not in grouped))

    def values_at(self, u_row) -> dict[str, object]:
        """Each input's value at one point of the unit cube (one u per factor)."""
        out = {}
        for u, (_, members) in zip(u_row, self.factors, strict=True):
            for i in members:
                out[i.name] = i.at(u)
        return {i.name: out[i.name] for i in self.inputs}
