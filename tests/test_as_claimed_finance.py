"""As-claimed finance is refused, not computed: with enforce_power = false and racks over their
power budget, halls, M&E and power are costed for the budget while the servers draw more.

FIN_TINY (tests/fin_tiny.py) with the operator's 1 kW rack holding 3 servers of 1 kW: 3 + 1 (the
tenant's) = 4 kW of servers = 0.004 MW, against 2 racks x 1 kW = 0.002 MW costed.
"""

import attrs
import pytest
from fin_tiny import FIN_TINY

import sim
import sim.experiment.worker
from sim.report import render, summary_of
from sim.report.verdict import Market, verdict_of
from sim.scenario import loads
from sim.simulation.finance import finance_of

REFUSAL = ("refused: the servers draw up to 0.004 MW at full build-out against the 0.002 MW of racks, halls and "
           "M&E costed (enforce_power = false); an NPV would earn from servers no hall powers")


def tiny(*overrides):
    return sim.run(loads(FIN_TINY, "fin.toml", overrides))


@pytest.fixture(scope="module")
def over():
    return tiny("scenario.enforce_power=false", "sites.a.racks.own.servers_per_rack=3")


def test_finance_over_the_power_budget_is_refused_in_one_line(over):
    assert finance_of(over) is None
    assert summary_of(over)["finance"] == {"refused": REFUSAL}
    files = render(over)
    assert "finance.csv" not in files
    assert f"Finance {REFUSAL}." in files["report.md"].decode()
    assert "finance.npv_cny" not in sim.experiment.worker.metrics(over)


def test_without_enforcing_power_but_within_budget_finance_runs():
    within = tiny("scenario.enforce_power=false")
    assert finance_of(within) is not None and "npv_cny" in summary_of(within)["finance"]


def test_the_verdict_says_finance_is_refused():
    from test_verdict import CLAIM

    claimed = sim.run(loads(FIN_TINY + CLAIM, "fin.toml", ("scenario.enforce_power=false",
                                                         "sites.a.racks.own.servers_per_rack=3")))
    v = verdict_of(claimed.scenario, claimed.summary_dict(), finance_of(claimed))
    assert dict(v.lines())["finance"] == REFUSAL


def test_the_verdict_shows_pass_through_power_apart():
    from test_verdict import CLAIM

    claimed = sim.run(loads(FIN_TINY + CLAIM, "fin.toml"))
    v = verdict_of(claimed.scenario, claimed.summary_dict(), finance_of(claimed))
    m = attrs.evolve(v.market, power_pass_through_cny_per_year=12_345.0)
    assert isinstance(m, Market)
    says = dict(attrs.evolve(v, market=m).lines())["market buys"]
    assert says.endswith("operator revenue 9,128 CNY a year (and 12,345 CNY of tenants' power billed at cost, apart)")
    assert dict(v.lines())["market buys"].endswith("operator revenue 9,128 CNY a year")
