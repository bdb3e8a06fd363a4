"""The finance maths against cash flows worked out by hand (sim/economics/finance.py)."""

import math

import pytest

from sim.economics.finance import (
    COSTS,
    REVENUE,
    Purchase,
    book_value,
    depreciation,
    irr,
    npv,
    payback_year,
    project,
    refresh_years,
    tax_fen,
    taxes,
    total,
)
from sim.model.finance import Exit


def test_npv_discounts_each_year_at_its_end():
    # -100/1.1 + 60/1.1^2 + 60/1.1^3 = -90.9091 + 49.5868 + 45.0789
    assert npv(0.10, [-100, 60, 60]) == pytest.approx(3.75657, abs=1e-5)
    assert npv(0.0, [-100, 60, 60]) == 20


def test_irr_is_where_the_npv_is_zero():
    # 60 x^2 + 60 x - 100 = 0 with x = 1 / (1 + r): x = (-60 + sqrt(27600)) / 120
    x = (-60 + math.sqrt(60 ** 2 + 4 * 60 * 100)) / 120
    r, note = irr([-100, 60, 60])
    assert r == pytest.approx(1 / x - 1, abs=1e-9) and note == ""
    assert r == pytest.approx(0.130662, abs=1e-6)
    assert npv(r, [-100, 60, 60]) == pytest.approx(0, abs=1e-6)
    # A loss is a negative IRR: 10 x^2 + 10 x - 100 = 0
    x = (-10 + math.sqrt(100 + 4000)) / 20
    assert irr([-100, 10, 10])[0] == pytest.approx(1 / x - 1, abs=1e-9)


@pytest.mark.parametrize("flows", [[100, 50], [-100, -5, 0], [0, 0]])
def test_no_irr_when_the_flows_never_change_sign(flows):
    r, note = irr(flows)
    assert r is None and note.startswith("none:")


def test_payback_is_the_year_the_cumulative_flow_turns_and_stays_non_negative():
    assert payback_year([-100, 60, 60]) == 3  # -100, -40, +20
    assert payback_year([-100, 150, -60, 20]) == 4  # -100, +50, -10, +10
    assert payback_year([-100, 150, -100]) is None  # ends at -50
    assert payback_year([10, 10]) == 1


def test_straight_line_depreciation_puts_the_remainder_in_the_last_year():
    assert depreciation([Purchase(2, "servers", 1000, 3)], 5) == [0, 333, 333, 334, 0]
    # Cut at the end of the concession: what is left is the book value.
    p = [Purchase(4, "mep", 1000, 3)]
    assert depreciation(p, 5) == [0, 0, 0, 333, 333]
    assert book_value(p, 5) == 334


def test_assets_are_replaced_at_the_end_of_each_life_while_the_concession_runs():
    assert refresh_years(1, 5, 20) == [6, 11, 16]
    assert refresh_years(2, 3, 10) == [5, 8]
    assert refresh_years(1, 25, 20) == []
    # A server bought in year 1 (life 5) and its three replacements: depreciated every year.
    buys = [Purchase(y, "servers", 500, 5) for y in [1, *refresh_years(1, 5, 20)]]
    assert depreciation(buys, 20) == [100] * 20
    assert book_value(buys, 20) == 0


def test_tax_rounds_half_to_even_and_sets_losses_against_later_profits():
    assert tax_fen(30, 250_000) == 8  # 7.5 -> 8
    assert tax_fen(10, 250_000) == 2  # 2.5 -> 2
    assert tax_fen(13, 250_000) == 3  # 3.25
    assert taxes([-100, 30, 100], 250_000, 5) == [0, 0, 8]  # 100 - (100 - 30) = 30 taxed
    assert taxes([-100, 100], 250_000, 1) == [0, 0]  # used in exactly its last carry-forward year
    assert taxes([-100, 0, 100], 250_000, 1) == [0, 0, 25]  # the loss expired after one year
    assert taxes([-100, 0, 100], 250_000, 0) == [0, 0, 25]
    assert taxes([-40, -60, 150], 250_000, 5) == [0, 0, 12]  # 50 left: 12.5 -> 12


def test_reit_value_is_noi_over_the_cap_rate_or_a_multiple_of_ebitda():
    assert Exit("cap_rate", 0.059).of(5_900_000) == 100_000_000
    assert Exit("ev_ebitda", 16.9).of(1_000_000) == 16_900_000
    assert Exit("ev_ebitda", 16.9).of(-5) == 0


def streams_of(**given):
    """A project's streams by year: every one of the money model's at 0, but those given."""
    years = len(next(iter(given.values())))
    return {k: [0] * years for k in (*REVENUE, *COSTS)} | given


def test_a_three_year_project_by_hand():
    # Revenue 100 + 20 + 20 + 10 = 150 a year; electricity 40; O&M 10 + 5: EBITDA 95.
    # Building 300 (life 30) and servers 150 (life 2, replaced in year 3) bought in year 1.
    streams = streams_of(compute_sales_operator_capacity=[100] * 3, intermediary_fee=[20] * 3,
                         colocation_rent=[20] * 3, power_over_allowance=[10] * 3, electricity=[40] * 3)
    buys = [Purchase(1, "building", 300, 30), Purchase(1, "servers", 150, 2), Purchase(3, "servers", 150, 2)]
    p = project(streams=streams, om_racks=[10] * 3, om_servers=[5] * 3, purchases=buys, tax_rate=0.25,
                carry_years=5, exit_of=Exit("ev_ebitda", 10).of, finished=True)
    assert p.revenue == [150] * 3 and p.ebitda == [95] * 3
    assert p.depreciation == [10 + 75, 10 + 75, 10 + 75]
    # Year 3: sold for 950; book value 300 - 30 (building) + 150 - 75 (new servers) = 345; gain 605.
    assert p.exit_value == [0, 0, 950] and p.gain_on_exit == [0, 0, 605]
    assert p.profit_before_tax == [10, 10, 615]
    assert p.tax == [2, 2, 154]  # 2.5 -> 2, 2.5 -> 2, 153.75 -> 154
    assert p.capex == [450, 0, 150]
    assert p.cash_flow == [95 - 2 - 450, 95 - 2, 95 - 154 - 150 + 950]
    both = total([p, p])
    assert both.cash_flow == [2 * f for f in p.cash_flow] and both.tax == [4, 4, 308]


def test_an_unfinished_concession_is_not_sold():
    streams = streams_of(**{k: [10, 10] for k in ("compute_sales_operator_capacity", "intermediary_fee",
                                                  "colocation_rent", "electricity")})
    p = project(streams=streams, om_racks=[0, 0], om_servers=[0, 0], purchases=[], tax_rate=0.0, carry_years=0,
                exit_of=Exit("cap_rate", 0.05).of, finished=False)
    assert p.exit_value == [0, 0] and p.cash_flow == [20, 20]


def test_a_dcf_terminal_value_by_hand():
    from sim.economics.finance import Purchase
    from sim.model.finance import Timing
    from sim.simulation.finance import dcf_exit, remaining_life_years

    # A 5-year building bought in year 1 has 2 years left after a 3-year concession; M&E of
    # 3 years bought in year 1 serves to year 3, so it is due again 1 year after the end.
    purchases = [Purchase(1, "building", 1000, 5), Purchase(1, "mep", 600, 3)]
    assert remaining_life_years(purchases, 3) == 2
    end = Timing("end", "end")
    assert dcf_exit(purchases, 3, 0.1, end)(1000) == round(1000 / 1.1 + 1000 / 1.21 - 600 / 1.1)
    start_mid = Timing("start", "mid")
    assert dcf_exit(purchases, 3, 0.1, start_mid)(1000) == round(1000 / 1.1 ** 0.5 + 1000 / 1.1 ** 1.5 - 600)
    assert dcf_exit(purchases, 3, 0.1, end)(100) == 0  # worth less than the plant it needs: handed back
    # Two buildings, equal cost, 2 and 3 years left: 2.5 years, the half year counted at half.
    two = [Purchase(1, "building", 1000, 5), Purchase(2, "building", 1000, 5)]
    assert remaining_life_years(two, 3) == 2.5
    assert dcf_exit(two, 3, 0.0, end)(1000) == 2500
