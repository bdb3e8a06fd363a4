"""One market price path: the operator's quote and competing centres' outside price move along
it together ([price_paths], [pricing] path), a steady decline or dated points."""

import math

import pytest
from test_market import MARKET

from sim.economics.market import OutsidePath
from sim.economics.pricing import price_model
from sim.model.pricepath import PricePath
from sim.scenario import ScenarioError, loads
from sim.units import HOURS_PER_DAY

PATHS = MARKET.replace("[pricing]\n", """[price_paths.v]
points = [{ date = 2025-01-01, index = 1.0 }, { date = 2025-01-11, index = 0.25 }, { date = 2025-01-21, index = 1.0 }]
[price_paths.steady]
annual_decline = 0.3
[price_paths.flat]
annual_decline = 0.0

[pricing]
path = "v"
""").replace("share_reaching_operator = 0.1\n", """share_reaching_operator = 0.1
outside_price_cny_per_pflops_year = 175200   # 20 CNY per dense P-hour, twice the quote
outside_price_anchor_date = 2025-01-01
""")


def load(*overrides, text=PATHS):
    return loads(text, "paths.toml", overrides)


def test_a_dated_path_is_log_linear_between_points_and_flat_beyond():
    sc = load()
    quote = price_model(sc.pricing).quote_fen
    per_hour = 10 * 0.32 * 100  # fen per accelerator-hour at the anchor (10 CNY per dense P-hour)
    assert quote("card", 0.0) == pytest.approx(per_hour)
    assert quote("card", 5 * HOURS_PER_DAY) == pytest.approx(per_hour * 0.5)  # half-way in logs: sqrt(0.25)
    assert quote("card", 10 * HOURS_PER_DAY) == pytest.approx(per_hour * 0.25)
    assert quote("card", 20 * HOURS_PER_DAY) == pytest.approx(per_hour)
    assert quote("card", 50 * HOURS_PER_DAY) == pytest.approx(per_hour)  # flat after the last point


def test_the_outside_price_follows_the_same_path_so_the_position_holds():
    sc = load()
    quote = price_model(sc.pricing).quote_fen
    outside = OutsidePath(sc.market.outside)
    for day in (0, 3, 10, 17, 40):
        h = day * HOURS_PER_DAY
        ratio = outside.fen_per_pflops_hour(h) / (quote("card", h) / 0.32)
        assert ratio == pytest.approx(2.0)  # twice the quote, whatever the day


def test_a_steady_named_path_is_the_old_annual_decline_to_the_last_bit():
    named = load('pricing.path="steady"')
    old = loads(MARKET.replace("intermediary_fee = 0.15", "intermediary_fee = 0.15\nannual_decline = 0.3"), "m.toml")
    a, b = price_model(named.pricing).quote_fen, price_model(old.pricing).quote_fen
    assert all(a("card", h) == b("card", h) for h in (0.0, 100.0, 1000.5, 8760.0 * 3))
    assert named.pricing.annual_decline == 0.3


def test_a_sweep_of_the_path_moves_quote_and_outside_together():
    for d in (0.0, 0.2, 0.5):
        sc = load('pricing.path="steady"', f"price_paths.steady.annual_decline={d}")
        quote, outside = price_model(sc.pricing).quote_fen, OutsidePath(sc.market.outside)
        h = 2 * 8760.0
        assert quote("card", h) == pytest.approx(10 * 0.32 * 100 * (1 - d) ** 2)
        assert outside.fen_per_pflops_hour(h) / (quote("card", h) / 0.32) == pytest.approx(2.0)


def test_the_summary_names_the_path():
    import sim

    s = sim.run(load()).summary_dict()["prices"]
    assert s["path"] == "v" and s["cny_per_pflops_year_at_end"]["card"] == pytest.approx(87600)
    assert "path" not in sim.run(loads(MARKET, "m.toml")).summary_dict()["prices"]  # as ever without one


def test_path_ratio_by_hand():
    p = PricePath("p", points=((0.0, 2.0), (10.0, 8.0)))
    assert p.ratio(0.0, 5.0) == pytest.approx(2.0)  # 2 -> 4 (geometric middle of 2 and 8)
    assert p.ratio(-5.0, 20.0) == pytest.approx(4.0)
    assert PricePath("s", annual_decline=0.5).ratio(0.0, 8760.0) == pytest.approx(0.5)
    assert math.isclose(PricePath("s", annual_decline=0.0).ratio(3.0, 1e6), 1.0)


@pytest.mark.parametrize("override, message", [
    ('pricing.path="nope"', "paths.toml: pricing.path: no price path named 'nope' in [price_paths] (named: flat, "
                            "steady, v)"),
    ("pricing.annual_decline=0.1", "paths.toml: pricing.annual_decline: give annual_decline or path, not both "
                                   "(a path names its own course)"),
    ("market.outside_price_annual_decline=0.3", "paths.toml: market.outside_price_annual_decline: give none: "
                                                "[pricing] names the price path 'v', which the outside price follows"),
    ("price_paths.flat.points=[]", "paths.toml: price_paths.flat: give annual_decline or points, exactly one"),
])
def test_bad_price_paths_are_one_line_each(override, message):
    with pytest.raises(ScenarioError) as e:
        load(override)
    assert message in e.value.messages, e.value.messages


@pytest.mark.parametrize("change, message", [
    ("index = 0.25", "paths.toml: price_paths.v.points[1].index: must be > 0, got 0"),
    ("date = 2025-01-11", "paths.toml: price_paths.v.points: dates must strictly increase (one index per date)"),
])
def test_bad_points_are_one_line_each(change, message):
    bad = {"index = 0.25": "index = 0", "date = 2025-01-11": "date = 2025-01-01"}[change]
    with pytest.raises(ScenarioError) as e:
        load(text=PATHS.replace(change, bad))
    assert message in e.value.messages, e.value.messages
