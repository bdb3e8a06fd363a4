"""Lowest cost to the operator per accelerator-hour: marginal power, plus the tenant's
payout (price less the intermediary fee) on third-party capacity."""

from sim.scheduling.placement.base import Placement
from sim.scheduling.pool import SHARED_POOL
from sim.units import FEN_PER_CNY, PPM


class CheapestFirst(Placement):
    name = "cheapest-first"

    def __init__(self, context):
        super().__init__(context)
        sites = {s.name: s for s in context.scenario.sites}
        self.power_fen: dict[int, float] = {}
        for p in context.cluster.pools:
            s, m = sites[p.site], p.server
            kw = m.power_kw * (m.busy_power_fraction - m.idle_power_fraction) / m.accelerators_per_server
            self.power_fen[p.id] = kw * s.pue * s.electricity_cny_per_kwh * FEN_PER_CNY
        self.payout_share = 1.0 - context.prices.fee_ppm / PPM

    def cost_fen(self, job, pool) -> float:
        cost = self.power_fen[pool.id]
        if pool.kind == SHARED_POOL:
            cost += self.payout_share * self.context.prices.quote_fen(pool.accelerator, job.submit_h)
        return cost

    def choose_market(self, job, pools):
        best = None
        best_cost = 0.0
        for p in pools:
            if p.fits(job.size):
                c = self.cost_fen(job, p)
                if best is None or c < best_cost:
                    best, best_cost = p, c
        return best

    def choose_fraction(self, job, pools, frac):
        if job.private:
            return super().choose_fraction(job, pools, frac)
        best = None  # a share: the cheapest pool with room, best-fit inside it
        best_cost = 0.0
        for p in pools:
            if frac.fits(p, job.milli):
                c = self.cost_fen(job, p)
                if best is None or c < best_cost:
                    best, best_cost = p, c
        return None if best is None else frac.best_fit(job, (best,))
