"""Prices: per accelerator-hour, in fen, falling continuously at the scenario's annual rate."""

from __future__ import annotations

import math

from sim.model.scenario import Pricing
from sim.units import FEN_PER_CNY, HOURS_PER_YEAR, PPM, fraction_to_ppm


class PriceBook:
    def __init__(self, pricing: Pricing):
        self.fen_per_accelerator_hour = {
            name: cny * FEN_PER_CNY for name, cny in sorted(pricing.cny_per_accelerator_hour.items())
        }
        self.log_decline_per_hour = math.log1p(-pricing.annual_decline) / HOURS_PER_YEAR
        self.fee_ppm = fraction_to_ppm(pricing.intermediary_fee)

    def quote_fen(self, accelerator: str, hour: float) -> float:
        """Price of one accelerator-hour of `accelerator` quoted at `hour` (fractional fen)."""
        base = self.fen_per_accelerator_hour[accelerator]
        if self.log_decline_per_hour == 0.0:
            return base
        return base * math.exp(self.log_decline_per_hour * hour)


def charge_fen(price_fen_per_accelerator_hour: float, accelerators: int, hours: float) -> int:
    """One charge, rounded once, half to even, to whole fen."""
    return round(price_fen_per_accelerator_hour * accelerators * hours)


def split_fee(amount_fen: int, fee_ppm: int) -> tuple[int, int]:
    """(operator's fee, tenant's payout): integers that add up to the amount by construction."""
    fee = amount_fen * fee_ppm // PPM
    return fee, amount_fen - fee
