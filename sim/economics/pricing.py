"""Prices: the price-model interface, the models by name, and how a charge is rounded and split.

A price model quotes one accelerator-hour of a type at an hour, in (fractional) fen, and
holds the intermediary fee in whole ppm. A new model is one class with `quote_fen` and
`fee_ppm`, built from the scenario's Pricing, plus one line in PRICE_MODELS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from sim.model.scenario import Pricing
from sim.units import FEN_PER_CNY, HOURS_PER_YEAR, PPM, fraction_to_ppm


class PriceModel(Protocol):
    fee_ppm: int  # the operator's cut of sales on third-party capacity, parts per million

    def quote_fen(self, accelerator: str, hour: float) -> float:
        """Price of one accelerator-hour of `accelerator` quoted at `hour`, in fen."""


class PriceBook:
    """A price per accelerator type at the anchor date, moving from it along the market's
    price path: a steady decline (price at hour h = anchor price x (1 - decline) ^ (years from
    the anchor to h)) or a named path of dated points (sim/model/pricepath.py)."""

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

    def quote_fen(self, accelerator: str, hour: float) -> float:
        """Price of one accelerator-hour of `accelerator` quoted at `hour` (fractional fen)."""
        base = self.fen_per_accelerator_hour[accelerator]
        if self.path is not None:
            return base * self.path.ratio(self.anchor_h, hour)
        if self.log_decline_per_hour == 0.0:
            return base
        return base * math.exp(self.log_decline_per_hour * (hour - self.anchor_h))


PRICE_MODELS: dict[str, Callable[[Pricing], PriceModel]] = {"declining": PriceBook}


def price_model(pricing: Pricing) -> PriceModel:
    return PRICE_MODELS[pricing.model](pricing)


def charge_fen(price_fen_per_accelerator_hour: float, accelerators: int, hours: float) -> int:
    """One charge, rounded once, half to even, to whole fen."""
    return round(price_fen_per_accelerator_hour * accelerators * hours)


def split_fee(amount_fen: int, fee_ppm: int) -> tuple[int, int]:
    """(operator's fee, tenant's payout): integers that add up to the amount by construction."""
    fee = amount_fen * fee_ppm // PPM
    return fee, amount_fen - fee
