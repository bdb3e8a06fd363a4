"""A client class: its arrivals, sizes and durations (sim/model/demand.py and workload.py)
and what it may use. Apart from demand.py so that workload.py's laws build on demand.py's
and the class names both without an import cycle."""

from __future__ import annotations

from attrs import frozen

from sim.model.demand import Arrivals, Duration, Sizes, WillingnessToPay, class_label
from sim.model.workload import Contracts, Gamma, Mixture, Shaped, TraceReplay, Weibull


@frozen
class ClientClass:
    name: str
    arrivals: Arrivals | Shaped | TraceReplay | Contracts
    sizes: Sizes
    duration: Duration | Weibull | Gamma | Mixture
    patience: Duration | None = None  # None: waits for ever
    max_price_cny_per_accelerator_hour: float | None = None  # None: accepts any quote
    accelerators: tuple[str, ...] | None = None  # accelerator types it accepts; None: any
    sites: tuple[str, ...] | None = None  # sites it accepts; None: any
    tenant: str | None = None  # set for a tenant's private demand
    # Dense P per accelerator at which its accelerator-hours count as P-hours: the dense P of
    # the cards it may use, or a stated reference when they differ; None: not resolved yet.
    pflops_dense: float | None = None
    willingness_to_pay: WillingnessToPay | None = None  # None: any quote (up to the outside price)
    # Sites tried first, in this order, by placements that take pools in an order (owned-first,
    # and a tenant's own work): a hub's customers served at that hub before the others.
    prefer_sites: tuple[str, ...] = ()
    # With [tiers]: the tiers its jobs choose among (None: all) and their tolerance for
    # interruption (sim/model/tiers.py; None: a preemptible tier is worth nothing to them).
    tiers: tuple[str, ...] | None = None
    interruption_tolerance: object | None = None
    # A share of one card per job, in milli-cards (0 < gpu_milli < 1000; its jobs are of size 1);
    # 0: whole cards (sim/scheduling/fractional.py).
    gpu_milli: int = 0

    @property
    def is_private(self) -> bool:
        return self.tenant is not None

    @property
    def key(self) -> tuple[str, str]:
        """(tenant, name), tenant "" for marketplace clients: unique in a scenario, never joined."""
        return (self.tenant or "", self.name)

    @property
    def label(self) -> str:
        """For people: "name", or "tenant/name" for a tenant's own demand (class_label)."""
        return class_label(self.tenant, self.name)
