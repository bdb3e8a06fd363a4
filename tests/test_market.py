"""A market that can say no: demand in absolute terms, held fixed whatever capacity is built.

The scenario below is small enough to reason about: operator racks of one 8-card server
(0.32 P dense per card), one class of 8-card jobs of exactly 10 hours, so one job brings
8 x 10 x 0.32 = 25.6 dense P-hours.
"""

import math

import pytest
from builder import accelerator, fixed, jobs, pricing, racks, scenario, server, site, table, toml
from scipy import integrate

import sim
from sim.scenario import ScenarioError, loads
from sim.scenario.budget import capacity_hours, expected_jobs
from sim.scheduling.cluster import Cluster
from sim.units import HOURS_PER_YEAR
from sim.workload.arrivals import GrowingRate
from sim.workload.demand import pflops_hours_per_job
from sim.workload.kinds import job_rate

MARKET = toml(
    scenario("market", seed=7, horizon_days=60),
    pricing(),  # 10 CNY per dense P-hour
    accelerator("card", dense=0.32, sparse=0.64, power_w=400),
    server("box", accelerator="card", cards=8, power_kw=5.0, idle=0.2, busy=0.8),
    site(pue=1.2, electricity=0.3),
    racks("own", "operator", count=10, power_kw=5.0, server="box"),
    # 30 % of ten 8-card servers' dense P-hours in a year (2.56 P x 8,760 h x 10)
    table("market", pflops_hours_per_year=672768, share_reaching_operator=0.1),
    jobs("clients.c", {"market_share": 1.0}, [8], fixed(10)),
)

PER_JOB = 8 * 10 * 0.32  # dense P-hours


def market(*overrides, text=MARKET):
    return loads(text, "market.toml", overrides)


def errors(*overrides, text=MARKET) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        market(*overrides, text=text)
    return e.value.messages


# --- how a demand in P-hours becomes a job rate -----------------------------------------------
def test_a_market_share_is_the_share_of_what_reaches_the_operator():
    s = market()
    [c] = s.clients
    assert c.pflops_dense == 0.32 and pflops_hours_per_job(c) == pytest.approx(PER_JOB)
    # 672,768 P-h/yr x 0.1 reaching x 1.0 share = 67,276.8 P-h/yr = 2,628 jobs a year = 0.3 an hour.
    assert c.arrivals.work.points == ((0.0, pytest.approx(67276.8)),)
    assert job_rate(c).rate_at(100.0) == pytest.approx(0.3)
    half = market("clients.c.arrivals.market_share=0.5")
    assert job_rate(half.clients[0]).rate_at(0.0) == pytest.approx(0.15)


def test_p_hours_per_year_growth_and_dated_paths():
    grown = market("clients.c.arrivals={pflops_hours_per_year=67276.8, annual_growth=1.0}")
    rate = job_rate(grown.clients[0])
    assert isinstance(rate, GrowingRate)
    assert rate.rate_at(0.0) == pytest.approx(0.3)
    assert rate.rate_at(HOURS_PER_YEAR) == pytest.approx(0.6)  # doubled in a year
    assert rate.rate_at(HOURS_PER_YEAR / 2) == pytest.approx(0.3 * math.sqrt(2))
    path = market("clients.c.arrivals={pflops_hours_path=[{date=2025-01-01, pflops_hours_per_year=0}, "
                  "{date=2025-01-11, pflops_hours_per_year=67276.8}]}")
    rate = job_rate(path.clients[0])
    assert rate.rate_at(120.0) == pytest.approx(0.15) and rate.rate_at(1000.0) == pytest.approx(0.3)
    # The market's own path, shared: the class gets share x reaching x the market at each date.
    shared = market(text=MARKET.replace(
        "pflops_hours_per_year = 672768", "pflops_hours_path = [{ date = 2025-01-01, pflops_hours_per_year = 672768 }, "
        "{ date = 2026-01-01, pflops_hours_per_year = 1345536 }]"))
    rate = job_rate(shared.clients[0])
    assert rate.rate_at(0.0) == pytest.approx(0.3) and rate.rate_at(HOURS_PER_YEAR) == pytest.approx(0.6)
    jobs = market("clients.c.arrivals={rate_per_hour=0.3, annual_growth=-0.5}")
    assert job_rate(jobs.clients[0]).rate_at(HOURS_PER_YEAR) == pytest.approx(0.15)


@pytest.mark.parametrize("growth", [1.0, -0.5, 1e-12])
@pytest.mark.parametrize("now, e", [(0.0, 0.3), (100.0, 7.0), (5000.0, 30.0)])
def test_a_growing_rate_inverts_its_integral(growth, now, e):
    rate = GrowingRate(0.0, 0.3, growth, HOURS_PER_YEAR)
    t = rate.next_after(now, e)
    area, _ = integrate.quad(rate.rate_at, now, t, limit=200)
    assert area == pytest.approx(e, rel=1e-7)
    assert rate.integral(now, t) == pytest.approx(e, rel=1e-9)


def test_a_falling_rate_may_never_bring_another_job():
    rate = GrowingRate(0.0, 1.0, -0.5, HOURS_PER_YEAR)
    left = 1.0 / -rate.k  # all the arrivals the future still holds
    assert math.isinf(rate.next_after(0.0, left * 1.01))
    assert rate.next_after(0.0, left * 0.99) < math.inf


def test_jobs_arrive_at_the_stated_p_hours():
    # 0.3 jobs an hour over 60 days: 432 expected; the Poisson count is within 4 sd (~83).
    result = sim.run(market())
    [c] = result.summary.jobs.by_class
    assert abs(c.counts.submitted - 432) < 4 * math.sqrt(432)
    assert c.demand_basis == "absolute" and c.pflops_dense_per_accelerator == 0.32
    assert result.summary.demand_basis == "absolute"


def test_the_work_budget_counts_p_hours():
    s = market()
    cluster = Cluster(s)
    assert expected_jobs(s.clients[0], cluster, s.horizon_hours, capacity_hours(cluster, s.horizon_hours)) == \
        pytest.approx(432)
    assert errors("market.pflops_hours_per_year=6.72768e10") == [
        "market.toml: clients.c.arrivals: about 43,200,000 jobs expected over the 60-day horizon (43,200,000 from "
        "this class: up to 6.73e+09 dense P-hours per year in jobs of 8 accelerators x 10 hours x 0.32 P on "
        "average), over the limit of 20,000,000; shorten the horizon or lower the rate, or raise the limit on "
        "purpose with [scenario] max_jobs"]
    grown = market("clients.c.arrivals={pflops_hours_per_year=67276.8, annual_growth=1.0}")
    c = grown.clients[0]
    expected = 0.3 * HOURS_PER_YEAR / math.log(2) * (2 ** (60 / 365) - 1)
    assert expected_jobs(c, Cluster(grown), grown.horizon_hours, []) == pytest.approx(expected)


# --- the same market, 27 times the capacity ---------------------------------------------------
def test_more_capacity_does_not_bring_more_demand():
    small = sim.run(market()).summary
    large = sim.run(market("sites.a.racks.own.count=270")).summary
    # The same stream of jobs arrives at both (it depends on the class and the seed alone).
    assert small.jobs.total.submitted == large.jobs.total.submitted
    assert small.jobs.total.started == pytest.approx(large.jobs.total.started, rel=0.02)
    ratio = small.utilisation.overall / large.utilisation.overall
    assert ratio == pytest.approx(27, rel=0.05)
    # Offered load, the what-if, does the opposite: 27 times the capacity, 27 times the jobs.
    follow = "clients.c.arrivals={offered_load=0.3}"
    small_f = sim.run(market(follow)).summary
    large_f = sim.run(market(follow, "sites.a.racks.own.count=270")).summary
    assert large_f.jobs.total.submitted / small_f.jobs.total.submitted == pytest.approx(27, rel=0.1)
    assert large_f.utilisation.overall == pytest.approx(small_f.utilisation.overall, rel=0.1)
    assert small_f.demand_basis == "follows capacity (what-if)"


def test_a_mix_names_the_classes_that_follow_capacity():
    text = MARKET + """
[clients.d]
arrivals = { offered_load = 0.1 }
sizes = { values = [8] }
duration = { dist = "fixed", hours = 10 }
"""
    s = sim.run(market(text=text), horizon_days=2).summary
    assert s.demand_basis == "mixed: follows capacity (what-if) for d"
    assert [c.demand_basis for c in s.jobs.by_class] == ["absolute", "follows capacity (what-if)"]


# --- bad input ----------------------------------------------------------------------------------
def test_a_demand_no_pool_can_serve_is_refused():
    text = MARKET.replace("[clients.c]", "[accelerators.other]\npflops_fp16_dense = 1\npflops_fp16_sparse = 1\n"
                                         "power_w = 1\n\n[clients.c]\naccelerators = [\"other\"]")
    assert errors(text=text) == [
        "market.toml: clients.c.arrivals: no pool of this scenario holds servers this class may use (its "
        "accelerators, sites and owners): its demand could never be served"]


@pytest.mark.parametrize("override, message", [
    ("market.share_reaching_operator=0", "market.share_reaching_operator: must be > 0, got 0"),
    ("market.share_reaching_operator=1.5", "market.share_reaching_operator: must be <= 1, got 1.5"),
    ("market.pflops_hours_per_year=-1", "market.pflops_hours_per_year: must be >= 0, got -1"),
    ("market.annual_growth=-1", "market.annual_growth: must be >= -0.99, got -1"),
    ("clients.c.arrivals.market_share=1.2", "clients.c.arrivals.market_share: must be <= 1, got 1.2"),
    ("clients.c.arrivals={rate_per_hour=1, ramp=[]}",
     "clients.c.arrivals.ramp: give exactly one of offered_load, rate_per_hour, ramp, at_hours, "
     "pflops_hours_per_year, pflops_hours_path, market_share or service_requests_per_s"),
    ("clients.c.arrivals={ramp=[{date=2025-01-01, rate_per_hour=1}], annual_growth=0.1}",
     "clients.c.arrivals.annual_growth: unknown key"),
    ("clients.c.arrivals={pflops_hours_path=[{date=2025-01-01, pflops_hours_per_year=1}], annual_growth=0.1}",
     "clients.c.arrivals.annual_growth: give annual_growth with pflops_hours_per_year, not with a dated path"),
    ("clients.c.reference_pflops_dense=0", "clients.c.reference_pflops_dense: must be > 0, got 0"),
])
def test_bad_market_input_is_one_line(override, message):
    assert errors(override) == [f"market.toml: {message}"]


def test_a_share_needs_a_market_and_shares_add_up_to_at_most_one():
    no_market = MARKET.replace("[market]\npflops_hours_per_year", "[market]\n#").replace(
        "share_reaching_operator = 0.1\n", "")
    assert errors(text=no_market) == [
        "market.toml: clients.c.arrivals.market_share: a share of the market needs [market] pflops_hours_per_year "
        "or pflops_hours_path"]
    two = MARKET + '\n[clients.d]\narrivals = { market_share = 0.5 }\nsizes = { values = [8] }\n' \
                   'duration = { dist = "fixed", hours = 1 }\n'
    assert errors(text=two) == [
        "market.toml: clients.d.arrivals.market_share: the classes' market shares add up to 1.5, more than the "
        "whole market (1)"]


def test_cards_of_different_dense_p_need_a_reference():
    text = MARKET.replace("[market]", """[accelerators.fast]
pflops_fp16_dense = 0.64
pflops_fp16_sparse = 0.64
power_w = 700

[servers.fastbox]
accelerator = "fast"
accelerators_per_server = 8
power_kw = 5.0
idle_power_fraction = 0.2
busy_power_fraction = 0.8

[sites.a.racks.fast]
owner = "operator"
count = 1
power_kw = 5.0
server = "fastbox"

[market]""")
    assert errors(text=text) == [
        "market.toml: clients.c.reference_pflops_dense: missing: the cards this class may use differ in dense P "
        "(0.32, 0.64), so its P-hours need a stated reference P per accelerator"]
    s = market("clients.c.reference_pflops_dense=0.5", text=text)
    assert s.clients[0].pflops_dense == 0.5
    assert job_rate(s.clients[0]).rate_at(0.0) == pytest.approx(0.3 * 0.32 / 0.5)
    # A class that states jobs, not P-hours, counts its work at the cards' capacity-weighted mean.
    jobs = market("clients.c.arrivals={rate_per_hour=1}", text=text)
    assert jobs.clients[0].pflops_dense == pytest.approx((80 * 0.32 + 8 * 0.64) / 88)


# --- named markets: several regions in one scenario ---------------------------------------------
NAMED = MARKET.replace("""[market]
pflops_hours_per_year = 672768
share_reaching_operator = 0.1
""", """[sites.b]
pue = 1.25
electricity_cny_per_kwh = 0.5

[sites.b.racks.rented]
owner = "t"
count = 10
power_kw = 5.0
server = "box"

[tenants.t]
opt_in_fraction = 0.5
colocation_cny_per_kw_month = 600

[markets.north]
pflops_hours_per_year = 672768
share_reaching_operator = 0.1
outside_price_cny_per_pflops_year = 100000

[markets.south]
pflops_hours_per_year = 1345536
share_reaching_operator = 0.1

[tenants.t.demand.own]
arrivals = { market_share = 0.5, market = "south" }
sizes = { values = [8] }
duration = { dist = "fixed", hours = 10 }

[clients.d]
arrivals = { market_share = 0.5, market = "south" }
sizes = { values = [8] }
duration = { dist = "fixed", hours = 10 }
""").replace("arrivals = { market_share = 1.0 }", 'arrivals = { market_share = 1.0, market = "north" }')
assert "[market]" not in NAMED and 'market = "north"' in NAMED  # both replacements took


def test_named_markets_each_feed_their_own_classes():
    s = market(text=NAMED)
    assert s.market is None and list(s.markets) == ["north", "south"]
    by = {c.label: c for c in s.clients}
    # north: 672,768 x 0.1 x 1.0; south: 1,345,536 x 0.1 x 0.5 each: 0.3 jobs an hour, all three.
    for label in ("c", "d", "t/own"):
        assert job_rate(by[label]).rate_at(0.0) == pytest.approx(0.3), label
    assert [by[k].arrivals.market for k in ("c", "d", "t/own")] == ["north", "south", "south"]
    # Each class answers its own market's outside price.
    assert s.market_of(by["c"]).outside.cny_per_pflops_year == 100000 and s.market_of(by["d"]).outside is None
    # A share of the market of one region leaves the other's untouched.
    more = market("markets.south.share_reaching_operator=0.2", text=NAMED)
    rates = {c.label: job_rate(c).rate_at(0.0) for c in more.clients}
    assert rates == {"c": pytest.approx(0.3), "d": pytest.approx(0.6), "t/own": pytest.approx(0.6)}


def test_the_summary_has_a_row_per_named_market_and_the_totals_add_up():
    from sim.report.markdown import report_md

    result = sim.run(market(text=NAMED))
    m = result.summary.market
    north, south = m.by_market
    assert (north.name, north.classes, south.name, south.classes) == ("north", ("c",), "south", ("d", "t/own"))
    assert north.tenants_own.offered.jobs == 0 and south.tenants_own.offered.jobs > 0
    assert north.marketplace.offered.jobs + south.marketplace.offered.jobs == m.marketplace.offered.jobs
    assert south.tenants_own.offered.jobs == m.tenants_own.offered.jobs
    assert north.marketplace.billed_cny + south.marketplace.billed_cny == pytest.approx(m.marketplace.billed_cny)
    # The outside price is each market's own; the totals' is [market]'s, and there is none.
    assert north.outside_price_cny_per_pflops_year_at_start == 100000
    assert south.outside_price_cny_per_pflops_year_at_start is None
    assert m.outside_price_cny_per_pflops_year_at_start is None
    d = result.summary_dict()["market"]
    assert [r["name"] for r in d["by_market"]] == ["north", "south"]
    report = report_md(result.summary_dict())
    assert f"| north | 10 % | {north.marketplace.offered.pflops_hours:,.0f} |" in report
    assert "| south | 10 % |" in report and "| none |" in report
    # A scenario with one [market] has no such section: its summary is as it was.
    assert "by_market" not in sim.run(market(), horizon_days=5).summary_dict()["market"]


def test_a_named_market_a_sampled_run_reads_on_the_real_calendar():
    # The outside price at the horizon of a sampled run is that of the real horizon.
    s = market("scenario.sampling={ windows_per_year = 4, window_days = 2 }", "scenario.horizon_days=730",
               "markets.north.outside_price_annual_decline=0.5", text=NAMED)
    north = sim.run(s).summary.market.by_market[0]
    assert north.outside_price_cny_per_pflops_year_at_end == pytest.approx(100000 * 0.5 ** (730 / 365), abs=0.01)


@pytest.mark.parametrize("override, message", [
    ('clients.c.arrivals.market="west"',
     "clients.c.arrivals.market: no market named 'west' in [markets] (named: north, south)"),
    ("clients.c.arrivals.market=3", "clients.c.arrivals.market: must be a string, got 3"),
    ('clients.c.arrivals={rate_per_hour=1, market="north"}',
     "clients.c.arrivals.market: names the market a market_share is of: give it with market_share"),
    ("clients.d.arrivals.market_share=0.6",  # named at the market's last class
     "tenants.t.demand.own.arrivals.market_share: the classes' shares of market 'south' add up to 1.1, more than "
     "the whole market (1)"),
    ("markets.south.share_reaching_operator=2", "markets.south.share_reaching_operator: must be <= 1, got 2"),
])
def test_bad_named_market_input_is_one_line(override, message):
    assert errors(override, text=NAMED) == [f"market.toml: {message}"]


def test_shares_add_up_per_market_and_each_market_needs_its_work():
    # 1.0 of north and 0.5 + 0.5 of south: each market whole, together 2.0, which is no error.
    assert sum(c.arrivals.share for c in market(text=NAMED).clients) == 2.0
    no_work = NAMED.replace("pflops_hours_per_year = 1345536\nshare_reaching_operator = 0.1\n", "")
    assert errors(text=no_work) == [
        f"market.toml: {key}.arrivals.market_share: a share of the market needs [markets.south] "
        "pflops_hours_per_year or pflops_hours_path" for key in ("clients.d", "tenants.t.demand.own")]


# --- price response ------------------------------------------------------------------------------
def by_class(summary, name="c"):
    return next(c for c in summary.jobs.by_class if c.name == name)


def test_the_same_market_sells_the_same_whatever_the_capacity():
    small = sim.run(market("clients.c.patience={dist='exponential', mean_hours=5}")).summary
    large = sim.run(market("clients.c.patience={dist='exponential', mean_hours=5}",
                           "sites.a.racks.own.count=270")).summary
    a, b = by_class(small).demand, by_class(large).demand
    assert a.offered == b.offered  # the same jobs, offered at the same quotes
    # Accepted P-hours within sampling noise: 30 % load leaves little to lose to waiting.
    assert a.accepted.pflops_hours == pytest.approx(b.accepted.pflops_hours, rel=0.03)
    assert small.utilisation.overall / large.utilisation.overall == pytest.approx(27, rel=0.05)
    for s in (small, large):
        d = by_class(s).demand
        sales = s.revenue.compute_sales_operator_capacity + s.revenue.compute_sales_third_party_capacity
        # What is billed is work done inside the horizon: never more than what was bought.
        assert sales == round(d.billed_cny * 100)
        assert sales <= d.accepted.value_fen <= d.offered.value_fen
        assert d.accepted.jobs + d.lost_to_price.jobs + d.lost_to_waiting.jobs + d.lost_to_no_capacity.jobs == \
            d.offered.jobs == by_class(s).counts.submitted
        assert d.accepted.pflops_hours + d.lost_to_price.pflops_hours + d.lost_to_waiting.pflops_hours + \
            d.lost_to_no_capacity.pflops_hours == pytest.approx(d.offered.pflops_hours)
        # Worth at the quote in force: 10 CNY per dense P-hour, no decline.
        assert d.offered.value_cny == pytest.approx(d.offered.pflops_hours * 10, abs=0.01)
        assert d.limited_by == "demand" and s.market.capacity_limited_classes == ()


def test_a_crowded_market_is_capacity_limited():
    s = sim.run(market("market.share_reaching_operator=0.5", "clients.c.patience={dist='exponential', "
                       "mean_hours=2}")).summary  # 150 % of the capacity asked for
    d = by_class(s).demand
    assert d.share_lost_to_waiting > 0.2 and d.limited_by == "capacity"
    assert s.market.capacity_limited_classes == ("c",) and s.market.marketplace.limited_by == "capacity"


def test_a_class_whose_jobs_can_never_fit_is_capacity_limited():
    # Lost to no capacity counts toward the label as lost to waiting does: 10 of 100 P-hours
    # offered were too large for any pool (over the 5 % threshold), none waited in vain.
    from types import SimpleNamespace

    from sim.metrics import ClassStats
    from sim.simulation.summary import CAPACITY_LIMITED_ABOVE, class_demand

    def stats(rejected_pflops_hours):
        st = ClassStats()
        fit = SimpleNamespace(pflops_hours=100.0 - rejected_pflops_hours, value_fen=1000.0, submit_h=0.0)
        big = SimpleNamespace(pflops_hours=rejected_pflops_hours, value_fen=100.0, submit_h=0.0)
        st.offer(fit.pflops_hours, fit.value_fen)
        st.first_start(fit.pflops_hours, fit.value_fen, fit.submit_h, 0.0)
        st.offer(big.pflops_hours, big.value_fen)
        st.reject(big.pflops_hours, big.value_fen)
        return st

    assert CAPACITY_LIMITED_ABOVE == 0.05
    d = class_demand([stats(10.0)], 0)
    assert d.lost_to_waiting.jobs == 0 and d.share_lost_to_no_capacity == 0.1
    assert d.limited_by == "capacity"
    assert class_demand([stats(4.0)], 0).limited_by == "demand"  # 4 % lost: under the threshold


def test_willingness_to_pay_per_dense_p_hour():
    # Quote 10 CNY per P-hour; WTP lognormal, median 12, sigma 0.5: P(WTP < 10) = Phi(ln(10/12) / 0.5).
    s = sim.run(market("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=12, "
                       "sigma=0.5}")).summary
    d = by_class(s).demand
    n = d.offered.jobs
    expected = 0.5 * math.erfc(-math.log(10 / 12) / 0.5 / math.sqrt(2))
    assert abs(d.lost_to_price.jobs - expected * n) < 4 * math.sqrt(n * expected * (1 - expected))
    assert by_class(s).counts.balked == d.lost_to_price.jobs
    assert d.share_lost_to_price == pytest.approx(d.lost_to_price.pflops_hours / d.offered.pflops_hours, abs=1e-6)
    # Everyone pays exactly the median with sigma 0: all or none.
    at = "clients.c.willingness_to_pay={{dist='lognormal', median_cny_per_pflops_hour={}, sigma=0}}"
    assert by_class(sim.run(market(at.format(10.0))).summary).demand.lost_to_price.jobs == 0
    assert by_class(sim.run(market(at.format(9.99))).summary).demand.accepted.jobs == 0


def test_the_outside_price_takes_jobs_once_it_undercuts_the_quote():
    # Ours: 10 CNY per P-hour, flat. Theirs: 100,000 CNY per P-year (11.42 per P-hour) falling
    # 50 % a year: below ours from log(0.876) / log(0.5) years = 1,673 h on.
    at = "clients.c.arrivals={at_hours=[100, 1600, 1700, 3000]}"
    outside = ("market.outside_price_cny_per_pflops_year=100000", "market.outside_price_annual_decline=0.5",
               "scenario.horizon_days=150")
    s = sim.run(market(at, *outside)).summary
    d = by_class(s).demand
    assert (d.accepted.jobs, d.lost_to_price.jobs) == (2, 2)
    assert s.market.outside_price_cny_per_pflops_year_at_start == 100000
    assert s.market.outside_price_cny_per_pflops_year_at_end == pytest.approx(100000 * 0.5 ** (150 / 365), abs=0.01)
    # Anchored a year before the start, it has halved already: every job goes elsewhere.
    early = sim.run(market(at, *outside, "market.outside_price_anchor_date=2024-01-01")).summary
    assert by_class(early).demand.lost_to_price.jobs == 4
    # Worth of a job lost to price: at the quote it was offered.
    assert by_class(early).demand.lost_to_price.value_cny == pytest.approx(4 * 8 * 10 * 0.32 * 10)


def test_a_maximum_price_per_accelerator_hour_still_works():
    # 10 CNY per P-hour x 0.32 P = 3.2 CNY per accelerator-hour.
    assert by_class(sim.run(market("clients.c.max_price_cny_per_accelerator_hour=3.2")).summary) \
        .demand.lost_to_price.jobs == 0
    d = by_class(sim.run(market("clients.c.max_price_cny_per_accelerator_hour=3.19")).summary).demand
    assert d.accepted.jobs == 0 and d.lost_to_price.jobs == d.offered.jobs > 0


@pytest.mark.parametrize("override, message", [
    ("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=0, sigma=0.5}",
     "clients.c.willingness_to_pay.median_cny_per_pflops_hour: must be > 0, got 0"),
    ("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=-3, sigma=0.5}",
     "clients.c.willingness_to_pay.median_cny_per_pflops_hour: must be > 0, got -3"),
    ("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=3, sigma=-1}",
     "clients.c.willingness_to_pay.sigma: must be >= 0, got -1"),
    ("clients.c.willingness_to_pay={dist='normal', median_cny_per_pflops_hour=3, sigma=1}",
     "clients.c.willingness_to_pay.dist: must be one of lognormal, got 'normal'"),
    ("market.outside_price_cny_per_pflops_year=0", "market.outside_price_cny_per_pflops_year: must be > 0, got 0"),
    ("market.outside_price_anchor_date=2025-03-03",
     "market.outside_price_anchor_date: must be on or before the run's end (2025-03-02), got 2025-03-03: a price "
     "path runs from a date it has seen"),
])
def test_bad_price_response_input_is_one_line(override, message):
    found = errors(override, "market.outside_price_cny_per_pflops_year=1") if "anchor" in override else \
        errors(override)
    assert found == [f"market.toml: {message}"]


def test_the_table_and_report_say_what_the_demand_follows():
    from sim.cli import table
    from sim.report.markdown import report_md

    absolute = sim.run(market("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=12, "
                              "sigma=0.5}")).summary_dict()
    what_if = sim.run(market("clients.c.arrivals={offered_load=0.3}")).summary_dict()
    t, r = table(absolute, 1.0), report_md(absolute)
    assert "demand           absolute: every class states its demand" in t
    d = absolute["market"]["marketplace"]
    share = f"lost to price {d['share_lost_to_price'] * 100:.1f} %"
    assert share in t and share in r
    assert "| c | absolute |" in r and "capacity-limited: none" in t
    assert "follows capacity (what-if): every class's demand is a fraction of the capacity" in table(what_if, 1.0)
    assert "| c | follows capacity (what-if) |" in report_md(what_if)


# --- one meaning for a price ----------------------------------------------------------------------
def test_a_claims_figures_are_reported_never_priced():
    plain = sim.run(market(), horizon_days=5).summary
    claimed = sim.run(market("accelerators.card.stated_pflops=0.6", "servers.box.stated_pflops_per_server=5"),
                      horizon_days=5).summary
    cap = claimed.capacity.planned
    assert (cap.pflops_fp16_dense, cap.pflops_fp16_sparse) == (25.6, 51.2)
    assert (cap.pflops_as_stated_per_card, cap.pflops_as_stated_per_server) == (48.0, 50.0)
    assert plain.capacity.planned.pflops_as_stated_per_card is None
    assert claimed.revenue == plain.revenue and claimed.market == plain.market


# --- bad input at the command line: one line, exit 2, nothing written ---------------------------------
@pytest.mark.parametrize("override, line", [
    ('clients.c.accelerators=["other"]', "clients.c.arrivals: no pool of this scenario holds servers this class may "
                                         "use (its accelerators, sites and owners): its demand could never be served"),
    ("clients.c.willingness_to_pay={dist='lognormal', median_cny_per_pflops_hour=-1, sigma=0.5}",
     "clients.c.willingness_to_pay.median_cny_per_pflops_hour: must be > 0, got -1"),
    ("pricing.anchor_date=2026-01-01", "pricing.anchor_date: must be on or before the run's end (2025-03-02), "
                                       "got 2026-01-01: a price path runs from a date it has seen"),
    ("tenants.t.leasing=[{date=2025-01-01, share=1.5}]", "tenants.t.leasing[0].share: must be <= 1, got 1.5"),
    ('clients.c.arrivals.market="west"', "clients.c.arrivals.market: no market named 'west' in [markets]"),
])
def test_bad_market_input_at_the_command_line(tmp_path, monkeypatch, capsys, override, line):
    from sim.cli import main

    text = MARKET + '\n[tenants.t]\nopt_in_fraction = 0.5\ncolocation_cny_per_kw_month = 600\n' \
                    '\n[accelerators.other]\npflops_fp16_dense = 1\npflops_fp16_sparse = 1\npower_w = 1\n'
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "market.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "market", "--set", override]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"scenarios/market.toml: {line}\n" and captured.out == ""
    assert not (tmp_path / "results").exists()


def test_poisson_arrivals_carry_each_jobs_willingness_to_pay():
    # The shipped scenario's marketplace classes draw a willingness to pay per job: some of
    # their Poisson-arriving jobs must go elsewhere on price (a stream that dropped the draw
    # would lose none).
    result = sim.run(sim.load_scenario("qingyang"), horizon_days=120)
    lost = {c.name: c.demand.share_lost_to_price for c in result.summary.jobs.by_class if c.tenant is None}
    assert any(share > 0 for share in lost.values()), lost
