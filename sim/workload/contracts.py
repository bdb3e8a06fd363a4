"""Lease contracts as a job stream: signings from the base arrivals, each contract a job of
whole servers as long as its terms, renewals and early exit make it.

The number of terms is drawn when the contract is signed, from its own seeded stream; that
is the same in distribution as deciding at each term's end, and lets the scheduler see a
contract as one job. Billing (sim/economics/billing.py) prices it per server-month.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from sim.model.workload import Lease
from sim.workload.kind import ArrivalsKind
from sim.workload.random import draws, generator


def contract_hours(lease: Lease, uniform) -> float:
    """One contract's length: whole terms while it renews, a part of one if the lessee leaves."""
    term = lease.term_hours
    hours = 0.0
    while True:
        if next(uniform) < lease.early_exit_probability:
            return hours + next(uniform) * term
        hours += term
        if not next(uniform) < lease.renewal_probability:
            return hours


class ContractStream:
    def __init__(self, lease: Lease, signings, rng):
        self.lease = lease
        self.signings = signings  # the base stream's records: times, sizes, patience
        self.uniform = draws(rng, lambda r, n: r.random(n))

    def __iter__(self) -> Iterator:
        lease, uniform = self.lease, self.uniform
        for rec in self.signings:
            yield rec._replace(duration_h=contract_hours(lease, uniform))


class ContractArrivals(ArrivalsKind):
    """Lease contracts signed as the base arrivals say (its kind from `kind_of`): the base's
    times, sizes and patience, each contract as long as its terms, renewals and exit make it."""

    name = "lease contract"
    # Not sampled: a contract spans many windows: not mapped onto them yet

    def __init__(self, kind_of):
        self.kind_of = kind_of

    def _base(self, client):
        base = client.arrivals.base
        return self.kind_of(base), attrs.evolve(client, arrivals=base)

    def stream(self, index, client, seed, capacity_path):
        kind, plain = self._base(client)
        return ContractStream(client.arrivals.lease, kind.stream(index, plain, seed, capacity_path),
                              generator(seed, "client", client.tenant or "", client.name, "contracts"))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        # Signings as the base says; each lasts the class's duration, the contract's mean.
        kind, plain = self._base(client)
        return kind.expected_jobs(plain, horizon_h, capacity_h, per_job_h)

    def why(self, client, horizon_h, expected):
        kind, plain = self._base(client)
        return kind.why(plain, horizon_h, expected)

    def follows_build_out(self, spec):
        return self.kind_of(spec.base).follows_build_out(spec.base)

    def market_share(self, spec):
        return self.kind_of(spec.base).market_share(spec.base)

    def lease(self, spec):
        return spec.lease
