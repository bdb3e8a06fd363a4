"""Daily rows and the calendar: closes each day (electricity, tenants' power over their
allowance, a row for the run and one per site and owner class) and each month (colocation rent). Rows hold day means from
time-weighted areas (commissioned and busy accelerators, queue length), never snapshots of
individual events."""

from __future__ import annotations

import datetime as dt

from sim.economics.costs import Colocation, Electricity, PowerAllowance
from sim.economics.statement import statement, statements
from sim.model.site import OPERATOR
from sim.scheduling.pool import OPERATOR_POOL
from sim.simulation.results import DAILY_MONEY, DailyRow, SiteDailyRow
from sim.units import FEN_PER_CNY, HOURS_PER_DAY


def owner_class(owner: str) -> str:
    return "operator" if owner == OPERATOR else "third-party"


def month_starts(start: dt.date, horizon_h: float) -> list[float]:
    """Hours of the first day of each calendar month after `start`, up to the horizon."""
    out: list[float] = []
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


def _site_owner(where):
    return (where.site, owner_class(where.owner))


class Recorder:
    def __init__(self, clock, scenario, cluster, sched, ledger, horizon_h: float, on_day=None):
        self.clock = clock
        self.scenario = scenario
        self.cluster = cluster
        self.sched = sched
        self.ledger = ledger
        self.horizon_h = horizon_h
        self.on_day = on_day  # called as on_day(now_h, horizon_h) after each day closes
        self.electricity = Electricity(scenario, cluster.pools_by_site, ledger)
        self.colocation = Colocation(scenario, ledger)
        self.power_allowance = PowerAllowance(scenario, cluster.pools_by_site, ledger)
        self.rows: list[DailyRow] = []
        self.site_rows: list[SiteDailyRow] = []
        # (site, owner class) -> its pools, in site then operator-first order
        self.groups: dict[tuple[str, str], list] = {}
        for p in cluster.pools:
            self.groups.setdefault((p.site, owner_class(p.owner)), []).append(p)
        self.day_start_h = 0.0
        self.month_start_h = 0.0
        self.months = month_starts(scenario.start_date, horizon_h)
        self.prev_areas = {p.id: (0.0, 0.0, 0.0) for p in cluster.pools}
        self.warm_areas = dict(self.prev_areas)  # pool areas at the end of the warm-up
        self.warm_queue_area = 0.0  # and the queue's
        self.prev_queue_area = 0.0
        self.prev_statement = statement(ledger)
        self.prev_site_statements: dict = {}

    def start(self) -> None:
        self._after(min(HOURS_PER_DAY, self.horizon_h), self._on_day)
        if self.months:
            self._after(self.months[0], self._on_month)
        if 0.0 < self.scenario.warmup_hours < self.horizon_h:
            self._after(self.scenario.warmup_hours, self._on_warm)

    def _after(self, at_h: float, callback) -> None:
        if at_h < self.horizon_h:
            self.clock.at(at_h, callback)

    def _on_warm(self, _=None) -> None:
        now = self.clock.env.now
        for p in self.cluster.pools:
            p.advance(now)
            self.warm_areas[p.id] = (p.area_busy_market, p.area_busy_private, p.area_servers)
        self.warm_queue_area = self.sched.queue.length.area_until(now)

    def _on_day(self, _=None) -> None:
        now = self.clock.env.now
        self.close_day(now)
        self._after(now + HOURS_PER_DAY, self._on_day)

    def _on_month(self, _=None) -> None:
        now = self.clock.env.now
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
        self.power_allowance.bill(self.day_start_h, now)
        hours = now - self.day_start_h
        date = self.scenario.start_date + dt.timedelta(hours=self.day_start_h)
        day = len(self.rows)
        busy = {"op": 0.0, "market": 0.0, "private": 0.0}
        commissioned = 0.0  # accelerator-hours
        by_pool = {}  # pool id -> (commissioned, busy) accelerator-hours of the day
        for p in self.cluster.pools:
            m0, p0, s0 = self.prev_areas[p.id]
            self.prev_areas[p.id] = (p.area_busy_market, p.area_busy_private, p.area_servers)
            dm, dp = p.area_busy_market - m0, p.area_busy_private - p0
            dc = (p.area_servers - s0) * p.A
            commissioned += dc
            by_pool[p.id] = (dc, dm + dp)
            if p.kind == OPERATOR_POOL:
                busy["op"] += dm
            else:
                busy["market"] += dm
            busy["private"] += dp
        queue = self.sched.queue
        q_area = queue.length.area_until(now)
        stmt = statement(self.ledger)
        money = {k + "_cny": (stmt[k] - self.prev_statement[k]) / FEN_PER_CNY for k in DAILY_MONEY}
        self.rows.append(DailyRow(
            day=day, date=date, hours=round(hours, 6),
            commissioned_accelerators=commissioned / hours,
            busy_operator=busy["op"] / hours,
            busy_third_party_marketplace=busy["market"] / hours,
            busy_third_party_private=busy["private"] / hours,
            utilisation=sum(busy.values()) / commissioned if commissioned else 0.0,
            queue_length_mean=(q_area - self.prev_queue_area) / hours,
            queued_at_close=queue.live,
            **money,
        ))
        self._site_rows(day, date, hours, by_pool)
        self.prev_queue_area = q_area
        self.prev_statement = stmt
        self.day_start_h = now
        if self.on_day is not None:
            self.on_day(now, self.horizon_h)

    def _site_rows(self, day: int, date: dt.date, hours: float, by_pool: dict) -> None:
        stmts = statements(self.ledger, _site_owner)
        prev = self.prev_site_statements
        for key, pools in self.groups.items():
            dc = sum(by_pool[p.id][0] for p in pools)
            db = sum(by_pool[p.id][1] for p in pools)
            now_s, before = stmts.get(key), prev.get(key)
            money = {k + "_cny": ((now_s[k] if now_s else 0) - (before[k] if before else 0)) / FEN_PER_CNY
                     for k in DAILY_MONEY}
            self.site_rows.append(SiteDailyRow(
                day=day, date=date, site=key[0], owner_class=key[1],
                commissioned_accelerators=dc / hours, busy_accelerators=db / hours,
                utilisation=db / dc if dc else 0.0, **money,
            ))
        self.prev_site_statements = stmts

    def finish(self) -> None:
        """Close the last (possibly partial) day and month at the horizon."""
        h = self.horizon_h
        if self.month_start_h < h:
            self.close_month(h)
        if self.day_start_h < h:
            self.close_day(h)
