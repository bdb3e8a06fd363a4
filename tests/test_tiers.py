"""Price tiers worked by hand (sim/model/tiers.py, sim/scheduling/tiers.py, sim/economics/tiers.py).

One operator server of 4 accelerators at exactly 1 CNY per accelerator-hour; spot at 70 % off.
A spot job of 4 x 10 h starts at hour 0; an on-demand job of 4 x 1 h arrives at hour 2 and
needs the whole server, so it evicts the spot job as its tier says.
"""


import pytest

from sim.scenario import ScenarioError, loads
from sim.scheduling.trace import Trace
from sim.simulation.run import Model

BASE = """
[scenario]
name = "tiers"
seed = 1
start_date = 2025-01-01
horizon_days = 2
standard_rack_kw = 2.5

[pricing]
price_cny_per_pflops_year = 87600   # x 0.1 P / 8760 h = exactly 1 CNY per accelerator-hour
intermediary_fee = 0.15

[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.1
power_w = 100

[servers.s]
accelerator = "x"
accelerators_per_server = 4
power_kw = 1.0
idle_power_fraction = 0.5
busy_power_fraction = 1.0

[sites.a]
pue = 1.5
electricity_cny_per_kwh = 0.4

[sites.a.racks.own]
owner = "operator"
count = 1
power_kw = 1.0
server = "s"

[tiers.on-demand]

[tiers.spot]
discount = 0.7
notice_h = 0.5

[clients.batch]
arrivals = { at_hours = [0] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }
tiers = ["spot"]
interruption_tolerance = 1

[clients.urgent]
arrivals = { at_hours = [2] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 1 }
tiers = ["on-demand"]
"""


class Log(Trace):
    def __init__(self):
        self.events = []

    def on_start(self, s, job, pool):
        self.events.append(("start", job.client, s.env.now))

    def on_notice(self, s, job, stop_h):
        self.events.append(("notice", job.client, s.env.now, stop_h))

    def on_evict(self, s, job, pool, lost_h):
        self.events.append(("evict", job.client, s.env.now, lost_h))

    def on_finish(self, s, job, pool):
        self.events.append(("finish", job.client, s.env.now))


def run(*overrides):
    scenario = loads(BASE, "tiers.toml", overrides)
    log = Log()
    model = Model(scenario, trace=log)
    result = model.run()
    jobs = {j.client: j for p in model.cluster.pools for j in p.running}
    return model, result, log.events, jobs


def rounded(events):
    return [tuple(round(x, 9) if isinstance(x, float) else x for x in e) for e in events]


def spot_job(log_model):
    model = log_model
    return model.sched.tier_stats[1]


def test_a_spot_job_is_evicted_after_its_notice_not_before_and_paused_resumes_with_its_remaining_work():
    model, result, events, _ = run("tiers.spot.on_eviction=\"pause\"")
    BATCH, URGENT = 0, 1
    assert rounded(events) == [
        ("start", BATCH, 0.0),
        ("notice", BATCH, 2.0, 2.5),      # notice when the on-demand job arrives...
        ("evict", BATCH, 2.5, 0.0),       # ...stopped 0.5 h later, nothing lost (paused)
        ("start", URGENT, 2.5),
        ("finish", URGENT, 3.5),
        ("start", BATCH, 3.5),            # resumes with 10 - 2.5 = 7.5 h left
        ("finish", BATCH, 11.0),
    ]
    tiers = result.summary_dict()["tiers"]
    assert tiers["spot"]["revenue_fen"] == 4 * 10 * 30  # 10 h of work at 0.3 CNY, in two runs
    assert tiers["on-demand"]["revenue_fen"] == 4 * 1 * 100
    assert tiers["spot"]["evictions"] == 1 and tiers["spot"]["work_lost_accelerator_hours"] == 0
    assert tiers["spot"]["wait_hours_mean"] == 0 and tiers["on-demand"]["wait_hours_mean"] == 0.5
    assert tiers["spot"]["busy_accelerator_hours"] == 40.0


def test_protected_runtime_holds_the_eviction_back_to_its_end():
    _, _, events, _ = run("tiers.spot.protected_runtime_h=3", "tiers.spot.on_eviction=\"pause\"")
    assert ("notice", 0, 2.0, 3.0) in rounded(events)  # max(2 + 0.5 notice, 0 + 3 protected)
    assert ("evict", 0, 3.0, 0.0) in rounded(events)
    assert ("start", 1, 3.0) in rounded(events)


def test_a_checkpointed_job_loses_exactly_the_work_since_its_last_checkpoint():
    model, result, events, _ = run("tiers.spot.on_eviction=\"requeue\"", "tiers.spot.checkpoint_interval_h=1.0",
                                   "tiers.spot.restart_overhead_h=0.25")
    # Evicted at 2.5 h: checkpoints at 1 and 2 h, so 0.5 h of work lost; it restarts at 3.5 h
    # with 10 - 2 = 8 h of work plus 0.25 h to restart, and ends at 11.75 h.
    assert rounded(events)[2] == ("evict", 0, 2.5, 0.5)
    assert rounded(events)[-2:] == [("start", 0, 3.5), ("finish", 0, 11.75)]
    spot = result.summary_dict()["tiers"]["spot"]
    assert spot["work_lost_accelerator_hours"] == 4 * 0.5
    # Lost work is not billed: 2 h of the first run, 8.25 h of the second, at 0.3 CNY.
    assert spot["revenue_fen"] == round(4 * (2.0 + 8.25) * 30)
    assert spot["busy_accelerator_hours"] == 4 * (2.5 + 8.25)


def test_lost_work_is_billed_when_the_tier_says_so():
    _, result, _, _ = run("tiers.spot.checkpoint_interval_h=1.0", "tiers.spot.bill_lost_work=true")
    assert result.summary_dict()["tiers"]["spot"]["revenue_fen"] == round(4 * (2.5 + 8.0) * 30)


def test_without_checkpoints_a_requeued_job_starts_over():
    _, _, events, _ = run()  # on_eviction = "requeue" by default, no checkpoint
    assert rounded(events)[2] == ("evict", 0, 2.5, 2.5)
    assert rounded(events)[-1] == ("finish", 0, 13.5)


def test_a_killed_job_ends_unbilled():
    model, result, events, _ = run("tiers.spot.on_eviction=\"kill\"")
    assert rounded(events)[2] == ("evict", 0, 2.5, 2.5)
    spot = result.summary_dict()["tiers"]["spot"]
    assert spot["jobs_killed"] == 1 and spot["revenue_fen"] == 0 and spot["jobs_completed"] == 0
    assert result.summary_dict()["jobs"]["total"]["preempted_lost"] == 1


def test_notice_zero_stops_at_once_and_spot_waits_behind_on_demand():
    _, _, events, _ = run("tiers.spot.notice_h=0", "tiers.spot.on_eviction=\"pause\"")
    assert rounded(events)[1:4] == [("notice", 0, 2.0, 2.0), ("evict", 0, 2.0, 0.0), ("start", 1, 2.0)]


def test_quota_caps_what_spot_holds():
    # Half the server: the spot job of 4 never starts; a spot job of 2 would.
    model, result, events, _ = run("tiers.spot.quota=0.5")
    assert [e for e in events if e[1] == 0] == []
    model, result, events, _ = run("tiers.spot.quota=0.5", "clients.batch.sizes.values=[2]")
    assert ("start", 0, 0.0) in rounded(events)


WTP = """
[clients.buyer]
arrivals = {{ at_hours = [0] }}
sizes = {{ values = [1] }}
duration = {{ dist = "fixed", hours = 1 }}
willingness_to_pay = {{ dist = "lognormal", median_cny_per_pflops_hour = {wtp}, sigma = 0 }}
interruption_tolerance = 0.5
"""


def choose(wtp: float, *overrides):
    """The tier one job buys; 1 CNY per accelerator-hour is 10 CNY per P-hour here."""
    text = BASE.split("[clients.batch]")[0] + WTP.format(wtp=wtp)
    model = Model(loads(text, "tiers.toml", overrides))
    result = model.run()
    tiers = result.summary_dict()["tiers"]
    return ({n: t["jobs_chosen"] for n, t in tiers.items()}, {n: t["jobs_from_on_demand"] for n, t in tiers.items()},
            result.summary_dict()["jobs"]["total"]["balked"])


def test_a_client_moves_to_spot_when_on_demand_exceeds_its_willingness_to_pay():
    # Worth 12 per P-hour: on-demand (10) leaves 2; spot is worth half (6) at 3: leaves 3, so spot,
    # and it was taken from on-demand (the job would have bought it).
    assert choose(12.0) == ({"on-demand": 0, "spot": 1}, {"on-demand": 0, "spot": 1}, 0)
    # At 30 % off spot costs 7 of its 6: on-demand.
    assert choose(12.0, "tiers.spot.discount=0.3") == ({"on-demand": 1, "spot": 0}, {"on-demand": 0, "spot": 0}, 0)
    # Worth 9: on-demand (10) is too dear; spot (3 of 4.5) serves demand on-demand priced out.
    assert choose(9.0) == ({"on-demand": 0, "spot": 1}, {"on-demand": 0, "spot": 0}, 0)
    # Worth 5: spot costs 3 of 2.5, on-demand 10: lost to price.
    assert choose(5.0) == ({"on-demand": 0, "spot": 0}, {"on-demand": 0, "spot": 0}, 1)


def test_a_fixed_price_tier_and_a_tier_fee():
    text = BASE.replace("[tiers.spot]\ndiscount = 0.7", "[tiers.spot]\nprice_cny_per_accelerator_hour = 0.2")
    result = Model(loads(text, "tiers.toml", ["tiers.spot.on_eviction=\"pause\""])).run()
    assert result.summary_dict()["tiers"]["spot"]["revenue_fen"] == 4 * 10 * 20


@pytest.mark.parametrize("override, message", [
    ("tiers.spot.discount=1.0", "tiers.toml: tiers.spot.discount: must be < 1, got 1.0"),
    ("tiers.spot.discount=-0.1", "tiers.toml: tiers.spot.discount: must be >= 0, got -0.1"),
    ("tiers.spot.notice_h=-1", "tiers.toml: tiers.spot.notice_h: must be >= 0, got -1"),
    ("tiers.spot.protected_runtime_h=-0.5", "tiers.toml: tiers.spot.protected_runtime_h: must be >= 0, got -0.5"),
    ("tiers.spot.quota=1.5", "tiers.toml: tiers.spot.quota: must be <= 1, got 1.5"),
    ('tiers.spot.capacity="opted-in"',
     "tiers.toml: tiers.spot.capacity: 'opted-in' is no capacity here: no tenant opts servers into the marketplace"),
    ('tiers.spot.on_eviction="drop"', "tiers.toml: tiers.spot.on_eviction: must be one of kill, pause, requeue, got 'drop'"),
    ("tiers.on-demand.notice_h=1", "tiers.toml: tiers.on-demand.notice_h: only a preemptible tier has it (preemptible = true)"),
    ('clients.batch.tiers=["spt"]', "tiers.toml: clients.batch.tiers: no tier named 'spt' in [tiers] (did you mean 'spot'?)"),
    ("clients.batch.interruption_tolerance=2", "tiers.toml: clients.batch.interruption_tolerance: must be <= 1, got 2"),
    ("tiers.spot.colour=1", "tiers.toml: tiers.spot.colour: unknown key"),
])
def test_bad_tiers_give_one_line_naming_file_and_key(override, message):
    with pytest.raises(ScenarioError) as e:
        loads(BASE, "tiers.toml", [override])
    assert e.value.messages == [message]


def test_cli_bad_tier_exits_2_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    (tmp_path / "t.toml").write_text(BASE.replace("discount = 0.7", "discount = 1.2"))
    p = subprocess.run([sys.executable, "-m", "sim", "run", "t.toml"], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip() == "t.toml: tiers.spot.discount: must be < 1, got 1.2"
    assert not (tmp_path / "results").exists()


def test_spot_at_the_on_demand_price_is_no_spot_at_all():
    # No job prefers a preemptible tier at the on-demand price (its worth is the same or less),
    # so none buys it: qingyang-spot at discount 0 is qingyang, to the fen (the sweep's baseline).
    import sim

    base = sim.run("qingyang", horizon_days=15).summary_dict()
    spot = sim.run("qingyang-spot@tiers.spot.discount=0", horizon_days=15).summary_dict()
    assert spot["tiers"]["spot"]["jobs_chosen"] == 0
    assert spot["revenue_fen"] == base["revenue_fen"]
    assert spot["jobs"]["total"] == base["jobs"]["total"]


def test_a_scenario_without_tiers_has_no_tiers_section():
    import sim

    assert "tiers" not in sim.run("qingyang", horizon_days=2).summary_dict()


def test_a_tenants_own_work_evicts_spot_on_its_opted_in_servers_after_the_notice():
    # The server is a tenant's, all of it opted in; its own customers' job arrives at hour 2.
    # Under no-preempt a tenant's job would wait for marketplace work; spot gives way all the same.
    text = BASE.replace('owner = "operator"', 'owner = "t"').replace("[tiers.on-demand]", """[tenants.t]
opt_in_fraction = 1.0
colocation_cny_per_kw_month = 744

[tenants.t.demand.own]
arrivals = { at_hours = [2] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 1 }

[tiers.on-demand]""").replace("arrivals = { at_hours = [2] }\nsizes = { values = [4] }\nduration = { dist = \"fixed\", hours = 1 }\ntiers",
                              "arrivals = { at_hours = [40] }\nsizes = { values = [4] }\nduration = { dist = \"fixed\", hours = 1 }\ntiers")
    scenario = loads(text, "tiers.toml", ['tiers.spot.on_eviction="pause"', 'policy.reclaim="no-preempt"'])
    log = Log()
    Model(scenario, trace=log).run()
    OWN = [c.tenant for c in scenario.clients].index("t")
    assert rounded(log.events)[:6] == [
        ("start", 0, 0.0), ("notice", 0, 2.0, 2.5), ("evict", 0, 2.5, 0.0), ("start", OWN, 2.5),
        ("finish", OWN, 3.5), ("start", 0, 3.5)]
