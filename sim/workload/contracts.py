"""Lease contracts as a job stream: signings from the base arrivals, each contract a job of
whole servers as long as its terms, renewals and early exit make it.

The number of terms is drawn when the contract is signed, from its own seeded stream; that
is the same in distribution as deciding at each term's end, and lets the scheduler see a
contract as one job. Billing (sim/economics/billing.py) prices it per server-month.
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.model.workload import Lease
from sim.workload.random import draws


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
