"""Fragmentation gradient descent (FGD, Weng et al., "Beware of Fragmentation", USENIX
ATC'23): a job goes where its server's expected fragmentation, for the shapes of the jobs
joined so far, grows least (sim/scheduling/fragmentation.py): a share of one card to a card,
a job of whole cards that fits on one server to a server. Ties go to the tighter fit, then to
the earlier pool, server and card. Without shares in the scenario (nothing to fragment a
card) and for jobs larger than a server, it places as best-fit does."""

from __future__ import annotations

from sim.scheduling.fragmentation import MILLI, node_fragment
from sim.scheduling.placement.best_fit import BestFit


def _servers(frac, p, need_whole: int, milli: int = 0):
    """(server, its cards, its open shared cards) of pool `p` that can take `need_whole` whole
    cards or a share of `milli` on an open card; fully free servers are alike, so only the one
    the pool would take stands for them."""
    sc = frac.cards[p.id]
    open_on: dict[int, list[int]] = {}
    for c in sc.live():
        open_on.setdefault(sc.server[c], []).append(c)
    servers = {sid for sid, cs in open_on.items() if milli and any(sc.free[c] >= milli for c in cs)}
    for n in range(max(need_whole, 1), p.A):  # partly free servers with room
        servers.update(p.buckets[n])
    if p.buckets[p.A]:
        servers.add(p.buckets[p.A][-1])
    for sid in sorted(servers):
        shared = open_on.get(sid, [])
        whole = p.free[sid]
        yield sid, [MILLI] * whole + [sc.free[c] for c in shared] + [0] * (p.A - whole - len(shared)), shared


class FragmentationAware(BestFit):
    name = "fragmentation-aware"

    def choose_market(self, job, pools):
        frac = self.context.frac
        size = job.size
        if frac is None or any(size > p.A for p in pools):
            return super().choose_market(job, pools)
        shapes = frac.shapes()
        best = None
        best_key: tuple = ()
        for rank, p in enumerate(pools):
            for sid, cards, _ in _servers(frac, p, size):
                if p.free[sid] < size:
                    continue
                after = cards.copy()
                after[:size] = [0] * size  # its wholly free cards come first
                d = node_fragment(after, p.accelerator, shapes) - node_fragment(cards, p.accelerator, shapes)
                key = (round(d, 9), p.free[sid] - size, rank, sid)
                if best is None or key < best_key:
                    best, best_key = p, key
        if best is not None:
            job.server = best_key[3]
        return best

    def choose_fraction(self, job, pools, frac):
        if job.private:
            pools = self.by_kind[job.elig]
        shapes = frac.shapes()
        milli = job.milli
        best = None
        best_key: tuple = ()
        for rank, p in enumerate(pools):
            sc = frac.cards[p.id]
            for sid, cards, shared in _servers(frac, p, 1, milli):
                whole = p.free[sid]
                before = node_fragment(cards, p.accelerator, shapes)
                options = [(whole + i, c) for i, c in enumerate(shared) if sc.free[c] >= milli]
                if whole:
                    options.append((0, -1))  # open a wholly free card
                for i, c in options:
                    after = cards.copy()
                    after[i] -= milli
                    key = (round(node_fragment(after, p.accelerator, shapes) - before, 9), after[i], rank, sid, c)
                    if best is None or key < best_key:
                        best, best_key = p, key
        if best is None:
            return None
        job.card = best_key[4]
        job.server = best_key[3] if best_key[4] < 0 else -1
        return best
