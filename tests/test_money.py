"""Prices, fees and the ledger: exact integer money."""

import pytest
from tiny import TINY, tiny

from sim.compiled import running_compiled
from sim.economics import Ledger, LedgerImbalance, charge_fen, split_fee
from sim.economics.apportion import apportion
from sim.economics.ledger import Account, Where
from sim.economics.pricing import PriceBook
from sim.model import Pricing
from sim.scenario import ScenarioError, loads
from sim.units import (
    cny_per_accelerator_hour_to_cny_per_pflops_year,
    cny_per_pflops_year_to_cny_per_accelerator_hour,
)


def test_seed_price_per_p_year_converts_to_accelerator_hours():
    # 120,000 CNY per P-year for a 0.32 P card: 120,000 x 0.32 / 8,760 h.
    assert cny_per_pflops_year_to_cny_per_accelerator_hour(120_000, 0.32) == pytest.approx(4.383561643835616)
    # An H800 (0.99 P dense) at the seed's anchor: about 13.6 CNY per GPU-hour (ASSUMPTIONS.md).
    assert cny_per_pflops_year_to_cny_per_accelerator_hour(120_000, 0.99) == pytest.approx(13.56, abs=0.01)
    back = cny_per_accelerator_hour_to_cny_per_pflops_year(4.383561643835616, 0.32)
    assert back == pytest.approx(120_000)


def test_a_price_per_p_year_is_per_dense_p():
    assert tiny().pricing.cny_per_accelerator_hour["x"] == pytest.approx(1.0)  # 0.1 P dense, not 0.2 sparse
    assert tiny("pricing.basis='dense'").pricing == tiny().pricing
    with pytest.raises(ScenarioError) as e:
        tiny("pricing.basis='sparse'")
    assert e.value.messages == [
        "tiny.toml: pricing.basis: a price per P per year is per dense FP16 P, got 'sparse': a card's sparse (or a "
        "claim's) figure would raise its bill with no more work done; remove the key or set \"dense\""]


@pytest.mark.parametrize("sparse, stated", [(0.1, None), (0.2, None), (0.4, 0.6), (0.1, 5.0)])
def test_the_hourly_price_of_a_card_depends_only_on_its_dense_p(sparse, stated):
    # Card x: 0.1 P dense. Card y: 0.2 P dense. Whatever sparse or claimed figure x carries,
    # it costs 1 CNY an accelerator-hour at 87,600 CNY per P-year, and y twice that.
    text = TINY.replace("pflops_fp16_sparse = 0.2", f"pflops_fp16_sparse = {sparse}" +
                        (f"\nstated_pflops = {stated}" if stated else ""))
    text = text.replace("[servers.s]", "[accelerators.y]\npflops_fp16_dense = 0.2\npflops_fp16_sparse = 0.8\n"
                                       "power_w = 100\n\n[servers.s]")
    s = loads(text, "t.toml", ["pricing.annual_decline=0.3"])
    prices = PriceBook(s.pricing)
    for hour in (0.0, 1000.0):
        assert prices.quote_fen("x", hour) == pytest.approx(100 * 0.7 ** (hour / 8760))
        assert prices.quote_fen("y", hour) == pytest.approx(2 * prices.quote_fen("x", hour))
    assert s.accelerators["x"].stated_pflops == stated


def test_price_per_accelerator_hour_can_be_given_directly():
    text = TINY.replace("price_cny_per_pflops_year = 87600", "cny_per_accelerator_hour = { x = 3.5 }")
    s = loads(text, "t.toml")
    assert s.pricing.cny_per_accelerator_hour == {"x": 3.5}


def test_prices_fall_at_the_annual_rate():
    book = PriceBook(Pricing("dense", {"x": 10.0}, 0.3, 0.15))
    assert book.quote_fen("x", 0) == pytest.approx(1000)
    assert book.quote_fen("x", 8760) == pytest.approx(700)
    assert book.quote_fen("x", 2 * 8760) == pytest.approx(490)


def test_charge_rounds_once_half_to_even():
    assert charge_fen(100.0, 4, 10.0) == 4000
    assert charge_fen(0.5, 1, 1.0) == 0  # half to even
    assert charge_fen(1.5, 1, 1.0) == 2
    assert charge_fen(438.3561643835616, 8, 0.5) == 1753


@pytest.mark.parametrize("amount", [0, 1, 7, 99, 4000, 123_456_789])
def test_fee_split_adds_up_and_floors_the_fee(amount):
    fee, payout = split_fee(amount, 150_000)
    assert fee + payout == amount
    assert fee == amount * 15 // 100
    assert 0 <= amount * 0.15 - fee < 1


def test_ledger_refuses_unbalanced_or_fractional_transactions():
    ledger = Ledger()
    a, b, c = (Account("client", n) for n in "abc")
    where = Where("s", "site", "operator")
    with pytest.raises(LedgerImbalance):
        ledger.post(0.0, where, ((a, -5), (b, 4)))
    with pytest.raises(LedgerImbalance):
        ledger.post(0.0, where, ((a, -0.5), (b, 0.5)))
    # Compiled (make compiled), transfer's `fen: int` is checked at the call, before its body.
    with pytest.raises(TypeError if running_compiled("sim.economics.ledger") else LedgerImbalance):
        ledger.transfer(0.0, where, a, b, 0.5)
    assert ledger.transactions == 0 and ledger.balances == {}
    ledger.post(1.0, where, ((a, -5), (b, 3), (c, 2)))
    ledger.transfer(2.0, Where("s", "other", "t"), c, a, 1)
    assert ledger.balance(a) == -4 and ledger.sums[where][c] == 2
    assert ledger.sums[Where("s", "other", "t")] == {c: -1, a: 1}


def test_apportion_keeps_the_total_and_follows_the_weights():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]  # largest remainder, ties to the earlier part
    assert apportion(7, [0, 0]) == [7, 0]
    assert apportion(100, [0.25, 0.75]) == [25, 75]
    assert apportion(5, [2, 0, 1]) == [3, 0, 2]
    for total in (0, 1, 99, 12345):
        for w in ([1.0], [0.1, 0.2, 0.7], [3, 3, 3, 1]):
            shares = apportion(total, w)
            assert sum(shares) == total
            assert all(abs(x - total * wi / sum(w)) < 1 for x, wi in zip(shares, w))


def test_the_price_path_runs_from_its_anchor_date():
    # 1 CNY an accelerator-hour on the anchor date, falling 30 % a year from it.
    before = tiny("pricing.annual_decline=0.3", "pricing.anchor_date=2024-01-01")  # 366 days before the start
    book = PriceBook(before.pricing)
    assert book.quote_fen("x", 0.0) == pytest.approx(100 * 0.7 ** (366 / 365))
    assert book.quote_fen("x", 24.0) == pytest.approx(100 * 0.7 ** (367 / 365))
    after = PriceBook(tiny("pricing.annual_decline=0.3", "pricing.anchor_date=2025-01-02").pricing)
    assert after.quote_fen("x", 0.0) == pytest.approx(100 * 0.7 ** (-1 / 365))  # dearer before the anchor
    assert after.quote_fen("x", 24.0) == pytest.approx(100)
    # By default the anchor is the start date.
    assert PriceBook(tiny("pricing.annual_decline=0.3").pricing).quote_fen("x", 0.0) == pytest.approx(100)


def test_the_summary_states_the_price_path_and_vat():
    from sim.simulation.run import run

    p = run(tiny("pricing.annual_decline=0.3", "pricing.anchor_date=2024-01-01")).summary.prices
    assert (p.vat_included, p.vat_stated, str(p.anchor_date)) == (True, False, "2024-01-01")
    assert p.cny_per_pflops_year_at_anchor == 87600
    assert p.cny_per_pflops_year_at_start["x"] == pytest.approx(87600 * 0.7 ** (366 / 365), abs=0.01)
    assert p.cny_per_accelerator_hour_at_end["x"] == pytest.approx(0.7 ** (368 / 365), abs=1e-6)
    stated = run(tiny("pricing.vat_included=false")).summary.prices
    assert (stated.vat_included, stated.vat_stated) == (False, True)


@pytest.mark.parametrize("override, message", [
    (["pricing.anchor_date=2025-01-04"],
     "pricing.anchor_date: must be on or before the run's end (2025-01-03), got 2025-01-04: a price path runs "
     "from a date it has seen"),
    (["pricing.anchor_date=2025"], "pricing.anchor_date: must be a date (YYYY-MM-DD), got 2025"),
    (["pricing.vat_included=1"], "pricing.vat_included: must be true or false, got 1"),
    (["scenario.horizon_days=36000", "pricing.annual_decline=0.9", "pricing.anchor_date=2090-01-01"],
     "pricing.anchor_date: falling 0.9 a year towards a date 65 years after the start, the price at the start "
     "would be 1.11e+65 CNY per accelerator-hour, over 1e+15"),
])
def test_bad_price_paths_are_one_line(override, message):
    with pytest.raises(ScenarioError) as e:
        tiny(*override)
    assert e.value.messages == [f"tiny.toml: {message}"]
