"""A trace observer that checks the scheduler's invariants during a run, and checks after it.

The numbered invariants are those listed in docs/scheduling.md.
"""

from __future__ import annotations

import math
from collections import Counter

from identities import check_money_identities

from sim.economics.ledger import (
    CLIENT_KIND,
    COLOCATION,
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    ELECTRICITY,
    OPERATOR_ACCOUNT,
    POWER_OVER_ALLOWANCE,
    TENANT_KIND,
)
from sim.economics.pricing import charge_fen
from sim.scheduling.fragmentation import MILLI
from sim.scheduling.job import (
    ABANDONED,
    BALKED,
    COMPLETED,
    PREEMPTED_LOST,
    QUEUED,
    REJECTED,
    RUNNING,
    STATES,
)
from sim.scheduling.pool import OPERATOR_POOL, PRIVATE_POOL, SHARED_POOL
from sim.scheduling.trace import Trace
from sim.units import PPM


def fits_free(free: list[int], A: int, size: int) -> bool:
    """Would a gang of `size` fit servers with these free counts (whole servers for each full
    A, one more server for the rest)? Written apart from Pool.fits, as the checker's oracle."""
    whole, rest = divmod(size, A)
    full = sum(1 for f in free if f == A)
    if full < whole:
        return False
    return rest == 0 or full > whole or any(rest <= f < A for f in free)


def check_pool(pool, failed=frozenset(), frac=None) -> None:
    """(1) allocations within each commissioned server; the index matches the counts; shares
    of a card (`frac`, sim/scheduling/fractional.py) never exceed their card.
    (8) a failed server (in `failed`) has nothing free and no job on it."""
    A = pool.A
    assert len(pool.free) == pool.servers
    for sid, free in enumerate(pool.free):
        assert 0 <= free <= A, (pool, sid, free)
        if 0 < free < A:  # fully busy servers are in no bucket; fully free ones in the top one
            bucket = pool.buckets[free]
            assert bucket[pool.pos[sid]] == sid
    assert not pool.buckets[0]
    assert sorted(pool.buckets[A]) == [sid for sid, f in enumerate(pool.free) if f == A]
    assert sum(len(b) for b in pool.buckets) == sum(1 for f in pool.free if f)
    held = Counter()
    for job in pool.running:
        for sid, n in job.alloc:
            held[sid] += n
    shared_busy = [0, 0]  # shared cards opened by marketplace work, by a tenant's own
    if frac is not None:  # a shared card is one busy card of its server
        sc = frac.cards[pool.id]
        on_card = Counter()
        for job in pool.running:
            if job.milli:
                assert job.size == 1 and job.alloc == ((sc.server[job.card], 0),), job
                on_card[job.card] += job.milli
        for c, n in enumerate(sc.jobs):
            assert n == sum(1 for j in pool.running if j.milli and j.card == c)
            if n:
                assert 0 <= sc.free[c] and sc.free[c] + on_card[c] == MILLI, f"card {c} of {pool} over a card"
                held[sc.server[c]] += 1
                shared_busy[sc.private[c]] += 1
        assert sc.open == sum(shared_busy)
    for sid, free in enumerate(pool.free):
        if sid in failed:
            assert free == 0 and held[sid] == 0, f"(8) {pool} server {sid} failed but holds {held[sid]}"
        else:
            assert free + held[sid] == A, (pool, sid)
    whole = [j for j in pool.running if not j.milli]
    assert pool.busy_market == sum(j.size for j in whole if not j.private) + shared_busy[0]
    assert pool.busy_private == sum(j.size for j in whole if j.private) + shared_busy[1]
    assert 0 <= pool.busy <= pool.accelerators


class Checker(Trace):
    def __init__(self):
        self.now = 0.0
        self.jobs = {}
        # Per job, its runs: [start, end, accelerator type, failed, hours charged if evicted].
        self.runs: dict[int, list[list[float]]] = {}
        self.passes = 0
        self.notices: dict[int, tuple[int, float, float]] = {}  # job id -> (run, given at, stop at)
        self.kept: dict[int, float] = {}  # job id -> work kept through evictions (the checker's own sums)
        self.evicted: set[int] = set()

    # --- price tiers (10-12 in docs/scheduling.md) ------------------------------------------------
    def _check_quota(self, s) -> None:
        """(11) no preemptible tier holds more than its quota of the capacity it may use."""
        for i, tier in enumerate(s.scenario.tiers):
            if not tier.preemptible or tier.quota >= 1:
                continue
            pools = s.tiers.pools[i]
            held = sum(j.size for p in pools for j in p.running if j.tier == i)
            assert held <= tier.quota * sum(p.accelerators for p in pools) + 1e-9, \
                f"(11) tier {tier.name} holds {held} over its quota"

    def on_notice(self, s, job, stop_h):
        now = self._clock(s)
        tier = s.scenario.tiers[job.tier]
        assert tier.preemptible and job.state == RUNNING and job.id not in self.notices
        assert stop_h >= now + tier.notice_h - 1e-9 and stop_h >= job.start_h + tier.protected_runtime_h - 1e-9
        self.notices[job.id] = (job.runs, now, stop_h)

    def on_evict(self, s, job, pool, lost_h):
        """(10) an eviction comes after its notice and never inside the protected runtime; the
        work lost is what the tier says, and it is charged only if the tier says so."""
        now = self._clock(s)
        start = self.runs[job.id][-1][0]
        tier = s.scenario.tiers[job.tier]
        run, given, stop = self.notices.pop(job.id)
        assert run == job.runs and math.isclose(now, stop, abs_tol=1e-9)
        assert now >= given + tier.notice_h - 1e-9, f"(10) job {job.id} evicted before its notice ran out"
        assert now >= start + tier.protected_runtime_h - 1e-9, f"(10) job {job.id} evicted in its protected runtime"
        overhead = tier.restart_overhead_h if job.id in self.evicted else 0.0
        work = max(0.0, now - start - overhead)
        if tier.on_eviction == "pause":
            kept = work
        elif tier.on_eviction == "requeue" and tier.checkpoint_interval_h:
            kept = tier.checkpoint_interval_h * math.floor(work / tier.checkpoint_interval_h + 1e-9)
        else:
            kept = 0.0
        kept = min(kept, job.duration_h - self.kept.get(job.id, 0.0))
        assert math.isclose(lost_h, work - kept, abs_tol=1e-9), (lost_h, work, kept)
        self.kept[job.id] = self.kept.get(job.id, 0.0) + kept
        self.evicted.add(job.id)
        self._end_run(s, job, pool)
        self.runs[job.id][-1][4] = (now - start) if tier.bill_lost_work else (now - start - lost_h)
        assert job.state == (PREEMPTED_LOST if tier.on_eviction == "kill" else QUEUED) and not job.alloc

    def _clock(self, s) -> float:
        now = s.env.now
        assert now >= self.now, "(7) the clock ran backwards"
        self.now = now
        return now

    def on_submit(self, s, job):
        now = self._clock(s)
        assert job.id not in self.jobs and job.submit_h == now and job.state == QUEUED
        self.jobs[job.id] = job

    def on_drop(self, s, job):
        self._clock(s)
        assert job.id not in self.jobs and job.state in (BALKED, REJECTED)
        self.jobs[job.id] = job

    def on_start(self, s, job, pool):
        now = self._clock(s)
        # (2) a gang of exactly `size` accelerators, one pool (one site, one type), where allowed.
        assert job.state == RUNNING and job.pool is pool and job.start_h == now
        assert sum(n for _, n in job.alloc) == (0 if job.milli else job.size)  # a share: [(server, 0)]
        assert len({sid for sid, _ in job.alloc}) == len(job.alloc)
        assert all(0 <= sid < pool.servers for sid, _ in job.alloc), "(7) started on a server not yet online"
        assert pool in s.cluster.elig_pools[job.elig]
        client = s.scenario.clients[job.client]
        if job.private:
            assert pool.owner == client.tenant and pool.kind in (PRIVATE_POOL, SHARED_POOL)
        else:
            assert pool.kind in (OPERATOR_POOL, SHARED_POOL)
        if client.accelerators is not None:
            assert pool.accelerator in client.accelerators
        if client.sites is not None:
            assert pool.site in client.sites
        assert now >= job.submit_h, "(7) started before it was submitted"
        # (6) owned-first: third-party capacity only when no operator pool fits right now.
        if s.scenario.policy.placement == "owned-first" and not job.private and pool.kind == SHARED_POOL:
            for p in s.cluster.elig_pools[job.elig]:
                room = s.frac.fits(p, job.milli) if job.milli else p.fits(job.size)
                assert p.kind != OPERATOR_POOL or not room, f"{p} fits job {job.id}"
        # (9) a tenant's own work first: no marketplace job takes the tenant's opted-in servers
        # while a job of the tenant's that the discipline may start now would fit there.
        if not job.private and pool.kind == SHARED_POOL:
            self._check_tenant_first(s, job, pool)
        # (8) never on a server out of service.
        down = s.failed.get(pool.id, ())
        assert not [sid for sid, _ in job.alloc if sid in down], f"(8) job {job.id} started on a failed server"
        self.runs.setdefault(job.id, []).append([now, None, pool.accelerator, False, None])
        check_pool(pool, down, s.frac)
        if job.tier >= 0:
            tier = s.scenario.tiers[job.tier]
            assert job.spot == tier.preemptible
            assert pool in s.tiers.pools[job.tier], f"job {job.id} of tier {tier.name} on capacity it may not use"
            self._check_quota(s)

    def _check_tenant_first(self, s, job, pool):
        line = 1 + [t.name for t in s.scenario.tenants].index(pool.owner)
        if not s.queue.line_live[line]:
            return
        before = list(pool.free)  # the pool as it was before this start
        for sid, n in job.alloc:
            before[sid] += n
        for sid in s.failed.get(pool.id, ()):
            before[sid] = 0
        if s.discipline.work_conserving:  # any waiting job of the tenant may start
            waiting = [j for sq in s.queue.active.values() if sq.line == line
                       for _, j in sq.heap if j.state == QUEUED]
        else:  # strict lines: only the head may (later ones wait behind it, or backfill)
            waiting = [s.queue.line_head(line)[0]]
        for own in waiting:
            # A share fits where a whole card was free before, or (checked after this start,
            # so less room than before) on a shared card with room.
            fits = fits_free(before, pool.A, own.size) or (own.milli and s.frac.fits(pool, own.milli))
            if pool in s.cluster.elig_pools[own.elig] and fits:
                raise AssertionError(f"(9) marketplace job {job.id} took {pool} while tenant job "
                                     f"{own.id} (size {own.size}) fits there and waits")

    def _end_run(self, s, job, pool, failed=False):
        now = self._clock(s)
        run = self.runs[job.id][-1]
        assert run[1] is None
        run[1] = now
        run[3] = failed
        self.notices.pop(job.id, None)  # a run under notice that ended otherwise first
        check_pool(pool, s.failed.get(pool.id, ()), s.frac)

    def on_fail(self, s, job, pool):
        """(8) a job on a server that failed: stopped unbilled, requeued or lost."""
        self._end_run(s, job, pool, failed=True)
        assert job.state in (QUEUED, PREEMPTED_LOST) and not job.alloc

    def on_finish(self, s, job, pool):
        self._end_run(s, job, pool)
        assert job.state == COMPLETED
        # A job evicted before runs the work it kept not again, plus its tier's restart overhead.
        expected = job.duration_h
        if job.id in self.evicted:
            expected += s.scenario.tiers[job.tier].restart_overhead_h - self.kept[job.id]
        assert math.isclose(self.now - self.runs[job.id][-1][0], expected, rel_tol=1e-9, abs_tol=1e-9)

    def on_preempt(self, s, job, pool):
        self._end_run(s, job, pool)
        assert not job.private and pool.kind == SHARED_POOL
        assert not job.spot, f"(10) spot job {job.id} stopped by reclaim, without notice"
        assert job.state in (QUEUED, PREEMPTED_LOST)

    def on_abandon(self, s, job):
        now = self._clock(s)
        assert job.state == ABANDONED and job.runs == 0 and math.isnan(job.first_start_h)
        assert math.isclose(now - job.submit_h, job.patience_h, rel_tol=1e-9, abs_tol=1e-9)

    def on_pass(self, s):
        """(6) after a pass: a work-conserving discipline leaves nothing waiting that fits;
        any other discipline leaves each line blocked at its head."""
        self._clock(s)
        self.passes += 1
        for pool in s.cluster.pools:  # (8) no job runs on a failed server
            down = s.failed.get(pool.id)
            if down:
                for job in pool.running:
                    assert not [sid for sid, _ in job.alloc if sid in down], f"(8) job {job.id} on a failed server"
        if s.tiers is not None:
            self._check_quota(s)
        q = s.queue
        if s.discipline.work_conserving:
            for sq in q.active.values():
                for _, job in sq.heap:
                    if job.state == QUEUED:
                        assert s.cap(job.elig) < job.size, f"job {job.id} waits but fits"
        else:
            # Each line blocked at its head; a marketplace head that fits may be held back only
            # by a waiting tenant head that may use the pool it would take (a reservation).
            for line, live in enumerate(q.line_live):
                if live:
                    head, _ = q.line_head(line)
                    pool = s.place(head)
                    if pool is None:
                        continue
                    assert line == 0 and pool.kind == SHARED_POOL, f"line {line} head {head.id} fits but waits"
                    tenant = 1 + [t.name for t in s.scenario.tenants].index(pool.owner)
                    assert q.line_live[tenant] and pool in s.cluster.elig_pools[q.line_head(tenant)[0].elig], \
                        f"marketplace head {head.id} fits {pool} but waits"


MONEY = ("compute_sales_operator_capacity", "compute_sales_third_party_capacity", "intermediary_fee",
         "tenant_payouts", "colocation_rent", "power_over_allowance", "electricity_cost")


def check_money(result, transactions) -> None:
    """(10) The revenue and net identities, from the ledger's transactions up: each stream's
    total in the summary is what the transactions post (to the fen); then the identities in
    the summary, by site, day and year (tests/identities.py)."""
    fen = Counter()
    for t in transactions:
        post = dict(t.postings)
        op = post.get(OPERATOR_ACCOUNT, 0)
        if t.stream == COMPUTE_OPERATOR:
            fen["compute_sales_operator_capacity"] += op
        elif t.stream == COMPUTE_THIRD_PARTY:
            payout = sum(f for a, f in t.postings if a.kind == TENANT_KIND)
            fen["intermediary_fee"] += op
            fen["tenant_payouts"] += payout
            fen["compute_sales_third_party_capacity"] += op + payout
        elif t.stream == COLOCATION:
            fen["colocation_rent"] += op
        elif t.stream == POWER_OVER_ALLOWANCE:
            fen["power_over_allowance"] += op
        elif t.stream == ELECTRICITY:
            fen["electricity_cost"] -= op
    summary = result.summary_dict()["revenue_fen"]
    for k in MONEY:
        assert summary[k] == fen[k], f"(10) {k}: summary {summary[k]} fen, ledger {fen[k]} fen"
    check_money_identities(result)


def check_after(model, checker: Checker, transactions) -> None:
    sched, scenario = model.sched, model.scenario
    horizon = model.horizon_h
    jobs = checker.jobs
    # (3) every job in exactly one state; the counts add up.
    assert len(jobs) == sched.jobs == sum(c.submitted for c in sched.classes)
    states = Counter(j.state for j in jobs.values())
    assert set(states) <= set(STATES)
    total = lambda k: sum(getattr(c, k) for c in sched.classes)  # noqa: E731
    assert states[COMPLETED] == total("completed")
    assert states[ABANDONED] == total("abandoned")
    assert states[BALKED] == total("balked")
    assert states[REJECTED] == total("rejected")
    assert states[PREEMPTED_LOST] == total("preempted_lost")
    assert states[QUEUED] == sched.queue.live
    assert states[RUNNING] == sched.running
    assert total("started") == sum(1 for j in jobs.values() if j.runs > 0)
    for pool in model.cluster.pools:
        check_pool(pool, sched.failed.get(pool.id, ()), sched.frac)
    # (4) billed accelerator-hours = size x time run, each run billed once (a run thrown away
    # by a failure is not billed); (5) in whole fen.
    fen_by_client = Counter()
    tier_fen = Counter()
    for job in jobs.values():
        # A run's hours charged: its length, or for an evicted run what its tier charges (10).
        runs = [(r[0], r[0] + r[4] if r[4] is not None else r[1], r[2])
                for r in checker.runs.get(job.id, []) if not r[3]]
        hours = sum((end if end is not None else horizon) - start for start, end, _ in runs)
        assert all(r[1] is not None for r in checker.runs.get(job.id, [])[:-1])
        if checker.runs.get(job.id) and checker.runs[job.id][-1][1] is None:
            assert job.state == RUNNING
        size = job.milli / MILLI if job.milli else job.size  # a share of a card: pro rata
        assert math.isclose(job.billed_accelerator_hours, size * hours, rel_tol=1e-9, abs_tol=1e-9)
        if job.private or not runs:
            assert job.billed_fen == 0
            continue
        # Each run at the quote for its own accelerator type (a requeued job may move), or at
        # its tier's price.
        def price(acc, job=job):
            quote = model.prices.quote_fen(acc, job.submit_h)
            if job.tier < 0:
                return quote
            tier = scenario.tiers[job.tier]
            if tier.price_cny_per_accelerator_hour is not None:
                return tier.price_cny_per_accelerator_hour * 100
            return (1 - tier.discount) * quote

        expected = sum(charge_fen(price(acc), size, (end if end is not None else horizon) - start)
                       for start, end, acc in runs)
        assert job.billed_fen == expected
        fen_by_client[model.billing.client_accounts[job.client]] += job.billed_fen
        if job.tier >= 0:
            tier_fen[job.tier] += job.billed_fen
    # (12) the bill by tier adds up: each tier's revenue is its jobs' bills.
    if scenario.tiers:
        assert [st.revenue_fen for st in sched.tier_stats] == [tier_fen[i] for i in range(len(scenario.tiers))]
        lost = sum(j.lost_accelerator_hours for j in jobs.values())
        assert math.isclose(sum(st.lost_accelerator_hours for st in sched.tier_stats), lost, abs_tol=1e-6)
    # (5) balanced transactions; client payments = operator compute revenue + tenant payouts.
    paid = Counter()
    fee_rates = {model.prices.fee_ppm / PPM} | {t.fee for t in scenario.tiers if t.fee is not None}
    compute_in = payouts = 0
    for t in transactions:
        assert sum(f for _, f in t.postings) == 0
        assert all(type(f) is int for _, f in t.postings)
        if t.stream in (COMPUTE_OPERATOR, COMPUTE_THIRD_PARTY):
            post = dict(t.postings)
            [(client, amount)] = [(a, -f) for a, f in t.postings if a.kind == CLIENT_KIND]
            paid[client] += amount
            compute_in += post.get(OPERATOR_ACCOUNT, 0)
            payouts += sum(f for a, f in t.postings if a.kind == TENANT_KIND)
            if t.stream == COMPUTE_THIRD_PARTY:
                assert min(abs(post[OPERATOR_ACCOUNT] - amount * r) for r in fee_rates) < 1
    assert paid == fen_by_client
    assert sum(paid.values()) == compute_in + payouts
