"""Finance over a run: a two-year scenario worked out by hand (tests/fin_tiny.py).

Two 1 kW racks, each with one 4-accelerator server of 1 kW (idle 0.5 kW, busy 1 kW); PUE 1.5,
0.4 CNY/kWh. The operator's server runs one job of 4 accelerators for 100 h at 1 CNY per
accelerator-hour; the tenant pays 744 CNY per kW-month.
"""

import csv
import io

import pytest
from fin_tiny import FIN_TINY

import sim
from sim.report import FILES, FINANCE_FILES, render
from sim.scenario import ScenarioError, loads
from sim.simulation.finance import finance_of, yearly


@pytest.fixture(scope="module")
def result():
    return sim.run(loads(FIN_TINY, "fin.toml"))


def test_electricity_of_a_known_load(result):
    # Idle: 2 servers x 0.5 kW x 1.5 x 0.4 CNY = 0.6 CNY/h, 5,256 CNY a 365-day year; the job
    # adds 4 x 0.125 kW for 100 h: 50 kWh x 1.5 x 0.4 = 30 CNY, in year 1.
    y1, y2 = yearly(result)
    assert y1.money_fen["electricity"] == 525_600 + 3_000
    assert y2.money_fen["electricity"] == 525_600
    assert y1.money_fen["compute_sales_operator_capacity"] == 40_000  # 4 x 100 h x 1 CNY
    assert y1.money_fen["colocation_rent"] == y2.money_fen["colocation_rent"] == 12 * 74_400
    assert y1.busy_accelerator_hours == pytest.approx(400)
    assert y1.commissioned_accelerator_hours == pytest.approx(8 * 8760)


def test_the_two_years_by_hand(result):
    f = finance_of(result)
    assert f.finished and f.years == 2 and [s.site for s in f.sites] == ["a"]
    p = f.total.project
    # O&M: 2 racks = 0.8 standard racks x 250 = 200 CNY; one operator server 200 CNY.
    assert p.om_racks == [20_000, 20_000] and p.om_servers == [20_000, 20_000]
    assert p.ebitda == [932_800 - 528_600 - 40_000, 892_800 - 525_600 - 40_000]  # 3,642 and 3,272 CNY
    # Building 2 kW x 1,000 CNY/kW-MW... = 2,000 CNY (25 years); M&E 4,000 CNY a year (life 1,
    # replaced); the server 10,000 CNY, replaced in year 2 at half the price.
    assert p.capex_building == [200_000, 0]
    assert p.capex_mep == [400_000, 400_000]
    assert p.capex_servers == [1_000_000, 500_000]
    assert p.depreciation == [8_000 + 400_000 + 1_000_000, 8_000 + 400_000 + 500_000]
    # Sold at 10 x year 2's EBITDA; the gain over the building's book value 1,840 CNY is taxed.
    assert p.exit_value == [0, 3_272_000] and p.gain_on_exit == [0, 3_272_000 - 184_000]
    # Year 1 loses 10,438 CNY; year 2 earns 25,072, less that loss: 14,634 x 25 %.
    assert p.profit_before_tax == [-1_043_800, 2_507_200] and p.tax == [0, 365_850]
    assert p.cash_flow == [364_200 - 1_600_000, 327_200 - 365_850 - 900_000 + 3_272_000]
    v = f.total.verdict
    assert v.npv_fen == round(-1_235_800 / 1.1 + 2_333_350 / 1.21)
    assert v.irr == pytest.approx(2_333_350 / 1_235_800 - 1, abs=1e-9)
    assert v.payback_year == 2 and v.discounted_payback_year == 2
    assert f.sites[0].verdict == v  # one site: the total is that site


def test_racks_built_but_not_leased_cost_the_facility_all_the_same():
    # A second rented rack, and the tenant leases half its racks: 3 racks built, 2 holding servers.
    text = FIN_TINY.replace('owner = "t"\ncount = 1', 'owner = "t"\ncount = 2').replace(
        "colocation_cny_per_kw_month = 744", "colocation_cny_per_kw_month = 744\n"
        "leasing = [{ date = 2025-01-01, share = 0.5 }]")
    r = sim.run(loads(text, "fin.toml"))
    p = finance_of(r).total.project
    assert p.capex_building == [300_000, 0] and p.capex_mep == [600_000, 600_000]  # 3 kW built
    assert p.om_racks == [30_000, 30_000]  # 1.2 standard racks x 250 CNY
    assert p.capex_servers == [1_000_000, 500_000] and p.om_servers == [20_000, 20_000]  # the operator's one server
    assert yearly(r)[0].money_fen["colocation_rent"] == 12 * 74_400  # rent from the one rack leased


def test_finance_csv_has_a_row_per_year_and_site_plus_totals(result):
    files = render(result)
    assert sorted(files) == sorted(FILES + FINANCE_FILES)
    assert list(files)[-1] == "summary.json"
    rows = list(csv.DictReader(io.StringIO(files["finance.csv"].decode())))
    assert [(r["year"], r["site"]) for r in rows] == [("1", "a"), ("1", "total"), ("2", "a"), ("2", "total")]
    assert rows[0]["first_day"] == "2025-01-01" and rows[2]["last_day"] == "2026-12-31"
    assert rows[0]["cash_flow_cny"] == "-12358.00" and rows[2]["cash_flow_cny"] == "23333.50"
    assert rows[2]["exit_value_cny"] == "32720.00" and rows[2]["tax_cny"] == "3658.50"
    assert rows[3]["cumulative_cash_flow_cny"] == "10975.50"
    report = files["report.md"].decode()
    assert "## Finance over the concession (2 years from 2025-01-01)" in report
    assert "| 80.5 " not in report and "0.0 |" in report  # million CNY, rounded


def test_a_run_shorter_than_the_concession_has_no_exit_and_says_so():
    r = sim.run(loads(FIN_TINY, "fin.toml", ["scenario.horizon_days=400"]))
    f = finance_of(r)
    assert not f.finished and f.years == 2 and f.last_year_partial
    assert f.total.project.exit_value == [0, 0]
    assert "**The run covers 2 of the 2 concession years**" in render(r)["report.md"].decode()


def test_no_finance_section_no_finance_outputs():
    text = FIN_TINY[: FIN_TINY.index("[finance]")]
    r = sim.run(loads(text, "fin.toml"))
    assert finance_of(r) is None
    files = render(r)
    assert sorted(files) == sorted(FILES) and "Finance" not in files["report.md"].decode()


@pytest.mark.parametrize("change, message", [
    ("[finance.servers.s]", "fin.toml: finance.servers.s: missing: operator-owned racks (sites.a.racks.own) hold "
                            "this server, so the operator buys it and its price is needed"),
    ("exit = { ev_ebitda = 10 }", "fin.toml: finance.exit: give exactly one of cap_rate or ev_ebitda, got "
                                  "cap_rate, ev_ebitda"),
    ("tax_rate = 0.25", "fin.toml: finance.tax_rate: must be < 1, got 1.5"),
])
def test_finance_mistakes_are_one_line_each(change, message):
    replacement = {"[finance.servers.s]": "[finance.servers.nope]",
                   "exit = { ev_ebitda = 10 }": "exit = { ev_ebitda = 10, cap_rate = 0.05 }",
                   "tax_rate = 0.25": "tax_rate = 1.5"}[change]
    with pytest.raises(ScenarioError) as e:
        loads(FIN_TINY.replace(change, replacement), "fin.toml")
    assert message in e.value.messages


def test_power_above_the_allowance_is_a_revenue_line_of_its_own(result):
    # The tenant's 1 kW rack with only 0.25 kW covered by its rent: it pays for the rest.
    r = sim.run(loads(FIN_TINY, "fin.toml", ["tenants.t.power_allowance_kw_per_rack=0.25"]))
    over = r.summary.revenue.power_over_allowance
    assert over > 0
    p, base = finance_of(r).total.project, finance_of(result).total.project
    assert sum(p.power_over_allowance) == over and sum(base.power_over_allowance) == 0
    assert p.colocation_rent == base.colocation_rent
    assert [a - b for a, b in zip(p.revenue, base.revenue)] == p.power_over_allowance
    rows = list(csv.DictReader(io.StringIO(render(r)["finance.csv"].decode())))
    totals = [float(x["power_over_allowance_cny"]) for x in rows if x["site"] == "total"]
    assert sum(totals) == pytest.approx(over / 100)


def test_the_run_table_gives_the_verdict_in_one_line(result):
    from sim.cli import finance_line

    # NPV 8,049 CNY (test_the_two_years_by_hand), IRR 2,333,350 / 1,235,800 - 1 = 88.8 %
    # Without the sale the NPV is -17,873 CNY, and the cash turns positive only with it.
    assert finance_line(finance_of(result)) == ("NPV 0.0 M CNY at 10.00% (-0.0 M without the terminal value), "
                                                "IRR 88.8%, payback only through the exit sale in year 2, "
                                                "discounted or not (2 concession years)")
    short = finance_of(sim.run(loads(FIN_TINY, "fin.toml", ["scenario.horizon_days=400"])))
    assert finance_line(short).endswith("(2 of 2 concession years, the last in part, no exit)")


def test_replications_carry_the_concession_npv_so_it_has_an_interval():
    reps = sim.replicate(loads(FIN_TINY, "fin.toml"), 2, workers=1)
    one = finance_of(sim.run(loads(FIN_TINY, "fin.toml"), seed=reps.rows[0]["seed"]))
    assert reps.rows[0]["finance.npv_fen"] == one.total.verdict.npv_fen
    assert reps.rows[0]["finance.years"] == 2 and "finance.irr" in reps.intervals


def _fin(*overrides):
    return finance_of(sim.run(loads(FIN_TINY, "fin.toml", list(overrides))))


def test_start_of_year_capex_and_mid_year_operations_by_hand():
    # The same two years (test_the_two_years_by_hand), each flow at its own time: capex at the
    # start of its year, EBITDA less tax in the middle, the exit at the end of year 2.
    f = _fin('finance.timing={capex="start",operations="mid"}')
    v = f.total.verdict
    expected = (-1_600_000 + 364_200 / 1.1 ** 0.5 - 900_000 / 1.1 + (327_200 - 365_850) / 1.1 ** 1.5
                + 3_272_000 / 1.21)
    assert v.npv_fen == round(expected)
    # The IRR is the rate at which those dated flows are worth nothing.
    flows = [(-1_600_000, 0), (364_200, 0.5), (-900_000, 1), (-38_650, 1.5), (3_272_000, 2)]
    assert sum(a / (1 + v.irr) ** t for a, t in flows) == pytest.approx(0, abs=1e-3)
    # The default is this convention.
    assert _fin("finance.timing={}").total.verdict == v


def test_handed_back_assets_earn_nothing_and_their_book_value_is_written_off():
    f = _fin('finance.exit="hand-back"')
    p, v = f.total.project, f.total.verdict
    assert p.exit_value == [0, 0]
    # Year 2: EBITDA 3,272 - depreciation 9,080 - the building's 1,840 written off: a loss, no tax.
    assert p.gain_on_exit == [0, -184_000] and p.profit_before_tax[1] == -764_800 and p.tax == [0, 0]
    assert p.cash_flow == [364_200 - 1_600_000, 327_200 - 900_000]
    assert v.npv_fen == v.npv_without_terminal_fen == round(-1_235_800 / 1.1 - 572_800 / 1.21)
    assert v.payback_year is None and not v.payback_by_exit


def test_a_sale_reports_the_npv_without_it_too_and_whether_payback_needs_it(result):
    v = finance_of(result).total.verdict  # sold at 10 x EBITDA
    assert v.npv_without_terminal_fen == round(-1_235_800 / 1.1 - 572_800 / 1.21)
    assert v.payback_year == 2 and v.payback_by_exit  # without the sale the cash never turns


def test_a_multiple_beyond_the_assets_remaining_life_is_warned_about():
    # The building (25-year life) has 23 years left after a 2-year concession.
    f = _fin("finance.exit={ev_ebitda=10}")
    assert f.remaining_life_years == 23 and f.warnings == ()
    f = _fin("finance.exit={ev_ebitda=30}")
    assert len(f.warnings) == 1 and "30 x EBITDA pays for 30.0 years" in f.warnings[0]
    assert "23.0 years of life left" in f.warnings[0]
    assert "exit at" in render(sim.run(loads(FIN_TINY, "fin.toml", ["finance.exit={ev_ebitda=30}"])))[
        "report.md"].decode()


def test_the_terminal_value_is_hand_back_when_left_out():
    text = FIN_TINY.replace("exit = { ev_ebitda = 10 }\n", "")
    f = finance_of(sim.run(loads(text, "fin.toml")))
    assert f.exit_method == "hand-back" and f.total.project.exit_value == [0, 0]


@pytest.mark.parametrize("value, message", [
    ('"sell"', "fin.toml: finance.exit: must be one of hand-back, dcf, or a table with cap_rate or ev_ebitda, "
               "got 'sell'"),
    ('{capex="soon"}', "fin.toml: finance.timing.capex: must be one of end, mid, start, got 'soon'"),
])
def test_terminal_and_timing_mistakes_are_one_line_each(value, message):
    key = "finance.exit" if "sell" in value else "finance.timing"
    with pytest.raises(ScenarioError) as e:
        loads(FIN_TINY, "fin.toml", [f"{key}={value}"])
    assert message in e.value.messages


def test_the_npv_bridge_by_business_line_by_hand(result):
    # Year-end timing at 10 %. The operator's rack: 400 CNY of sales, 2,658 of electricity (its
    # idle server and the job), 100 of facility and 200 of server O&M; 1,000 building, 2,000 M&E
    # and the 10,000 server in year 1, 2,000 M&E and the 5,000 server in year 2. The tenant's
    # rack: 8,928 of rent, 2,628 of electricity, 100 of O&M; 3,000 and 2,000 of capex.
    f = finance_of(result)
    b = f.total.bridge
    assert b["operator_compute"] == round((-255_800 - 1_300_000) / 1.1 + (-292_800 - 700_000) / 1.21)
    assert b["colocation"] == round((620_000 - 300_000) / 1.1 + (620_000 - 200_000) / 1.21)
    assert b["marketplace_fees"] == 0
    assert b["tax"] == -round(365_850 / 1.21) and b["terminal_value"] == round(3_272_000 / 1.21)
    assert abs(sum(b.values()) - f.total.verdict.npv_fen) <= len(b)  # one rounding each
    assert f.sites[0].bridge == b


def test_summary_json_carries_the_finance_headline(result):
    import json

    s = json.loads(render(result)["summary.json"])
    f = finance_of(result)
    fin = s["finance"]
    assert fin["npv_cny"] == f.total.verdict.npv_fen / 100
    assert fin["npv_without_terminal_cny"] == f.total.verdict.npv_without_terminal_fen / 100
    assert fin["terminal_value"] == {"ev_ebitda": 10} and fin["payback_by_exit"] is True
    assert set(fin["npv_by_line_cny"]) == {"colocation", "operator_compute", "marketplace_fees", "tax",
                                           "terminal_value"}
    assert "finance" not in json.loads(render(sim.run(loads(FIN_TINY[: FIN_TINY.index("[finance]")], "f.toml")))[
        "summary.json"])


def test_the_reports_bridge_has_every_line_and_adds_up_to_the_npv():
    """report.md's bridge table lists every line of the NPV's bridge (site costs and VAT timing
    were once left out, so the rows did not add up to the NPV they end with)."""
    from sim.report.finance import BRIDGE_LABELS, _bridge_md
    from sim.simulation.finance import BRIDGE

    assert tuple(BRIDGE_LABELS) == BRIDGE
    fr = finance_of(sim.run(loads(FIN_TINY, "fin_tiny.toml")))
    rows = [r for r in _bridge_md(fr) if r.startswith("| ") and not r.startswith("| |")]
    cells = [[float(c.strip().replace(",", "")) for c in r.strip("|").split("|")[1:]] for r in rows]
    *lines, npv = cells
    assert npv[-1] == pytest.approx(fr.total.verdict.npv_fen / 1e8, abs=0.05)
    assert sum(r[-1] for r in lines) == pytest.approx(npv[-1], abs=0.05 * len(lines))
