"""The concession's finance maths at its edges, by hand: tests written to kill the mutants
`make mutate` left alive in sim/economics/finance.py and sim/simulation/finance.py
(docs/testing.md)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from sim.economics.finance import (
    COSTS,
    REVENUE,
    Purchase,
    book_value,
    depreciation,
    discount_factors,
    irr,
    payback_year,
    project,
    tax_fen,
    taxes,
)
from sim.economics.money import DAILY_LINES
from sim.model.finance import ServerFinance, Timing
from sim.model.site import OPERATOR
from sim.simulation.finance import site_om, site_purchases, verdict, yearly
from sim.units import cny_to_fen

# The streams these tests give amounts; any other of the money model's is 0 (`streams`).
STREAMS = ("compute_sales_operator_capacity", "intermediary_fee", "colocation_rent", "power_over_allowance",
           "electricity")


def streams_of(**given):
    """A project's streams by year: every one of the money model's at 0, but those given."""
    years = len(next(iter(given.values())))
    return {k: [0] * years for k in (*REVENUE, *COSTS)} | given


def test_tax_rounds_half_to_even_above_and_below_the_half():
    assert tax_fen(15, 250_000) == 4  # 3.75
    assert tax_fen(1, 500_000) == 0  # 0.5 -> 0
    assert tax_fen(3, 500_000) == 2  # 1.5 -> 2
    assert tax_fen(5, 500_000) == 2  # 2.5 -> 2
    assert tax_fen(0, 250_000) == 0 and tax_fen(100, 0) == 0


def test_a_loss_is_used_in_exactly_its_last_carry_forward_year_and_not_after():
    assert taxes([-100, 100], 250_000, 1) == [0, 0]
    assert taxes([-100, 0, 100], 250_000, 2) == [0, 0, 0]
    assert taxes([-100, 0, 0, 100], 250_000, 2) == [0, 0, 0, 25]
    assert taxes([-100, 100], 250_000, 0) == [0, 25]


def test_losses_are_set_against_profits_oldest_first_and_what_is_used_is_gone():
    # Year 3 uses 50 of year 1's loss and 10 of year 2's; year 4 the 40 left of year 2's.
    assert taxes([-50, -50, 60, 100], 250_000, 2) == [0, 0, 0, 15]
    # A loss used up is not used twice.
    assert taxes([-100, 60, 60, 60], 250_000, 5) == [0, 0, 5, 15]
    # Profits are taxed whole when there is no loss; losses are never refunded.
    assert taxes([40, -10], 250_000, 5) == [10, 0]


def test_irr_gives_the_lowest_of_two_rates_and_says_so():
    # -100 + 230 y - 132 y^2 = 0 with y = 1 / (1 + r): r = 10 % or 20 %.
    r, note = irr([-100, 230, -132])
    assert r == pytest.approx(0.10, abs=1e-9)
    assert note == "2 rates make the NPV zero; the lowest is given"


def test_irr_says_why_there_is_none():
    assert irr([10, 20]) == (None, "none: every cash flow is positive, so no rate makes the NPV zero")
    assert irr([-10, 0]) == (None, "none: every cash flow is negative or zero, so no rate makes the NPV zero")
    assert irr([-1000, 1]) == (None, "none: the NPV does not reach zero at any rate from -99% to 10000% a year "
                                      "(the cash flows never pay back the outlay)")


def test_payback_in_the_last_year_or_never():
    assert payback_year([-10, 5, 5]) == 3
    assert payback_year([-10, 5, 4]) is None


def test_depreciation_and_book_value_of_purchases_in_several_years():
    buys = [Purchase(1, "mep", 100, 2), Purchase(2, "building", 90, 3)]
    assert depreciation(buys, 3) == [50, 50 + 30, 30]
    assert book_value(buys, 3) == 30
    assert depreciation(buys, 1) == [50]


def test_a_project_leaves_out_purchases_outside_its_years_and_sells_at_the_last_years_ebitda():
    streams = streams_of(**{k: [100, 100] for k in STREAMS} | {"electricity": [50, 70]})
    seen = []

    def exit_of(ebitda):
        seen.append(ebitda)
        return 1000

    buys = [Purchase(1, "servers", 40, 2), Purchase(3, "building", 500, 10)]
    p = project(streams=streams, om_racks=[10, 10], om_servers=[0, 5], purchases=buys, tax_rate=0.5,
                carry_years=1, exit_of=exit_of, finished=True)
    assert seen == [400 - 70 - 10 - 5]
    assert p.years == 2
    assert (p.capex_servers, p.capex_building, p.capex_mep, p.capex) == ([40, 0], [0, 0], [0, 0], [40, 0])
    assert p.depreciation == [20, 20]
    # Sold for 1,000; the servers are written off, the year-3 building not bought yet: gain 1,000.
    assert p.exit_value == [0, 1000] and p.gain_on_exit == [0, 1000]
    assert p.revenue == [400, 400] and p.ebitda == [340, 315]
    assert p.profit_before_tax == [320, 1295]
    assert p.tax == [160, 648]  # 647.5 -> 648
    assert p.power_over_allowance == [100, 100] and p.electricity == [50, 70]
    empty = project(streams=streams_of(**{k: [] for k in STREAMS}), om_racks=[], om_servers=[], purchases=[], tax_rate=0.25,
                    carry_years=1, exit_of=exit_of, finished=True)
    assert empty.years == 0 and empty.cash_flow == [] and seen == [315]


def day(date, commissioned, busy, **money):
    cny = dict.fromkeys((f"{k}_cny" for k in DAILY_LINES), 0.0) | money
    return SimpleNamespace(date=date, commissioned_accelerators=commissioned, hours=24.0, busy_operator=busy,
                           busy_third_party_marketplace=1, busy_third_party_private=0, **cny)


def test_a_sampled_runs_years_weight_its_hours_by_the_days_each_day_stands_for_but_not_its_money():
    start = dt.date(2025, 1, 1)
    rows = [day(start, 8, 3, intermediary_fee_cny=1.5), day(dt.date(2026, 1, 1), 4, 1, electricity_cost_cny=2.25)]
    rows[1].busy_third_party_private, rows[1].busy_operator = 1, 0
    scenario = SimpleNamespace(start_date=start, horizon_hours=366 * 24.0)
    full = yearly(SimpleNamespace(scenario=scenario, daily=rows, day_weights=None))
    assert [(y.year, y.commissioned_accelerator_hours, y.busy_accelerator_hours) for y in full] == [
        (1, 8 * 24.0, 4 * 24.0), (2, 4 * 24.0, 2 * 24.0)]
    sampled = yearly(SimpleNamespace(scenario=scenario, daily=rows, day_weights=[10.0, 3.0]))
    # Money in a sampled run's rows is already scaled to what the day stands for: not weighted again.
    assert [(y.commissioned_accelerator_hours, y.busy_accelerator_hours) for y in sampled] == [
        (10 * 8 * 24.0, 10 * 4 * 24.0), (3 * 4 * 24.0, 3 * 2 * 24.0)]
    assert [y.money_fen["intermediary_fee"] for y in sampled] == [150, 0]
    assert [y.money_fen["electricity"] for y in sampled] == [0, 225]
    assert sampled[0].utilisation == 0.5 and sampled[0].operator_revenue_fen == 150


def test_discount_factors_are_one_over_one_plus_the_rate_to_the_years_end():
    assert discount_factors(0.1, 3) == pytest.approx([1 / 1.1, 1 / 1.21, 1 / 1.331])
    assert discount_factors(0.0, 2) == [1.0, 1.0]


# --- a site's O&M and purchases, by hand -----------------------------------------------------

Y = 8760.0


def halls():
    server = SimpleNamespace(name="s")
    own = SimpleNamespace(owner=OPERATOR, power_kw=5.0, built=None, online=((0.0, 2), (Y / 2, 1)),
                          servers_per_rack=3, server=server)
    rented = SimpleNamespace(owner="t", power_kw=2.5, built=((0.0, 4),), online=((0.0, 1),),
                             servers_per_rack=2, server=server)
    later = SimpleNamespace(owner=OPERATOR, power_kw=2.5, built=None, online=((Y, 1), (3 * Y, 5)),
                            servers_per_rack=1, server=server)
    return SimpleNamespace(rack_groups=[own, rented, later])


FIN = SimpleNamespace(
    om_cny_per_standard_rack_year=8760.0, building_cny_per_mw_it=1e6, building_life_years=30,
    mep_cny_per_mw_it=5e5, mep_life_years=2,
    servers={"s": ServerFinance(price_cny=1000.0, price_change_per_year=-0.1, life_years=2, om_cny_per_year=100.0)})


def test_om_per_standard_rack_built_and_per_operator_server_online_by_share_of_each_year():
    scenario = SimpleNamespace(standard_rack_kw=2.5)
    bounds = [0.0, Y, 2 * Y]
    racks, servers = site_om(scenario, halls(), FIN, bounds, 2 * Y)
    # Standard racks (2.5 kW): own 2 x 2 from 0 and 1 x 2 from mid-year 1; rented 4 built (1 leased)
    # from 0; later 1 from year 2. 8,760 CNY a standard rack-year.
    assert racks == [cny_to_fen(8760.0 * (4 + 2 * 0.5 + 4)), cny_to_fen(8760.0 * (4 + 2 + 4 + 1))]
    # Operator servers: own 2 x 3 from 0 and 3 from mid-year 1, later 1 from year 2; 100 CNY a server-year.
    assert servers == [cny_to_fen(100.0 * (6 + 3 * 0.5)), cny_to_fen(100.0 * (6 + 3 + 1))]
    # Cut at the end of the run, half-way through year 2.
    racks, servers = site_om(scenario, halls(), FIN, bounds, 1.5 * Y)
    assert racks[1] == cny_to_fen(8760.0 * (4 + 2 + 4 + 1) * 0.5)
    assert servers[1] == cny_to_fen(100.0 * (6 + 3 + 1) * 0.5)


def test_purchases_buy_buildings_and_m_and_e_for_racks_built_and_servers_for_the_operators_alone():
    bounds = [0.0, Y, 2 * Y, 3 * Y]
    got = site_purchases(halls(), FIN, bounds, 3 * Y)  # the later hall's 5 racks at 3 Y: past the end
    price = FIN.servers["s"].price_at
    assert got == [
        # own: 10 kW from 0 (M&E replaced after 2 years), 5 kW from mid-year 1
        Purchase(1, "building", cny_to_fen(0.01 * 1e6), 30, True), Purchase(1, "mep", cny_to_fen(0.01 * 5e5), 2, True),
        Purchase(3, "mep", cny_to_fen(0.01 * 5e5), 2, True),
        Purchase(1, "building", cny_to_fen(0.005 * 1e6), 30, True),
        Purchase(1, "mep", cny_to_fen(0.005 * 5e5), 2, True), Purchase(3, "mep", cny_to_fen(0.005 * 5e5), 2, True),
        # its servers, bought when online and replaced at the price of their replacement year
        Purchase(1, "servers", cny_to_fen(6 * price(0.0)), 2, True),
        Purchase(3, "servers", cny_to_fen(6 * price(2.0)), 2, True),
        Purchase(1, "servers", cny_to_fen(3 * price(0.5)), 2, True),
        Purchase(3, "servers", cny_to_fen(3 * price(2.5)), 2, True),
        # rented: the tenant's 4 racks of 2.5 kW built; their servers are the tenant's
        Purchase(1, "building", cny_to_fen(0.01 * 1e6), 30), Purchase(1, "mep", cny_to_fen(0.01 * 5e5), 2),
        Purchase(3, "mep", cny_to_fen(0.01 * 5e5), 2),
        # later: 1 rack in year 2 (the operator's)
        Purchase(2, "building", cny_to_fen(0.0025 * 1e6), 30, True),
        Purchase(2, "mep", cny_to_fen(0.0025 * 5e5), 2, True),
        Purchase(2, "servers", cny_to_fen(1 * price(1.0)), 2, True),
    ]


def test_edges_of_irr_tax_and_the_exit():
    assert irr([0, 10])[1] == "none: every cash flow is positive, so no rate makes the NPV zero"
    assert irr([0.5, 0.5])[1] == "none: every cash flow is positive, so no rate makes the NPV zero"
    # The last fen of a loss is still set against profit (at 100 %: 3 taxed, not 4).
    assert taxes([-101, 100, 4], 1_000_000, 5) == [0, 0, 3]
    seen = []
    streams = streams_of(**{k: [100, 100, 100] for k in STREAMS} | {"electricity": [0, 50, 80]})
    project(streams=streams, om_racks=[0] * 3, om_servers=[0] * 3, purchases=[], tax_rate=0.0, carry_years=0,
            exit_of=lambda e: seen.append(e) or 0, finished=True)
    assert seen == [400 - 80]  # the last year's EBITDA, not the second's


def test_the_discounted_payback_discounts_each_year_at_the_rate():
    def flows(*cash):  # a project whose cash flows are these: capex in year 1, sales after, no tax
        sales = [max(0, c) for c in cash]
        p = project(streams=streams_of(compute_sales_operator_capacity=sales, electricity=[0] * len(cash)),
                    om_racks=[0] * len(cash), om_servers=[0] * len(cash),
                    purchases=[Purchase(1, "building", -cash[0], 1000)], tax_rate=0.0, carry_years=0,
                    exit_of=lambda e: 0, finished=False)
        assert p.cash_flow == list(cash)
        return p

    year_end = Timing("end", "end")
    # Undiscounted: -100, -45, +10 (year 3); at 10 %: -90.9, -45.5, -4.1: never.
    v = verdict(flows(-100, 55, 55), 0.10, year_end)
    assert (v.payback_year, v.discounted_payback_year) == (3, None)
    assert v.npv_fen == round(-100 / 1.1 + 55 / 1.21 + 55 / 1.331)
    v = verdict(flows(-100, 60, 60), 0.10, year_end)
    assert v.discounted_payback_year == 3 and v.irr == pytest.approx(0.130662, abs=1e-6)
