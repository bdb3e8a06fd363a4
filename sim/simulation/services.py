"""Metering inference services during a run (sim/workload/service.py): what their replicas serve
within the latency objective, what is left over, and the tokens billed.

The run is cut at every hour and every hour an autoscaler's decision takes effect; between two
cuts the rate and the replicas asked for are constant. In the middle of each piece the meter
counts the service's running replicas (a replica the scheduler started late counts from the
next piece it is up in the middle of) and their capacity on the cards they hold; of the requests
that arrive in the piece, those within that capacity are served within the objective (goodput),
the rest violate it. Served requests are billed per token, split over the replicas' capacity
(sim/economics/billing.py token_sale), the fen carried so that each route's total is rounded once.
"""

from __future__ import annotations

from sim.economics.billing import Billing
from sim.workload.kinds import kind_of


class ServiceMeter:
    def __init__(self, model, index: int):
        self.model, self.index = model, index
        self.client = model.scenario.clients[index]
        self.spec = self.client.arrivals
        self.cuts = self.spec.boundaries(model.horizon_h)
        self.per_replica = self.client.gpu_milli / 1000 if self.client.gpu_milli else self.client.sizes.values[0]
        self.requests = 0.0
        self.served = 0.0
        self.violating_pieces = 0
        self.pieces = 0
        self.replica_hours = 0.0
        self.accrued: dict[int, float] = {}  # pool id -> fen served, not rounded
        self.booked: dict[int, int] = {}  # pool id -> fen booked

    def start(self) -> None:
        self._next(0)

    def _next(self, k: int) -> None:
        """One piece at a time on the calendar, each putting the next one there."""
        if k + 1 < len(self.cuts):
            self.model.clock.at((self.cuts[k] + self.cuts[k + 1]) / 2, self._piece, k)

    def _piece(self, k: int) -> None:
        a, b = self.cuts[k], self.cuts[k + 1]
        self._next(k + 1)
        spec, now = self.spec, self.model.env.now
        pools = [(p, sum(1 for j in p.running if j.client == self.index)) for p in self.model.cluster.pools]
        pools = [(p, n) for p, n in pools if n]
        hours = b - a
        cap = {p.id: n * spec.capacity_rps(p.accelerator) * hours * 3600.0 for p, n in pools}
        total_cap = sum(cap.values())
        arrived = spec.requests_between(a, b)
        served = min(arrived, total_cap)
        self.requests += arrived
        self.served += served
        self.pieces += 1
        self.violating_pieces += arrived > total_cap + 1e-9
        self.replica_hours += sum(n for _, n in pools) * hours
        if not served:
            return
        fen = served * spec.fen_per_request
        billing: Billing = self.model.billing
        for p, _ in pools:
            if not cap[p.id]:
                continue
            self.accrued[p.id] = self.accrued.get(p.id, 0.0) + fen * cap[p.id] / total_cap
            due = round(self.accrued[p.id]) - self.booked.get(p.id, 0)
            if due > 0:
                billing.token_sale(now, self.index, due, billing.route(p.accelerator, p.site, p.owner))
                self.booked[p.id] = self.booked.get(p.id, 0) + due


def service_meters(model) -> list[ServiceMeter]:
    return [ServiceMeter(model, i) for i, c in enumerate(model.scenario.clients)
            if not kind_of(c.arrivals).billed_per_hour]


def _r(x: float, nd: int = 6) -> float:
    return round(float(x), nd)


def service_report(model, sales_fen: int) -> dict | None:
    """The summary's `services` section; None if the scenario has no inference service.
    `sales_fen`: all compute sales, gross (token sales among them)."""
    meters = model.services
    if not meters:
        return None
    out = {}
    for m in meters:
        acc_h = m.replica_hours * m.per_replica
        fen = sum(m.booked.values())
        out[m.client.label] = {
            "requests": _r(m.requests, 1),
            "goodput_requests": _r(m.served, 1),  # served within the replicas' capacity
            "goodput_rate": _r(m.served / m.requests) if m.requests else 0.0,
            "violation_rate": _r(1.0 - m.served / m.requests) if m.requests else 0.0,  # requests beyond capacity
            "intervals_violated_share": _r(m.violating_pieces / m.pieces) if m.pieces else 0.0,
            "intervals": m.pieces,
            "replica_hours": _r(m.replica_hours, 3),
            "busy_accelerator_hours": _r(acc_h, 3),
            "token_sales_cny": fen / 100,
            "revenue_per_busy_accelerator_hour_cny": _r(fen / 100 / acc_h, 4) if acc_h else 0.0,
        }
    clients, stats = model.scenario.clients, model.sched.classes
    hourly = [i for i, c in enumerate(clients) if not c.is_private and kind_of(c.arrivals).billed_per_hour]
    hourly_h = sum(stats[i].accelerator_hours for i in hourly)
    hourly_fen = sales_fen - model.billing.token_fen
    return {
        "by_service": out,
        "hourly_work_sales_cny": hourly_fen / 100,  # marketplace jobs billed per accelerator-hour (training...)
        "hourly_work_busy_accelerator_hours": _r(hourly_h, 3),
        "hourly_work_revenue_per_busy_accelerator_hour_cny": _r(hourly_fen / 100 / hourly_h, 4) if hourly_h else 0.0,
    }
