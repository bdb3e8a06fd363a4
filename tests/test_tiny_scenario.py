"""A scenario worked out by hand; every figure is checked exactly.

Operator: one 4-accelerator server from hour 0. Tenant t: one server from hour 24, all of it
opted in. Price 1 CNY per accelerator-hour; fee 15 %. Four jobs of 4 accelerators x 10 h,
arriving at hours 0, 1, 30 and 30:
  job 1: operator server 0-10 h; job 2 waits until 10 h, runs 10-20 h (wait 9 h);
  job 3: operator server 30-40 h; job 4: the tenant's server 30-40 h.
Sales on operator capacity 3 x 40 = 120 CNY; on third-party capacity 40 CNY: fee 6, payout 34.
Rent: 1 kW x 24 h at 744 CNY/kW/month over January's 744 h = 24 CNY.
Power (idle 0.5 kW per server, +0.5 kW when all 4 accelerators are busy), PUE 1.5, 0.4 CNY/kWh:
  day 1: operator 12 idle + 10 busy = 22 kWh -> 13.20 CNY;
  day 2: operator 12 + 5, tenant 12 + 5 = 34 kWh -> 20.40 CNY; 33.60 CNY in all.
Operator revenue 120 + 6 + 24 = 150 CNY; net 150 - 33.60 = 116.40 CNY.
"""

import datetime as dt

from tiny import tiny

from sim.economics.ledger import COMPUTE_THIRD_PARTY, OPERATOR_ACCOUNT, client_account, tenant_account
from sim.simulation.run import Model, run


def test_revenue_by_stream_is_exact():
    rev = run(tiny()).summary_dict()["revenue_cny"]
    assert rev == {
        "compute_sales_operator_capacity": 120.0,
        "compute_sales_third_party_capacity": 40.0,
        "intermediary_fee": 6.0,
        "tenant_payouts": 34.0,
        "colocation_rent": 24.0,
        "power_over_allowance": 0.0,  # a 1 kW server in a 1 kW rack never draws above its allowance
        "electricity_cost": 33.6,
        "token_sales": 0.0,  # no inference service here
        "operator_revenue": 150.0,
        "operator_net": 116.4,
    }


def test_jobs_waits_and_utilisation_are_exact():
    s = run(tiny()).summary_dict()
    total = s["jobs"]["total"]
    assert (total["submitted"], total["started"], total["completed"]) == (4, 4, 4)
    assert (s["jobs"]["queued_at_horizon"], s["jobs"]["running_at_horizon"]) == (0, 0)
    assert s["wait_hours"]["mean"] == 9 / 4 and s["wait_hours"]["max"] == 9
    # Operator server: 4 accelerators x 48 h, busy 30 h; tenant's: 4 x 24 h, busy 10 h.
    assert s["utilisation"]["operator"] == round(30 / 48, 6)
    assert s["utilisation"]["third_party_marketplace"] == round(10 / 24, 6)
    assert s["utilisation"]["overall"] == round(160 / 288, 6)


def test_third_party_sale_splits_fee_and_payout_in_one_balanced_transaction():
    sink = []
    Model(tiny(), ledger_sink=sink).run()
    [sale] = [t for t in sink if t.stream == COMPUTE_THIRD_PARTY]
    assert dict(sale.postings) == {client_account("c"): -4000, OPERATOR_ACCOUNT: 600, tenant_account("t"): 3400}
    assert (sale.where.site, sale.where.owner) == ("a", "t")
    for t in sink:
        assert sum(fen for _, fen in t.postings) == 0


def test_running_jobs_are_billed_for_the_hours_run_at_the_horizon():
    # Stop at hour 35: job 3 and job 4 have run 5 h each (20 CNY each).
    rev = run(tiny(), horizon_days=35 / 24).summary_dict()["revenue_cny"]
    assert rev["compute_sales_operator_capacity"] == 80 + 20
    assert rev["compute_sales_third_party_capacity"] == 20


def test_daily_rows_add_up_to_the_totals():
    result = run(tiny())
    rows = result.daily
    assert [r.date for r in rows] == [dt.date(2025, 1, 1), dt.date(2025, 1, 2)]
    assert [r.electricity_cost_cny for r in rows] == [13.2, 20.4]
    assert [r.commissioned_accelerators for r in rows] == [4, 8]
    for key in ("compute_sales_operator_capacity", "colocation_rent", "intermediary_fee", "operator_net"):
        assert round(sum(getattr(r, key + "_cny") for r in rows), 2) == result.summary_dict()["revenue_cny"][key]
