"""The placement interface: pick one pool, among those a job may use, that can start it now."""

from __future__ import annotations

from typing import ClassVar

from mypy_extensions import mypyc_attr


@mypyc_attr(allow_interpreted_subclasses=True)  # a new policy is a subclass (docs/architecture.md)
class Placement:
    name: ClassVar[str] = ""

    def __init__(self, context):
        # context: the scheduler, for the cluster, prices and site data some policies weigh.
        self.context = context
        self.by_kind = context.cluster.elig_by_kind

    def choose(self, job, pools):
        """A pool of `pools` (the job's eligibility group, canonical order) where `job` fits
        now, or None. Policies may cache per `job.elig`: `pools` is always that group's."""
        if job.private:
            # A tenant's own work goes to the servers it kept before its opted-in ones.
            return first_fit(job, self.by_kind[job.elig])
        return self.choose_market(job, pools)

    def choose_market(self, job, pools):  # pragma: no cover - interface
        raise NotImplementedError

    def choose_fraction(self, job, pools, frac):
        """A pool for a job of a share of one card (`job.milli`), or None; sets job.card (an open
        shared card of that pool, -1: a new one) and job.server (-1: the pool's best fit).
        Every policy packs shares best-fit unless it knows better (sim/scheduling/fractional.py)."""
        if job.private:
            return frac.best_fit(job, self.by_kind[job.elig])
        return frac.best_fit(job, pools)


def first_fit(job, pools):
    size = job.size
    for p in pools:
        if p.fits(size):
            return p
    return None
