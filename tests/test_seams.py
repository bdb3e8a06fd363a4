"""The seams: typed results, per-site breakdown, policies from outside the package, the
job-stream seam, frozen scenarios, warm-up, jobs waiting at the horizon, class keys."""

import zlib

import attrs
import pandas as pd
import pytest
from tiny import TINY, tiny

import sim
from sim.scenario import loads
from sim.scheduling.placement.base import Placement, first_fit
from sim.scheduling.registry import PLACEMENTS, register_placement
from sim.simulation.results import COLUMNS, SITE_COLUMNS, RunResult, Summary
from sim.simulation.run import Model
from sim.workload.stream import JobRecord

# Two sites: "a" as in tiny (an operator server and tenant t's, all opted in) and "b" with two
# operator servers and two of tenant u's, half of them kept for u's own demand; Poisson demand.
TWO_SITES = TINY.replace("horizon_days = 2", "horizon_days = 20").replace(
    """arrivals = { at_hours = [0, 1, 30, 30] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }""",
    """arrivals = { rate_per_hour = 0.6 }
sizes = { values = [2, 4] }
duration = { dist = "exponential", mean_hours = 6 }""") + """
[sites.b]
pue = 1.2
electricity_cny_per_kwh = 0.6

[sites.b.racks.own]
owner = "operator"
count = 2
power_kw = 1.0
server = "s"

[sites.b.racks.rented]
owner = "u"
count = 2
power_kw = 1.0
server = "s"

[tenants.u]
opt_in_fraction = 0.5
colocation_cny_per_kw_month = 500

[tenants.u.demand.own]
arrivals = { rate_per_hour = 0.2 }
sizes = { values = [4] }
duration = { dist = "exponential", mean_hours = 5 }
"""


def two_sites(*overrides):
    return loads(TWO_SITES, "two-sites.toml", overrides)


# --- per-site breakdown ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_two_sites_are_reported_apart_and_add_up_to_the_totals_to_the_fen(seed):
    result = sim.run(two_sites(), seed=seed)
    s = result.summary
    assert {(r.site, r.owner_class) for r in s.by_site} == {
        ("a", "operator"), ("a", "third-party"), ("b", "operator"), ("b", "third-party")}
    for line in attrs.fields(type(s.revenue)):
        total = getattr(s.revenue, line.name)
        assert sum(getattr(r.revenue, line.name) for r in s.by_site) == total, line.name
    # Each site really earned something of its own, so the split is not all in one row.
    for site in ("a", "b"):
        assert sum(r.revenue.operator_revenue for r in s.by_site if r.site == site) > 0
        assert sum(r.revenue.electricity_cost for r in s.by_site if r.site == site) > 0
    assert sum(r.planned.accelerators for r in s.by_site) == s.capacity.planned.accelerators
    assert sum(r.commissioned_accelerator_hours for r in s.by_site) == pytest.approx(
        s.utilisation.commissioned_accelerator_hours)
    assert sum(r.busy_accelerator_hours for r in s.by_site) == pytest.approx(s.utilisation.busy_accelerator_hours)
    # The daily rows by site add up to the run's daily rows.
    by_day = result.daily_by_site_frame().groupby("day").sum(numeric_only=True)
    daily = result.daily_frame().set_index("day")
    for col in ("commissioned_accelerators", "operator_net_cny", "electricity_cost_cny", "intermediary_fee_cny"):
        assert by_day[col].to_numpy() == pytest.approx(daily[col].to_numpy(), abs=1e-6), col


def test_summary_json_has_exact_fen_beside_cny_and_the_breakdown():
    d = sim.run(two_sites()).summary_dict()
    for k, fen in d["revenue_fen"].items():
        assert isinstance(fen, int) and d["revenue_cny"][k] == fen / 100
    assert [(r["site"], r["owner_class"]) for r in d["by_site"]][:2] == [("a", "operator"), ("a", "third-party")]
    assert all(isinstance(v, int) for r in d["by_site"] for v in r["revenue_fen"].values())


def test_frames_are_pandas_with_the_documented_columns():
    result = sim.run(two_sites())
    daily = result.daily_frame()
    assert list(daily.columns) == list(COLUMNS) and len(daily) == 20
    assert pd.api.types.is_datetime64_any_dtype(daily["date"])
    assert list(result.daily_by_site_frame().columns) == list(SITE_COLUMNS)
    one = result.summary_frame()
    assert len(one) == 1 and one.loc[0, "revenue_fen.operator_net"] == result.summary.revenue.operator_net
    assert len(result.by_site_frame()) == 4 and len(result.by_class_frame()) == 2


def test_results_are_immutable_records():
    result = sim.run(tiny())
    assert isinstance(result, RunResult) and isinstance(result.summary, Summary)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.summary.seed = 3
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.daily[0].utilisation = 1.0


# --- frozen scenarios --------------------------------------------------------------------------
def test_a_scenario_is_hashable_and_cannot_be_changed():
    a, b = tiny(), tiny()
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert hash(tiny("pricing.intermediary_fee=0.2")) != hash(a)
    with pytest.raises(TypeError):
        a.accelerators["x"] = None
    with pytest.raises(TypeError):
        a.pricing.cny_per_accelerator_hour["x"] = 0.0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.seed = 2


# --- a policy from outside the package ---------------------------------------------------------
class TenantFirst(Placement):
    """Third-party capacity first: the opposite of owned-first, defined here and registered."""

    name = "tenant-first-test"

    def choose_market(self, job, pools):
        return first_fit(job, reversed(self.by_kind[job.elig]))


def test_a_placement_defined_in_a_test_is_registered_and_runs():
    register_placement(TenantFirst)
    try:
        scenario = tiny('policy.placement="tenant-first-test"')
        assert scenario.policy.placement == "tenant-first-test"
        sink = []
        Model(scenario, ledger_sink=sink).run()
        # Jobs 3 and 4 arrive at 30 h with both servers free: the first goes to the tenant's.
        sales = [t.where.owner for t in sink if t.where.stream.startswith("compute")]
        assert sales.count("t") == 1 and sales[-2:] in (["t", "operator"], ["operator", "t"])
        owned = sim.run(tiny())
        assert owned.summary.revenue.compute_sales_third_party_capacity == 4000  # same split by count
    finally:
        PLACEMENTS.pop(TenantFirst.name, None)
    with pytest.raises(sim.ScenarioError):
        tiny('policy.placement="tenant-first-test"')


def test_registering_a_second_policy_under_a_taken_name_is_refused():
    class Other(TenantFirst):
        name = "owned-first"

    with pytest.raises(ValueError, match="registered already"):
        register_placement(Other)


# --- the job-stream seam -----------------------------------------------------------------------
def test_a_hand_written_job_stream_replaces_a_class_arrivals():
    records = [JobRecord(0.5, 0, 4, 2.0, None, None), JobRecord(1.0, 0, 4, 3.0, None, None),
               JobRecord(100.0, 0, 4, 1.0, None, None)]  # the last is past the 48 h horizon
    model = Model(tiny(), streams={0: records})
    s = model.run().summary
    assert (s.jobs.total.submitted, s.jobs.total.completed) == (2, 2)
    # Job 2 waits for job 1 on the operator's only server (the tenant's comes at 24 h): 1.5 h.
    assert s.wait_hours.max == pytest.approx(1.5)


# --- statistics --------------------------------------------------------------------------------
def test_the_warm_up_leaves_out_waits_queue_and_use_but_never_money():
    full, warm = sim.run(tiny()), sim.run(tiny(), warmup_days=0.5)  # warm-up ends at 12 h
    assert warm.summary.revenue == full.summary.revenue
    assert warm.daily == full.daily
    # Job 2 (arrived at 1 h, waited 9 h) is in the warm-up; jobs 3 and 4 (30 h) waited 0.
    assert full.summary.wait_hours.jobs == 4 and warm.summary.wait_hours.jobs == 2
    assert warm.summary.wait_hours.max == 0
    # Utilisation over 12-48 h: operator busy 12-20 and 30-40 h of 36 h; tenant's 10 of 24 h.
    assert warm.summary.utilisation.operator == round(18 / 36, 6)
    assert warm.summary.utilisation.overall == round((18 + 10) * 4 / ((36 + 24) * 4), 6)
    assert warm.summary.queue.measured_hours == 36 and warm.summary.queue.mean_length == 0
    assert full.summary.queue.mean_length == round(9 / 48, 6)
    with pytest.raises(sim.ScenarioError, match="warmup_days"):
        sim.run(tiny(), warmup_days=2)


def test_jobs_still_waiting_at_the_horizon_are_reported_with_their_waits():
    # Stop at 5 h: job 2 (arrived at 1 h) is still waiting behind job 1.
    s = sim.run(tiny(), horizon_days=5 / 24).summary
    assert s.jobs.queued_at_horizon == 1
    assert s.jobs.waiting_at_horizon.jobs == 1 and s.jobs.waiting_at_horizon.mean == pytest.approx(4)
    [c] = s.jobs.by_class
    assert c.waiting_at_horizon.jobs == 1 and c.wait_hours.jobs == 1  # job 1 started at once


def test_the_queue_arrival_rate_counts_only_jobs_that_joined():
    # A price ceiling below the quote: every job of the class balks, none joins the queue.
    s = sim.run(tiny("clients.c.max_price_cny_per_accelerator_hour=0.5")).summary
    assert s.jobs.total.balked == 4 and s.queue.arrival_rate_per_hour == 0
    s = sim.run(tiny()).summary
    assert s.queue.arrival_rate_per_hour == round(4 / 48, 6)
    # Little's law on the queue: L = lambda W over the run.
    assert s.queue.mean_length == pytest.approx(s.queue.arrival_rate_per_hour * s.wait_hours.mean, abs=1e-6)



def test_the_waits_of_jobs_that_abandon_are_reported_and_little_holds_on_all_who_joined():
    # Patience 2 h: job 2 (arrived at 1 h behind job 1's 10 h) leaves at 3 h; the rest start at once.
    s = sim.run(tiny("clients.c.patience={dist='fixed', hours=2}")).summary
    assert s.jobs.total.abandoned == 1 and s.wait_hours.jobs == 3 and s.wait_hours.mean == 0
    assert (s.abandoned_wait_hours.jobs, s.abandoned_wait_hours.mean) == (1, 2.0)
    assert (s.joined_wait_hours.jobs, s.joined_wait_hours.mean, s.joined_wait_hours.max) == (4, 0.5, 2.0)
    [c] = s.jobs.by_class
    assert (c.abandoned_wait_hours, c.joined_wait_hours) == (s.abandoned_wait_hours, s.joined_wait_hours)
    # The queue held job 2 for 2 of 48 h: L = 2/48 = lambda W = 4/48 x 0.5, not 4/48 x 0 (started only).
    assert s.queue.mean_length == pytest.approx(s.queue.arrival_rate_per_hour * s.joined_wait_hours.mean, abs=1e-6)
    assert s.queue.mean_length == round(2 / 48, 6)
    # Still waiting at the horizon: counted among those who joined, with their waits so far.
    s = sim.run(tiny("clients.c.patience={dist='fixed', hours=2}"), horizon_days=2 / 24).summary
    assert s.jobs.queued_at_horizon == 1 and s.abandoned_wait_hours.jobs == 0
    assert (s.joined_wait_hours.jobs, s.joined_wait_hours.mean) == (2, 0.5)  # 0 h and 1 h so far


# --- class keys and random streams -------------------------------------------------------------
def test_a_class_named_like_a_tenants_class_is_counted_apart():
    text = TINY + '\n[clients."t/x"]\narrivals = { at_hours = [2] }\nsizes = { values = [4] }\n' \
                  'duration = { dist = "fixed", hours = 1 }\n' \
                  '\n[tenants.t.demand.x]\narrivals = { at_hours = [40] }\nsizes = { values = [4] }\n' \
                  'duration = { dist = "fixed", hours = 1 }\n'
    s = sim.run(loads(text, "keys.toml")).summary
    labels = [(c.tenant, c.name) for c in s.jobs.by_class]
    assert ("", "t/x") not in labels and (None, "t/x") in labels and ("t", "x") in labels
    assert sum(c.counts.submitted for c in s.jobs.by_class) == s.jobs.total.submitted == 6


def test_classes_whose_names_collide_in_crc32_draw_different_numbers():
    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")
    text = TINY.replace("[clients.c]", "[clients.plumless]").replace(
        'arrivals = { at_hours = [0, 1, 30, 30] }', 'arrivals = { rate_per_hour = 1 }') + (
        '\n[clients.buckeroo]\narrivals = { rate_per_hour = 1 }\nsizes = { values = [4] }\n'
        'duration = { dist = "exponential", mean_hours = 1 }\n').replace(
        'duration = { dist = "fixed", hours = 10 }', 'duration = { dist = "exponential", mean_hours = 1 }')
    model = Model(loads(text, "crc.toml"))
    a, b = (iter(i.records) for i in model.intakes)
    ra, rb = [next(a) for _ in range(5)], [next(b) for _ in range(5)]
    assert [r.arrival_h for r in ra] != [r.arrival_h for r in rb]
    assert [r.duration_h for r in ra] != [r.duration_h for r in rb]


def test_progress_is_reported_as_each_day_closes_and_the_bar_stays_off_when_quiet():
    from sim.cli import progress_bar

    seen = []
    sim.run(tiny(), horizon_days=1.5, progress=lambda now, horizon: seen.append((now, horizon)))
    assert seen == [(24.0, 36.0), (36.0, 36.0)]
    with progress_bar(10, quiet=True) as progress:
        progress(240.0, 240.0)  # a disabled bar takes updates and prints nothing


def test_the_scheduler_bills_running_work_at_a_seam_and_changes_nothing_else():
    # tiny: job 0 runs 0-10 h, job 1 (arrived at 1 h) 10-20 h on the operator's 4 cards at 1 CNY
    # each an hour. A seam at 15 h bills job 1's first 5 h there, the rest at its end.
    from sim.economics.ledger import COMPUTE_OPERATOR

    def sales(seams):
        sink = []
        model = Model(loads(TINY, "tiny.toml"), ledger_sink=sink)
        for h in seams:
            model.clock.at(h, lambda _: model.sched.bill_running())
        result = model.run()
        return [(t.time_h, -t.postings[0][1]) for t in sink if t.stream == COMPUTE_OPERATOR], result

    plain, plain_result = sales([])
    seamed, seamed_result = sales([15.0])
    assert plain[:2] == [(10.0, 4000), (20.0, 4000)]
    assert seamed[:3] == [(10.0, 4000), (15.0, 2000), (20.0, 2000)]
    assert plain[2:] == seamed[3:]
    assert seamed_result.summary.jobs == plain_result.summary.jobs
    assert seamed_result.summary.revenue == plain_result.summary.revenue
