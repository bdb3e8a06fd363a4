"""Server failures and repairs: measured availability, what happens to the jobs on a failed
server, and the revenue lost. (That no job runs on a failed server is invariant (8) of
tests/invariants.py, checked in the property tests.)"""

from __future__ import annotations

import math

import pytest
from invariants import Checker, check_after
from tiny import TINY

import sim
from sim.scenario import ScenarioError, loads
from sim.simulation.run import Model

ONE_JOB_CLASS = '''[clients.c]
arrivals = { at_hours = [0, 1, 30, 30] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }'''


def with_failures(classes: str, failures: str, horizon_days: float, racks: str = "") -> str:
    return (TINY.replace("horizon_days = 2", f"horizon_days = {horizon_days}").replace(ONE_JOB_CLASS, classes)
            + racks + "\n[failures]\n" + failures)


def test_measured_availability_lies_within_the_interval_of_the_configured_one():
    # 1,000 servers that fail every 100 h on average and take 10 h to repair: 10/11 available.
    racks = "\n[sites.a.racks.many]\nowner = \"operator\"\ncount = 1000\npower_kw = 1.0\nserver = \"s\"\n"
    text = with_failures("", 'stopped_jobs = "requeue"\n[failures.servers.s]\nmtbf_hours = 100\nmttr_hours = 10\n',
                         horizon_days=5000 / 24, racks=racks)
    text = text.replace("[clients.c]", "")
    d = sim.run(loads(text, "tiny.toml")).summary_dict()["failures"]
    up, down = 100.0, 10.0
    p = down / (up + down)
    assert d["configured_availability"] == pytest.approx(1 - p, abs=1e-6)
    # The down fraction of one two-state Markov chain averaged over T hours has variance
    # 2 p (1 - p) / ((1/up + 1/down) T); 1,002 servers are independent. Every server starts up,
    # which biases the average by about p / ((1/up + 1/down) T): 0.3 standard errors here.
    servers, hours = 1002, 5000.0 - 24.0 / 1002  # the rented server comes online at hour 24
    se = math.sqrt(2 * p * (1 - p) / ((1 / up + 1 / down) * hours * servers))
    assert abs(d["availability"] - (1 - p)) < 4 * se
    assert d["failures"] == pytest.approx(servers * hours / (up + down), rel=0.03)
    assert d["failures"] - d["repairs"] == d["servers_down_at_horizon"]


JOBS = '''[clients.c]
arrivals = { at_hours = [0, 0, 0, 0] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 100 }
'''


@pytest.mark.parametrize("policy", ["requeue", "lost"])
def test_jobs_on_a_failed_server_are_requeued_or_lost_unbilled(policy):
    text = with_failures(JOBS, f'stopped_jobs = "{policy}"\n[failures.servers.s]\nmtbf_hours = 50\n'
                               f'mttr_hours = 5\n', horizon_days=200)
    scenario = loads(text, "tiny.toml")
    checker, transactions = Checker(), []
    model = Model(scenario, ledger_sink=transactions, trace=checker)
    result = model.run()
    check_after(model, checker, transactions)  # every run billed but the ones thrown away
    d = result.summary_dict()
    f, jobs = d["failures"], d["jobs"]["total"]
    assert f["jobs_stopped"] > 0
    stopped = [run for runs in checker.runs.values() for run in runs if run[3]]
    assert len(stopped) == f["jobs_stopped"]
    assert f["accelerator_hours_lost"] == pytest.approx(sum(4 * (end - start) for start, end, *_ in stopped))
    # The tiny price is exactly 1 CNY per accelerator-hour, and falls 0 %/year: fen = 100 x hours.
    assert scenario.pricing.annual_decline == 0
    assert f["revenue_lost_fen"] == sum(round(100 * 4 * (end - start)) for start, end, *_ in stopped)
    if policy == "lost":
        assert f["jobs_lost"] == f["jobs_stopped"] == jobs["preempted_lost"]
        assert jobs["completed"] + jobs["preempted_lost"] + d["jobs"]["running_at_horizon"] == 4
    else:
        assert f["jobs_lost"] == 0 and jobs["preempted_lost"] == 0
        assert jobs["completed"] + d["jobs"]["running_at_horizon"] + d["jobs"]["queued_at_horizon"] == 4


def test_no_failures_table_no_failures_section():
    d = sim.run(loads(TINY, "tiny.toml")).summary_dict()
    assert "failures" not in d


def test_a_failures_table_naming_no_server_model_fails_nothing():
    text = with_failures(JOBS, 'stopped_jobs = "lost"\n', horizon_days=20)
    d = sim.run(loads(text, "tiny.toml")).summary_dict()["failures"]
    assert (d["failures"], d["availability"], d["configured_availability"]) == (0, 1.0, 1.0)


@pytest.mark.parametrize("failures, messages", [
    ('stopped_jobs = "retry"\n', ["failures.stopped_jobs: must be one of lost, requeue, got 'retry'"]),
    ("[failures.servers.gpu]\nmtbf_hours = 1\nmttr_hours = 1\n", ["failures.servers.gpu: no server named 'gpu' in [servers]"]),
    ("[failures.servers.s]\nmtbf_hours = 0\nmttr_hours = 1\n", ["failures.servers.s.mtbf_hours: must be > 0, got 0"]),
    ("[failures.servers.s]\nmtbf_hours = 10\n", ["failures.servers.s.mttr_hours: missing"]),
    ("[failures.servers.s]\nmtbf_hours = 10\nmttr_hours = 1e-9\n",
     ["failures.servers.s.mttr_hours: must be at least one minute (1/60 h): a repair is at least a restart "
      "(minutes or seconds written as hours?), got 1e-09"]),
    ("[failures.servers.s]\nmtbf_hours = 0.99\nmttr_hours = 1\n",
     ["failures.servers.s.mtbf_hours: must be at least one hour: a server that fails more often is not in "
      "service (minutes or seconds written as hours?), got 0.99"]),
    ("colour = 1\n", ["failures.colour: unknown key"]),
])
def test_bad_failures(failures, messages):
    with pytest.raises(ScenarioError) as e:
        loads(TINY + "\n[failures]\n" + failures, "tiny.toml")
    assert e.value.messages == [f"tiny.toml: {m}" for m in messages]


# --- the work budget counts failures and repairs ---------------------------------------------------
def test_the_expected_failures_and_repairs_of_one_server_are_those_of_its_markov_chain():
    from sim.scenario.budget import failures_and_repairs

    # Long runs: a failure and a repair per cycle of MTBF + MTTR.
    assert failures_and_repairs(100.0, 10.0, 1e7) == pytest.approx(2 * 1e7 / 110, rel=1e-5)
    # Repairs that never come: it fails once, if it fails before the end (1 - e^(-T / MTBF)).
    assert failures_and_repairs(100.0, 1e9, 10.0) == pytest.approx(-math.expm1(-10 / 100), rel=1e-6)
    assert failures_and_repairs(100.0, 10.0, 0.0) == 0.0


def test_the_budget_counts_what_a_run_simulates():
    racks = "\n[sites.a.racks.many]\nowner = \"operator\"\ncount = 300\npower_kw = 1.0\nserver = \"s\"\n"
    text = with_failures("", "[failures.servers.s]\nmtbf_hours = 2\nmttr_hours = 3\n", horizon_days=4, racks=racks)
    scenario = loads(text.replace("[clients.c]", ""), "tiny.toml")
    from sim.scenario.budget import failure_events
    from sim.scheduling.cluster import Cluster

    (expected,) = failure_events(scenario, Cluster(scenario), scenario.horizon_hours).values()
    d = sim.run(scenario).summary_dict()["failures"]
    assert abs(d["failures"] + d["repairs"] - expected) < 0.03 * expected


def test_a_storm_of_failures_is_refused_at_load_naming_the_server_model():
    # The case: a second between failures and a second to repair, on a tiny scenario,
    # was 26 M events; at the lowest bounds (an hour, a minute) 10,000 servers over a year are 2 x 8,760 x 60/61 x 10,000.
    text = with_failures(JOBS, "[failures.servers.s]\nmtbf_hours = 1\nmttr_hours = 0.0166667\n",
                         horizon_days=365).replace("count = 1\npower_kw", "count = 10000\npower_kw", 1)
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")  # refused here, before anything is simulated
    (line,) = e.value.messages
    assert line.startswith("tiny.toml: failures.servers.s.mtbf_hours: about 172,344,")
    assert "failures and repairs expected over the 365-day horizon" in line
    assert line.endswith("over the limit of 20,000,000; lengthen the time between failures or shorten the "
                         "horizon, or raise the limit on purpose with [scenario] max_failure_events")
    assert loads(text.replace("[scenario]", "[scenario]\nmax_failure_events = 200_000_000"), "tiny.toml")
    # A longer horizon given to run is held to the budget too.
    s = loads(text.replace("horizon_days = 365", "horizon_days = 2"), "tiny.toml")
    with pytest.raises(ScenarioError) as e:
        sim.run(s, horizon_days=365)
    assert e.value.messages[0].endswith("[scenario] max_failure_events, loading it with this horizon_days")
