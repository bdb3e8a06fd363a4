"""Lease contracts: whole servers for terms of months at a price per server-month, renewals,
early exits with a take-or-pay minimum, and their sales shown apart from on-demand ones."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import TINY

import sim
from sim.economics.ledger import COMPUTE_OPERATOR, COMPUTE_THIRD_PARTY, OPERATOR_ACCOUNT, tenant_account
from sim.model.workload import Lease
from sim.scenario import ScenarioError, loads
from sim.simulation.run import Model
from sim.workload.contracts import contract_hours
from sim.workload.random import draws, generator

ONE_JOB_CLASS = '''[clients.c]
arrivals = { at_hours = [0, 1, 30, 30] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }'''

# TINY: one 4-accelerator operator server from hour 0, one of tenant t (all opted in) from hour 24.
LEASES = '''[clients.c]
arrivals = { at_hours = [0, 24, 30] }
sizes = { values = [4] }
lease = { term_months = 1, cny_per_server_month = 10000%s }'''


def tiny_leases(extra: str = ", renewal_probability = 0", horizon_days: float = 1000 / 24, more: str = ""):
    text = TINY.replace("horizon_days = 2", f"horizon_days = {horizon_days}").replace(ONE_JOB_CLASS, LEASES % extra)
    return loads(text + more, "tiny.toml")


def test_a_hand_computed_lease_schedule():
    s = tiny_leases()
    transactions = []
    result = Model(s, ledger_sink=transactions).run()
    sales = [(t.time_h, t.stream, dict(t.postings)) for t in transactions
             if t.stream in (COMPUTE_OPERATOR, COMPUTE_THIRD_PARTY)]
    # A month is 730 h; 10,000 CNY per server-month is 342.4657... fen per accelerator-hour.
    # Contract 1 (hour 0) takes the operator's server for hours 0-730: 10,000 CNY.
    # Contract 2 (hour 24) takes the tenant's server, online from hour 24, for 24-754: 10,000
    # CNY, of which the operator keeps the 15 % fee. Contract 3 (hour 30) waits for the first
    # free server (hour 730) and has run 270 h at the horizon (1,000 h): 10,000 x 270 / 730.
    client = next(iter(sales[0][2]))
    assert sales == [
        (730.0, COMPUTE_OPERATOR, {client: -1_000_000, OPERATOR_ACCOUNT: 1_000_000}),
        (754.0, COMPUTE_THIRD_PARTY, {client: -1_000_000, OPERATOR_ACCOUNT: 150_000,
                                      tenant_account("t"): 850_000}),
        (1000.0, COMPUTE_OPERATOR, {client: -369_863, OPERATOR_ACCOUNT: 369_863}),
    ]
    c = result.summary_dict()["contracts"]
    assert (c["signed"], c["started"], c["ended"], c["running_at_horizon"]) == (3, 3, 2, 1)
    assert c["contract_sales_operator_capacity_fen"] == 1_369_863
    assert c["contract_sales_third_party_capacity_fen"] == 1_000_000
    assert c["on_demand_sales_fen"] == 0 and c["take_or_pay_fen"] == 0
    assert c["contract_accelerator_hours"] == pytest.approx(4 * (730 + 730 + 270))
    assert result.summary.wait_hours.max == pytest.approx(700.0)  # contract 3: hours 30 to 730


def test_leaving_early_pays_the_take_or_pay_minimum_and_frees_the_server():
    s = tiny_leases(", renewal_probability = 0, early_exit_probability = 1, take_or_pay = 0.75",
                    horizon_days=2000 / 24)
    transactions = []
    model = Model(s, ledger_sink=transactions)
    result = model.run()
    charges = [t for t in transactions if t.stream == COMPUTE_OPERATOR]
    # Contract 1 leaves at a random point of its first term; it pays 0.75 of the term, the
    # hours it used (up to 0.75 x 730 h) and the rest as take-or-pay, in two charges.
    first_used = charges[0].time_h
    assert 0 < first_used < 730
    paid = sum(dict(t.postings)[OPERATOR_ACCOUNT] for t in charges if t.time_h == first_used)
    assert first_used < 0.75 * 730  # this seed: it left before its minimum was used up
    assert abs(paid - 750_000) <= 1  # two charges, each rounded to the fen
    c = result.summary_dict()["contracts"]
    assert c["ended"] == 3 and c["take_or_pay_fen"] > 0
    # Contract 3 got the freed server before the full term was up.
    assert result.summary.wait_hours.max < 730 - 30


def test_renewals_and_early_exits_give_the_mean_contract_length():
    lease = Lease(term_months=2, cny_per_server_month=1, renewal_probability=0.6, early_exit_probability=0.2,
                  accelerators_per_server=8)
    u = draws(generator(5, "test"), lambda r, n: r.random(n))
    lengths = np.array([contract_hours(lease, u) for _ in range(40_000)])
    assert lengths.mean() == pytest.approx(lease.mean_hours, rel=0.02)
    whole = np.isclose(lengths / lease.term_hours, np.round(lengths / lease.term_hours))
    # A contract ends on a term's end unless the lessee left: P(leave in the last term) =
    # 0.2 / (0.2 + 0.8 x 0.4) = 0.385.
    assert 1 - whole.mean() == pytest.approx(0.2 / (0.2 + 0.8 * 0.4), abs=0.01)
    plain = Lease(term_months=1, cny_per_server_month=1, renewal_probability=0.5, accelerators_per_server=8)
    terms = np.array([contract_hours(plain, u) for _ in range(20_000)]) / plain.term_hours
    assert np.allclose(terms, np.round(terms))
    assert np.mean(terms == 1) == pytest.approx(0.5, abs=0.015)  # no renewal
    assert np.mean(terms == 2) == pytest.approx(0.25, abs=0.015)


def test_contract_and_on_demand_sales_add_up_to_the_compute_sales():
    on_demand = '''
[clients.d]
arrivals = { rate_per_hour = 0.05 }
sizes = { values = [1, 2] }
duration = { dist = "exponential", mean_hours = 3 }
'''
    s = tiny_leases(horizon_days=90, more=on_demand)
    d = sim.run(s).summary_dict()
    c, rev = d["contracts"], d["revenue_fen"]
    assert c["on_demand_sales_fen"] > 0
    assert (c["contract_sales_operator_capacity_fen"] + c["contract_sales_third_party_capacity_fen"]
            + c["on_demand_sales_fen"]) == rev["compute_sales_operator_capacity"] + rev["compute_sales_third_party_capacity"]
    assert c["classes"] == ["c"]


def test_no_lease_no_contracts_section():
    from tiny import tiny
    d = sim.run(tiny()).summary_dict()
    assert "contracts" not in d


def test_qingyang_leases_signs_its_share_of_the_market_and_sells_mostly_contracts():
    s = sim.load_scenario("qingyang-leases")
    level = s.market.work.points[-1][1] * s.market.share_reaching_operator  # from August 2025 on
    for name, share in (("anchor-leases", 0.20), ("annual-leases", 0.15)):
        [c] = [c for c in s.clients if c.name == name]
        accelerators = share * level / c.pflops_dense / 8760  # the class's stock under lease
        (_, first), _, (_, later) = c.arrivals.base.points
        # 2025's signings make the stock; from 2026 they replace contracts as they end.
        assert first * 8760 * c.sizes.mean == pytest.approx(accelerators, rel=2e-3), name
        assert later * c.arrivals.lease.mean_hours * c.sizes.mean == pytest.approx(accelerators, rel=2e-3), name
    d = sim.run(s).summary_dict()
    c = d["contracts"]
    assert c["classes"] == ["anchor-leases", "annual-leases"]
    assert c["contract_sales_cny"] > c["on_demand_sales_cny"] > 0
    assert c["contract_accelerator_hours"] > c["on_demand_accelerator_hours"]


@pytest.mark.parametrize("lease, extra, messages", [
    ("lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 1 }", "",
     ["clients.c.lease.renewal_probability: 1 with no early exits: contracts would never end"]),
    ("lease = { term_months = 0, cny_per_server_month = 1, renewal_probability = 0 }", "",
     ["clients.c.lease.term_months: must be > 0, got 0"]),
    ("lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 0, take_or_pay = 2 }", "",
     ["clients.c.lease.take_or_pay: must be <= 1, got 2"]),
    ("lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 0 }",
     'duration = { dist = "fixed", hours = 1 }\n',
     ["clients.c.duration: not with lease: a contract lasts as its term, renewals and early exit say"]),
    ("lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 0 }",
     "max_price_cny_per_accelerator_hour = 3\n",
     ["clients.c.max_price_cny_per_accelerator_hour: not with lease: a contract has its own price"]),
])
def test_bad_leases(lease, extra, messages):
    text = TINY.replace(ONE_JOB_CLASS, "[clients.c]\narrivals = { at_hours = [0] }\nsizes = { values = [4] }\n"
                        + extra + lease)
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")
    assert e.value.messages == [f"tiny.toml: {m}" for m in messages]


def test_a_lease_rents_whole_servers():
    text = TINY.replace(ONE_JOB_CLASS, "[clients.c]\narrivals = { at_hours = [0] }\nsizes = { values = [4, 2] }\n"
                        "lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 0 }")
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")
    assert e.value.messages == ["tiny.toml: clients.c.sizes.values: 2 accelerators is not a whole number of "
                                "4-accelerator servers, which a lease rents"]


def test_a_lease_is_a_marketplace_contract():
    text = TINY + ("[tenants.t.demand.own]\narrivals = { at_hours = [30] }\nsizes = { values = [4] }\n"
                   "lease = { term_months = 1, cny_per_server_month = 1, renewal_probability = 0 }\n")
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")
    assert e.value.messages == ["tiny.toml: tenants.t.demand.own.lease: leases are marketplace contracts, "
                                "not a tenant's own demand"]


def test_same_seed_same_contracts():
    s = tiny_leases(", renewal_probability = 0.5, early_exit_probability = 0.3, take_or_pay = 0.5",
                    horizon_days=400)
    first, second = [], []
    Model(s, ledger_sink=first).run()
    Model(s, ledger_sink=second).run()
    assert first == second and len(first) > 10
