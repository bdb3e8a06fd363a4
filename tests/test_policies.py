"""Each policy on a case small enough to schedule by hand.

Queue disciplines: one operator server of 8 accelerators. Arrivals (hour: size x duration):
  job 1  0: 4 x 10    starts at once (4 free left)
  job 2  1: 8 x 10    the head: cannot start until job 1 ends at 10
  job 3  2: 2 x 5     fits now and ends at 7, before the head could start
  job 4  3: 2 x 20    fits now but would hold 2 accelerators past 10
"""

import pytest

from sim.scenario import loads
from sim.scheduling.registry import DISCIPLINES
from sim.scheduling.trace import Trace
from sim.simulation.run import Model
from sim.workload.stream import JobRecord

BASE = """
[scenario]
name = "policies"
seed = 3
start_date = 2025-01-01
horizon_days = 5
standard_rack_kw = 2.5
[policy]
{policy}
[pricing]
price_cny_per_pflops_year = 87600
intermediary_fee = 0.2
[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.1
power_w = 100
[servers.eight]
accelerator = "x"
accelerators_per_server = 8
power_kw = 1
idle_power_fraction = 0.5
busy_power_fraction = 1
{body}
"""

ONE_SERVER = """
[sites.a]
pue = 1.0
electricity_cny_per_kwh = 0.5
[sites.a.racks.r]
owner = "operator"
count = 1
power_kw = 1
server = "eight"
[clients.fixed]
arrivals = { at_hours = [0, 1, 2, 3] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }
"""


class Log(Trace):
    def __init__(self):
        self.starts = {}
        self.pools = {}
        self.preempted = []

    def on_start(self, s, job, pool):
        self.starts.setdefault(job.id, s.env.now)
        self.pools[job.id] = (pool.site, pool.owner)

    def on_preempt(self, s, job, pool):
        self.preempted.append((s.env.now, job.id, job.state))


def simulate(policy: str, body: str, draws: dict | None = None):
    """Run with sizes and durations per job id forced by `draws` (id -> (size, hours)): the
    first class's jobs then come from a hand-written job stream at its `at_hours`."""
    scenario = loads(BASE.format(policy=policy, body=body), "policies.toml")
    streams = None
    if draws:
        hours = scenario.clients[0].arrivals.hours
        streams = {0: [JobRecord(t, 0, draws[i][0], draws[i][1], None, None)
                       for t, i in zip(hours, sorted(draws))]}
    model = Model(scenario, trace=(log := Log()), streams=streams)
    result = model.run()
    return log, result, model


JOBS = {1: (4, 10.0), 2: (8, 10.0), 3: (2, 5.0), 4: (2, 20.0)}


@pytest.mark.parametrize("queue, starts", [
    ("fifo", {1: 0, 2: 10, 3: 20, 4: 20}),  # nothing passes the blocked head
    ("easy-backfill", {1: 0, 2: 10, 3: 2, 4: 20}),  # job 3 backfills; job 4 would delay the head
    ("fifo-backfill", {1: 0, 2: 23, 3: 2, 4: 3}),  # anything that fits starts: the head waits to 23
    ("sjf", {1: 0, 2: 23, 3: 2, 4: 3}),
])
def test_queue_disciplines(queue, starts):
    log, _, _ = simulate(f'queue = "{queue}"', ONE_SERVER, JOBS)
    assert log.starts == starts


def test_sjf_orders_the_queue_by_duration():
    # Server busy 0-10 with an 8-wide job; then 3 jobs queue; shortest goes first at 10.
    jobs = {1: (8, 10.0), 2: (8, 7.0), 3: (8, 3.0), 4: (8, 5.0)}
    log, _, _ = simulate('queue = "sjf"', ONE_SERVER, jobs)
    assert log.starts == {1: 0, 3: 10, 4: 13, 2: 18}
    log, _, _ = simulate('queue = "fifo-backfill"', ONE_SERVER, jobs)
    assert log.starts == {1: 0, 2: 10, 3: 17, 4: 20}


TWO_SITES = """
[sites.a]
pue = 1.5
electricity_cny_per_kwh = 0.6
[sites.a.racks.own]
owner = "operator"
count = 1
power_kw = 1
server = "eight"
[sites.a.racks.tenant]
owner = "t"
count = 1
power_kw = 1
server = "eight"
[sites.b]
pue = 1.1
electricity_cny_per_kwh = 0.3
[sites.b.racks.own]
owner = "operator"
count = 2
power_kw = 1
server = "eight"
[tenants.t]
opt_in_fraction = 1.0
colocation_cny_per_kw_month = 100
[clients.fixed]
arrivals = { at_hours = [0, 1, 2, 3, 4] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 100 }
"""


@pytest.mark.parametrize("placement, where", [
    # Site a: 1 operator server, 1 tenant server; site b: 2 operator servers (cheaper power).
    ("owned-first", ["a/operator", "a/operator", "b/operator", "b/operator", "b/operator"]),
    ("cheapest-first", ["b/operator", "b/operator", "b/operator", "b/operator", "a/operator"]),
    # best-fit: the pool whose largest free block is smallest; job 2 fills the half-used server.
    ("best-fit", ["a/operator", "a/operator", "a/t", "a/t", "b/operator"]),
    # spread: the site with the lower busy share (16 accelerators each); ties go to site a.
    ("spread", ["a/operator", "b/operator", "a/operator", "b/operator", "a/t"]),
])
def test_placement_policies(placement, where):
    log, _, _ = simulate(f'placement = "{placement}"', TWO_SITES)
    assert [f"{log.pools[i][0]}/{log.pools[i][1]}" for i in sorted(log.pools)] == where


TENANT = """
[sites.a]
pue = 1.0
electricity_cny_per_kwh = 0
[sites.a.racks.tenant]
owner = "t"
count = 1
power_kw = 1
server = "eight"
[tenants.t]
opt_in_fraction = 1.0
colocation_cny_per_kw_month = 0
[tenants.t.demand.own]
arrivals = { at_hours = [5] }
sizes = { values = [6] }
duration = { dist = "fixed", hours = 10 }
[clients.market]
arrivals = { at_hours = [0, 1] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 50 }
"""


def test_no_preempt_makes_the_tenant_wait():
    log, result, _ = simulate('reclaim = "no-preempt"', TENANT)
    # The tenant's job (id 3) needs 6: it waits for both marketplace jobs, the last ends at 51.
    assert log.starts == {1: 0, 2: 1, 3: 51}
    assert result.summary_dict()["jobs"]["total"]["preemptions"] == 0


@pytest.mark.parametrize("preempted, final", [("requeue", "requeued"), ("lost", "lost")])
def test_preempt_stops_the_latest_marketplace_job_and_bills_its_hours(preempted, final):
    log, result, model = simulate(f'reclaim = "preempt"\npreempted = "{preempted}"', TENANT)
    # At 5 the tenant needs 6 of the 8 accelerators that jobs 1 and 2 hold (4 each): stopping
    # job 2 (started last) frees only 4, so job 1 is stopped too.
    assert [(t, j) for t, j, _ in log.preempted] == [(5, 2), (5, 1)]
    assert log.starts[3] == 5
    jobs = result.summary_dict()["jobs"]["total"]
    assert jobs["preemptions"] == 2
    sales = result.summary_dict()["revenue_cny"]["compute_sales_third_party_capacity"]
    if final == "lost":
        assert jobs["preempted_lost"] == 2
        assert sales == (4 * 5 + 4 * 4) * 1.0  # billed for the hours run: 5 h and 4 h
    else:
        assert jobs["preempted_lost"] == 0
        # Both restart from scratch when the tenant's job ends at 15 and run their full 50 h
        # again (to 65): billed 36 for the stopped runs plus 2 x 4 x 50 for the complete ones.
        assert model.sched.classes[0].completed == 2
        assert sales == (4 * 5 + 4 * 4) + 2 * 4 * 50


def one_opted_in(tenant_at: str, tenant_hours: float, market_at: str, market_size: int, market_hours: float) -> str:
    """TENANT's one opted-in server, with the tenant's own jobs taking all 8 accelerators."""
    return (TENANT.replace("arrivals = { at_hours = [5] }", f"arrivals = {{ at_hours = {tenant_at} }}")
            .replace("sizes = { values = [6] }", "sizes = { values = [8] }")
            .replace('duration = { dist = "fixed", hours = 10 }', f'duration = {{ dist = "fixed", hours = {tenant_hours} }}')
            .replace("arrivals = { at_hours = [0, 1] }", f"arrivals = {{ at_hours = {market_at} }}")
            .replace("sizes = { values = [4] }", f"sizes = {{ values = [{market_size}] }}")
            .replace('duration = { dist = "fixed", hours = 50 }', f'duration = {{ dist = "fixed", hours = {market_hours} }}'))


@pytest.mark.parametrize("queue", sorted(DISCIPLINES))
def test_a_tenants_own_job_goes_before_marketplace_work_in_every_discipline(queue):
    # One opted-in server, held whole by each job: marketplace jobs at 0 h (id 1) and 0.2 h
    # (id 3), the tenant's own at 0.1 h (id 2), each 1 h. When the first ends at 1 h the
    # tenant's job goes next, whatever the discipline, and the later marketplace job after it.
    body = one_opted_in(tenant_at="[0.1]", tenant_hours=1, market_at="[0, 0.2]", market_size=8, market_hours=1)
    log, _, _ = simulate(f'queue = "{queue}"', body)
    assert log.starts == {1: 0, 2: 1, 3: 2}


@pytest.mark.parametrize("queue, starts", [
    # Marketplace job 1 holds half the server 0-10 h; the tenant's job 2 (all 8) arrives at 1 h;
    # marketplace job 3 (4 for 20 h) arrives at 2 h and fits in the free half.
    ("easy-backfill", {1: 0, 2: 10, 3: 11}),  # the tenant's reservation at 10 h holds job 3 back
    ("fifo", {1: 0, 3: 2, 2: 22}),  # lines are strict, not reserved: a job that does not fit
    ("fifo-backfill", {1: 0, 3: 2, 2: 22}),  # holds back nothing in another line
    ("sjf", {1: 0, 3: 2, 2: 22}),
])
def test_a_blocked_tenant_head_reserves_its_opted_in_servers_only_under_easy_backfill(queue, starts):
    body = one_opted_in(tenant_at="[1]", tenant_hours=1, market_at="[0]", market_size=4, market_hours=10)
    body += """[clients.later]
arrivals = { at_hours = [2] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 20 }
"""
    log, _, _ = simulate(f'queue = "{queue}"', body)
    assert log.starts == starts
