"""Prices: the price-model interface, the models by name, and how a charge is rounded and split.

A price model quotes one accelerator-hour of a type at an hour, in (fractional) fen, and
holds the intermediary fee in whole ppm. A new model is one class with `quote_fen` and
`fee_ppm`, built from the scenario's Pricing, plus one line in PRICE_MODELS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from mypy_extensions import mypyc_attr

from sim.model.generations import ageing_factor
from sim.model.scenario import Pricing
from sim.units import FEN_PER_CNY, HOURS_PER_YEAR, PPM, fraction_to_ppm


class PriceModel(Protocol):
    fee_ppm: int  # the operator's cut of sales on third-party capacity, parts per million
    # Optional: True if a quote depends on the type and hour alone, not on when it is asked, so
    # that a job's charges may reuse the quote it was offered (sim/scheduling/intake.py).
    # Without it (sim/economics/realtime.py's quotes move with the run's clock), each is asked.
    # fixed_quotes: bool

    def quote_fen(self, accelerator: str, hour: float) -> float:
        """Price of one accelerator-hour of `accelerator` quoted at `hour`, in fen."""


@mypyc_attr(allow_interpreted_subclasses=True)  # a new model may extend it (docs/architecture.md)
class PriceBook:
    """A price per accelerator type at the anchor date, moving from it along the market's
    price path: a steady decline (price at hour h = anchor price x (1 - decline) ^ (years from
    the anchor to h)) or a named path of dated points (sim/model/pricepath.py)."""

    fixed_quotes = True

    def __init__(self, pricing: Pricing):
        self.fen_per_accelerator_hour = {
            name: cny * FEN_PER_CNY for name, cny in sorted(pricing.cny_per_accelerator_hour.items())
        }
        self.path = pricing.path if pricing.path is not None and not pricing.path.steady else None
        path_decline = pricing.path.annual_decline if pricing.path is not None else None
        decline = path_decline if path_decline is not None else pricing.annual_decline
        self.log_decline_per_hour = math.log1p(-decline) / HOURS_PER_YEAR
        self.anchor_h = pricing.anchor_h
        self.fee_ppm = fraction_to_ppm(pricing.intermediary_fee)
        self.ageing = pricing.ageing_per_year
        self.superseded_h = dict(pricing.superseded_h)

    def quote_fen(self, accelerator: str, hour: float) -> float:
        """Price of one accelerator-hour of `accelerator` quoted at `hour` (fractional fen)."""
        base = self.fen_per_accelerator_hour[accelerator]
        since = self.superseded_h.get(accelerator)
        if since is not None and hour > since:
            base *= ageing_factor(self.ageing, since, hour)
        if self.path is not None:
            return base * self.path.ratio(self.anchor_h, hour)
        if self.log_decline_per_hour == 0.0:
            return base
        return base * math.exp(self.log_decline_per_hour * (hour - self.anchor_h))


def marginal_cost_cny(scenario) -> dict[str, float]:
    """The floor no card is offered below, CNY per accelerator-hour by type: the power of a busy
    card (its server's sustained draw over its cards) x PUE x electricity at the cheapest site
    that has the type, plus [pricing]'s stated variable cost. Below it a card idles."""
    p = scenario.pricing
    out: dict[str, float] = {}
    for site in scenario.sites:
        for g in site.rack_groups:
            s = g.server
            kw = s.power_kw * s.busy_power_fraction / s.accelerators_per_server
            cost = kw * site.pue * site.electricity_cny_per_kwh + p.variable_cost_cny_per_accelerator_hour
            t = s.accelerator.name
            out[t] = min(out.get(t, math.inf), cost)
    return out


PRICE_MODELS: dict[str, Callable[[Pricing], PriceModel]] = {"declining": PriceBook}


def price_model(pricing: Pricing) -> PriceModel:
    return PRICE_MODELS[pricing.model](pricing)


def charge_fen(price_fen_per_accelerator_hour: float, accelerators: float, hours: float) -> int:
    """One charge, rounded once, half to even, to whole fen."""
    return round(price_fen_per_accelerator_hour * accelerators * hours)


def split_fee(amount_fen: int, fee_ppm: int) -> tuple[int, int]:
    """(operator's fee, tenant's payout): integers that add up to the amount by construction."""
    fee = amount_fen * fee_ppm // PPM
    return fee, amount_fen - fee
