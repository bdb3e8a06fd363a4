"""Price response: at its arrival, which of its card types a job buys at the quote in force.

A job goes elsewhere from a card type when the operator's quote for it, per dense P-hour of
that card, is above what the job will pay (its willingness to pay, drawn per job) or above
the outside price (what competing centres charge); a stated maximum per accelerator-hour
(`max_price_cny_per_accelerator_hour`) is a limit of its own. A job that buys no type is lost
to price. What a job is worth is its accelerator-hours at the cheapest quote it would pay
(or, lost to price, the cheapest it was offered).
"""

from __future__ import annotations

import math

from sim.economics.pricing import marginal_cost_cny
from sim.model.demand import OutsidePrice
from sim.units import FEN_PER_CNY, HOURS_PER_YEAR


class OutsidePath:
    """Competing centres' price in fen per dense P-hour, from its anchor: along [pricing]'s
    price path when the scenario names one, else falling at its own steady rate."""

    def __init__(self, outside: OutsidePrice):
        self.at_anchor_fen = outside.cny_per_pflops_year * FEN_PER_CNY / HOURS_PER_YEAR
        self.anchor_h = outside.anchor_h
        self.path = outside.path
        self.log_decline_per_hour = math.log1p(-outside.annual_decline) / HOURS_PER_YEAR

    def fen_per_pflops_hour(self, hour: float) -> float:
        if self.path is not None:
            return self.at_anchor_fen * self.path.ratio(self.anchor_h, hour)
        return self.at_anchor_fen * math.exp(self.log_decline_per_hour * (hour - self.anchor_h))


class PriceResponse:
    """One marketplace class's response to the quotes of the card types it may use (in
    `types` order, each with its dense P per accelerator)."""

    def __init__(self, prices, types: tuple[str, ...], pflops: dict[str, float], outside: OutsidePrice | None,
                 floor_fen: dict[str, float] | None = None):
        self.quote = prices.quote_fen
        self.types = tuple((t, pflops[t]) for t in types)
        # A card is not offered below its marginal cost (fen per accelerator-hour): it idles.
        self.floor = {t: (floor_fen or {}).get(t, 0.0) for t in types}
        self.only = types[0] if len(types) == 1 else None  # the common case, kept cheap
        self.outside = OutsidePath(outside) if outside is not None else None
        # A sampled run's prices know the real hour of a simulated one; a full run's are the same.
        self.real_hour = getattr(prices, "real_hour", None)

    def offer(self, max_price_fen: float | None, wtp_fen_per_pflops_hour: float | None,
              now: float) -> tuple[tuple[str, ...] | None, float]:
        """(types bought, or None when no price limits the job; fen per accelerator-hour it is
        worth)."""
        quote = self.quote
        floor = self.floor
        if max_price_fen is None and wtp_fen_per_pflops_hour is None and self.outside is None:
            if self.only is not None:
                q = quote(self.only, now)
                return (None if q >= floor[self.only] else ()), q
            qs = [(quote(t, now), t) for t, _ in self.types]
            if all(q >= floor[t] for q, t in qs):
                return None, min(q for q, _ in qs) if qs else 0.0
            offered = [(q, t) for q, t in qs if q >= floor[t]]
            return tuple(t for _, t in offered), min(q for q, _ in (offered or qs))
        if self.outside is None:
            cap = math.inf
        else:
            cap = self.outside.fen_per_pflops_hour(now if self.real_hour is None else self.real_hour(now))
        if wtp_fen_per_pflops_hour is not None and wtp_fen_per_pflops_hour < cap:
            cap = wtp_fen_per_pflops_hour
        limit = math.inf if max_price_fen is None else max_price_fen
        bought = []
        best = math.inf  # cheapest quote it pays
        cheapest = math.inf  # cheapest quote offered
        for t, p in self.types:
            q = quote(t, now)
            if q < cheapest:
                cheapest = q
            if q <= limit and q <= cap * p and q >= floor[t]:
                bought.append(t)
                if q < best:
                    best = q
        return tuple(bought), (best if bought else (cheapest if self.types else 0.0))


class NoResponse:
    """A tenant's own demand: its customers pay the tenant, not the marketplace."""

    @staticmethod
    def offer(max_price_fen: float | None, wtp_fen_per_pflops_hour: float | None,
              now: float) -> tuple[tuple[str, ...] | None, float]:
        return None, 0.0


def price_response(client, types: tuple[str, ...], prices, scenario) -> PriceResponse | type[NoResponse]:
    """How a class's jobs answer the quotes of the card types it may use."""
    if client.is_private:
        return NoResponse
    pflops = {t: scenario.accelerators[t].pflops_fp16_dense for t in types}
    market = scenario.market_of(client)
    floor = ({t: c * FEN_PER_CNY for t, c in marginal_cost_cny(scenario).items()}
             if getattr(scenario, "pricing", None) is not None else None)
    return PriceResponse(prices, types, pflops, market.outside if market else None, floor)
