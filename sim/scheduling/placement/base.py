"""The placement interface: pick one pool, among those a job may use, that can start it now."""

from __future__ import annotations


class Placement:
    name = ""

    def __init__(self, context):
        # context: the scheduler, for prices and site data some policies weigh.
        self.context = context

    def choose(self, job, pools):
        """A pool of `pools` (canonical order) where `job` fits now, or None."""
        if job.private:
            return first_fit(job, sorted_by_kind(pools))
        return self.choose_market(job, pools)

    def choose_market(self, job, pools):  # pragma: no cover - interface
        raise NotImplementedError


def sorted_by_kind(pools):
    # A tenant's own work goes to its private servers before its opted-in ones;
    # marketplace work goes to operator servers before tenants' (kind 0 < 2).
    return sorted(pools, key=lambda p: (p.kind, p.id))


def first_fit(job, pools):
    size = job.size
    for p in pools:
        if p.fits(size):
            return p
    return None
