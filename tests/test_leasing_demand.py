"""Leasing that follows a tenant's own demand (sim/model/leasing.py), worked by hand.

Tenant t builds 10 racks on 1 January and 10 more on 16 January (day 15). A rack holds 10
servers of 8 cards of 0.1 P: 8 P dense. At a target utilisation of 0.5 a rack carries
8,760 h x 0.5 x 8 P = 35,040 P-hours a year, so the tenant wants ceil(D / 35,040) racks.
Its own demand D: 105,120 P-h/yr (3 racks) from 1 Jan, rising linearly to 420,480 (12) on
11 Jan (day 10) and to 1,051,200 (30) on 21 Jan (day 20), flat after.
It reviews every 10 days; racks come online 5 days (120 h) after the review that asks:
  day 0:  D = 105,120   -> 3 racks, online day 5 (hour 120)
  day 10: D = 420,480   -> 12 racks, online day 15 (hour 360; 20 built by then): 9 more
  day 20: D = 1,051,200 -> 30 wanted, 20 built at day 25: 8 more at hour 600, and no more
  day 30: online day 35, after the 31-day horizon: nothing.
Rent, 744 CNY per kW-month in January (1 CNY per kW-hour), 2.5 kW racks:
  rack-hours 3 x (744 - 120) + 9 x (744 - 360) + 8 x (744 - 600) = 1,872 + 3,456 + 1,152 = 6,480,
  rent 2.5 x 6,480 = 16,200 CNY.
Power: servers draw 0.25 x 5.5 = 1.375 kW busy or idle (busy_power_fraction = idle), 13.75 kW a
leased rack and nothing in a rack not leased. At PUE 1.2 and 0.5 CNY/kWh (0.6 per IT kWh):
  electricity 13.75 x 6,480 x 0.6 = 53,460 CNY; above the 2.5 kW allowance 11.25 x 6,480 x 0.6 = 43,740.
"""

import pytest

import sim
from sim.model.leasing import DemandLeasing, demand_leases, wanted
from sim.report import summary_of
from sim.report.markdown import report_md
from sim.scenario import ScenarioError, loads

TEXT = """
[scenario]
name = "follow"
seed = 1
start_date = 2025-01-01
horizon_days = 31
standard_rack_kw = 2.5
enforce_power = false
leasing_check = { share = 0.627, source = "a reported rack-use rate" }

[pricing]
price_cny_per_pflops_year = 87600
intermediary_fee = 0.15

[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.1
power_w = 100

[servers.s]
accelerator = "x"
accelerators_per_server = 8
power_kw = 5.5
idle_power_fraction = 0.25
busy_power_fraction = 0.25

[sites.a]
pue = 1.2
electricity_cny_per_kwh = 0.5

[sites.a.racks.t]
owner = "t"
count = 20
power_kw = 2.5
servers_per_rack = 10
server = "s"
tranches = [{ date = 2025-01-01, racks = 10 }, { date = 2025-01-16, racks = 10 }]

[tenants.t]
opt_in_fraction = 0.0
colocation_cny_per_kw_month = 744
leasing = { follows = "demand", target_utilisation = 0.5, lag_days = 5, term_years = 1, review_days = 10 }

[tenants.t.demand.own]
arrivals = { pflops_hours_path = [
  { date = 2025-01-01, pflops_hours_per_year = 105_120 },
  { date = 2025-01-11, pflops_hours_per_year = 420_480 },
  { date = 2025-01-21, pflops_hours_per_year = 1_051_200 },
] }
sizes = { values = [8] }
duration = { dist = "fixed", hours = 2 }
"""


def follow(*overrides, text=TEXT):
    return loads(text, "follow.toml", overrides)


def test_leases_rise_with_demand_and_stop_at_the_racks_built():
    [g] = follow().rack_groups
    assert g.built == ((0.0, 10), (360.0, 10))
    assert g.online == ((120.0, 3), (360.0, 9), (600.0, 8))
    assert sum(n for _, n in g.online) == g.count  # 30 wanted, 20 built


def test_the_lag_moves_leases_and_the_racks_built_bound_them_when_they_arrive():
    # No lag: day 10's 12 racks arrive before the second tranche, so 10; day 20 fills to 20.
    [g] = follow("tenants.t.leasing.lag_days=0").rack_groups
    assert g.online == ((0.0, 3), (240.0, 7), (480.0, 10))


def test_a_higher_target_utilisation_leases_fewer_racks():
    # At 1.0 a rack carries 70,080 P-h a year: 2, then 6, then 15 racks.
    [g] = follow("tenants.t.leasing.target_utilisation=1.0").rack_groups
    assert g.online == ((120.0, 2), (360.0, 4), (600.0, 9))


FALLING = TEXT.replace("{ date = 2025-01-21, pflops_hours_per_year = 1_051_200 }",
                       "{ date = 2025-01-21, pflops_hours_per_year = 105_120 }")


def test_terms_keep_racks_demand_lets_go_and_say_so():
    # Day 0: 3 racks at 120; day 10: 12 at 360; day 20 wants 3 again. With a 1-year term none
    # of the 12 may go; with a term of 0.05 years (438 h) the 3 signed at hour 120 may at hour 600
    # (480 h later), the 9 signed at 360 may not (240 h): 3 kept from 2025-01-26.
    s = follow(text=FALLING)
    [g] = s.rack_groups
    assert g.online == ((120.0, 3), (360.0, 9))
    assert s.tenants[0].kept_past_term == (0, None)
    short = follow("tenants.t.leasing.term_years=0.05", text=FALLING)
    assert short.rack_groups[0].online == ((120.0, 3), (360.0, 9))
    assert short.tenants[0].kept_past_term == (3, 600.0)
    le = summary_of(sim.run(short))["leasing"]
    assert (le["tenants"][0]["kept_past_term"], le["tenants"][0]["kept_from"]) == (3, "2025-01-26")


def test_rent_and_tenants_power_follow_the_racks_leased_by_hand():
    result = sim.run(follow())
    rev = result.summary.revenue
    assert rev.colocation_rent == 16_200_00
    assert rev.electricity_cost == 53_460_00
    assert rev.power_over_allowance == 43_740_00


def test_the_leased_share_is_an_output_beside_its_check():
    s = summary_of(sim.run(follow()))
    le = s["leasing"]
    # 20 built at the horizon, 20 leased; rack-hours built 10 x 744 + 10 x 384 = 11,280,
    # leased 6,480: 57.4 %.
    assert le["total"] == {"name": "all", "racks_built": 20, "racks_leased": 20, "share_at_horizon": 1.0,
                           "mean_share": round(6480 / 11280, 6)}
    assert le["tenants"][0]["basis"] == "follows demand"
    assert (le["check_share"], le["check_source"]) == (0.627, "a reported rack-use rate")
    md = report_md(s)
    assert "Leased share of tenants' racks built: 100.0 % at the horizon, 57.4 % of rack-hours built" in md
    assert "Check beside it (not an input): 62.7 %, a reported rack-use rate." in md


def test_a_fixed_path_is_labelled_a_what_if():
    s = follow("tenants.t.leasing=[{date=2025-01-01, share=0.5}]")
    assert s.tenants[0].leasing_basis == "fixed path (what-if)"
    assert summary_of(sim.run(s))["leasing"]["tenants"][0]["basis"] == "fixed path (what-if)"


def test_the_sizing_rule_fills_groups_in_order():
    rule = DemandLeasing(0.5, 0.0, 8760.0, 240.0)
    # 35,040 x 2.5 P-h/yr: 2.5 racks of 8 P -> group 1 (2 built) takes 2, group 2 (P 4) takes the
    # 4 P left in one rack.
    assert wanted(35_040 * 2.5, rule, [8.0, 4.0], [2, 5]) == [2, 1]
    assert wanted(0.0, rule, [8.0], [5]) == [0]
    out = demand_leases([(((0.0, 5),), 8.0)], lambda h: 35_040 * 3, rule, 480.0)
    assert out.online == (((0.0, 3),),)


@pytest.mark.parametrize("override, message", [
    ("tenants.t.leasing.target_utilisation=0", "tenants.t.leasing.target_utilisation: must be > 0, got 0"),
    ("tenants.t.leasing.lag_days=-1", "tenants.t.leasing.lag_days: must be >= 0, got -1"),
    ("tenants.t.leasing.follows='supply'", "tenants.t.leasing.follows: must be one of demand, got 'supply'"),
    ("tenants.t.demand.own.arrivals={rate_per_hour=1}",
     "tenants.t.leasing: follows demand, so its own demand must be stated in P-hours (market_share, "
     "pflops_hours_per_year or pflops_hours_path): t/own is not"),
])
def test_bad_demand_leasing_is_one_line(override, message):
    with pytest.raises(ScenarioError) as e:
        follow(override)
    assert e.value.messages == [f"follow.toml: {message}"]
