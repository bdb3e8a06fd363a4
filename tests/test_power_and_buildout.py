"""Racks hold what their power budget allows; nothing runs before it is commissioned."""

import pytest
from tiny import tiny

from sim.model import servers_within_power
from sim.scenario import ScenarioError
from sim.scheduling.trace import Trace
from sim.simulation.run import Model


@pytest.mark.parametrize("rack_kw, server_kw, n", [
    (20, 5.5, 3), (2.5, 5.5, 0), (40, 10.2, 3), (40.8, 10.2, 4), (5.0, 2.5, 2), (0.3, 0.1, 3),
])
def test_servers_within_power(rack_kw, server_kw, n):
    assert servers_within_power(rack_kw, server_kw) == n


def test_servers_per_rack_defaults_to_the_power_budget():
    s = tiny("sites.a.racks.own.power_kw=3.5")  # 1 kW servers
    [own] = [g for g in s.rack_groups if g.name == "own"]
    assert own.servers_per_rack == 3 and not own.over_power_budget


def test_more_servers_than_the_budget_is_refused():
    with pytest.raises(ScenarioError) as e:
        tiny("sites.a.racks.own.servers_per_rack=10")
    assert e.value.messages == [
        "tiny.toml: sites.a.racks.own.servers_per_rack: 10 servers of 1.0 kW need 10 kW, over the 1.0 kW "
        "rack budget (at most 1); set enforce_power = false to model it anyway"
    ]


def test_a_rack_too_small_for_one_server_is_refused():
    with pytest.raises(ScenarioError) as e:
        tiny("sites.a.racks.own.power_kw=0.5")
    assert "sites.a.racks.own.power_kw: a 0.5 kW rack cannot power one s server (1.0 kW)" in e.value.messages[0]


def test_without_enforcement_the_overload_runs_and_is_reported():
    s = tiny("scenario.enforce_power=false", "sites.a.racks.own.servers_per_rack=10")
    model = Model(s)
    summary = model.run().summary_dict()
    [over] = summary["capacity"]["power"]["rack_groups_over_budget"]
    assert over["rack_group"] == "own" and over["servers_per_rack"] == 10
    assert over["servers_per_rack_within_power"] == 1 and over["needed_rack_power_kw"] == 10
    assert summary["capacity"]["planned"]["servers"] == 11


def test_standard_racks_are_converted_by_power():
    # 16 standard racks of 2.5 kW = 40 kW = 4 racks of 10 kW.
    s = tiny_with_standard_racks(16, 10.0)
    [own] = [g for g in s.rack_groups if g.name == "own"]
    assert own.count == 4 and own.servers_per_rack == 10


def tiny_with_standard_racks(n, kw):
    from tiny import TINY

    from sim.scenario import loads

    text = TINY.replace('owner = "operator"\ncount = 1\npower_kw = 1.0',
                        f'owner = "operator"\nstandard_racks = {n}\npower_kw = {kw}')
    return loads(text, "tiny.toml")


class Starts(Trace):
    """Records each job's start and the servers online in its pool at that moment."""

    def __init__(self):
        self.starts = []

    def on_start(self, s, job, pool):
        self.starts.append((s.env.now, job.submit_h, pool.servers))


def test_no_job_starts_before_its_racks_are_commissioned():
    # Both rack groups come online on day 3 (hour 72); jobs arrive from hour 0.
    s = tiny("sites.a.racks.own.online=3", "sites.a.racks.rented.online=3", "scenario.horizon_days=5",
             "clients.c.arrivals.at_hours=[0, 5, 10, 71, 72, 80]")
    trace = Starts()
    Model(s, trace=trace).run()
    assert len(trace.starts) == 6
    assert min(t for t, _, _ in trace.starts) == 72.0
    assert any(submit < 72 for _, submit, _ in trace.starts)
    assert all(servers > 0 for _, _, servers in trace.starts)


def test_linear_ramp_brings_racks_online_day_by_day():
    s = tiny("sites.a.racks.own.count=10", "sites.a.racks.own.ramp_start=0", "sites.a.racks.own.ramp_end=4")
    [own] = [g for g in s.rack_groups if g.name == "own"]
    # 10 racks over 4 days: floor(10 d / 4) online at the end of day d.
    assert own.online == ((24.0, 2), (48.0, 3), (72.0, 2), (96.0, 3))
    assert [own.racks_online_at(h) for h in (0, 24, 47, 48, 96, 1000)] == [0, 2, 2, 5, 10, 10]
