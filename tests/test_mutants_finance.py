"""The concession's finance maths at its edges, by hand: tests written to kill the mutants
`make mutate` left alive in sim/economics/finance.py and sim/experiment/finance.py
(docs/testing.md)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from sim.economics.finance import (
    Purchase,
    book_value,
    discount_factors,
    depreciation,
    irr,
    payback_year,
    project,
    tax_fen,
    taxes,
)
from sim.experiment.finance import yearly

STREAMS = ("compute_sales_operator_capacity", "intermediary_fee", "colocation_rent", "power_over_allowance",
           "electricity")


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
    streams = {k: [100, 100] for k in STREAMS} | {"electricity": [50, 70]}
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
    empty = project(streams={k: [] for k in STREAMS}, om_racks=[], om_servers=[], purchases=[], tax_rate=0.25,
                    carry_years=1, exit_of=exit_of, finished=True)
    assert empty.years == 0 and empty.cash_flow == [] and seen == [315]


def day(date, commissioned, busy, **money):
    cny = dict.fromkeys(["compute_sales_operator_capacity_cny", "intermediary_fee_cny", "colocation_rent_cny",
                         "power_over_allowance_cny", "electricity_cost_cny"], 0.0) | money
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
