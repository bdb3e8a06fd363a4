"""Inference services (sim/workload/service.py, sim/simulation/services.py): the autoscaler
follows a step in the request rate within its lag; goodput and the violation rate on a case
worked out by hand; token sales keep the money identities; bad input is one line, exit 2."""

import subprocess
import sys

from builder import accelerator, fixed, pricing, racks, scenario, server, site, table, tenant, toml
from identities import check_money_identities

from sim.report import render
from sim.scenario import loads
from sim.simulation.run import run
from sim.workload.service import CapacityRow, Service, replica_runs

FLAT = [1.0] * 24


def service(rate=10.0, profile=FLAT, capacity=1.0, util=1.0, lo=1, hi=100, interval=15.0, lag=10.0) -> Service:
    return Service(rate, tuple(profile), 0.0, 1000.0, 1000.0, 1.0, 1.0, (CapacityRow("x", capacity, "test"),),
                   interval, lag, lo, hi, util)


def test_the_autoscaler_follows_a_step_in_the_rate_within_its_lag():
    # 4 requests/s until 05:00, then 12: at 1 request/s a replica and 80 % utilisation the
    # autoscaler wants 5, then 15; it looks every 15 minutes, so it sees the step at 05:00 and
    # the replicas come 10 minutes later; at midnight the rate falls back, 10 minutes after.
    step = [4.0] * 5 + [12.0] * 19
    s = service(rate=1.0, profile=step, util=0.8)
    path = s.replica_path(48.0)
    assert path[:3] == [(0.0, 5), (5.0 + 10 / 60, 15), (24.0 + 10 / 60, 5)]
    # A step in the middle of an interval is seen at the next decision: within interval + lag.
    s = service(rate=1.0, profile=[4.0] * 5 + [12.0] * 19, util=0.8, interval=60.0, lag=25.0)
    [(t0, n0), (t1, n1), *_] = s.replica_path(48.0)
    assert (n0, n1) == (5, 15) and 5.0 <= t1 <= 5.0 + 1.0 + 25 / 60
    # Bounds hold.
    assert {n for _, n in service(rate=1.0, profile=step, util=0.8, lo=7, hi=9).replica_path(48.0)} == {7, 9}


def test_a_rate_past_any_float_asks_for_the_most_replicas():
    """A factor so large that the rate overflows to infinity (the loader fuzz found 1e308 at
    hour 0) is a rate above the cap: max_replicas, not an OverflowError while loading."""
    huge = [1e308] + [1.0] * 23
    assert service(rate=100.0, profile=huge, capacity=2.0, util=0.7, lo=4, hi=4000).wanted(0.0) == 4000
    assert service(rate=100.0, profile=huge, capacity=2.0, util=0.7, lo=4, hi=4000).wanted(1.0) == 72
    assert service(rate=1.0, capacity=1.0, util=1.0, lo=1, hi=100).wanted(0.0) == 1  # 1.0 exactly: 1
    assert service(rate=250.0, capacity=1.0, util=1.0, lo=1, hi=100).wanted(0.0) == 100


def test_replica_runs_last_added_first_removed():
    assert replica_runs([(0.0, 2), (5.0, 4), (8.0, 1)], 10.0) == [(0.0, 8.0), (0.0, 11.0), (5.0, 8.0), (5.0, 8.0)]


def svc_scenario(rate: float, *, capacity=1.0, more: str = "", cards: int = 4, owner="operator", **keys) -> str:
    arrivals = dict(service_requests_per_s=rate, input_tokens=1000, output_tokens=1000,
                    price_input_cny_per_million_tokens=1.0, price_output_cny_per_million_tokens=1.0,
                    scale_interval_minutes=15, lag_minutes=10, max_replicas=100, target_utilisation=1.0,
                    capacity=[{"accelerator": "x", "requests_per_s": capacity, "source": "assumption"}], **keys)
    cls = table("clients.svc", sizes={"values": [1]}, duration=fixed(1)) + table("clients.svc.arrivals", **arrivals)
    return toml(scenario("svc"), pricing(), accelerator(), server(cards=cards), site(), more,
                racks("own", owner), cls)


def test_goodput_and_violations_on_a_case_worked_by_hand():
    # 10 requests/s all the time, 1 request/s per replica: the autoscaler wants 10 replicas but
    # the one server has 4 cards, so 4 run for the 48 h. Requests 10 x 3600 x 48 = 1,728,000;
    # served within the objective 4 x 3600 x 48 = 691,200 (40 %), 60 % beyond capacity in every
    # interval. Each request is 1,000 + 1,000 tokens at 1 CNY per million: 0.2 fen; 691,200 x
    # 0.2 = 138,240 fen. Replicas are not billed by the hour.
    result = run(loads(svc_scenario(10.0), "svc.toml"))
    s = result.summary_dict()
    [svc] = s["services"]["by_service"].values()
    assert svc["requests"] == 1_728_000.0
    assert svc["goodput_requests"] == 691_200.0
    assert (svc["goodput_rate"], svc["violation_rate"], svc["intervals_violated_share"]) == (0.4, 0.6, 1.0)
    assert svc["replica_hours"] == 4 * 48.0 and svc["busy_accelerator_hours"] == 4 * 48.0
    assert svc["token_sales_cny"] == 1382.4 == s["revenue_cny"]["token_sales"]
    assert svc["revenue_per_busy_accelerator_hour_cny"] == round(1382.4 / 192, 4)
    assert s["revenue_cny"]["compute_sales_operator_capacity"] == 0.0
    check_money_identities(result)
    report = render(result)["report.md"].decode()
    assert "| svc | 1,728,000 | 40.0 % | 60.0 % | 192 | 192 | 0.00 | 7.20 |" in report


def test_within_capacity_everything_is_goodput():
    # 3 requests/s wants 3 replicas, which fit: no violation; 3 replica-hours an hour.
    s = run(loads(svc_scenario(3.0), "svc.toml")).summary_dict()
    [svc] = s["services"]["by_service"].values()
    assert (svc["goodput_rate"], svc["violation_rate"], svc["replica_hours"]) == (1.0, 0.0, 3 * 48.0)


def test_token_sales_on_a_tenants_capacity_split_fee_and_payout_and_keep_the_identities():
    # The only racks are a tenant's, opted in: the tokens are third-party sales, 15 % kept.
    text = svc_scenario(3.0, more=tenant(), owner="t")  # the builder's fee: 15 %
    result = run(loads(text, "svc.toml"))
    s = result.summary_dict()
    sales = 3 * 3600 * 48 * 0.2 / 100  # CNY
    assert s["revenue_cny"]["token_sales"] == 0.0
    assert s["revenue_cny"]["compute_sales_third_party_capacity"] == round(sales, 2)
    assert s["revenue_cny"]["intermediary_fee"] == round(sales * 0.15, 2)
    check_money_identities(result)


def test_a_non_positive_capacity_is_one_line_exit_2(tmp_path):
    path = tmp_path / "svc.toml"
    path.write_text(svc_scenario(3.0, capacity=0))
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert "clients.svc.arrivals.capacity[0].requests_per_s" in p.stderr and "svc.toml" in p.stderr
    assert not out.exists()


def test_in_a_run_the_replicas_follow_the_step_after_the_lag():
    # The step case on a 16-card server: 5 replicas, 15 from 05:10, 5 from 00:10, 15 from 05:10
    # the next day; the metered replica-hours are those of that path. Only in the lag, 05:00-05:10
    # each day, are requests beyond capacity: (12 - 5) x 600 s = 4,200 of 4 x 5 x 3600 + 12 x 19 x
    # 3600 = 892,800 a day.
    step = [4.0] * 5 + [12.0] * 19
    text = svc_scenario(1.0, cards=16, daily_profile=step).replace("target_utilisation = 1.0",
                                                                   "target_utilisation = 0.8")
    [svc] = run(loads(text, "svc.toml")).summary_dict()["services"]["by_service"].values()
    lag = 10 / 60
    hours = 5 * (5 + lag) + 15 * 19 + 5 * 5 + 15 * (48 - 29 - lag)
    assert svc["replica_hours"] == round(hours, 3)
    assert svc["violation_rate"] == round(4200 / 892_800, 6)


def test_a_capacity_table_must_cover_the_cards_replicas_may_hold(tmp_path):
    text = svc_scenario(3.0).replace('{ accelerator = "x"', '{ accelerator = "y"')
    path = tmp_path / "svc.toml"
    path.write_text(text)
    p = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "clients.svc.arrivals.capacity: no row for x" in p.stderr
