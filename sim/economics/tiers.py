"""Which price tier a marketplace job buys (sim/model/tiers.py), at its arrival.

A tier's run is worth to the job what its run on on-demand capacity is worth (its willingness
to pay, capped by the outside price, per dense P-hour), times the job's tolerance for
interruption for a preemptible tier (drawn per job from its class's distribution). On each
card type a tier sells it, the job's surplus is that worth less the tier's price (per P-hour);
it buys the tier with the largest surplus it can have, none negative, the first in the
scenario's order among equals (so a job with no price limit takes the first tier it may use),
and no price above its stated maximum per accelerator-hour. A job that buys a preemptible tier
though it would have bought another is counted as taken from on-demand (cannibalised); one that
buys it because nothing else was worth its price, as demand that on-demand priced out.
"""

from __future__ import annotations

import math

from sim.units import FEN_PER_CNY


class TierChoice:
    """One marketplace class's choice among its tiers (`tiers`: [(index, Tier, card types it
    sells the class)], in the scenario's order), from the quotes and its price response's parts."""

    def __init__(self, response, tiers):
        self.response = response  # sim.economics.market.PriceResponse: quotes, P per card, outside price
        self.pflops = dict(response.types)
        self.tiers = [(i, t, types, None if t.price_cny_per_accelerator_hour is None
                       else t.price_cny_per_accelerator_hour * FEN_PER_CNY) for i, t, types in tiers]

    def _cap(self, wtp_fen_per_pflops_hour, now: float) -> float:
        r = self.response
        cap = math.inf
        if r.outside is not None:
            cap = r.outside.fen_per_pflops_hour(now if r.real_hour is None else r.real_hour(now))
        if wtp_fen_per_pflops_hour is not None and wtp_fen_per_pflops_hour < cap:
            cap = wtp_fen_per_pflops_hour
        return cap

    def choose(self, max_price_fen, wtp_fen_per_pflops_hour, tolerance: float, now: float):
        """(tier index or None, card types bought, fen per accelerator-hour it pays (or, lost to
        price, the cheapest offered), whether it would have bought a tier that is not preemptible)."""
        quote = self.response.quote
        cap = self._cap(wtp_fen_per_pflops_hour, now)
        limit = math.inf if max_price_fen is None else max_price_fen
        best = None  # (surplus, tier index, types, price)
        other = False
        cheapest = math.inf
        for i, t, types, fixed in self.tiers:
            worth_share = tolerance if t.preemptible else 1.0
            bought, surplus, price = [], -math.inf, math.inf
            for a in types:
                q = fixed if fixed is not None else t.multiplier * quote(a, now)
                cheapest = min(cheapest, q)
                p = self.pflops[a]
                if q > limit:
                    continue
                if math.isinf(cap):
                    s = math.inf if worth_share > 0 else -math.inf
                else:
                    s = worth_share * cap - q / p
                if s < 0:
                    continue
                bought.append(a)
                if s > surplus or (s == surplus and q < price):
                    surplus, price = s, q
            if not bought:
                continue
            other |= not t.preemptible
            if best is None or surplus > best[0]:
                best = (surplus, i, bought, price, t.preemptible)
        if best is None:
            return None, (), (cheapest if cheapest < math.inf else 0.0), False
        _, i, chosen, price, preemptible = best
        return i, tuple(chosen), price, preemptible and other
