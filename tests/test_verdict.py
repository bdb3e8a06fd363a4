"""The verdict on a scenario's claim: its figures from the audit, worked out by hand; the same
lines at the end of the run table, at the top of report.md and in summary.json's `claim`
section; the audit command's first lines; payback in words."""

import json
import shutil
from pathlib import Path

import pytest
from fin_tiny import FIN_TINY

import sim
from sim.cli import main
from sim.model.claim import Span
from sim.report.finance import payback_words
from sim.report.verdict import verdict_of
from sim.scenario import loads
from sim.simulation.finance import Verdict as FinanceVerdict

ROOT = Path(__file__).resolve().parent.parent

# FIN_TINY (tests/fin_tiny.py) with a claim: 1 standard rack (2.5 kW) x 2 servers x 4 cards x 0.2 P.
CLAIM = """
[claim]
source = "a test claim"
sites = 1
standard_racks_per_site = 1
servers_per_rack = 2
accelerators_per_server = 4
pflops_per_accelerator = 0.2
pflops_per_server = 0.8
pflops_total = 1.6
accelerator_pflops_dense = 0.1
accelerator_pflops_sparse = 0.1
server_power_kw = [0.8, 1.0]
built_rack_kw = 1.0
market_cap_cny = 1_000_000
price_cny_per_pflops_year = 87_600
whole_claim_scenario = "all-of-it"
"""


@pytest.fixture(scope="module")
def claimed():
    return sim.run(loads(FIN_TINY + CLAIM, "fin.toml"))


def test_the_verdict_figures_are_the_audits_worked_by_hand(claimed):
    from sim.simulation.finance import finance_of

    v = verdict_of(claimed.scenario, claimed.summary_dict(), finance_of(claimed))
    assert v.claimed_pflops == 1.6 and v.claimed_revenue_cny_per_year == pytest.approx(1.6 * 87_600)
    assert v.it_power_mw == pytest.approx(0.0025)
    # As built: 2.5 kW // 1 kW = 2 racks x floor(1 / 0.8-1.0) = 1 server x 4 x 0.1 = 0.8 P;
    # ideal packing: floor(2.5 / 1.0-0.8) = 2-3 servers x 0.4 = 0.8-1.2 P.
    assert v.allowed_pflops == Span(pytest.approx(0.8), pytest.approx(1.2))
    assert v.factor.lo == pytest.approx(1.6 / 1.2) and v.factor.hi == pytest.approx(2.0)
    # One job, 4 accelerators x 100 h x 1 CNY, in two years; rent 744 CNY per kW-month x 1 kW.
    m = v.market
    assert m.years == 2 and m.compute_sales_cny_per_year == pytest.approx(200)
    assert m.operator_revenue_cny_per_year == pytest.approx(200 + 744 * 12)
    assert m.factor.lo == pytest.approx(1.6 * 87_600 / 200) and not m.still_building
    labels = [label for label, _ in v.lines()]
    assert labels == ["claimed", "power allows", "market buys", "finance", "whole claim"]
    says = dict(v.lines())
    assert says["power allows"].endswith("the claim is x1.33-2 that")
    assert "the claimed 140,160 CNY is x701 that" in says["market buys"]
    assert says["finance"] == ("NPV 0.0 M CNY at 10.00% (-0.0 M without the terminal value), IRR 88.8%, "
                               "payback only through the exit sale in year 2, "
                               "discounted or not (2 concession years)")
    assert "python -m sim audit all-of-it" in says["whole claim"]


def test_without_a_run_the_verdict_says_so_and_without_a_claim_there_is_none(claimed):
    v = verdict_of(claimed.scenario)
    assert dict(v.lines())["market buys"] == "not run yet: python -m sim run fin adds it"
    assert v.finance is None and "finance" not in dict(v.lines())
    assert verdict_of(loads(FIN_TINY, "fin.toml")) is None


def test_payback_says_discounted_or_not_and_when_only_the_sale_brings_it():
    def words(u, d, ux=False, dx=False):
        return payback_words(FinanceVerdict(0, None, "", u, d, 0, payback_by_exit=ux, discounted_payback_by_exit=dx))

    assert words(None, None) == "never pays back, discounted or not"
    assert words(7, 7) == "payback year 7, discounted or not"
    assert words(7, None) == "payback undiscounted year 7, discounted never"
    assert words(7, 20, dx=True) == "payback undiscounted year 7, discounted only through the exit sale in year 20"
    assert words(20, None, ux=True) == "payback undiscounted only through the exit sale in year 20, discounted never"


def test_the_sale_is_told_apart_from_the_business(claimed):
    from sim.simulation.finance import finance_of

    v = finance_of(claimed).total.verdict  # year 2's cash flow is positive only with the sale
    assert v.payback_year == 2 and v.payback_by_exit and v.discounted_payback_by_exit
    # Rent five times higher: the business pays back in year 2 without the sale.
    rich = finance_of(sim.run(loads(FIN_TINY.replace("colocation_cny_per_kw_month = 744",
                                                     "colocation_cny_per_kw_month = 3720"), "fin.toml")))
    v = rich.total.verdict
    assert v.payback_year is not None and not v.payback_by_exit


# --- the three outputs of one `python -m sim run` -------------------------------------------------
@pytest.fixture(scope="module")
def qingyang_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("verdict")
    shutil.copytree(ROOT / "scenarios", work / "scenarios")
    import os

    here = os.getcwd()
    os.chdir(work)
    try:
        import contextlib
        import io

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["run", "qingyang"]) == 0
    finally:
        os.chdir(here)
    folder = work / "results" / "qingyang"
    return out.getvalue(), json.loads((folder / "summary.json").read_text()), (folder / "report.md").read_text()


def test_summary_json_has_the_claim_section_after_the_description(qingyang_run):
    _, s, _ = qingyang_run
    assert list(s)[:3] == ["scenario", "description", "claim"]
    c = s["claim"]
    assert c["pflops_claimed"] == 800_000 and c["revenue_claimed_cny_per_year"] == 96e9
    # 2,000 racks of 20 kW x 3 servers (6.5 kW) x 8 x 0.32 = 15,360 P; 40 MW / 4.5 kW = 8,888 servers = 22,753 P.
    assert c["pflops_fp16_dense_allowed"] == {"low": 15_360, "high": pytest.approx(22_753.28)}
    assert c["factor_claimed_over_allowed"]["high"] == pytest.approx(800_000 / 15_360)
    fen = s["revenue_fen"]
    sold = (fen["compute_sales_operator_capacity"] + fen["compute_sales_third_party_capacity"]) / 100
    assert c["market"]["compute_sales_cny_per_year"] == pytest.approx(sold)
    assert c["market"]["racks_still_being_built"] is True and c["finance"] is None
    assert c["whole_claim_scenario"] == "zhonghe-as-claimed"
    assert [line.split(":")[0] for line in c["verdict"]] == ["claimed", "power allows", "market buys", "whole claim"]


def test_the_run_table_ends_with_the_same_verdict(qingyang_run):
    printed, s, _ = qingyang_run
    lines = printed.splitlines()
    assert lines[-1].startswith("wrote results/qingyang/")
    block = lines[-1 - len(s["claim"]["verdict"]):-1]
    assert [" ".join(x.split()) for x in block] == [" ".join(x.replace(":", "", 1).split())
                                                      for x in s["claim"]["verdict"]]
    assert lines[-2 - len(block)].startswith("the claim ")
    assert "python -m sim audit zhonghe-as-claimed" in lines[-2]


def test_report_md_opens_with_the_same_verdict(qingyang_run):
    _, s, md = qingyang_run
    head = md.split("\n## ")[0]  # before the first section
    for line in s["claim"]["verdict"]:
        label, says = line.split(": ", 1)
        assert f"- **{label}**: {says}" in head


def test_the_audit_command_opens_with_the_verdict(qingyang_run, tmp_path, capsys, monkeypatch):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "qingyang"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "qingyang: the verdict on the claim"
    assert out[3].split()[:3] == ["market", "buys", "not"]  # no run here
