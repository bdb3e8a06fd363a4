"""The money model (sim/economics/money.py): today's streams, their order and identities, and
what it refuses. A stream added and run end to end: docs/architecture.md (test_docs)."""

import subprocess
import sys

import pytest

from sim.economics import money
from sim.simulation.results import COLUMNS, SITE_COLUMNS, Money


def test_the_statement_has_todays_lines_in_order_and_its_identities():
    parts = {"compute_sales_operator_capacity": 1, "intermediary_fee": 2, "tenant_payouts": 4,
             "colocation_rent": 8, "power_over_allowance": 16, "electricity_cost": 32}
    today = {
        "compute_sales_operator_capacity": 1,
        "compute_sales_third_party_capacity": 6,  # fee + payouts
        "intermediary_fee": 2,
        "tenant_payouts": 4,
        "colocation_rent": 8,
        "power_over_allowance": 16,
        "electricity_cost": 32,
        "operator_revenue": 27,  # own + fee + rent + over: payouts pass through
        "operator_net": -5,  # revenue - electricity
    }
    got = money.lines(parts)
    assert list(got) == list(money.LINES)
    # Today's lines, in this order among any a new stream adds (at 0 here).
    assert {k: v for k, v in got.items() if k in today} == today and [k for k in got if k in today] == list(today)
    assert all(v == 0 for k, v in got.items() if k not in today)
    assert money.sales(got) == 7  # own + fee + payouts: what clients paid for compute
    assert money.lines({}) == dict.fromkeys(money.LINES, 0)


def test_records_take_their_money_fields_from_the_model():
    assert tuple(f.name for f in Money.__attrs_attrs__) == money.LINES
    # The daily rows hold every line but operator revenue, after their own columns.
    daily = tuple(f"{k}_cny" for k in money.LINES if k != "operator_revenue")
    assert COLUMNS[-len(daily):] == daily and SITE_COLUMNS[-len(daily):] == daily
    assert COLUMNS[:len(COLUMNS) - len(daily)][-1] == "queued_at_close"


def test_register_refuses_once_the_model_is_in_use():
    with pytest.raises(RuntimeError, match="register money streams before importing") as e:
        money.register(money.Stream("x", money.REVENUE, "x", money.OPERATOR_KIND, money.OPERATOR_SIDE,
                                    label="x", report="x"))
    assert "sim.simulation.results" in str(e.value)
    assert "x" not in money.BY_NAME


def test_register_refuses_a_name_the_statement_has():
    code = ("import sim.economics.money as m\n"
            "m.register(m.Stream('operator_net', m.REVENUE, 'x', m.OPERATOR_KIND, m.OPERATOR_SIDE, label='x', "
            "report='x'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "money stream 'operator_net': the name is taken" in done.stderr
