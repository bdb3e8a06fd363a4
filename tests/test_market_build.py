"""A market share that follows its site's build-out ([market] share_follows_build).

Hand-worked case: one site, racks of one 8-card server (0.32 P a card, 2.56 P a server).
Group `first`: 1 rack of 1 server on day 10 (hour 240). Group `second`: 3 racks of 2 servers on
day 30 (hour 720). Finished: 2.56 + 15.36 = 17.92 P, so the share built is 2.56 / 17.92 = 1/7
from hour 240 (1/4 if racks were counted instead of P) and 1 from hour 720. The market rises
linearly from 100,000 x M P-hours a year at hour 0 to 200,000 x M at hour 960; 10 % reaches the
operator; one class takes all of it in 8-card jobs of 10 hours (25.6 P-hours a job).
"""

import datetime as dt
import itertools
import math

import pytest
from builder import accelerator, fixed, jobs, pricing, racks, scenario, server, site, table, toml

from sim.model.demand import WorkPath, follow_build
from sim.scenario import ScenarioError, loads
from sim.scheduling.cluster import Cluster
from sim.units import HOURS_PER_YEAR
from sim.workload.kinds import job_rate
from sim.workload.stream import stream_for

M = 100  # the market in hundreds of thousands of P-hours a year, enough jobs to count
PATH = [{"date": dt.date(2025, 1, 1), "pflops_hours_per_year": 100_000 * M},
        {"date": dt.date(2025, 2, 10), "pflops_hours_per_year": 200_000 * M}]
TEXT = toml(
    scenario("built", seed=3, horizon_days=60),
    pricing(),
    accelerator("card", dense=0.32, sparse=0.32, power_w=400),
    server("box", accelerator="card", cards=8, power_kw=5.0, idle=0.2, busy=0.8),
    site(pue=1.2, electricity=0.3),
    racks("first", "operator", count=1, power_kw=5.0, server="box", online=dt.date(2025, 1, 11)),
    racks("second", "operator", count=3, power_kw=10.0, server="box", online=dt.date(2025, 1, 31)),
    table("market", pflops_hours_path=PATH, share_reaching_operator=0.1, share_follows_build="a"),
    jobs("clients.c", {"market_share": 1.0}, [8], fixed(10)),
)
PER_JOB = 8 * 10 * 0.32  # dense P-hours


def work_at(s, h: float) -> float:
    """The class's P-hours a year at hour h, from the job rate a run draws arrivals at."""
    [c] = s.clients
    return job_rate(c).rate_at(h) * HOURS_PER_YEAR * PER_JOB / M


def test_the_share_grows_with_the_dense_p_built():
    s = loads(TEXT, "built.toml")
    assert work_at(s, 100.0) == pytest.approx(0.0)  # nothing built yet: no demand
    # hour 240: the market is 125,000; 10 % of it, times 1/7 built
    assert work_at(s, 240.5) == pytest.approx((125_000 + 100_000 * 0.5 / 960) * 0.1 / 7)
    assert work_at(s, 480.0) == pytest.approx(150_000 * 0.1 / 7)
    assert work_at(s, 719.9) == pytest.approx((175_000 - 100_000 * 0.1 / 960) * 0.1 / 7)
    assert work_at(s, 720.1) == pytest.approx((175_000 + 100_000 * 0.1 / 960) * 0.1)  # all built
    assert work_at(s, 960.0) == pytest.approx(20_000)
    assert work_at(s, 1400.0) == pytest.approx(20_000)  # flat after both paths end
    # Without the key the finished share applies from the start.
    whole = loads(TEXT.replace('share_follows_build = "a"\n', ""), "built.toml")
    assert work_at(whole, 100.0) == pytest.approx((100_000 + 100_000 * 100 / 960) * 0.1)


def test_arrivals_start_with_the_first_rack_and_follow_the_share():
    s = loads(TEXT, "built.toml")
    [c] = s.clients
    cluster = Cluster(s)
    arrivals = [r.arrival_h for r in itertools.takewhile(
        lambda r: r.arrival_h < 720.0, stream_for(0, c, s.seed, cluster.capacity_path(cluster.pools_for(c))))]
    assert min(arrivals) >= 240.0
    # hours 240-720: the market averages 150,000 x M, times 0.1 / 7, in 25.6 P-hour jobs: 458.7 jobs
    expected = 150_000 * M * 0.1 / 7 / (HOURS_PER_YEAR * PER_JOB) * 480
    assert abs(len(arrivals) - expected) < 4 * math.sqrt(expected)


def test_follow_build_steps_are_two_points_at_one_hour():
    work = WorkPath(((0.0, 100.0), (1000.0, 200.0)))
    out = follow_build(work, ((100.0, 0.25), (500.0, 1.0)))
    assert out.points == ((0.0, 0.0), (100.0, 0.0), (100.0, 27.5), (500.0, 37.5), (500.0, 150.0),
                          (1000.0, 200.0))
    with pytest.raises(ValueError, match="dated path or a flat market"):
        follow_build(WorkPath(((0.0, 100.0),), 0.1), ((0.0, 1.0),))


@pytest.mark.parametrize("replace, message", [
    ('share_follows_build = "a"', 'share_follows_build = "nowhere"'),
])
def test_a_site_that_is_not_there_is_one_line(replace, message):
    with pytest.raises(ScenarioError) as e:
        loads(TEXT.replace(replace, message), "built.toml")
    assert e.value.messages == ["built.toml: market.share_follows_build: no site named 'nowhere' in [sites]"]
