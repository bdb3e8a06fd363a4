"""The claim audit of zhonghe-as-claimed, row by row, against arithmetic done by hand; the
command `python -m sim audit`; the audit section of a report."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.economics.audit import audit
from sim.model.claim import Span
from sim.report.audit import audit_md, audit_of, simulated_from_summary

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(ROOT / "scenarios" / "zhonghe-as-claimed.toml")


@pytest.fixture(scope="module")
def a(scenario):
    return audit_of(scenario)


def close(span, lo, hi=None, rel=1e-9):
    hi = lo if hi is None else hi
    return span.lo == pytest.approx(lo, rel=rel) and span.hi == pytest.approx(hi, rel=rel)


def test_the_as_claimed_racks_hold_what_the_claim_states():
    # Every rack leased: the file leases 62.7 % of the tenants' racks (the national rack use, as
    # qingyang.toml), and a rack not leased holds no servers; the claim counts them all.
    tenants = [f"{site}-cloud-{x}" for site in ("qingyang", "jingjinji", "shaoguan") for x in "ab"]
    every = sim.load_scenario(ROOT / "scenarios" / "zhonghe-as-claimed.toml",
                              {f"tenants.{t}.leasing": [{"date": dt.date(2025, 1, 1), "share": 1.0}] for t in tenants})
    planned = sim.run(every, horizon_days=1).summary.capacity.planned
    assert planned.pflops_as_stated_per_server == 2_400_000  # 48,000 racks x 10 servers x 5 P, as stated
    assert planned.pflops_as_stated_per_card == pytest.approx(2_304_000)  # 3,840,000 cards x the claim's 0.6
    assert planned.pflops_fp16_dense == pytest.approx(1_228_800)  # 3,840,000 cards x the 910B's dense 0.32 (priced)
    assert planned.standard_racks == 48_000 and planned.servers == 480_000


def test_sites_and_power(a):
    assert close(a.row("sites").claimed, 3) and close(a.row("sites").grounded, 3)
    assert close(a.row("standard racks").claimed, 48_000)  # 3 x 16,000
    assert close(a.row("standard rack, kW").grounded, 2.5)
    assert close(a.row("IT power, MW").grounded, 120)  # 48,000 x 2.5 kW


def test_hardware(a):
    r = a.row("servers per standard rack")
    assert close(r.claimed, 10) and close(r.grounded, 0) and r.factor is None  # floor(2.5 / 4.5..6.5) = 0
    r = a.row("servers")
    # 120,000 kW / 6.5 kW = 18,461.5 -> 18,461; / 4.5 kW = 26,666.7 -> 26,666
    assert close(r.claimed, 480_000) and close(r.grounded, 18_461, 26_666)
    assert close(r.factor, 480_000 / 26_666, 480_000 / 18_461)
    r = a.row("accelerators")
    assert close(r.claimed, 3_840_000) and close(r.grounded, 18_461 * 8, 26_666 * 8)
    r = a.row("P per card, dense spec")
    assert close(r.claimed, 0.6) and close(r.grounded, 0.32) and close(r.factor, 1.875)
    assert close(a.row("P per card, sparse spec").grounded, 0.32)  # none published: as dense
    r = a.row("P per server")
    assert close(r.claimed, 5) and close(r.grounded, 4.8) and close(r.factor, 5 / 4.8)


def test_capacity_the_post_states_and_what_it_computes_to(a):
    assert close(a.row("P as stated").claimed, 2_400_000)
    r = a.row("P computed from the claim's figures")
    assert close(r.grounded, 8 * 0.6 * 10 * 16_000 * 3) and close(r.grounded, 2_304_000)
    assert close(r.factor, 2_400_000 / 2_304_000)  # the post's rounding of 4.8 to 5: +4.2 %
    assert r.how == "8 x 0.6 x 10 x 16,000 x 3 = 2,304,000"
    for what in ("P computed, sparse spec", "P computed, dense spec"):
        r = a.row(what)
        assert close(r.grounded, 3_840_000 * 0.32) and close(r.factor, 2_400_000 / 1_228_800)
    r = a.row("dense P the IT power feeds, ideal packing")
    assert close(r.grounded, 18_461 * 8 * 0.32, 26_666 * 8 * 0.32)  # 47,260 to 68,265 P
    assert close(r.factor, 2_400_000 / (26_666 * 2.56), 2_400_000 / (18_461 * 2.56))
    r = a.row("dense P the IT power feeds, as racks are built")
    # 120,000 kW in 20 kW racks = 6,000 racks of floor(20 / 6.5) = 3 to floor(20 / 4.5) = 4 servers
    assert close(r.grounded, 6_000 * 3 * 8 * 0.32, 6_000 * 4 * 8 * 0.32)  # 46,080 to 61,440 P
    assert close(r.factor, 2_400_000 / 61_440, 2_400_000 / 46_080)
    r = a.row("IT power needed vs available, MW")
    assert close(r.claimed, 480_000 * 4.5 / 1000, 480_000 * 6.5 / 1000) and close(r.grounded, 120)
    assert close(r.factor, 18, 26)
    assert close(a.row("beside: Qingyang cluster, all operators (Sep 2024)").factor, 2_400_000 / 19_000)
    assert close(a.row("beside: China's total (Jun 2025: 788 EFLOPS)").factor, 2_400_000 / 788_000)


def test_revenue_and_value(a, scenario):
    r = a.row("revenue at 100 % busy, CNY per year: claimed P vs P fed, ideal packing")
    assert close(r.claimed, 2_400_000 * 120_000)  # 288 bn CNY a year
    assert close(r.grounded, 18_461 * 2.56 * 120_000, 26_666 * 2.56 * 120_000)
    r = a.row("revenue at 100 % busy, CNY per year: claimed P vs P fed, as built")
    assert close(r.grounded, 46_080 * 120_000, 61_440 * 120_000)
    assert a.row("simulated compute sales, CNY per year").grounded == "not run"
    r = a.row("P per million CNY of market cap: claimed vs fed, ideal packing")
    assert close(r.claimed, 2_400_000 / 5_000)  # 480 P per million CNY
    assert close(r.grounded, 18_461 * 2.56 / 5_000, 26_666 * 2.56 / 5_000)
    r = a.row("P per million CNY of market cap: claimed vs fed, as built")
    assert close(r.grounded, 46_080 / 5_000, 61_440 / 5_000)
    # With a run: its sales per year beside the claim's 288 bn.
    summary = {"horizon_days": 730, "revenue_fen": {"compute_sales_operator_capacity": 3 * 10**11,
                                                    "compute_sales_third_party_capacity": 10**11,
                                                    "token_sales": 0,
                                                    "operator_revenue": 2 * 10**11,
                                                    "power_over_allowance": 5 * 10**10}}
    with_run = audit_of(scenario, summary)
    r = with_run.row("simulated compute sales, CNY per year")
    assert close(r.grounded, 4 * 10**9 / 2) and close(r.factor, 288e9 / 2e9)
    revenue = with_run.row("simulated operator revenue, CNY per year")
    # The summary's operator revenue less the tenants' power billed on at cost, which is apart:
    # (2e11 - 5e10) fen / 2 years = 0.75 bn CNY a year, and 0.25 bn of pass-through.
    assert close(revenue.grounded, 7.5 * 10**8)
    assert revenue.how == "own-capacity sales + intermediary fees + rent; tenants' power billed at cost is apart (below)"
    passed = with_run.row("tenants' power over allowance, billed at cost, CNY per year")
    assert close(passed.grounded, 2.5 * 10**8) and passed.how.startswith("pass-through")
    assert not simulated_from_summary(summary).sampled
    assert r.how.startswith("average over 2 simulated years;")
    one_year = audit_of(scenario, {**summary, "horizon_days": 365})
    assert one_year.row("simulated compute sales, CNY per year").how.startswith("average over 1 simulated year;")


def test_a_single_figure_gives_a_single_factor():
    claim = sim.load_scenario(ROOT / "scenarios" / "zhonghe-as-claimed.toml",
                              {"claim.server_power_kw": 5.0}).claim
    r = audit(claim, 2.5).row("servers")
    assert r.grounded == Span(24_000, 24_000) and close(r.factor, 20)


def test_the_audit_command_prints_the_table(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    (tmp_path / "scenarios").mkdir()
    for name in ("zhonghe-as-claimed.toml", "qingyang.toml"):
        (tmp_path / "scenarios" / name).write_bytes((ROOT / "scenarios" / name).read_bytes())
    p = subprocess.run([sys.executable, "-m", "sim", "audit", "zhonghe-as-claimed"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stderr == ""
    line = next(x for x in p.stdout.splitlines() if "P computed from the claim's figures" in x)
    assert "2,400,000" in line and "2,304,000" in line and "x1.04" in line
    assert next(x for x in p.stdout.splitlines() if "servers per standard rack" in x).split()[4:8] == ["10", "0", "none", "fits"]
    assert "No run in results/zhonghe-as-claimed/ yet" in p.stdout
    # Without a claim: one line, exit 0.
    text = (ROOT / "scenarios" / "qingyang.toml").read_text()
    (tmp_path / "scenarios" / "qingyang.toml").write_text(text[: text.index("\n# The seed post's claim")])
    p = subprocess.run([sys.executable, "-m", "sim", "audit", "qingyang"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (0, "scenarios/qingyang.toml: no stated claim (no [claim] section)\n",
                                                  "")


def test_a_report_of_a_scenario_with_a_claim_has_the_audit(a):
    md = audit_md(a)
    assert md.startswith("## The claim audit")
    assert "| P computed from the claim's figures | 2,400,000 | 2,304,000 | x1.04 |" in md
    assert "| servers | 480,000 | 18,461 to 26,666 | x18-26 |" in md
