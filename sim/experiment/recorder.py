"""Daily rows and the calendar: closes each day (electricity, a timeseries row) and each
month (colocation rent). Rows hold day means from time-weighted areas (commissioned and
busy accelerators, queue length), never snapshots of individual events."""

from __future__ import annotations

import datetime as dt

from sim.economics.costs import Colocation, Electricity
from sim.economics.statement import statement
from sim.scheduling.pool import OPERATOR_POOL
from sim.units import FEN_PER_CNY, HOURS_PER_DAY

COLUMNS = (
    "day", "date", "hours", "commissioned_accelerators",
    "busy_operator", "busy_third_party_marketplace", "busy_third_party_private", "utilisation",
    "queue_length_mean", "queued_at_close",
    "compute_sales_operator_capacity_cny", "compute_sales_third_party_capacity_cny",
    "intermediary_fee_cny", "tenant_payouts_cny", "colocation_rent_cny", "electricity_cost_cny",
    "operator_net_cny",
)
STREAM_COLUMNS = (
    "compute_sales_operator_capacity", "compute_sales_third_party_capacity", "intermediary_fee",
    "tenant_payouts", "colocation_rent", "electricity_cost", "operator_net",
)


def month_starts(start: dt.date, horizon_h: float) -> list[float]:
    """Hours of the first day of each calendar month after `start`, up to the horizon."""
    out = []
    y, m = start.year, start.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        h = (dt.date(y, m, 1) - start).days * HOURS_PER_DAY
        if h >= horizon_h:
            return out
        out.append(float(h))


def month_hours(start: dt.date, at_h: float) -> float:
    """Length in hours of the calendar month containing hour `at_h`."""
    d = start + dt.timedelta(hours=at_h)
    first = dt.date(d.year, d.month, 1)
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return (nxt - first).days * HOURS_PER_DAY


class Recorder:
    def __init__(self, env, scenario, cluster, sched, ledger, horizon_h: float):
        self.env = env
        self.scenario = scenario
        self.cluster = cluster
        self.sched = sched
        self.ledger = ledger
        self.horizon_h = horizon_h
        self.electricity = Electricity(scenario, cluster, ledger)
        self.colocation = Colocation(scenario, ledger)
        self.rows: list[dict] = []
        self.day_start_h = 0.0
        self.month_start_h = 0.0
        self.months = month_starts(scenario.start_date, horizon_h)
        self.prev_areas = {p.id: (0.0, 0.0, 0.0) for p in cluster.pools}
        self.prev_queue_area = 0.0
        self.prev_statement = statement(ledger)

    def start(self) -> None:
        self._after(min(HOURS_PER_DAY, self.horizon_h), self._on_day)
        if self.months:
            self._after(self.months[0], self._on_month)

    def _after(self, at_h: float, callback) -> None:
        if at_h < self.horizon_h:
            ev = self.env.timeout(at_h - self.env.now)
            ev.callbacks.append(callback)
            self.sched.events += 1

    def _on_day(self, ev) -> None:
        now = self.env.now
        self.close_day(now)
        self._after(now + HOURS_PER_DAY, self._on_day)

    def _on_month(self, ev) -> None:
        now = self.env.now
        self.close_month(now)
        i = self.months.index(now)
        if i + 1 < len(self.months):
            self._after(self.months[i + 1], self._on_month)

    def close_month(self, now: float) -> None:
        start = self.month_start_h
        self.colocation.bill(start, now, month_hours(self.scenario.start_date, start))
        self.month_start_h = now

    def close_day(self, now: float) -> None:
        self.electricity.bill(now)  # advances every pool to now
        hours = now - self.day_start_h
        busy = {"op": 0.0, "market": 0.0, "private": 0.0}
        commissioned = 0.0  # accelerator-hours
        for p in self.cluster.pools:
            m0, p0, s0 = self.prev_areas[p.id]
            self.prev_areas[p.id] = (p.area_busy_market, p.area_busy_private, p.area_servers)
            dm, dp = p.area_busy_market - m0, p.area_busy_private - p0
            commissioned += (p.area_servers - s0) * p.A
            if p.kind == OPERATOR_POOL:
                busy["op"] += dm
            else:
                busy["market"] += dm
            busy["private"] += dp
        queue = self.sched.queue
        q_area = queue.length.area_until(now)
        stmt = statement(self.ledger)
        row = {
            "day": len(self.rows),
            "date": (self.scenario.start_date + dt.timedelta(hours=self.day_start_h)).isoformat(),
            "hours": round(hours, 6),
            "commissioned_accelerators": commissioned / hours,
            "busy_operator": busy["op"] / hours,
            "busy_third_party_marketplace": busy["market"] / hours,
            "busy_third_party_private": busy["private"] / hours,
            "utilisation": sum(busy.values()) / commissioned if commissioned else 0.0,
            "queue_length_mean": (q_area - self.prev_queue_area) / hours,
            "queued_at_close": queue.live,
        }
        for k in STREAM_COLUMNS:
            row[k + "_cny"] = (stmt[k] - self.prev_statement[k]) / FEN_PER_CNY
        self.rows.append(row)
        self.prev_queue_area = q_area
        self.prev_statement = stmt
        self.day_start_h = now

    def finish(self) -> None:
        """Close the last (possibly partial) day and month at the horizon."""
        h = self.horizon_h
        if self.month_start_h < h:
            self.close_month(h)
        if self.day_start_h < h:
            self.close_day(h)
