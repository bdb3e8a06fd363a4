"""Shares of one card (gpu_milli): packing, pro-rata billing, type constraints, the
fragmentation measure on a cluster worked out by hand, and bad input."""

import pytest
from builder import accelerator, exponential, fixed, jobs, pricing, racks, scenario, server, site, table, toml
from depth import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import ScenarioError, loads
from sim.scheduling.fractional import Fractional
from sim.scheduling.fragmentation import MILLI, Shape, fragmentation_rate, node_fragment, task_fragment, workload
from sim.scheduling.pool import OPERATOR_POOL, Pool
from sim.scheduling.trace import Trace
from sim.simulation.run import Model, run


def frac_scenario(*classes: str, extra: str = "", policy: str = "") -> str:
    return toml(
        scenario("frac"), pricing(), accelerator(), accelerator("y"), server(), server("sy", accelerator="y"),
        site(), racks("own", "operator"), racks("ys", "operator", server="sy"), extra, policy, *classes)


HALVES = jobs("clients.c", {"at_hours": [0, 0, 0]}, [1], fixed(10), gpu_milli=500, accelerators=["x"])


def test_three_halves_pack_onto_two_cards_and_pay_pro_rata():
    # 1 CNY per accelerator-hour; three jobs of half a card for 10 h: 3 x 0.5 x 10 = 15 CNY.
    s = run(loads(frac_scenario(HALVES), "frac.toml")).summary_dict()
    assert s["revenue_cny"]["compute_sales_operator_capacity"] == 15.0
    f = s["fractions"]
    # Two shared cards for 10 h (a card with two halves, one with one) out of 8 cards x 48 h.
    assert f["shared_card_hours"] == 20.0
    assert f["fractional_accelerator_hours"] == 15.0
    assert f["allocation_rate"] == round(15 / (8 * 48), 6)
    assert f["busy_rate"] == round(20 / (8 * 48), 6)
    # At the horizon all is free: the x server serves every joined shape; the y server, none.
    assert (f["free_accelerators_at_horizon"], f["fragmented_accelerators_at_horizon"]) == (8.0, 4.0)
    assert f["fragmentation_rate_at_horizon"] == 0.5
    assert s["utilisation"]["overall"] == round(20 / (8 * 48), 6)


def test_whole_card_runs_have_no_fractions_section():
    from sim.report.markdown import report_md

    whole = jobs("clients.c", {"at_hours": [0]}, [1], fixed(10))
    s = run(loads(frac_scenario(whole), "frac.toml")).summary_dict()
    assert "fractions" not in s and "Shares of one card" not in report_md(s)
    s = run(loads(frac_scenario(HALVES), "frac.toml")).summary_dict()
    assert "## Shares of one card\n\nAllocation rate 3.9 % of the accelerator-hours commissioned" in report_md(s)


class Where(Trace):
    def __init__(self):
        self.on = []
        self.cards = []

    def on_start(self, s, job, pool):
        self.on.append((job.client, pool.accelerator))
        if job.milli:
            sc = s.frac.cards[pool.id]
            self.cards.append(sc.free[job.card])
            assert 0 <= sc.free[job.card] < MILLI


@pytest.mark.parametrize("policy", ["best-fit", "owned-first", "fragmentation-aware"])
def test_a_type_constrained_job_never_lands_on_another_model(policy):
    arrivals = {"at_hours": [i * 0.5 for i in range(40)]}
    body = (jobs("clients.ony", arrivals, [1], fixed(30), gpu_milli=300, accelerators=["y"])
            + jobs("clients.onx", arrivals, [1], fixed(30), gpu_milli=700, accelerators=["x"])
            + jobs("clients.any", arrivals, [1, 2], fixed(5)))
    sc = loads(frac_scenario(body, policy=table("policy", placement=policy)), "frac.toml")
    log = Where()
    Model(sc, trace=log).run()
    names = [c.name for c in sc.clients]
    on = {(names[c], a) for c, a in log.on}
    assert ("ony", "y") in on and ("onx", "x") in on
    assert ("ony", "x") not in on and ("onx", "y") not in on
    assert log.cards  # some shares started


def test_fragmentation_of_a_hand_worked_cluster():
    # Two nodes of model x: A has cards free 1000, 500, 200, 0; B has 300, 300.
    # Workload: half the tasks want 0.4 of a card, a quarter one whole card, a quarter 2 cards.
    shapes = [Shape(1, 400, None, 0.5), Shape(1, 1000, None, 0.25), Shape(2, 1000, None, 0.25)]
    a, b = [1000, 500, 200, 0], [300, 300]
    # Node A, free 1700: 0.4 -> the 200 card is lost (200); 1 card -> 500 + 200 lost (700);
    # 2 cards -> only one wholly free card: all 1700 lost.
    assert [task_fragment(a, "x", s) for s in shapes] == [200, 700, 1700]
    assert node_fragment(a, "x", shapes) == 0.5 * 200 + 0.25 * 700 + 0.25 * 1700
    # Node B, free 600: no card holds 0.4 -> all 600 lost, for every shape.
    assert node_fragment(b, "x", shapes) == 600
    expected = (0.5 * 200 + 0.25 * 700 + 0.25 * 1700 + 600) / (1700 + 600)
    assert fragmentation_rate([(a, "x"), (b, "x")], shapes) == pytest.approx(expected)
    # A task restricted to model y cannot use any of it.
    assert task_fragment(a, "x", Shape(1, 400, frozenset({"y"}), 1.0)) == 1700
    # Popularity from task counts, in order of first appearance.
    w = workload([(1, 400, None), (1, 400, None), (2, 1000, None), (1, 1000, None)])
    assert [(s.cards, s.milli, s.p) for s in w] == [(1, 400, 0.5), (2, 1000, 0.25), (1, 1000, 0.25)]


class Stub:
    """The cluster as fractional.py sees it: one pool."""

    def __init__(self, pool):
        self.pools = [pool]


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 999)), min_size=1, max_size=60))
def test_shares_never_exceed_a_card(ops):
    from sim.model.hardware import AcceleratorType, ServerModel
    acc = AcceleratorType("x", 0.1, 0.1, 100)
    pool = Pool(0, "a", 0, "operator", OPERATOR_POOL, ServerModel("s", acc, 4, 1.0, 0.5, 1.0, None), 2)
    pool.commission(2, 0.0)
    frac = Fractional(Stub(pool))

    class J:
        private = False

    running = []
    for n, (start, milli) in enumerate(ops):
        if start or not running:
            job = J()
            job.id, job.milli, job.card, job.server = n, milli, -1, -1
            if frac.best_fit(job, [pool]) is None:
                continue
            frac.start(pool, job, float(n))
            running.append(job)
        else:
            job = running.pop(milli % len(running))
            frac.stop(pool, job, float(n))
        sc = frac.cards[0]
        for c in sc.live():
            held = sum(j.milli for j in running if j.card == c)
            assert 0 <= sc.free[c] and held + sc.free[c] == MILLI  # never more than one card
        # Whole-card index: free cards + shared cards = all cards, busy counts the shared ones.
        assert sum(pool.free) + sc.open == pool.accelerators
        assert pool.busy_market == sc.open
    for job in running:
        frac.stop(pool, job, 100.0)
    assert pool.free == [4, 4] and pool.busy == 0 and frac.cards[0].open == 0


@pytest.mark.parametrize("value, problem", [
    (0, "must be > 0"), (1001, "must be <= 1000"), (0.5, "integer"),
])
def test_a_share_outside_0_1000_is_refused_naming_the_key(value, problem):
    body = jobs("clients.c", {"at_hours": [0]}, [1], fixed(10), gpu_milli=value)
    with pytest.raises(ScenarioError) as e:
        loads(frac_scenario(body), "frac.toml")
    assert "clients.c.gpu_milli" in str(e.value) and problem in str(e.value)


def test_a_share_of_a_multi_card_job_is_refused():
    body = jobs("clients.c", {"at_hours": [0]}, [2], fixed(10), gpu_milli=500)
    with pytest.raises(ScenarioError, match=r"clients\.c\.gpu_milli.*sizes\.values = \[1\]"):
        loads(frac_scenario(body), "frac.toml")


def test_a_type_constraint_naming_no_accelerator_is_refused():
    body = jobs("clients.c", {"at_hours": [0]}, [1], fixed(10), gpu_milli=500, accelerators=["z"])
    with pytest.raises(ScenarioError, match=r"clients\.c\.accelerators.*no accelerator named 'z'"):
        loads(frac_scenario(body), "frac.toml")


class Cards(Trace):
    def __init__(self):
        self.card = {}

    def on_start(self, s, job, pool):
        self.card[job.id] = (pool.server.name, job.card)


@pytest.mark.parametrize("policy, same_card", [("best-fit", True), ("fragmentation-aware", False)])
def test_fragmentation_aware_placement_leaves_no_sliver_that_best_fit_would(policy, same_card):
    # Job 1 takes 0.4 of a card (0.6 left); job 2 wants 0.3. Joined shapes: 0.4 and 0.3, half
    # each. Best fit puts job 2 beside job 1, leaving 0.3, which a 0.4 job cannot use: expected
    # fragmentation 0.5 x 300 = 150 milli. A fresh card (0.7 and 0.6 left) leaves none: FGD's pick.
    body = (jobs("clients.p", {"at_hours": [0]}, [1], fixed(100), gpu_milli=400, accelerators=["x"])
            + jobs("clients.q", {"at_hours": [1]}, [1], fixed(100), gpu_milli=300, accelerators=["x"]))
    sc = loads(frac_scenario(body, policy=table("policy", placement=policy)), "frac.toml")
    log = Cards()
    Model(sc, trace=log).run()
    assert (log.card[1] == log.card[2]) is same_card


@pytest.mark.parametrize("stopped", ["requeue", "lost"])
@pytest.mark.parametrize("policy", ["best-fit", "fragmentation-aware"])
def test_shares_on_a_failed_server_are_stopped_and_the_server_comes_back_whole(stopped, policy):
    arrivals = {"rate_per_hour": 3.0}
    body = (jobs("clients.s", arrivals, [1], exponential(5), gpu_milli=350, accelerators=["x"])
            + jobs("clients.w", arrivals, [1, 2], exponential(3), accelerators=["x"]))
    failures = table("failures", stopped_jobs=stopped) + table("failures.servers.s", mtbf_hours=20, mttr_hours=5)
    sc = loads(frac_scenario(body, extra=failures, policy=table("policy", placement=policy)), "frac.toml")
    log = Where()
    model = Model(sc, trace=log)
    d = model.run().summary_dict()
    assert d["failures"]["failures"] > 0 and d["failures"]["jobs_stopped"] > 0
    sched = model.sched
    for pool in sched.cluster.pools:
        sc_ = sched.frac.cards[pool.id]
        down = sched.failed.get(pool.id, set())
        for sid in down:
            assert pool.free[sid] == 0 and not any(sc_.jobs[c] and sc_.server[c] == sid for c in range(len(sc_.jobs)))
        # Every card is free, shared or held by a whole-card job: none lost or counted twice.
        whole_held = sum(n for job in pool.running if not job.milli for _, n in job.alloc)
        assert sum(pool.free) + sc_.open + whole_held + pool.A * len(down) == pool.accelerators
        assert pool.busy == sc_.open + whole_held


def test_fragmentation_aware_keeps_whole_cards_together_for_the_popular_shape():
    # A pool of two 4-card servers: server 1 has 3 cards free, server 0 has 2. Joined jobs:
    # three of 2 cards, one of 1 card. A 1-card job: best fit takes server 0 (the tightest),
    # leaving it 1 card, which no 2-card job can use (+0.75 x 1000 milli expected fragmentation);
    # FGD takes server 1, which keeps 2 whole cards (+0).
    from types import SimpleNamespace

    from sim.model.hardware import AcceleratorType, ServerModel
    from sim.scheduling.job import Job
    from sim.scheduling.placement.fragmentation_aware import FragmentationAware
    from sim.scheduling.policy import PolicyContext

    pool = Pool(0, "a", 0, "operator", OPERATOR_POOL, ServerModel("s", AcceleratorType("x", 0.1, 0.1, 100), 4, 1.0,
                                                                       0.5, 1.0, None), 2)
    pool.commission(2, 0.0)
    pool.take(1, 1)  # the last fully free server first, as the pool's own index allows
    pool.take(0, 2)
    assert pool.free == [2, 3]
    cluster = SimpleNamespace(pools=[pool], elig_pools=[(pool,)], elig_by_kind=[(pool,)])
    frac = Fractional(cluster)
    frac.counts = {(2, MILLI, 0): 3, (1, MILLI, 0): 1}
    fgd = FragmentationAware(PolicyContext(None, cluster, None, frac))
    job = Job(1, 0, 1, 1.0, 0.0, elig=0)
    assert fgd.choose(job, (pool,)) is pool and job.server == 1
    assert pool.allocate(1) == ((0, 1),)  # what best-fit's pool would have done


def test_fragmentation_is_sampled_daily_while_shares_run():
    # Three halves for 30 h on the x server: at hour 24 its cards are free 0, 500, 1000, 1000
    # (a half can use all of it), and the y server's 4 cards are of a model the class may not
    # use: 4000 of 6500 free milli fragmented. One daily sample (hour 48 is the horizon).
    body = jobs("clients.c", {"at_hours": [0, 0, 0]}, [1], fixed(30), gpu_milli=500, accelerators=["x"])
    f = run(loads(frac_scenario(body), "frac.toml")).summary_dict()["fractions"]
    assert (f["fragmentation_daily_samples"], f["fragmentation_rate_daily_mean"]) == (1, round(4000 / 6500, 6))


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.integers(0, MILLI), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(1, 8), st.integers(1, MILLI)), min_size=1, max_size=5))
def test_fragmentation_lies_between_nothing_and_all_that_is_free(cards, raw):
    shapes = [Shape(n, m if n == 1 else MILLI, None, 1 / len(raw)) for n, m in raw]
    free = sum(cards)
    for s in shapes:
        f = task_fragment(cards, "x", s)
        assert 0 <= f <= free
        usable = [c for c in cards if c >= s.milli]
        if s.milli < MILLI and usable:  # a share that fits loses only the cards too small for it
            assert f == free - sum(usable)
    assert 0 <= node_fragment(cards, "x", shapes) <= free + 1e-9
    # A node with every card free serves every shape that fits on it: nothing fragmented.
    whole = [MILLI] * len(cards)
    assert node_fragment(whole, "x", [s for s in shapes if s.cards <= len(cards)]) == 0
