"""Generations, refreshes, the marginal-cost floor and VAT netting, on cases worked by hand.

FIN_TINY (tests/fin_tiny.py): one operator rack of one 4-card server (0.1 P a card, 1 kW, idle
0.5), prices 10 CNY per dense P-hour (1 CNY a card-hour), no decline; PUE 1.5 at 0.4 CNY/kWh;
the server lives 1 year, so it is re-bought at the start of year 2 (2026-01-01, 8,760 h).
One job of 4 cards x 100 h at hour 0 runs on it: the fleet is busy 100 / 8,760 of year 1.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from fin_tiny import FIN_TINY
from tiny import tiny

import sim
from sim.economics.finance import Purchase
from sim.economics.market import PriceResponse
from sim.economics.pricing import PriceBook
from sim.scenario import ScenarioError, loads
from sim.simulation.finance import finance_of, net_of_vat, vat_cash

ROOT = Path(__file__).resolve().parent.parent
OLD = ('generations.old={accelerator="x", available=2024-01-01, pflops_fp16_dense=0.1, power_w=100, '
       'accelerators_per_server=4, server_power_kw=1.0, server_price_cny=10000, server_om_cny_per_year=200}')
NEW = ('generations.new={available=2025-06-01, pflops_fp16_dense=0.4, power_w=250, accelerators_per_server=4, '
       'server_power_kw=0.5, server_price_cny=30000, server_om_cny_per_year=300}')
VAT = ("finance.vat={services=0.06, rent=0.06, power_resale=0.13, electricity=0.13, equipment=0.13, "
       "construction=0.09, om=0.06}")


def fin(*overrides):
    return finance_of(sim.run(loads(FIN_TINY, "fin.toml", overrides)))


def test_a_refresh_buys_the_newest_generation_at_its_price_and_earns_what_its_p_earns():
    before, after = fin(), fin(OLD, NEW)
    a, b = before.sites[0].project, after.sites[0].project
    # Year 1 is the simulated fleet's, as before.
    assert after.refreshes[0].year == 2 and after.refreshes[0].generation == "new"
    assert a.compute_sales_operator_capacity[0] == b.compute_sales_operator_capacity[0]
    # The refresh: as many new servers as fit in the 1 kW the old one drew (2 of 0.5 kW) at 30,000 CNY.
    assert b.capex_servers[1] == 2 * 30_000 * 100
    assert after.refreshes[0].servers == 2 and after.refreshes[0].pflops == pytest.approx(3.2)
    # It sells the dense P-hours the old fleet sold (100 h x 0.4 P = 40 P-hours a year) at 10 CNY a P-hour.
    assert a.compute_sales_operator_capacity[1] == 0  # nothing simulated in year 2
    assert b.compute_sales_operator_capacity[1] == 40 * 10 * 100
    # Its power: 2 x 0.5 kW at idle 0.5 plus the busy share, x 8,760 h x PUE 1.5 x 0.4 CNY; the
    # old server's idle 0.5 kW the same way is what the run drew.
    u = 40 / (3.2 * 8760)
    new_kwh = 2 * 0.5 * (0.5 + 0.5 * u) * 8760
    old_kwh = 1.0 * 0.5 * 8760
    assert b.electricity[1] - a.electricity[1] == round(new_kwh * 1.5 * 0.4 * 100) - round(old_kwh * 1.5 * 0.4 * 100)
    # O&M: 2 servers x 300 CNY instead of 1 x 200.
    assert b.om_servers[1] - a.om_servers[1] == (2 * 300 - 200) * 100


def test_without_generations_the_same_server_is_rebought_at_its_price_change():
    a = fin().sites[0].project
    assert a.capex_servers == [10_000 * 100, 5_000 * 100]  # -50 % a year
    assert fin().refreshes == ()


def test_a_refreshed_fleet_priced_below_its_marginal_cost_idles_and_when_it_pays_is_not_bought():
    # A new card sells for 0.4 P x 10 CNY = 4 CNY an hour. At 40 kW a server its busy draw is
    # 40 / 4 = 10 kW x PUE 1.5 x 0.4 CNY = 6 CNY an hour: above 4, so it idles all year 2.
    hot = NEW.replace("server_power_kw=0.5", "server_power_kw=40")
    r = fin(OLD, hot)
    assert r.refreshes[0].idle_years == (2,)
    assert r.sites[0].project.compute_sales_operator_capacity[1] == 0
    skipped = fin(OLD, hot, 'finance.refresh="when-it-pays"')
    assert skipped.refreshes[0].skipped and skipped.sites[0].project.capex_servers[1] == 0
    # At 20 kW a server: 3 CNY an hour, below 4: it sells.
    warm = NEW.replace("server_power_kw=0.5", "server_power_kw=20")
    assert fin(OLD, warm).refreshes[0].idle_years == ()


def test_an_older_generations_quote_ages_against_the_newest_from_the_day_it_is_out():
    sc = loads(FIN_TINY, "fin.toml", [OLD, NEW, "pricing.ageing_per_year=0.5"])
    book = PriceBook(sc.pricing)
    out = sc.pricing.superseded_h["x"]
    assert out == (151) * 24  # 2025-06-01
    assert book.quote_fen("x", out) == pytest.approx(100.0)
    assert book.quote_fen("x", out + 8760) == pytest.approx(50.0)  # half a year on at -50 %
    assert book.quote_fen("x", out + 2 * 8760) == pytest.approx(25.0)


def test_no_card_is_offered_below_its_marginal_cost():
    # A busy card: 1 kW x 1.0 / 4 cards = 0.25 kW x PUE 1.5 x price. At 3 CNY/kWh: 1.125 CNY an hour,
    # above the 1 CNY quote: every marketplace job goes unsold and the summary says for how long.
    res = sim.run(tiny("sites.a.electricity_cny_per_kwh=3.0"))
    assert res.summary.prices.hours_below_marginal_cost == {"x": 48.0}
    assert res.summary.prices.marginal_cost_cny_per_accelerator_hour["x"] == pytest.approx(1.125)
    assert sum(r.compute_sales_operator_capacity_cny + r.intermediary_fee_cny for r in res.daily) == 0
    # At 2.6 CNY/kWh (0.975 an hour) the card sells.
    ok = sim.run(tiny("sites.a.electricity_cny_per_kwh=2.6"))
    assert ok.summary.prices.hours_below_marginal_cost == {"x": 0.0}
    assert sum(r.compute_sales_operator_capacity_cny for r in ok.daily) > 0
    # Plus a stated variable cost: 0.975 + 0.05 > 1.
    worse = sim.run(tiny("sites.a.electricity_cny_per_kwh=2.6", "pricing.variable_cost_cny_per_accelerator_hour=0.05"))
    assert worse.summary.prices.hours_below_marginal_cost == {"x": 48.0}


def test_the_offer_leaves_out_a_type_below_its_floor_whatever_the_client_would_pay():
    class Book:
        @staticmethod
        def quote_fen(t, h):
            return {"a": 100.0, "b": 80.0}[t]

    r = PriceResponse(Book, ("a", "b"), {"a": 1.0, "b": 1.0}, None, {"a": 90.0, "b": 90.0})
    assert r.offer(None, None, 0.0) == (("a",), 100.0)  # b is cheaper but below its floor
    assert r.offer(None, 1e9, 0.0) == (("a",), 100.0)
    only = PriceResponse(Book, ("b",), {"b": 1.0}, None, {"b": 90.0})
    assert only.offer(None, None, 0.0) == ((), 80.0)  # lost: nothing offered


def test_vat_nets_output_and_input_and_carries_an_input_credit_forward():
    # Year 1: 10,600 fen of compute sales (6 %: 600 VAT), 11,300 of power (13 %: 1,300), a server of
    # 113,000 (13 %: 13,000). Year 2: the same sales, nothing bought. Year 3: the same sales.
    from sim.model.finance import Vat
    vat = Vat(services=0.06, rent=0.06, power_resale=0.13, electricity=0.13, equipment=0.13, construction=0.09, om=0.06)
    streams = {"compute_sales_operator_capacity": [10_600] * 3, "intermediary_fee": [0] * 3,
               "colocation_rent": [0] * 3, "power_over_allowance": [0] * 3, "electricity": [11_300, 0, 0]}
    s, om_r, om_s, bought, timing = net_of_vat(vat, streams, [0] * 3, [0] * 3, [Purchase(1, "servers", 113_000, 5)])
    assert s["compute_sales_operator_capacity"] == [10_000] * 3 and s["electricity"] == [10_000, 0, 0]
    assert bought == [Purchase(1, "servers", 100_000, 5)]
    # Input 14,300 against output 600: a credit of 13,700 waits (cash out); used 600 a year after.
    assert timing == [600 - 14_300, 600, 600]
    # Once the credit is gone output VAT is paid: no cash difference from the net accounts.
    assert vat_cash([600, 600, 600], [1_000, 0, 0]) == [-400, 400, 0]


def test_vat_netting_lowers_revenue_and_capex_in_a_run_and_adds_the_credit_line():
    gross, net = fin(), fin(VAT)
    g, n = gross.sites[0].project, net.sites[0].project
    assert n.colocation_rent == [round(x / 1.06) for x in g.colocation_rent]
    assert n.capex_building == [round(x / 1.09) for x in g.capex_building]
    assert n.capex_mep == [round(x / 1.13) for x in g.capex_mep]
    assert any(n.vat_timing) and not any(g.vat_timing)
    assert sum(net.total.bridge.values()) == pytest.approx(net.total.verdict.npv_fen, abs=10)


def test_land_property_tax_insurance_and_overheads_are_lines_that_add_up():
    r = fin("finance.land_cny_per_mw_it=1_000_000", "finance.property_tax_rate=0.01", "finance.insurance_rate=0.002",
            "finance.overheads_cny_per_site_year=1_000")
    p = r.sites[0].project
    # 2 racks x 1 kW = 0.002 MW: land 2,000 CNY in year 1; building 2,000, M&E 4,000 (1-year life, re-bought),
    # servers 10,000 then 5,000. Year 1: property tax 1 % of (2,000 + 2,000), insurance 0.2 % of
    # (2,000 + 4,000 + 10,000), overheads 1,000.
    assert p.capex_land == [2_000 * 100, 0]
    assert p.other_costs[0] == round((0.01 * 4_000 + 0.002 * 16_000 + 1_000) * 100)
    assert p.other_costs[1] == round((0.01 * 4_000 + 0.002 * (2_000 + 4_000 + 5_000) + 1_000) * 100)
    assert sum(r.total.bridge.values()) == pytest.approx(r.total.verdict.npv_fen, abs=10)


@pytest.mark.parametrize("override, message", [
    ("finance.vat={services=0.06}", "fin.toml: finance.vat.rent: missing"),
    ('finance.refresh="sometimes"', "fin.toml: finance.refresh: must be one of always, when-it-pays, got 'sometimes'"),
    ("pricing.ageing_per_year=1", "fin.toml: pricing.ageing_per_year: must be < 1, got 1"),
    (OLD.replace('"x"', '"y"'), "fin.toml: generations.old.accelerator: no accelerator named 'y' in [accelerators]"),
])
def test_bad_input_names_the_file_and_key(override, message):
    with pytest.raises(ScenarioError) as e:
        loads(FIN_TINY, "fin.toml", [override])
    assert e.value.messages[0] == message


def test_vat_to_net_from_prices_without_it_is_refused_in_one_line_exit_2(tmp_path):
    f = tmp_path / "fin.toml"
    f.write_text(FIN_TINY.replace("intermediary_fee = 0.15", "intermediary_fee = 0.15\nvat_included = false")
                 + "\n[finance.vat]\nservices = 0.06\nrent = 0.06\npower_resale = 0.13\nelectricity = 0.13\n"
                   "equipment = 0.13\nconstruction = 0.09\nom = 0.06\n")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "sim", "run", str(f), "--out", str(out)], capture_output=True,
                       text=True, cwd=ROOT)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        f"{f}: finance.vat: [pricing] says prices exclude VAT (vat_included = false): there is no VAT in them to "
        "net; remove [finance] vat or set vat_included = true"]
    assert not out.exists()


def test_two_generations_on_one_date_are_refused():
    with pytest.raises(ScenarioError) as e:
        loads(FIN_TINY, "fin.toml", [OLD, NEW.replace("2025-06-01", "2024-01-01")])
    assert e.value.messages == ["fin.toml: generations.new.available: the same date as generation 'old': which is "
                                "newer is then unknown"]
