"""Fragmentation gradient descent (FGD, Weng et al., "Beware of Fragmentation", USENIX
ATC'23): a share of one card goes to the card whose server's expected fragmentation, for the
shapes of the jobs joined so far, grows least (sim/scheduling/fragmentation.py). Ties go to
the tighter fit, then to the earlier pool, server and card. Whole-card jobs are placed as
best-fit places them (the whole-card index picks their servers)."""

from __future__ import annotations

from sim.scheduling.fragmentation import MILLI, node_fragment
from sim.scheduling.placement.best_fit import BestFit


class FragmentationAware(BestFit):
    name = "fragmentation-aware"

    def choose_fraction(self, job, pools, frac):
        if job.private:
            pools = self.by_kind[job.elig]
        shapes = frac.shapes()
        milli = job.milli
        best = None
        best_key: tuple = ()
        for rank, p in enumerate(pools):
            sc = frac.cards[p.id]
            open_on: dict[int, list[int]] = {}
            for c in sc.live():
                open_on.setdefault(sc.server[c], []).append(c)
            servers = {sid for sid, cs in open_on.items() if any(sc.free[c] >= milli for c in cs)}
            for n in range(1, p.A):  # partly free servers
                servers.update(p.buckets[n])
            if p.buckets[p.A]:  # fully free servers are alike: the one the pool would take
                servers.add(p.buckets[p.A][-1])
            for sid in sorted(servers):
                shared = open_on.get(sid, [])
                whole = p.free[sid]
                cards = [MILLI] * whole + [sc.free[c] for c in shared] + [0] * (p.A - whole - len(shared))
                before = node_fragment(cards, p.accelerator, shapes)
                options = [(whole + i, c) for i, c in enumerate(shared) if sc.free[c] >= milli]
                if whole:
                    options.append((0, -1))  # open a wholly free card
                for i, c in options:
                    after = cards.copy()
                    after[i] -= milli
                    key = (round(node_fragment(after, p.accelerator, shapes) - before, 9), after[i], rank, sid,
                           c)
                    if best is None or key < best_key:
                        best, best_key = p, key
        if best is None:
            return None
        job.card = best_key[4]
        job.server = best_key[3] if best_key[4] < 0 else -1
        return best
