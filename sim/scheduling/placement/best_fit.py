"""The pool whose largest free block is the smallest that still fits: keeps big blocks whole."""

from sim.scheduling.placement.base import Placement


class BestFit(Placement):
    name = "best-fit"

    def choose_market(self, job, pools):
        best = None
        best_block = 0
        for p in pools:
            block = p.max_fit()
            if block >= job.size and (best is None or block < best_block):
                best, best_block = p, block
        return best
