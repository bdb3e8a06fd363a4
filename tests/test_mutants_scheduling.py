"""Pools and placement checked against plain reference models: tests written to kill the mutants
`make mutate` left alive in sim/scheduling (docs/testing.md)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from test_policies import BASE, TENANT  # scenario text only

from sim.economics.pricing import PriceBook
from sim.model.hardware import AcceleratorType, ServerModel
from sim.scenario import loads
from sim.scheduling.calendar import Call
from sim.scheduling.dispatch import Dispatch
from sim.scheduling.job import BALKED, PREEMPTED_LOST, QUEUED
from sim.scheduling.placement.base import first_fit
from sim.scheduling.placement.best_fit import BestFit
from sim.scheduling.placement.cheapest_first import CheapestFirst
from sim.scheduling.placement.spread import Spread
from sim.scheduling.pool import OPERATOR_POOL, SHARED_POOL, Pool, WhatIf, fits_counts
from sim.scheduling.queue import JobQueue
from sim.scheduling.trace import Trace
from sim.simulation.run import Model

CARD = AcceleratorType("x", 0.1, 0.2, 100)


def pool(A=4, servers=0, pool_id=0, site_index=0, kind=OPERATOR_POOL):
    p = Pool(pool_id, f"site{site_index}", site_index, "operator", kind,
             ServerModel("s", CARD, A, 1.0, 0.5, 1.0), servers)
    p.commission(servers, 0.0)
    return p


def reference_fits(free: list[int], A: int, size: int) -> bool:
    """The promise: `size // A` wholly free servers and, for the rest, one more server with room."""
    whole, rest = divmod(size, A)
    full = sum(1 for f in free if f == A)
    return full >= whole and (rest == 0 or full > whole or any(rest <= f < A for f in free))


def check(p: Pool, free: list[int], out: set[int]) -> None:
    """The pool's buckets, positions and answers agree with the plain list of free accelerators."""
    A = p.A
    assert p.free == [0 if sid in out else f for sid, f in enumerate(free)]
    assert p.buckets[0] == []
    for n in range(1, A + 1):
        assert sorted(p.buckets[n]) == [sid for sid, f in enumerate(free) if f == n and sid not in out]
    for n in range(1, A):
        for i, sid in enumerate(p.buckets[n]):
            assert p.pos[sid] == i
    live = [0 if sid in out else f for sid, f in enumerate(free)]
    for size in range(1, A * len(free) + 2):
        assert p.fits(size) == reference_fits(live, A, size), size
        assert WhatIf(p).fits(size) == p.fits(size)
    assert p.max_fit() == max([s for s in range(1, A * len(free) + 1) if p.fits(s)], default=0)


@pytest.mark.parametrize("A", [1, 2, 3, 4, 8])
def test_a_pool_agrees_with_a_list_of_free_accelerators_through_a_long_random_walk(A):
    rng = np.random.default_rng(np.random.SeedSequence(23 + A))
    p = pool(A)
    free: list[int] = []
    out: set[int] = set()
    running: list[list[tuple[int, int]]] = []
    for _ in range(300):
        op = rng.choice(list("caaarob"), p=[0.08, 0.2, 0.2, 0.2, 0.24, 0.04, 0.04])
        k = int(rng.integers(0, 1000))
        if op == "c" and len(free) < 6:  # commission
            n = 1 + k % 2
            p.commission(n, 0.0)
            free += [A] * n
        elif op == "a":  # allocate a job that fits
            size = 1 + k % (A * 2 + 1)
            if not p.fits(size):
                continue
            best = min((f for sid, f in enumerate(free) if sid not in out and size % A <= f < A), default=A)
            alloc = p.allocate(size)
            assert sum(n for _, n in alloc) == size
            assert len({sid for sid, _ in alloc}) == len(alloc)
            for sid, n in alloc:
                assert sid not in out and free[sid] >= n
                if n == A:
                    assert free[sid] == A
            if size % A:  # best fit: the partial piece went to the tightest server with room
                assert alloc[-1][1] == size % A and free[alloc[-1][0]] == best
            for sid, n in alloc:
                free[sid] -= n
            running.append(alloc)
        elif op == "r" and running:  # release a running job
            alloc = running.pop(k % len(running))
            p.release(alloc)
            for sid, n in alloc:
                free[sid] += n
        elif op == "o":  # a wholly free server fails
            idle = [sid for sid, f in enumerate(free) if f == A and sid not in out]
            if idle:
                sid = idle[k % len(idle)]
                p.take_out(sid)
                out.add(sid)
        elif op == "b" and out:  # a repaired server comes back
            sid = sorted(out)[k % len(out)]
            p.put_back(sid)
            out.discard(sid)
        check(p, free, out)
    for alloc in running:
        p.release(alloc)
        for sid, n in alloc:
            free[sid] += n
    for sid in sorted(out):
        p.put_back(sid)
    check(p, free, set())
    assert p.busy == 0 and p.free_accelerators == p.accelerators == A * len(free)


def test_a_gang_takes_whole_servers_from_the_top_and_the_rest_by_best_fit():
    p = pool(A=4, servers=4)
    assert p.allocate(3) == ((3, 3),)  # the last wholly free server, 1 left on it
    assert p.allocate(2) == ((2, 2),)  # no server with 2 or 3 free: a whole one
    assert p.allocate(1) == ((3, 1),)  # the tightest: server 3 (1 free), not server 2 (2 free)
    assert p.allocate(8) == ((0, 4), (1, 4))
    assert p.free == [0, 0, 2, 0]
    assert (p.max_fit(), p.fits(2), p.fits(3)) == (2, True, False)
    p.release([(0, 4), (1, 4)])
    assert (p.max_fit(), p.fits(8), p.fits(9), p.fits(10), p.fits(11)) == (10, True, True, True, False)


def test_max_fit_counts_whole_servers_and_the_largest_partial_one():
    p = pool(A=8, servers=3)
    p.allocate(3)  # server 2: 5 free
    p.allocate(7)  # server 1 (whole), 1 free
    assert p.free == [8, 1, 5]
    assert p.max_fit() == 8 + 5
    assert not p.fits(14) and p.fits(13) and p.fits(8) and p.fits(5) and not pool(A=8).fits(1)


def test_areas_are_time_weighted_and_closed_before_each_change():
    p = pool(A=4, servers=0)
    p.commission(2, 0.0)  # 2 servers from 0 h
    p.busy_market, p.busy_private = 3, 1
    p.advance(2.0)
    p.commission(1, 5.0)  # advances to 5 h first: 2 servers x 5 h
    p.advance(5.0)  # no time passed: nothing changes
    p.advance(6.0)
    assert (p.area_servers, p.area_busy_market, p.area_busy_private, p.last_h) == (2 * 5 + 3 * 1, 18.0, 6.0, 6.0)
    assert (p.accelerators, p.busy, p.free_accelerators, p.planned_accelerators) == (12, 4, 8, 0)


def test_what_if_counts_jobs_ending_without_touching_the_pool():
    p = pool(A=4, servers=2)
    a = p.allocate(4)
    b = p.allocate(3)
    w = WhatIf(p)
    assert not w.fits(2)
    w.release(b)
    assert w.fits(4) and not w.fits(5)
    w.release(a)
    assert w.fits(8)
    assert p.free == [1, 0] and not p.fits(2)  # the pool itself unchanged
    assert fits_counts([0, 1, 0, 0, 1], 4, 5) and not fits_counts([0, 0, 0, 0, 1], 4, 5)
    assert fits_counts([0, 0, 0, 1, 1], 4, 3) and not fits_counts([0, 1, 0, 0, 0], 4, 2)


def job(size, private=False, elig=0, submit_h=0.0):
    return SimpleNamespace(size=size, private=private, elig=elig, submit_h=submit_h)


def test_first_fit_takes_the_first_pool_in_order_that_fits():
    small, big = pool(A=4, servers=1), pool(A=4, servers=2, pool_id=1)
    assert first_fit(job(4), [small, big]) is small
    assert first_fit(job(5), [small, big]) is big
    assert first_fit(job(9), [small, big]) is None


def test_best_fit_picks_the_smallest_block_that_fits_and_the_first_of_equals():
    a, b, c = pool(A=4, servers=3), pool(A=4, servers=1, pool_id=1), pool(A=4, servers=1, pool_id=2)
    context = SimpleNamespace(cluster=SimpleNamespace(elig_by_kind={0: (a, b, c)}))
    placement = BestFit(context)
    assert placement.choose(job(2), (a, b, c)) is b  # 4 free, not 12
    assert placement.choose(job(5), (a, b, c)) is a
    assert placement.choose(job(13), (a, b, c)) is None
    assert placement.choose(job(2, private=True), (c, b)) is a  # a tenant's own work: first fit in kind order


def test_spread_picks_the_least_loaded_site():
    a, b = pool(A=4, servers=2, site_index=0), pool(A=4, servers=2, pool_id=1, site_index=1)
    empty = pool(A=4, servers=0, pool_id=2, site_index=2)
    cluster = SimpleNamespace(elig_by_kind={0: (a, b)}, pools_by_site={0: (a,), 1: (b,), 2: (empty,)})
    placement = Spread(SimpleNamespace(cluster=cluster))
    assert placement.choose(job(1), (a, b)) is a  # equal load: the first
    a.busy_market = 1  # 1 of 8 busy at site 0
    assert placement.choose(job(1), (a, b)) is b
    b.busy_market = 2
    assert placement.choose(job(1), (a, b)) is a
    b.busy_market = 1
    assert placement.choose(job(1), (b, a)) is b  # a tie keeps the first
    assert placement.choose(job(9), (a, b)) is None
    assert placement.choose(job(1), (empty, a)) is a  # an empty site does not fit anything


@pytest.mark.parametrize("kind", [OPERATOR_POOL, SHARED_POOL])
def test_repr_names_the_pool(kind):
    assert repr(pool(kind=kind)) == f"Pool(0, site0, operator, {'operator' if kind == OPERATOR_POOL else 'tenant-shared'}, s)"


def test_spread_compares_shares_of_busy_accelerators_not_counts():
    small = pool(A=4, servers=2, site_index=0)  # 8 accelerators, 2 busy: a quarter
    big = pool(A=4, servers=8, pool_id=1, site_index=1)  # 32 accelerators, 4 busy: an eighth
    small.busy_market, big.busy_private = 2, 4
    cluster = SimpleNamespace(elig_by_kind={0: (small, big)}, pools_by_site={0: (small,), 1: (big,)})
    assert Spread(SimpleNamespace(cluster=cluster)).choose(job(1), (small, big)) is big


class Quotes:
    fee_ppm = 200_000

    def quote_fen(self, accelerator, hour):
        return {"x": 100.0, "y": 300.0}[accelerator] + hour


def cheapest(pools, sites):
    cluster = SimpleNamespace(pools=pools, elig_by_kind={0: tuple(pools)})
    context = SimpleNamespace(cluster=cluster, prices=Quotes(), scenario=SimpleNamespace(sites=sites))
    return CheapestFirst(context)


def test_cheapest_first_weighs_marginal_power_and_the_tenants_payout():
    site_a = SimpleNamespace(name="site0", pue=1.5, electricity_cny_per_kwh=0.4)
    site_b = SimpleNamespace(name="site1", pue=1.2, electricity_cny_per_kwh=2.0)
    own = pool(A=4, servers=1, site_index=0)
    shared = pool(A=4, servers=1, pool_id=1, site_index=1, kind=SHARED_POOL)
    c = cheapest([own, shared], [site_a, site_b])
    # Per busy accelerator: 1 kW x (1 - 0.5) / 4 = 0.125 kW x PUE x price, in fen.
    assert c.cost_fen(job(1), own) == pytest.approx(0.125 * 1.5 * 0.4 * 100)
    # On a tenant's capacity the operator also pays the tenant its 80 % of the quote at submission.
    assert c.cost_fen(job(1, submit_h=10.0), shared) == pytest.approx(0.125 * 1.2 * 2.0 * 100 + 0.8 * 110.0)
    assert c.choose(job(1), (shared, own)) is own
    assert c.choose(job(5), (shared, own)) is None


def test_cheapest_first_keeps_the_first_of_equal_costs():
    site = SimpleNamespace(name="site0", pue=1.5, electricity_cny_per_kwh=0.4)
    a, b = pool(A=4, servers=1), pool(A=4, servers=1, pool_id=1)
    c = cheapest([a, b], [site])
    assert c.choose(job(1), (a, b)) is a and c.choose(job(1), (b, a)) is b


# --- the scheduler's events, seen by a trace -------------------------------------------------

class Seen(Trace):
    def __init__(self):
        self.calls = []

    def on_preempt(self, s, job, pool):
        self.calls.append(("preempt", s, job.id, job.state, job.preemptions, pool.owner, s.env.now))

    def on_drop(self, s, job):
        self.calls.append(("drop", s, job.id, job.state))

    def on_start(self, s, job, pool):
        self.calls.append(("start", job.id, s.env.now))


TOO_DEAR = """
[clients.thrifty]
arrivals = { at_hours = [2] }
sizes = { values = [1] }
duration = { dist = "fixed", hours = 1 }
max_price_cny_per_accelerator_hour = 0.5
"""


@pytest.mark.parametrize("preempted, state", [("lost", PREEMPTED_LOST), ("requeue", QUEUED)])
def test_a_trace_sees_the_scheduler_the_job_and_the_pool_of_each_preemption_and_drop(preempted, state):
    scenario = loads(BASE.format(policy=f'reclaim = "preempt"\npreempted = "{preempted}"', body=TENANT + TOO_DEAR),
                     "policies.toml")
    model = Model(scenario, trace=(seen := Seen()))
    model.run()
    drops = [c for c in seen.calls if c[0] == "drop"]
    assert drops == [("drop", model.sched, 3, BALKED)]  # the quote, 1 CNY, is over its 0.5
    preempts = [c for c in seen.calls if c[0] == "preempt"]
    assert preempts == [("preempt", model.sched, 2, state, 1, "t", 5.0), ("preempt", model.sched, 1, state, 1, "t", 5.0)]


class Starts(Trace):
    def __init__(self):
        self.jobs, self.starts = {}, {}

    def on_submit(self, s, job):
        self.jobs[job.id] = job

    def on_drop(self, s, job):
        self.jobs[job.id] = job

    def on_start(self, s, job, pool):
        self.starts.setdefault(job.id, []).append(s.env.now)


def test_a_job_keeps_its_first_start_and_its_latest_and_nan_for_neither_until_it_starts():
    # Plain floats, not None (a compiled build keeps them unboxed): `runs` says whether it started.
    scenario = loads(BASE.format(policy='reclaim = "preempt"\npreempted = "requeue"', body=TENANT + TOO_DEAR),
                     "policies.toml")
    model = Model(scenario, trace=(seen := Starts()))
    model.run()
    assert len(seen.starts[2]) == 2 and seen.starts[2][0] == 1.0  # preempted at 5 and started again
    for jid, job in seen.jobs.items():
        starts = seen.starts.get(jid, [])
        assert job.runs == len(starts)
        if starts:
            assert (job.first_start_h, job.start_h) == (starts[0], starts[-1])
        else:
            assert math.isnan(job.start_h) and math.isnan(job.first_start_h)
            with pytest.raises(ValueError, match="has not started"):
                _ = job.end_h
    assert seen.jobs[3].runs == 0  # balked


class Entries(Trace):
    """Where each start put the job's finish on the calendar."""

    def __init__(self):
        self.seen = []

    def on_start(self, s, job, pool):
        env = s.env
        pending = [*env.calendar, *(e for b in env.far.values() for e in b)]
        own = [(e.time_h, e.seq) for e in pending if e is job]
        calls = [(e.time_h, e.seq) for e in pending if isinstance(e, Call) and e.value is job]
        self.seen.append((job.runs, own, calls, job.due, job.end_h))


def test_a_jobs_first_finish_is_the_job_itself_and_a_restart_gets_an_entry_of_its_own():
    """calendar.py: a job's first finish entry is the job (nothing else made at its start to be
    read and freed at its end); a requeued job's earlier entry is still pending when it starts
    again, so that run's finish is a `Call`, and the stale one fires without effect."""
    scenario = loads(BASE.format(policy='reclaim = "preempt"\npreempted = "requeue"', body=TENANT), "policies.toml")
    model = Model(scenario, trace=(entries := Entries()))
    result = model.run()
    firsts = [seen[1:] for seen in entries.seen if seen[0] == 1]
    again = [seen[1:] for seen in entries.seen if seen[0] > 1]
    assert len(firsts) == 3 and len(again) == 2  # jobs 1 and 2 preempted at 5, started again
    for own, calls, due, end_h in firsts:
        assert own == [(end_h, due)] and not calls
    for own, calls, due, end_h in again:
        assert len(own) == 1 and own[0][1] != due and own[0][0] < end_h  # the stale first finish, pending
        assert calls == [(end_h, due)]
    assert result.summary_dict()["jobs"]["total"]["completed"] == 3  # each once, stale entries ignored


NO_TENANT_DEMAND = TENANT.replace("""[tenants.t.demand.own]
arrivals = { at_hours = [5] }
sizes = { values = [6] }
duration = { dist = "fixed", hours = 10 }
""", "").replace("arrivals = { at_hours = [0, 1] }", "arrivals = { at_hours = [0, 1, 2] }")


def test_marketplace_work_never_preempts_marketplace_work():
    assert "tenants.t.demand" not in NO_TENANT_DEMAND
    scenario = loads(BASE.format(policy='reclaim = "preempt"', body=NO_TENANT_DEMAND), "policies.toml")
    model = Model(scenario, trace=(seen := Seen()))
    model.run()
    assert [c for c in seen.calls if c[0] == "preempt"] == []
    assert [c[1:] for c in seen.calls if c[0] == "start"] == [(1, 0.0), (2, 1.0), (3, 50.0)]


def test_taking_a_job_out_of_the_middle_of_its_sub_queue_keeps_the_rest_in_order():
    q = JobQueue(2)
    jobs = [SimpleNamespace(line=0, elig=0, size=1, key=(k, i), state=QUEUED, id=i)
            for i, k in enumerate([5.0, 1.0, 4.0, 2.0, 3.0, 6.0])]
    for j in jobs:
        q.push(j, 0.0)
    other = SimpleNamespace(line=1, elig=0, size=1, key=(0.5, 9), state=QUEUED, id=9)
    q.push(other, 0.0)
    sq = q.subqueues[(0, 0, 1)]
    q.remove(sq, jobs[2], 1.0)  # key 4.0, inside the heap
    jobs[2].state = "running"
    assert [j.id for j, _ in q.jobs_in_order(0)] == [1, 3, 4, 0, 5]
    assert [j.id for j, _ in q.jobs_in_order()] == [9, 1, 3, 4, 0, 5]
    assert sq.head() is jobs[1] and len(sq.heap) == 5 and (q.live, q.line_live) == (6, [5, 1])
    q.remove(sq, jobs[5], 2.0)  # the last entry of the heap
    jobs[5].state = "running"
    assert [j.id for j, _ in q.jobs_in_order(0)] == [1, 3, 4, 0] and len(sq.heap) == 4
    import heapq
    assert all(sq.heap[i] <= sq.heap[c] for i in range(len(sq.heap)) for c in (2 * i + 1, 2 * i + 2)
               if c < len(sq.heap))
    assert heapq.heappop(sq.heap)[1] is jobs[1]


def test_the_head_of_a_line_is_found_past_other_lines_sub_queues_and_dispatch_reads_one_line():
    q = JobQueue(2)
    tenant = [SimpleNamespace(line=1, elig=0, size=s, key=(0, k, i), state=QUEUED, id=i)
              for i, (s, k) in enumerate([(1, 3.0), (2, 1.0)])]
    market = SimpleNamespace(line=0, elig=0, size=1, key=(1, 0.5, 7), state=QUEUED, id=7)
    for j in [market, *tenant]:  # the marketplace's sub-queue comes first
        q.push(j, 0.0)
    job, sq = q.line_head(1)
    assert job is tenant[1] and sq is q.subqueues[(1, 0, 2)]
    assert q.line_head(0)[0] is market
    scheduler = SimpleNamespace(queue=q, cluster=SimpleNamespace(cap=None), place=None, cap=None)
    dispatch = Dispatch(scheduler)
    assert [j.id for j, _ in dispatch.jobs_in_order(1)] == [1, 0]
    assert [j.id for j, _ in dispatch.jobs_in_order()] == [1, 0, 7]


class Failed(Trace):
    def __init__(self):
        self.runs = []

    def on_fail(self, s, job, pool):
        self.runs.append((job.private, job.submit_h, job.size, s.env.now - job.start_h))


def test_a_failure_loses_the_marketplace_runs_charge_at_its_submission_quote_and_nothing_for_own_work():
    from tiny import TINY

    own_work = '\n[tenants.t.demand.own]\narrivals = { at_hours = [30] }\nsizes = { values = [4] }\n' \
               'duration = { dist = "fixed", hours = 1000 }\n'
    jobs = TINY.replace("arrivals = { at_hours = [0, 1, 30, 30] }", "arrivals = { at_hours = [0, 0, 5, 5] }")
    text = (jobs.replace("horizon_days = 2", "horizon_days = 100").replace('hours = 10 }', 'hours = 100 }')
            + own_work + '\n[failures]\nstopped_jobs = "requeue"\n[failures.servers.s]\nmtbf_hours = 50\nmttr_hours = 5\n')
    scenario = loads(text, "tiny.toml", ["pricing.annual_decline=0.5"])
    model = Model(scenario, trace=(failed := Failed()))
    lost = model.run().summary_dict()["failures"]["revenue_lost_fen"]
    book = PriceBook(scenario.pricing)
    assert {private for private, *_ in failed.runs} == {True, False}
    assert lost == sum(0 if private else round(book.quote_fen("x", submit) * size * hours)
                       for private, submit, size, hours in failed.runs)
    assert lost > 0


@pytest.mark.parametrize("seed", range(4))
def test_starts_and_stops_on_one_server_or_a_gang_move_cards_as_their_pairs_would(seed):
    """`start_one` / `stop_one` (a job on one server: no allocation made) and `start` / `stop`
    (a gang: its whole servers and the one with the rest, no pairs made) leave every bucket,
    position and count exactly as `allocate` / `release` of the same job's pairs would."""
    rng = np.random.default_rng(seed)
    A = 8
    fast, pairs = pool(A=A, servers=8), pool(A=A, servers=8)
    running = []
    gangs = 0
    for step in range(400):
        size = int(rng.integers(1, 3 * A + 1)) if rng.random() < 0.4 else int(rng.integers(1, A + 1))
        now = float(step)
        if fast.fits(size) and (not running or rng.random() < 0.55):
            alloc = pairs.allocate(size)
            pairs.advance(now)
            pairs.busy_market += size
            if size <= A:
                sid = fast.start_one(size, False, now)
                assert alloc == ((sid, size),)
                running.append((size, (), sid, alloc))
            else:
                whole, sid = fast.start(size, False, now)
                rest = size - A * len(whole)
                assert alloc == (*((s, A) for s in whole), *(((sid, rest),) if rest else ()))
                assert (sid >= 0) == (rest > 0) and len(whole) == size // A
                running.append((size, whole, sid, alloc))
                gangs += 1
        elif running:
            size, whole, sid, alloc = running.pop(int(rng.integers(len(running))))
            if whole:
                fast.stop(whole, sid, size, False, now)
            else:
                fast.stop_one(sid, size, False, now)
            pairs.release(alloc)
            pairs.advance(now)
            pairs.busy_market -= size
        assert fast.free == pairs.free and fast.buckets == pairs.buckets and fast.busy == pairs.busy
        assert fast.area_busy_market == pairs.area_busy_market
        assert [fast.pos[s] for b in fast.buckets[1:A] for s in b] == [pairs.pos[s] for b in pairs.buckets[1:A] for s in b]
    assert gangs > 20


@pytest.mark.parametrize("seed", range(3))
def test_running_jobs_keep_start_order_through_adds_removals_and_compactions(seed):
    """sim/scheduling/running.py against a dict by job id (what it replaced): after every step
    the same jobs in the same order, the same count, each job's place holding it; the list is
    compacted on the way, and never grows past four places a job plus its slack."""
    from sim.scheduling.job import Job
    from sim.scheduling.running import SLACK, Running

    rng = np.random.default_rng(seed)
    running, reference = Running(), {}
    compacted = 0
    for n in range(3000):
        if reference and rng.random() < (0.3 if n < 1500 else 0.7):  # grow, then drain
            victim = reference.pop(list(reference)[int(rng.integers(len(reference)))])
            before = len(running.places)
            running.remove(victim)
            compacted += len(running.places) < before
            assert victim.slot == -1
        else:
            job = Job(n, 0, 1, 1.0, 0.0)
            reference[n] = job
            running.add(job)
        assert list(running) == list(reference.values())
        assert len(running) == len(reference)
        assert all(running.places[j.slot] is j for j in reference.values())
        assert len(running.places) <= 4 * len(reference) + SLACK + 1
    assert compacted >= 3
