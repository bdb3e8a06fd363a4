"""The site with the lowest share of busy accelerators: balances load across sites."""

from sim.scheduling.placement.base import Placement


class Spread(Placement):
    name = "spread"

    def choose_market(self, job, pools):
        return self._least_loaded(pools, lambda p: p.fits(job.size))

    def choose_fraction(self, job, pools, frac):
        if job.private:
            return super().choose_fraction(job, pools, frac)
        # a share: the pool with room in the least loaded site, best-fit inside it
        best = self._least_loaded(pools, lambda p: frac.fits(p, job.milli))
        return None if best is None else frac.best_fit(job, (best,))

    def _least_loaded(self, pools, fits):
        """The first pool that fits in the site with the lowest share of busy accelerators."""
        pools_by_site: dict[int, tuple] = self.context.cluster.pools_by_site
        best = None
        best_load = 0.0
        for p in pools:
            if not fits(p):
                continue
            site = pools_by_site[p.site_index]
            total = sum(q.accelerators for q in site)
            load = sum(q.busy for q in site) / total if total else 0.0
            if best is None or load < best_load:
                best, best_load = p, load
        return best
