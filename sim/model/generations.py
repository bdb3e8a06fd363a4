"""Accelerator generations: when each became available, its dense P, power and server price.

The market price path ([pricing] path) is the price per dense P-hour of the current (newest)
generation. A card of an older generation is worth less per P against the newest: from the
day a newer generation becomes available its price per P falls by `[pricing] ageing_per_year`
a year (compound, continuous), on top of the path. A refresh buys the newest generation
available at its date, at that generation's server price then (sim/simulation/finance.py).
"""

from __future__ import annotations

import math

from attrs import frozen

from sim.units import HOURS_PER_YEAR


@frozen
class Generation:
    name: str
    available_h: float  # hours after the scenario's start (negative: before it)
    pflops_fp16_dense: float  # per accelerator
    power_w: float  # per accelerator
    accelerators_per_server: int
    server_power_kw: float  # maximum draw of one server
    server_price_cny: float  # one server, at its availability date
    server_price_change_per_year: float = 0.0  # compound, from the availability date
    server_om_cny_per_year: float = 0.0  # O&M per server, power excluded
    accelerator: str | None = None  # the [accelerators] type a run prices as this generation

    @property
    def pflops_per_server(self) -> float:
        return self.pflops_fp16_dense * self.accelerators_per_server

    def server_price_at(self, hour: float) -> float:
        """One server's price bought at `hour` (its availability price before that)."""
        years = max(0.0, hour - self.available_h) / HOURS_PER_YEAR
        return self.server_price_cny * (1.0 + self.server_price_change_per_year) ** years


def newest_at(generations, hour: float) -> Generation | None:
    """The generation available at `hour` with the latest availability (None: none yet)."""
    out = None
    for g in generations:
        if g.available_h <= hour and (out is None or g.available_h > out.available_h):
            out = g
    return out


def superseded_h(generations, g: Generation) -> float:
    """When a newer generation than `g` first became available (inf: never, as far as stated)."""
    later = [x.available_h for x in generations if x.available_h > g.available_h]
    return min(later) if later else math.inf


def ageing_factor(ageing_per_year: float, superseded_at_h: float, hour: float) -> float:
    """A card's price per P against the newest: 1 until a newer generation is out, then
    (1 - ageing) per year since."""
    if ageing_per_year == 0.0 or hour <= superseded_at_h:
        return 1.0
    return math.exp(math.log1p(-ageing_per_year) * (hour - superseded_at_h) / HOURS_PER_YEAR)
