"""Representative periods (sim/model/sampling.py, sim/simulation/sampled.py): the time map, the
compressed scenario, billing at the seams, and agreement with full runs."""

import datetime as dt

import numpy as np
import pytest
from fin_tiny import FIN_TINY
from identities import check_money_identities
from sampling_case import SAMPLING_CASE
from scipy import stats

import sim
from sim.model.sampling import Sampling, TimeMap, periods
from sim.report import render
from sim.scenario import ScenarioError, loads
from sim.simulation.finance import yearly
from sim.workload.windows import compressed

H = 24.0
START = dt.date(2025, 1, 1)
SPEC = "scenario.sampling={ windows_per_year = 4, window_days = 4, lead_in_days = 60 }"
SHIPPED = "scenario.sampling={ windows_per_year = 4, window_days = 2, lead_in_days = 7, warmup_days = 2 }"


def test_periods_split_each_year_from_its_anniversary():
    p = periods(START, 2 * 365 * H + 10 * H, 4)
    assert p[:4] == [(0.0, 91.25 * H), (91.25 * H, 182.5 * H), (182.5 * H, 273.75 * H), (273.75 * H, 365 * H)]
    assert p[4][0] == 365 * H and p[-1] == (730 * H, 740 * H)  # the last is cut at the horizon
    assert len(periods(dt.date(2028, 1, 1), 366 * H, 2)) == 2  # a leap year: two periods of 183 days


def test_windows_sit_in_the_middle_of_their_periods_and_weigh_what_they_stand_for():
    tm = TimeMap.build(Sampling(4, 4, lead_in_days=60), START, 365 * H)
    lead, first = tm.segments[:2]
    # The first window (days 43.625-47.625) may look back 60 days, but no further than the start,
    # in whole days (so that no simulated day straddles two segments).
    assert lead.weight == 0.0 and lead.real_h == 0.625 * H and lead.length_h == 43 * H
    assert first.real_h == pytest.approx(43.625 * H) and first.weight == pytest.approx(91.25 / 4)
    assert [s.weight for s in tm.segments[2:]] == [pytest.approx(91.25 / 4)] * 3
    assert tm.sim_horizon_h == (43 + 16) * H
    # sim <-> real
    assert tm.real(lead.length_h + 1.0) == pytest.approx(first.real_h + 1.0)
    assert tm.compress(first.real_h + 5.0) == pytest.approx(lead.length_h + 5.0)
    assert tm.compress(100 * H) == tm.segments[2].sim_h  # in a gap: the start of the next window
    assert tm.compress(364.9 * H) is None  # after the last window


def test_the_compressed_scenario_commissions_gap_racks_at_the_next_window():
    s = loads(SAMPLING_CASE, "c.toml", [SPEC])
    small, tm = compressed(s, s.sampling)
    [own] = [g for g in small.rack_groups if g.name == "own"]
    # 4 racks at the start, 4 on 2026-01-01 (a period boundary: before year 2's first window).
    assert own.online == ((0.0, 4), (tm.segments[5].sim_h, 4))
    # At every simulated hour the racks online are those online at its real hour.
    real = {g.name: g for g in s.rack_groups}
    for g in small.rack_groups:
        for seg in tm.segments:
            for x in (0.0, seg.length_h / 2):
                assert g.racks_online_at(seg.sim_h + x) == real[g.name].racks_online_at(seg.real_h + x) or \
                    abs(x) > 0 and g.name == "rented"  # a daily ramp inside a window: steps at day ends
    assert sum(n for _, n in small.rack_groups[1].online) == 8
    assert small.horizon_hours == tm.sim_horizon_h == (43 + 3 * 16) * H  # lead-in, 3 years of 4 x 4 days


def test_a_job_across_windows_is_billed_in_each_for_its_hours_there():
    # One 4-accelerator job of 200 h from hour 1,050 (inside year 1's first window, days 43.6-47.6):
    # it runs on across the seams, and is billed in every window it runs in, in all 200 h.
    text = FIN_TINY.replace("arrivals = { at_hours = [0] }", "arrivals = { at_hours = [1050] }").replace(
        "hours = 100", "hours = 200")
    r = sim.run(loads(text, "fin.toml", [SPEC]))
    weights = r.day_weights
    sales = [(d.date, round(d.compute_sales_operator_capacity_cny * 100)) for d in r.daily
             if d.compute_sales_operator_capacity_cny]
    assert len({d for d, _ in sales}) >= 3  # booked in several windows, not at the end
    # Unweighted, the pieces add up to 4 x 200 h x 1 CNY.
    raw = sum(fen / w for (_, fen), w in zip(sales, [weights[i] for i, d in enumerate(r.daily)
                                                     if d.compute_sales_operator_capacity_cny]))
    assert raw == pytest.approx(80_000, abs=5)


def test_rent_is_not_sampled():
    full = yearly(sim.run(loads(FIN_TINY, "fin.toml")))
    sampled = yearly(sim.run(loads(FIN_TINY, "fin.toml", [SPEC])))
    for a, b in zip(full, sampled):
        assert b.money_fen["colocation_rent"] == pytest.approx(a.money_fen["colocation_rent"], abs=5)


def test_a_sampled_run_says_so_and_a_full_one_does_not():
    full = sim.run(loads(FIN_TINY, "fin.toml"))
    assert "sampling" not in full.summary_dict() and "Sampled run" not in render(full)["report.md"].decode()
    r = sim.run(loads(FIN_TINY, "fin.toml", [SPEC]))
    s = r.summary_dict()
    assert s["sampling"]["windows"] == 8 and s["sampling"]["window_days"] == 4
    assert s["horizon_days"] == 730 and s["end_date"] == "2027-01-01"
    assert r.daily[0].date == dt.date(2025, 2, 13)  # the first window's first day, on the calendar
    assert "**Sampled run**: 8 windows" in render(r)["report.md"].decode()


@pytest.mark.parametrize("value, message", [
    ("{ windows_per_year = 4, window_days = 100 }", "scenario.sampling.window_days: a window of 100 day(s) after 0 "
                                                    "warm-up day(s) does not fit in a period of 91 days (4 per year)"),
    ("{ windows_per_year = 0, window_days = 1 }", "scenario.sampling.windows_per_year: must be >= 1, got 0"),
    ("'often'", "scenario.sampling: must be a table { windows_per_year = N, window_days = D } or false, got "
                "string 'often'"),
])
def test_bad_sampling_is_one_line(value, message):
    with pytest.raises(ScenarioError) as e:
        loads(FIN_TINY, "fin.toml", [f"scenario.sampling={value}"])
    assert e.value.messages == [f"fin.toml: {message}"]


SAMPLE = "scenario.sampling={ windows_per_year = 4, window_days = 2 }"


def test_arrivals_the_windows_cannot_map_are_refused_when_sampled():
    text = FIN_TINY.replace("arrivals = { at_hours = [0] }", "arrivals = { rate_per_hour = 0.01 }")
    text = text.replace("[finance]", "[clients.c.workload]\nhour_of_day = " + str([1] * 24) + "\n\n[finance]")
    loads(text, "fin.toml")  # every day: fine
    with pytest.raises(ScenarioError) as e:
        loads(text, "fin.toml", [SAMPLE])
    assert e.value.messages == ["fin.toml: scenario.sampling: representative periods cannot map clients.c's shaped "
                                "arrivals onto their windows: simulate every day (--full)"]
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario("qingyang-leases", [SAMPLE])
    assert "clients.anchor-leases's lease contract arrivals" in e.value.messages[0]


def yearly_figures(overrides):
    r = sim.run(loads(SAMPLING_CASE, "case.toml", overrides))
    return [(y.operator_revenue_fen, y.utilisation) for y in yearly(r)]


def test_representative_periods_agree_with_full_runs():
    """Each year's operator revenue and utilisation, estimated from representative periods as
    the shipped scenarios sample (4 windows of 2 days a year, a 7-day lead-in, 2 warm-up days
    where racks came online), lies inside the 95 % interval of 10 full replications (the range
    one more full run falls in: mean +- t(0.975, 9) x sd x sqrt(1 + 1/10)).

    One sampled run simulates 8 of 365 days (plus warm-ups) and is about 5 times noisier than
    a full run; the estimate is the mean of 25 sampled runs, whose noise is then about one full
    run's and whose cost about half of one. A method biased by about one full run's spread
    falls outside: without the lead-in and warm-ups, year 1 (racks still being built) does."""
    full = np.array([yearly_figures([f"scenario.seed={seed}"]) for seed in range(1, 11)])
    mean, sd = full.mean(axis=0), full.std(axis=0, ddof=1)
    half = stats.t.ppf(0.975, df=9) * sd * np.sqrt(1 + 1 / 10)
    sampled = np.array([yearly_figures([f"scenario.seed={seed}", SHIPPED]) for seed in range(1, 26)]).mean(axis=0)
    inside = np.abs(sampled - mean) <= half
    assert inside.all(), f"outside the interval (year, [revenue, utilisation]): {np.argwhere(~inside).tolist()}"
    bare = "scenario.sampling={ windows_per_year = 4, window_days = 2 }"
    biased = np.array([yearly_figures([f"scenario.seed={seed}", bare]) for seed in range(1, 26)]).mean(axis=0)
    assert abs(biased[0, 1] - mean[0, 1]) > half[0, 1]


def test_the_command_line_samples_or_runs_every_day(tmp_path, monkeypatch, capsys):
    import json

    from sim.cli import main, sampling_override

    assert sampling_override("4x2,lead=7,warmup=2") == (
        "scenario.sampling={ windows_per_year = 4, window_days = 2, lead_in_days = 7, warmup_days = 2 }")
    assert sampling_override("2x7") == "scenario.sampling={ windows_per_year = 2, window_days = 7 }"
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "fin.toml").write_text(FIN_TINY)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "fin", "--sample", "4x4,lead=60", "--quiet", "--out", "s"]) == 0
    s = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert s["sampling"]["windows_per_year"] == 4 and s["sampling"]["lead_in_days"] == 60
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(
        ["finance.csv", "finance.png", "report.html", "report.md", "revenue.png", "summary.json", "timeseries.csv",
         "timeseries.parquet", "timeseries_by_site.csv", "timeseries_by_site.parquet", "utilisation.png"])
    assert main(["run", "fin", "--sample", "4x4,lead=60", "--full", "--quiet", "--out", "f"]) == 0
    assert "sampling" not in json.loads((tmp_path / "f" / "summary.json").read_text())
    capsys.readouterr()
    assert main(["run", "fin", "--sample", "4y4", "--quiet", "--out", "x"]) == 2
    assert "scenarios/fin.toml: scenario.sampling: must be a table" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_long_jobs_are_shortened_in_a_sampled_run_and_arrive_more_often():
    from sim.workload.windows import SETTLE_SHARE, time_scale

    s = loads(SAMPLING_CASE, "c.toml", [SHIPPED])
    small, _ = compressed(s, s.sampling)
    by_name = {c.name: c for c in small.clients}
    leases, real = by_name["leases"], {c.name: c for c in s.clients}["leases"]
    # Leases average 72 h x e^(0.5^2 / 2) = 81.6 h, over half a 2-day window (24 h): shortened to 24 h.
    k = time_scale(real, 48.0)
    assert SETTLE_SHARE == 0.5 and k == pytest.approx(24 / (72 * np.exp(0.125)))
    assert leases.duration.median_hours == pytest.approx(72 * k) and leases.duration.sigma == 0.5
    assert leases.patience.mean_hours == pytest.approx(48 * k)
    assert by_name["training"].duration == {c.name: c for c in s.clients}["training"].duration  # 9.9 h: as it is
    assert by_name["own"].duration.median_hours == pytest.approx(24 / np.exp(0.5))  # 39.6 h on average


def test_work_and_growing_rates_follow_the_real_calendar_in_a_sampled_run():
    # A market that grows tenfold through 2026 and a class whose jobs grow 50 % a year: each
    # window must see the demand of the real days it stands for, not of its simulated hours.
    from sim.workload.kinds import job_rate

    market = """
[market]
pflops_hours_path = [{ date = 2026-01-01, pflops_hours_per_year = 20_000 }, { date = 2027-01-01, pflops_hours_per_year = 200_000 }]
share_reaching_operator = 0.5
"""
    text = SAMPLING_CASE.replace("[clients.training]\narrivals = { offered_load = 0.35 }",
                                 market + "\n[clients.training]\narrivals = { market_share = 1.0 }")
    text = text.replace("[clients.leases]\narrivals = { offered_load = 0.2 }",
                        "[clients.leases]\narrivals = { rate_per_hour = 0.1, annual_growth = 0.5 }")
    s = loads(text, "c.toml", [SHIPPED])
    small, tm = compressed(s, s.sampling)
    real = {c.name: c for c in s.clients}
    for c in small.clients:
        if c.name not in ("training", "leases"):
            continue
        k = c.duration.median_hours / real[c.name].duration.median_hours  # jobs shortened: k times as many
        full, sampled = job_rate(real[c.name]), job_rate(c)
        for seg in tm.segments:
            for x in (0.0, seg.length_h / 2, seg.length_h * 0.999):  # its end is the next one's start
                assert sampled.rate_at(seg.sim_h + x) * k == pytest.approx(full.rate_at(seg.real_h + x), rel=1e-4), \
                    (c.name, seg)
    # The last windows (2027) see ten times the market of the first (2025).
    training = job_rate({c.name: c for c in small.clients}["training"])
    assert training.rate_at(small.horizon_hours - 1) == pytest.approx(10 * training.rate_at(0.0))


def test_the_outside_price_is_read_on_the_real_calendar_in_a_sampled_run():
    # Ours falls 30 % a year from 120,000; theirs 50 % from 130,000: below ours from 0.78 years
    # on, so every marketplace job of the 9 windows after that (of 12) goes elsewhere.
    outside = ("market.outside_price_cny_per_pflops_year=130000", "market.outside_price_annual_decline=0.5")
    s = loads(SAMPLING_CASE, "c.toml", [SHIPPED, *outside])
    training = next(c for c in sim.run(s).summary.jobs.by_class if c.name == "training")
    assert 0.6 < training.demand.lost_to_price.jobs / training.demand.offered.jobs < 0.9


def test_a_sampled_run_reports_the_price_path_of_the_real_calendar():
    # 120,000 CNY per dense P-year at the start, falling 30 % a year: 41,160 after three years.
    s = loads(SAMPLING_CASE, "c.toml", [SHIPPED])
    p = sim.run(s).summary.prices
    assert p.cny_per_pflops_year_at_start == {"x": pytest.approx(120000, abs=0.01)}
    assert p.cny_per_pflops_year_at_end == {"x": pytest.approx(120000 * 0.7 ** (1095 / 365), abs=0.01)}


# --- money identities and restarts in a sampled run ----------------------------------------------
NO_ALLOWANCE = "tenants.t.power_allowance_kw_per_rack=0"  # every kWh the tenant's servers draw is over it


@pytest.mark.parametrize("text, overrides", [
    (FIN_TINY, [NO_ALLOWANCE]), (FIN_TINY, [NO_ALLOWANCE, SPEC]),
    (SAMPLING_CASE, [NO_ALLOWANCE, SHIPPED]),
], ids=["fin-full", "fin-sampled", "case-sampled"])
def test_revenue_and_net_identities_hold_in_summary_sites_days_and_years(text, overrides):
    r = sim.run(loads(text, "x.toml", overrides))
    assert r.summary.revenue.power_over_allowance > 0
    check_money_identities(r)


def test_power_over_allowance_is_weighted_by_the_days_a_sampled_day_stands_for():
    # Tenant t's one server idles all run at 0.5 kW with no allowance: 0.5 x 24 h x PUE 1.5 x
    # 0.4 CNY = 7.20 CNY a day, 730 days: 5,256 CNY whether every day is simulated or 32 of them.
    full = sim.run(loads(FIN_TINY, "fin.toml", [NO_ALLOWANCE])).summary.revenue
    sampled = sim.run(loads(FIN_TINY, "fin.toml", [NO_ALLOWANCE, SPEC]))
    assert full.power_over_allowance == 730 * 720
    assert sampled.summary.revenue.power_over_allowance == pytest.approx(730 * 720, abs=len(sampled.daily))
    assert sum(round(d.power_over_allowance_cny * 100) for d in sampled.daily) == \
        sampled.summary.revenue.power_over_allowance


# Jobs A and B (4 accelerators, 20 h) arrive at hour 1,140, 3 h before the first window
# (1,047-1,143 h) ends: A on the operator's server, B on the tenant's opted-in one; both run
# on into the second window (3,237-3,333 h). There, 3 h in, the tenant's own 10-h job
# preempts B (it has run 6 h); B is requeued and restarts when the tenant's job ends.
PREEMPTING = FIN_TINY.replace("arrivals = { at_hours = [0] }", "arrivals = { at_hours = [1140, 1140] }").replace(
    "hours = 100", "hours = 20").replace("opt_in_fraction = 0.0", "opt_in_fraction = 1.0").replace("[finance]\n", """\
[tenants.t.demand.own]
arrivals = { at_hours = [3240] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }

[policy]
reclaim = "preempt"
preempted = "requeue"

[finance]
""", 1)


def test_a_job_preempted_after_a_seam_restarts_whole_in_a_sampled_run():
    s = sim.run(loads(PREEMPTING, "fin.toml", [SPEC])).summary
    market, own = s.jobs.by_class
    assert (market.counts.preemptions, market.counts.completed, own.counts.completed) == (1, 2, 1)
    # A: 20 h; B: 6 h before it was stopped, then all its 20 h again (not 20 - 3 billed before the seam).
    assert market.accelerator_hours == 4 * (20 + 6 + 20)
    assert own.accelerator_hours == 4 * 10


def test_a_seam_moves_when_work_is_billed_and_nothing_else():
    # The same run with and without seams (billing every running job at 26.5, 30 and 40 h):
    # on tiny, marketplace jobs at 24.5 h (operator's server) and 25 h (the tenant's, opted in),
    # the tenant's own 5-h job at 28 h preempting the second, which restarts at 33 h.
    from tiny import TINY

    from sim.simulation.run import Model

    text = TINY.replace("arrivals = { at_hours = [0, 1, 30, 30] }", "arrivals = { at_hours = [24.5, 25] }") + """
[tenants.t.demand.own]
arrivals = { at_hours = [28] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 5 }

[policy]
reclaim = "preempt"
preempted = "requeue"
"""
    scenario = loads(text, "tiny.toml")

    def run(seams):
        model = Model(scenario)
        for h in seams:
            model.clock.at(h, lambda _: model.sched.bill_running())
        return model.run()

    plain, seamed = run([]), run([26.5, 30.0, 40.0])
    assert plain.summary.jobs.by_class[0].accelerator_hours == 4 * (10 + 3 + 10)
    assert seamed.summary.jobs == plain.summary.jobs
    assert seamed.summary.utilisation == plain.summary.utilisation
    assert seamed.summary.revenue == plain.summary.revenue  # whole CNY per accelerator-hour: no rounding apart
    assert seamed.daily == plain.daily


def test_a_sampled_run_refuses_server_failures(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    failing = FIN_TINY.replace("[finance]\n", "[failures.servers.s]\nmtbf_hours = 1000\nmttr_hours = 10\n\n[finance]\n", 1)
    sim.run(loads(failing, "fin.toml", ["scenario.horizon_days=30"]))  # every day: fine
    message = ("fin.toml: scenario.sampling: representative periods cannot take back a run a server failure throws "
               "away once a window's seam has billed part of it: simulate every day (--full), or leave out [failures]")
    with pytest.raises(ScenarioError) as e:
        loads(failing, "fin.toml", [SPEC])
    assert e.value.messages == [message]
    # A [failures] table that names no server model fails nothing: sampled as before.
    loads(FIN_TINY.replace("[finance]\n", '[failures]\nstopped_jobs = "lost"\n\n[finance]\n', 1), "fin.toml", [SPEC])
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "fin.toml").write_text(failing)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", "fin", "--sample", "4x4,lead=60", "--quiet", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [message.replace("fin.toml", "scenarios/fin.toml", 1)] and not (tmp_path / "x").exists()
