"""A trace replayed to an absolute market: dense P-hours a year, or a share of [market].

The replay thins or replicates the trace's jobs (sim/workload/replay.py) so that it brings the
target's P-hours a year whatever capacity is built; `load` stays the what-if that follows it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_traces import BIG, TRACE, records

import sim
from sim.cli import main
from sim.model.demand import WorkPath
from sim.scenario import ScenarioError, loads
from sim.workload.trace import read_trace

P = 0.1  # dense P per accelerator of the site below
DAYS = 112  # one period of the Philly trace (16 weeks)

# test_traces.BIG (8,000 accelerators of 0.1 P, and room for a second hall: {racks}), with a
# [market] and more classes. No job ever waits long.
SITE = (BIG.replace('name = "replay"\nseed = 1', 'name = "replay-market"\nseed = 7')
        .replace("{racks}\n", "{racks}\n{market}\n")
        .replace('"{options} }}\n', '"{options} }}\n{more}'))
assert "{market}" in SITE and "{more}" in SITE and "seed = 7" in SITE

SECOND_HALL = """
[sites.a.racks.more]
owner = "operator"
count = 100
servers_per_rack = 10
power_kw = 10.0
server = "s"
"""


def text(options="", days=2 * DAYS, racks="", market="", more=""):
    return SITE.format(days=days, options=options, racks=racks, market=market, more=more)


def scenario(*args, **kwargs):
    return loads(text(*args, **kwargs), "<scenario>")


@pytest.fixture(scope="module")
def philly():
    jobs, _ = read_trace(TRACE)
    return jobs


def per_year(jobs) -> float:
    """The trace's own dense P-hours a year, replayed once per period at 0.1 P."""
    return jobs.accelerator_hours / jobs.period_h * 8760 * P


def pflops_hours(got, start_h=0.0, end_h=math.inf) -> float:
    return sum(r.size * r.duration_h * P for r in got if start_h <= r.arrival_h < end_h)


def sd_of_thinning(jobs, multiplier: float) -> float:
    """Standard deviation of the P-hours one period keeps: K copies of every job, each kept
    with probability m / K."""
    k = math.ceil(multiplier)
    p = multiplier / k
    w = jobs.size * jobs.duration_h * P
    return math.sqrt(k * p * (1 - p) * float(np.sum(w * w)))


# --- the target is met ----------------------------------------------------------------------
def test_a_constant_target_is_met_within_sampling_error(philly):
    target = 2.5 * per_year(philly)  # dense P-hours a year: 3 copies, each job kept with 5/6
    got = records(scenario(f", pflops_hours_per_year = {target!r}, loop = true"), until_h=2 * philly.period_h)
    expected = target * 2 * philly.period_h / 8760  # two whole periods: exact in expectation
    sd = math.sqrt(2) * sd_of_thinning(philly, 2.5)
    assert sd < 0.03 * expected  # the check below means something
    assert abs(pflops_hours(got) - expected) < 4 * sd
    # Per year, as the scenario states it.
    assert pflops_hours(got) * 8760 / (2 * philly.period_h) == pytest.approx(target, rel=4 * sd / expected)


def test_a_whole_multiple_of_the_trace_replays_whole_copies_exactly(philly):
    target = 3 * per_year(philly)
    got = records(scenario(f", pflops_hours_per_year = {target!r}, loop = true"), until_h=2 * philly.period_h)
    assert len(got) == 2 * 3 * len(philly.arrival_h)  # nothing drawn: every job of every copy
    assert pflops_hours(got) == pytest.approx(target * 2 * philly.period_h / 8760, rel=1e-9)


def test_the_replay_follows_the_target_path_over_time(philly):
    # 1.5 times the trace in the first period, 2.5 times from the second on (a step at day 112).
    low, high = 1.5 * per_year(philly), 2.5 * per_year(philly)
    path = (f", loop = true, pflops_hours_path = [{{ date = 0, pflops_hours_per_year = {low!r} }}, "
            f"{{ date = {DAYS}, pflops_hours_per_year = {low!r} }}, "
            f"{{ date = {DAYS}, pflops_hours_per_year = {high!r} }}]")
    period = philly.period_h
    got = records(scenario(path), until_h=2 * period)
    for (start, end), target, m in (((0.0, period), low, 1.5), ((period, 2 * period), high, 2.5)):
        expected = target * period / 8760
        assert abs(pflops_hours(got, start, end) - expected) < 4 * sd_of_thinning(philly, m), (start, target)


def test_growth_raises_each_year_by_the_growth_rate(philly):
    # A year of 365 days is not whole periods: each year's P-hours follow the growing target
    # only roughly (the trace's own load varies within a period), but the growth shows.
    target = 0.5 * per_year(philly)
    got = records(scenario(f", pflops_hours_per_year = {target!r}, annual_growth = 1.0, loop = true",
                           days=2 * 365), until_h=2 * 8760)
    years = [pflops_hours(got, y * 8760, (y + 1) * 8760) for y in range(2)]
    assert years[0] == pytest.approx(target / math.log(2), rel=0.2)  # the mean of target x 2^t over a year
    assert years[1] / years[0] == pytest.approx(2, rel=0.2)


# --- a share of [market] --------------------------------------------------------------------
MARKET = """
[market]
pflops_hours_per_year = 2_000_000
share_reaching_operator = 0.5
"""


def test_a_market_share_is_the_share_of_the_market_reaching_the_operator(philly):
    s = scenario(", market_share = 0.4, loop = true", market=MARKET)
    spec = s.clients[0].arrivals
    assert (spec.market_share, spec.work) == (0.4, WorkPath(((0.0, 400_000.0),)))
    same = scenario(", pflops_hours_per_year = 400_000, loop = true")
    assert records(s, until_h=2 * philly.period_h) == records(same, until_h=2 * philly.period_h)


def test_more_claimed_capacity_does_not_change_the_replayed_demand_but_load_does(philly):
    until = 2 * philly.period_h
    market = ", market_share = 0.4, loop = true"
    one, two = (records(scenario(market, market=MARKET, racks=r), until_h=until) for r in ("", SECOND_HALL))
    assert one == two  # the same jobs, to the last draw: demand does not follow capacity
    load = ", load = 0.1, loop = true"
    one, two = (records(scenario(load, racks=r), until_h=until) for r in ("", SECOND_HALL))
    assert pflops_hours(two) / pflops_hours(one) == pytest.approx(2, rel=0.05)  # the what-if does


def test_a_run_labels_the_market_replay_absolute_and_the_load_a_what_if():
    runs = {}
    for name, options, market in (("market", ", market_share = 0.4", MARKET), ("load", ", load = 0.1", "")):
        for racks in ("", SECOND_HALL):
            runs[name, bool(racks)] = sim.run(scenario(options, days=7, racks=racks, market=market)).summary_dict()
    for name, basis in (("market", "absolute"), ("load", "follows capacity (what-if)")):
        assert runs[name, False]["demand_basis"] == basis
        assert runs[name, False]["jobs"]["by_class"][0]["demand_basis"] == basis
    offered = {k: d["market"]["marketplace"]["offered"]["pflops_hours"] for k, d in runs.items()}
    assert offered["market", True] == offered["market", False] > 0
    # A week is far from whole periods of the trace (its P-hours are in a few long jobs, and
    # more copies bring other weeks): the doubling is checked over whole periods above.
    assert offered["load", True] > 1.5 * offered["load", False]


def test_a_replayed_job_answers_the_quote_with_its_willingness_to_pay():
    # The quote is 10 CNY per dense P-hour; a job pays at most a lognormal with median 5, sigma
    # 0.5: it stays with probability P(Z > ln 2 / 0.5) = 8.3 %.
    wtp = 'willingness_to_pay = { dist = "lognormal", median_cny_per_pflops_hour = 5, sigma = 0.5 }\n'
    s = scenario(", market_share = 0.4", days=7, market=MARKET, more=wtp)
    got = records(s, until_h=24.0)
    assert got and all(r.wtp_fen_per_pflops_hour is not None for r in got)
    assert got == records(s, until_h=24.0)  # seeded
    c = sim.run(s).summary_dict()["jobs"]["by_class"][0]
    lost = c["demand"]["lost_to_price"]["jobs"] / c["demand"]["offered"]["jobs"]
    assert lost == pytest.approx(1 - 0.0829, abs=0.01)


# --- bad input ------------------------------------------------------------------------------
ONE_OF = "give one of scale, load, market_share, pflops_hours_per_year or pflops_hours_path"


@pytest.mark.parametrize("options, market, messages", [
    (", scale = 2, market_share = 0.5", MARKET,
     [f"clients.philly.workload.market_share: {ONE_OF}, not scale and market_share"]),
    (", load = 0.5, pflops_hours_per_year = 1e6", "",
     [f"clients.philly.workload.pflops_hours_per_year: {ONE_OF}, not load and pflops_hours_per_year"]),
    (", market_share = 0.2, pflops_hours_path = []", MARKET,
     [f"clients.philly.workload.pflops_hours_path: {ONE_OF}, not market_share and pflops_hours_path"]),
    (", market_share = 0.5", "",
     ["clients.philly.workload.market_share: a share of the market needs [market] pflops_hours_per_year or "
      "pflops_hours_path"]),
    (", market_share = 0.5, annual_growth = 0.1", MARKET,
     ["clients.philly.workload.annual_growth: goes with pflops_hours_per_year only (a market share grows as "
      "[market] does)"]),
    (", scale = 2, annual_growth = 0.1", "", ["clients.philly.workload.annual_growth: goes with "
                                             "pflops_hours_per_year only"]),
    (", market_share = 1.5", MARKET, ["clients.philly.workload.market_share: must be <= 1, got 1.5"]),
    (", pflops_hours_per_year = -1", "", ["clients.philly.workload.pflops_hours_per_year: must be >= 0, got -1"]),
])
def test_bad_market_replay_options(options, market, messages):
    with pytest.raises(ScenarioError) as e:
        scenario(options, market=market)
    assert e.value.messages == [f"<scenario>: {m}" for m in messages]


def test_a_replay_counts_among_the_market_shares():
    other = """
[clients.other]
arrivals = { market_share = 0.5 }
sizes = { values = [8] }
duration = { dist = "fixed", hours = 10 }
"""
    scenario(", market_share = 0.5", market=MARKET, more=other)  # all of it: allowed
    with pytest.raises(ScenarioError) as e:
        scenario(", market_share = 0.6", market=MARKET, more=other)
    assert e.value.messages == ["<scenario>: clients.other.arrivals.market_share: the classes' market shares add "
                                "up to 1.1, more than the whole market (1)"]


def test_the_work_budget_counts_a_market_replay(philly):
    with pytest.raises(ScenarioError) as e:
        scenario(", pflops_hours_per_year = 1e9, loop = true", days=365)
    [line] = e.value.messages
    # 1e9 P-hours a year at the trace's mean job (11.9 accelerator-hours x 0.1 P).
    expected = 1e9 / (philly.accelerator_hours / len(philly.arrival_h) * P)
    assert line.startswith(f"<scenario>: clients.philly.workload: about {expected:,.0f} jobs expected")
    assert "every 112 days, up to 1e+09 dense P-hours a year" in line


def test_a_bad_market_replay_from_the_command_line_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(text(", market_share = 0.5, load = 0.3"))
    capsys.readouterr()
    assert main(["run", "s.toml", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"s.toml: clients.philly.workload.market_share: {ONE_OF}, not load and market_share\n"
    assert not (tmp_path / "results").exists()


def test_a_spec_over_an_offered_load_is_labelled_a_what_if():
    from sim.model.demand import ABSOLUTE, FOLLOWS_CAPACITY, OfferedLoad, RatePath, demand_basis
    from sim.model.workload import Contracts, Lease, Shaped

    lease = Lease(12, 1000, 0.5)
    assert demand_basis(Shaped(OfferedLoad(0.5))) == demand_basis(Contracts(OfferedLoad(0.5), lease)) == FOLLOWS_CAPACITY
    rate = RatePath(((0.0, 1.0),))
    assert demand_basis(Shaped(rate)) == demand_basis(Contracts(rate, lease)) == ABSOLUTE
