"""Every scenario shipped in scenarios/ loads and runs for a short horizon, and adds up."""

import tomllib
from pathlib import Path

import attrs
import pytest
from identities import COSTS, PARTS

import sim
from sim.model.demand import demand_basis
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
# Past the operator's first tranche (2025-03-01) and the tenants' first leases (90 days after they
# sign), and far enough into the build-out that the marketplace's work, which grows with the share
# of each site built (share_follows_build), overflows the operator's own servers onto tenants'.
DAYS = 235  # (on a day whose end no lease review or ramp step makes a large jump)


def test_the_shipped_scenarios_are_found():
    assert {p.name for p in SHIPPED} >= {"qingyang.toml", "qingyang-as-claimed.toml"}


@pytest.fixture(scope="module", params=SHIPPED, ids=lambda p: p.stem)
def shipped(request):
    path = request.param
    scenario = load_scenario(path)
    # Every day simulated, also for those that sample their 20 years (tests/test_sampling.py).
    return path, scenario, sim.run(attrs.evolve(scenario, sampling=None), horizon_days=DAYS)


def cents(x: float) -> int:
    return round(x * 100)


def test_it_loads_as_written(shipped):
    path, scenario, _ = shipped
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert scenario.name == doc["scenario"]["name"] == path.stem
    assert scenario.seed == doc["scenario"]["seed"]
    assert scenario.horizon_hours == doc["scenario"]["horizon_days"] * 24
    assert {s.name for s in scenario.sites} == set(doc["sites"])
    assert {c.name for c in scenario.clients if c.tenant is None} == set(doc["clients"])
    assert (scenario.finance is None) == ("finance" not in doc) and (scenario.claim is None) == ("claim" not in doc)


def test_jobs_are_submitted_run_and_accounted_for(shipped):
    _, _, result = shipped
    s = result.summary_dict()
    assert s["horizon_days"] == DAYS and len(result.daily) == DAYS
    jobs = s["jobs"]["total"]
    assert jobs["submitted"] > 50 and jobs["completed"] > 20
    # Every submitted job is in exactly one state at the horizon. The queue at the horizon holds
    # jobs never started (waiting_at_horizon) and started ones put back (evicted spot, requeued).
    never = s["jobs"]["waiting_at_horizon"]["jobs"]
    requeued = s["jobs"]["queued_at_horizon"] - never
    assert requeued >= 0
    assert jobs["submitted"] == jobs["balked"] + jobs["rejected"] + jobs["started"] + jobs["abandoned"] + never
    assert jobs["started"] == jobs["completed"] + s["jobs"]["running_at_horizon"] + jobs["preempted_lost"] + requeued
    by_class = s["jobs"]["by_class"]
    for k in ("submitted", "completed", "started"):
        assert sum(c["counts"][k] for c in by_class) == jobs[k]
    assert 0 < s["utilisation"]["overall"] <= 1


def test_the_money_adds_up(shipped):
    _, scenario, result = shipped
    rev = {k: cents(v) for k, v in result.summary_dict()["revenue_cny"].items()}
    assert rev["electricity_cost"] > 0
    # As claimed, the operator's own servers (owned-first) take every marketplace job: 31,200 of them
    # never fill.
    assert rev["compute_sales_third_party_capacity"] > 0 or scenario.name.endswith("-as-claimed")
    assert rev["operator_revenue"] == sum(rev[k] for k in PARTS)  # own-capacity sales + fees + rent + over allowance
    assert rev["operator_net"] == rev["operator_revenue"] - sum(rev[k] for k in COSTS)  # less electricity
    assert rev["compute_sales_third_party_capacity"] == rev["intermediary_fee"] + rev["tenant_payouts"]
    fee = scenario.pricing.intermediary_fee
    if rev["compute_sales_third_party_capacity"]:
        assert rev["intermediary_fee"] / rev["compute_sales_third_party_capacity"] == pytest.approx(fee, abs=1e-3)
    # The days add up to the totals.
    for k in ("operator_net", "intermediary_fee", "electricity_cost", "colocation_rent", "power_over_allowance"):
        assert sum(cents(getattr(d, f"{k}_cny")) for d in result.daily) == pytest.approx(rev[k], abs=len(result.daily))


def test_capacity_follows_the_build_out(shipped):
    _, scenario, result = shipped
    cap = result.summary_dict()["capacity"]
    online = sum(g.racks_online_at(DAYS * 24) * g.servers_per_rack * g.server.accelerators_per_server
                 for g in scenario.rack_groups)
    assert cap["at_horizon"]["accelerators"] == online
    # The last day's mean (a ramp adds racks at each day's end, so a little less than at its end).
    assert online * 0.95 < result.daily[-1].commissioned_accelerators <= online + 1e-6
    assert 0 < online < cap["planned"]["accelerators"]  # still building out
    # The operator's first tranche (2025-03-01, day 59) is online at every site; its second (2025-09-01) is not.
    operators = [g for g in scenario.rack_groups if g.owner == "operator"]
    assert len(operators) == len(scenario.sites)
    for operator in operators:
        assert operator.racks_online_at(DAYS * 24) == operator.count // 2
    over = cap["power"]["rack_groups_over_budget"]
    assert bool(over) == (not scenario.enforce_power)


# Each grounded scenario and its -as-claimed sibling: one market, two accounts of the capacity.
PAIRS = ("qingyang", "jingjinji", "shaoguan", "zhonghe")
MARKER = "# ---- From here on, "


def _from_marker(name: str) -> str:
    text = (ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")
    assert text.count(MARKER) == 1, name
    return text[text.index(MARKER):]


@pytest.mark.parametrize("site", PAIRS)
def test_each_as_claimed_scenario_meets_its_siblings_market_word_for_word(site):
    grounded, claimed = _from_marker(site), _from_marker(f"{site}-as-claimed")
    assert grounded.startswith(f"{MARKER}{site}.toml and {site}-as-claimed.toml are the same")
    assert grounded == claimed  # tenants, market(s), every client class and the claim: the same text
    docs = {n: tomllib.loads((ROOT / "scenarios" / f"{n}.toml").read_text(encoding="utf-8"))
            for n in (site, f"{site}-as-claimed")}
    a, b = docs.values()
    for section in ("pricing", "market", "markets", "tenants", "clients", "claim"):
        assert a.get(section) == b.get(section), section
    assert (site == "qingyang") == ("finance" not in a) and a.get("finance", {}).keys() == b.get("finance", {}).keys()
    # Demand never follows the capacity claimed: every class takes a share of a market.
    classes = list(a["clients"].values()) + [c for t in a["tenants"].values() for c in t["demand"].values()]
    assert classes and all(set(c["arrivals"]) <= {"market_share", "market"} for c in classes), site
    assert all(c["arrivals"].get("market", "") in a.get("markets", {}) or "market" not in c["arrivals"]
               for c in classes)


def test_the_as_claimed_card_is_priced_at_the_910bs_dense_figure():
    b = tomllib.loads((ROOT / "scenarios" / "qingyang-as-claimed.toml").read_text(encoding="utf-8"))
    # The as-claimed card is priced at the 910B's dense figure; the claim's are stated, not priced.
    card = b["accelerators"]["ascend-910b"]
    assert (card["pflops_fp16_dense"], card["stated_pflops"]) == (0.32, 0.6)
    assert b["servers"]["server-as-claimed"]["stated_pflops_per_server"] == 5.0


@pytest.mark.parametrize("name", ["qingyang-philly", "qingyang-leases"])
def test_the_qingyang_variants_face_qingyangs_market(name):
    """They differ from qingyang.toml only in [scenario] and the marketplace's [clients]."""
    def read(n):
        return tomllib.loads((ROOT / "scenarios" / f"{n}.toml").read_text(encoding="utf-8"))

    base, variant = read("qingyang"), read(name)
    assert variant["market"] == base["market"]
    assert set(variant) == set(base)
    for section in set(base) - {"scenario", "clients"}:
        assert variant[section] == base[section], section
    assert {k: v for k, v in variant["scenario"].items() if k not in ("name", "description")} == \
        {k: v for k, v in base["scenario"].items() if k not in ("name", "description")}

    def keys(x):  # every key at any depth
        if isinstance(x, dict):
            return set(x) | {k for v in x.values() for k in keys(v)}
        if isinstance(x, list):
            return {k for v in x for k in keys(v)}
        return set()

    assert not keys(variant) & {"offered_load", "load"}  # demand never follows the capacity built
    assert {demand_basis(c.arrivals) for c in load_scenario(name).clients} == {"absolute"}


def test_zhonghe_faces_three_markets_and_its_marketplace_may_run_anywhere():
    z = load_scenario(ROOT / "scenarios" / "zhonghe.toml")
    singles = {n: load_scenario(ROOT / "scenarios" / f"{n}.toml").market for n in ("qingyang", "jingjinji", "shaoguan")}

    def steady(m):  # qingyang.toml states its outside decline; zhonghe's follows [pricing]'s steady path
        o = m.outside
        decline = o.path.annual_decline if o.path is not None and o.path.steady else o.annual_decline
        return attrs.evolve(m, outside=attrs.evolve(o, annual_decline=decline, decline_stated=False, path=None))

    # each hub's market as its single-site scenario states it
    assert {n: steady(m) for n, m in z.markets.items()} == {n: steady(m) for n, m in singles.items()}
    for c in z.clients:
        site = c.arrivals.market
        if c.tenant:
            assert c.tenant.startswith(f"{site}-")  # a tenant's customers come from its own hub
        else:
            assert c.name.startswith(f"{site}-") and c.sites is None
    shares = {}
    for c in z.clients:
        shares[c.arrivals.market] = shares.get(c.arrivals.market, 0) + c.arrivals.share
    assert shares == pytest.approx({"qingyang": 1.0, "jingjinji": 1.0, "shaoguan": 1.0})


def test_a_multi_site_report_and_table_show_each_site(shipped):
    from sim.cli import table
    from sim.report.markdown import report_md

    _, scenario, result = shipped
    if len(scenario.sites) < 2:
        pytest.skip("one site")
    s = result.summary_dict()
    report, printed = report_md(s), table(s, 1.0)
    for site in scenario.sites:
        for owner in ("operator", "third-party"):
            assert f"| {site.name} | {owner} |" in report
            assert f"  {site.name}, {owner}" in printed


def test_qingyang_spot_is_qingyang_with_spot_beside_on_demand():
    """It differs from qingyang.toml only in [scenario]'s name and description, [tiers] and the
    marketplace classes' tier keys: compare qingyang qingyang-spot asks one question."""
    def read(n):
        return tomllib.loads((ROOT / "scenarios" / f"{n}.toml").read_text(encoding="utf-8"))

    base, spot = read("qingyang"), read("qingyang-spot")
    assert set(spot) == set(base) | {"tiers"}
    for section in set(base) - {"scenario", "clients"}:
        assert spot[section] == base[section], section
    assert {k: v for k, v in spot["scenario"].items() if k not in ("name", "description")} == \
        {k: v for k, v in base["scenario"].items() if k not in ("name", "description")}
    for name, c in spot["clients"].items():
        assert {k: v for k, v in c.items() if k not in ("tiers", "interruption_tolerance")} == base["clients"][name]
    assert [t.name for t in load_scenario("qingyang-spot").tiers] == ["on-demand", "spot"]
