"""Billing, statements, running costs and the ledger, worked by hand on small inputs: tests
written to kill the mutants `make mutate` left alive in sim/economics (docs/testing.md)."""

from types import SimpleNamespace

import pytest

from sim.compiled import running_compiled
from sim.economics.billing import Billing
from sim.economics.costs import Colocation, Electricity, PowerAllowance, it_kwh, rack_hours, rack_kw_hours
from sim.economics.ledger import (
    COLOCATION,
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    ELECTRICITY,
    OPERATOR_ACCOUNT,
    POWER_OVER_ALLOWANCE,
    Account,
    Ledger,
    LedgerImbalance,
    Transaction,
    Where,
    client_account,
    grid_account,
    tenant_account,
)
from sim.economics.market import PriceResponse, price_response
from sim.economics.pricing import PriceBook, price_model, split_fee
from sim.economics.statement import LINES, statement, statements
from sim.model import Pricing
from sim.model.demand import OutsidePrice
from sim.model.site import OPERATOR
from sim.model.workload import Contracts, Lease


class Flat:
    """A price model: `fen` per accelerator-hour of any type at any hour, fee in ppm."""

    def __init__(self, fen, fee_ppm=150_000):
        self.fen, self.fee_ppm = fen, fee_ppm

    def quote_fen(self, accelerator, hour):
        # A quote that moves with the hour it is asked at; type y costs twice as much.
        return self.fen * (2 if accelerator == "y" else 1) + hour


def client(name, tenant=None, lease=None):
    arrivals = Contracts(base=None, lease=lease) if lease else object()
    return SimpleNamespace(name=name, tenant=tenant, arrivals=arrivals)


# 730 h a month, 4 accelerators a server: 2,920 CNY a server-month is 100 fen an accelerator-hour.
LEASE = Lease(term_months=1, cny_per_server_month=2920, renewal_probability=1.0, take_or_pay=0.5,
              accelerators_per_server=4)


def billing(fee_ppm=150_000, lease=LEASE):
    ledger = Ledger(sink=[])
    clients = [client("m"), client("own", tenant="t"), client("lessee", lease=lease)]
    return Billing(Flat(100.0, fee_ppm), ledger, clients, [None, None, lease]), ledger  # leases by class


def test_a_sale_on_operator_capacity_pays_the_operator_at_the_quote_when_submitted():
    b, ledger = billing()
    route = b.route("x", "a", OPERATOR)
    assert route.where == Where(COMPUTE_OPERATOR, "a", OPERATOR) and route.tenant is None
    assert b.charge(9.0, 0, 2, 3.0, 1.5, route) == round(103 * 2 * 1.5)
    assert b.amount(0, 2, 3.0, 1.5, "x") == 309 and b.amount(0, 2, 3.0, 1.5, "y") == round(203 * 3)
    assert ledger.balances == {client_account("m"): -309, OPERATOR_ACCOUNT: 309}
    assert ledger.sink[0].time_h == 9.0 and ledger.sink[0].stream == COMPUTE_OPERATOR
    assert (b.contracted, b.take_or_pay_fen, b.contracts) == ({}, 0, True)


def test_a_sale_on_a_tenants_capacity_splits_the_fee_in_one_transaction():
    b, ledger = billing()
    route = b.route("x", "a", "t")
    assert route.where == Where(COMPUTE_THIRD_PARTY, "a", "t") and route.tenant == tenant_account("t")
    assert b.charge(1.0, 0, 3, 0.0, 1.0, route) == 300
    fee, payout = split_fee(300, 150_000)
    assert (fee, payout) == (45, 255)
    assert ledger.balances == {client_account("m"): -300, OPERATOR_ACCOUNT: 45, tenant_account("t"): 255}
    assert ledger.transactions == 1
    assert b.charge(1.0, 0, 3, 0.0, 0.0, route) == 0 and ledger.transactions == 1  # nothing to bill


def test_a_tenants_class_pays_from_an_account_of_its_own_beside_a_namesake():
    ledger = Ledger()
    b = Billing(Flat(100.0), ledger, [client("batch"), client("batch", tenant="t")])
    route = b.route("x", "a", OPERATOR)
    b.charge(1.0, 0, 1, 0.0, 1.0, route)
    b.charge(1.0, 1, 2, 0.0, 1.0, route)
    assert b.client_accounts == [Account("client", "batch", ""), Account("client", "batch", "t")]
    assert [ledger.balance(a) for a in b.client_accounts] == [-100, -200]


def test_a_lease_pays_its_contract_price_and_is_counted_as_contracted():
    b, ledger = billing()
    route = b.route("x", "a", OPERATOR)
    assert b.charge(5.0, 2, 4, 1000.0, 10.0, route) == 4000  # 100 fen, whatever the quote at 1000 h
    assert b.amount(2, 4, 1000.0, 10.0, "x") == 4000
    assert b.contracted == {("a", OPERATOR): 4000}
    b.charge(5.0, 2, 4, 0.0, 1.0, route)
    assert b.contracted == {("a", OPERATOR): 4400} and b.take_or_pay_fen == 0
    assert ledger.balance(client_account("lessee")) == -4400
    assert not billing(lease=None)[0].contracts


@pytest.mark.parametrize("duration_h, owed_h", [
    (730.0, 0.0),  # a whole term: nothing more
    (1460.0, 0.0),
    (73.0, 365.0 - 73.0),  # left 73 h into its first term: pays up to half the term
    (730.0 + 73.0, 365.0 - 73.0),  # and into a later term alike
    (730.0 + 500.0, 0.0),  # used more than the minimum
    (730.0 + 1e-7, 0.0),  # a whole term and a whisker of float noise: a whole term
])
def test_take_or_pay_bills_the_unused_part_of_the_minimum_of_the_last_term(duration_h, owed_h):
    b, ledger = billing()
    route = b.route("x", "a", "t")
    fen = b.take_or_pay(7.0, 2, 4, duration_h, route)
    assert fen == round(100 * 4 * owed_h)
    assert b.take_or_pay_fen == fen
    assert b.contracted == ({("a", "t"): fen} if fen else {})
    assert ledger.balance(client_account("lessee")) == -fen
    assert ledger.balance(OPERATOR_ACCOUNT) == fen * 150_000 // 1_000_000


def test_take_or_pay_adds_up_over_contracts():
    b, ledger = billing()
    route = b.route("x", "a", "t")
    b.charge(1.0, 2, 4, 0.0, 10.0, route)  # 4,000 fen of contract sales
    first = b.take_or_pay(7.0, 2, 4, 73.0, route)
    second = b.take_or_pay(8.0, 2, 4, 730.0 + 265.0, route)
    assert (first, second) == (round(400 * 292.0), round(400 * 100.0))
    assert b.take_or_pay_fen == first + second
    assert b.contracted == {("a", "t"): 4000 + first + second}


def test_no_take_or_pay_without_a_lease_or_a_minimum():
    b, ledger = billing(lease=Lease(1, 2920, 1.0, take_or_pay=0.0, accelerators_per_server=4))
    route = b.route("x", "a", OPERATOR)
    assert b.take_or_pay(1.0, 2, 4, 10.0, route) == 0
    assert b.take_or_pay(1.0, 0, 4, 10.0, route) == 0
    assert ledger.transactions == 0 and b.take_or_pay_fen == 0


def test_statements_read_every_stream_off_the_ledger():
    ledger = Ledger()
    t, grid = tenant_account("t"), grid_account("a")
    ledger.transfer(0, Where(COMPUTE_OPERATOR, "a", OPERATOR), client_account("m"), OPERATOR_ACCOUNT, 600)
    ledger.transfer(0, Where(COMPUTE_OPERATOR, "c", OPERATOR), client_account("m"), OPERATOR_ACCOUNT, 400)
    ledger.post(0, Where(COMPUTE_THIRD_PARTY, "b", "t"),
                ((client_account("m"), -500), (OPERATOR_ACCOUNT, 75), (t, 425)))
    ledger.post(0, Where(COMPUTE_THIRD_PARTY, "a", "t"),
                ((client_account("m"), -100), (OPERATOR_ACCOUNT, 15), (t, 85)))
    ledger.transfer(0, Where(COLOCATION, "a", "t"), t, OPERATOR_ACCOUNT, 300)
    ledger.transfer(0, Where(COLOCATION, "b", "t"), t, OPERATOR_ACCOUNT, 30)
    ledger.transfer(0, Where(POWER_OVER_ALLOWANCE, "b", "t"), t, OPERATOR_ACCOUNT, 20)
    ledger.transfer(0, Where(POWER_OVER_ALLOWANCE, "a", "t"), t, OPERATOR_ACCOUNT, 2)
    ledger.transfer(0, Where(ELECTRICITY, "a", OPERATOR), OPERATOR_ACCOUNT, grid, 200)
    ledger.transfer(0, Where(ELECTRICITY, "b", "t"), OPERATOR_ACCOUNT, grid_account("b"), 50)
    whole = statement(ledger)
    # Any stream the money model adds beyond these has nothing booked here: 0.
    assert whole == dict.fromkeys(LINES, 0) | {
        "compute_sales_operator_capacity": 1000, "compute_sales_third_party_capacity": 600,
        "intermediary_fee": 90, "tenant_payouts": 510, "colocation_rent": 330, "power_over_allowance": 22,
        "electricity_cost": 250, "operator_revenue": 1000 + 90 + 330 + 22, "operator_net": 1442 - 250,
    }
    assert list(whole) == list(LINES)
    by_site = statements(ledger, lambda w: w.site)
    assert by_site["a"]["operator_net"] == 600 + 15 + 300 + 2 - 200 and by_site["c"]["operator_revenue"] == 400
    assert by_site["b"]["operator_revenue"] == 75 + 30 + 20 and by_site["b"]["electricity_cost"] == 50
    only_b = statements(ledger, lambda w: w.site if w.site == "b" else None)
    assert list(only_b) == ["b"]
    assert statement(Ledger()) == dict.fromkeys(LINES, 0)


def test_the_ledger_keeps_sums_per_where_and_streams_every_transaction():
    sink = []
    ledger = Ledger(sink=sink)
    a, b = Account("client", "a"), Account("client", "b")
    w = Where("s", "site", "o")
    ledger.transfer(1.0, w, a, b, 0)  # nothing moves, nothing is recorded
    assert (ledger.transactions, sink, ledger.sums) == (0, [], {})
    ledger.transfer(2.0, w, a, b, 7, memo="m")
    ledger.transfer(3.0, w, a, b, 1)
    ledger.post(4.0, w, ((b, -3), (a, 3)), memo="back")
    ledger.post(4.5, w, ((b, -1), (a, 1)))
    assert ledger.sums == {w: {a: -4, b: 4}} and ledger.balances == {a: -4, b: 4}
    assert ledger.transactions == 4 and sink[3].memo == "" and sink[1].memo == ""
    assert sink[0] == Transaction(2.0, w, ((a, -7), (b, 7)), "m")
    assert sink[2] == Transaction(4.0, w, ((b, -3), (a, 3)), "back")
    with pytest.raises(LedgerImbalance, match=r"s at 5.0 h: postings sum to 1 fen, not 0"):
        ledger.post(5.0, w, ((a, 1),))
    if running_compiled("sim.economics.ledger"):  # make compiled: `fen: int` is checked at the call
        with pytest.raises(TypeError):
            ledger.transfer(5.0, w, a, b, 1.0)
    else:
        with pytest.raises(LedgerImbalance, match=r"^s: Account.* -> Account.*: amount 1.0 is not whole fen$"):
            ledger.transfer(5.0, w, a, b, 1.0)
    with pytest.raises(LedgerImbalance, match=r"^s: Account\(kind='client', name='a', tenant=''\): amount 0.5 is not"):
        ledger.post(5.0, w, ((a, 0.5), (b, -0.5)))
    assert client_account("c", None) == Account("client", "c", "") == client_account("c")
    assert client_account("c", "t").tenant == "t" and grid_account("a") == Account("grid", "a")
    assert tenant_account("t") == Account("tenant", "t", "")


def test_a_flat_price_book_and_the_model_by_name():
    pricing = Pricing("dense", {"x": 2.5, "y": 1.0}, 0.0, 0.15)
    book = price_model(pricing)
    assert isinstance(book, PriceBook) and book.fee_ppm == 150_000
    assert book.quote_fen("x", 0.0) == 250.0 and book.quote_fen("x", 1e6) == 250.0


# --- running costs ---------------------------------------------------------------------------

def fake_pool(pid, owner, servers_h=0.0, market_h=0.0, private_h=0.0, A=4, power_kw=1.0):
    server = SimpleNamespace(power_kw=power_kw, idle_power_fraction=0.5, busy_power_fraction=1.0,
                             accelerators_per_server=A)
    return SimpleNamespace(id=pid, owner=owner, server=server, area_servers=servers_h,
                           area_busy_market=market_h, area_busy_private=private_h,
                           advance=lambda now: None)


def test_it_energy_is_idle_per_server_plus_a_share_per_busy_accelerator_since_the_last_reading():
    p = fake_pool(0, OPERATOR, servers_h=10.0, market_h=8.0, private_h=4.0)
    last = {0: (2.0, 4.0)}
    # idle 0.5 kW x 8 server-h + 0.125 kW x 8 busy accelerator-h
    assert it_kwh(p, last) == 0.5 * 8 + 0.125 * 8
    assert last == {0: (10.0, 12.0)}
    assert it_kwh(p, last) == 0.0


def test_electricity_is_billed_per_site_and_split_by_owner_by_energy():
    ledger = Ledger(sink=[])
    own, rented = fake_pool(0, OPERATOR, servers_h=4.0), fake_pool(1, "t", servers_h=30.0)
    also_own = fake_pool(2, OPERATOR, servers_h=6.0)  # a second operator pool: its energy adds up
    site = SimpleNamespace(name="a", pue=1.5, electricity_cny_per_kwh=0.4)
    e = Electricity(SimpleNamespace(sites=[site]), {0: [own, rented, also_own]}, ledger)
    e.bill(24.0)
    assert {x.time_h for x in ledger.sink} == {24.0}
    fen = round(0.5 * 40 * 1.5 * 0.4 * 100)  # 1,200 fen for 20 kWh of IT energy
    assert ledger.sums[Where(ELECTRICITY, "a", OPERATOR)] == {OPERATOR_ACCOUNT: -fen // 4, grid_account("a"): fen // 4}
    assert ledger.sums[Where(ELECTRICITY, "a", "t")][grid_account("a")] == 3 * fen // 4
    assert ledger.balance(OPERATOR_ACCOUNT) == -fen
    e.bill(48.0)  # no energy since: nothing more
    assert ledger.balance(OPERATOR_ACCOUNT) == -fen


def group(power_kw, online, owner="t"):
    return SimpleNamespace(power_kw=power_kw, online=online, owner=owner)


def test_rack_hours_count_racks_from_the_hour_they_come_online_within_the_window():
    g = group(2.0, [(0.0, 1), (10.0, 2), (30.0, 4)])
    assert rack_hours(g, 5.0, 20.0) == 1 * 15 + 2 * 10
    assert rack_hours(g, 0.0, 5.0) == 5.0
    assert rack_kw_hours(g, 5.0, 20.0) == 2.0 * 35


def test_rent_is_per_kw_month_pro_rata_and_split_by_site():
    ledger = Ledger(sink=[])
    ga, gb = group(1.5, [(0.0, 1)]), group(1.0, [(0.0, 1), (360.0, 1)])
    sites = [SimpleNamespace(name="a", rack_groups=[ga, group(5.0, [(0.0, 1)], owner=OPERATOR),
                                                    group(0.5, [(0.0, 1)])]),  # two halls at a
             SimpleNamespace(name="b", rack_groups=[gb])]
    tenant = SimpleNamespace(name="t", colocation_cny_per_kw_month=730.0)
    c = Colocation(SimpleNamespace(tenants=[tenant], sites=sites), ledger)
    c.bill(0.0, 720.0, 730.0)
    # kW-h: a 2 x 720 = 1,440; b 720 + 360 = 1,080; 730 CNY per kW-month = 1 CNY per kW-h
    assert ledger.sums[Where(COLOCATION, "a", "t")][OPERATOR_ACCOUNT] == 144_000
    assert ledger.sums[Where(COLOCATION, "b", "t")][OPERATOR_ACCOUNT] == 108_000
    assert ledger.balance(tenant_account("t")) == -252_000
    assert {x.time_h for x in ledger.sink} == {720.0}


def test_power_over_the_allowance_is_billed_per_tenant_and_site_only_above_it():
    ledger = Ledger()
    g = group(1.0, [(0.0, 1)])
    pools = [fake_pool(0, "t", servers_h=24.0, market_h=96.0, power_kw=2.0), fake_pool(1, OPERATOR, servers_h=99.0)]
    site = SimpleNamespace(name="a", pue=1.5, electricity_cny_per_kwh=0.4, rack_groups=[g])
    tenants = [SimpleNamespace(name="t", power_allowance_kw_per_rack=None),
               SimpleNamespace(name="u", power_allowance_kw_per_rack=None)]
    pa = PowerAllowance(SimpleNamespace(sites=[site], tenants=tenants), {0: pools}, ledger)
    assert len(pa.meters) == 1  # u has no racks there
    pa.ledger.sink = []
    pa.bill(0.0, 24.0)
    assert [(x.time_h, x.where) for x in pa.ledger.sink] == [(24.0, Where(POWER_OVER_ALLOWANCE, "a", "t"))]
    # drawn: 1 kW idle x 24 h + 0.25 kW x 96 acc-h = 48 kWh; allowed 1 kW x 24 h; 24 kWh over
    assert ledger.balance(tenant_account("t")) == -round(24 * 1.5 * 0.4 * 100)
    pa.bill(24.0, 48.0)  # nothing drawn since, 24 kWh allowed: nothing billed
    assert ledger.transactions == 1
    generous = PowerAllowance(SimpleNamespace(sites=[site], tenants=[SimpleNamespace(
        name="t", power_allowance_kw_per_rack=3.0)]), {0: [fake_pool(0, "t", 24.0, 96.0, power_kw=2.0)]}, Ledger())
    generous.bill(0.0, 24.0)
    assert generous.ledger.transactions == 0  # 72 kWh allowed


def test_a_tenants_own_demand_buys_at_no_quote_and_is_worth_nothing_to_the_marketplace():
    own = SimpleNamespace(is_private=True)
    response = price_response(own, ("x",), Flat(100.0), None)
    assert response.offer(None, None, 0.0) == (None, 0.0)
    assert response.offer(50.0, 3.0, 9.0) == (None, 0.0)


# --- price response --------------------------------------------------------------------------

class Book:
    """Quotes by type (an unknown type is an error), rising by 1 fen an hour."""

    def __init__(self, real_hour=None):
        if real_hour is not None:
            self.real_hour = real_hour

    def quote_fen(self, accelerator, hour):
        return {"x": 100.0, "y": 150.0}[accelerator] + hour


PFLOPS = {"x": 0.1, "y": 0.2}


def test_without_limits_a_job_is_worth_the_cheapest_quote_of_its_types():
    assert PriceResponse(Book(), ("y", "x"), PFLOPS, None).offer(None, None, 5.0) == (None, 105.0)
    assert PriceResponse(Book(), ("y",), PFLOPS, None).offer(None, None, 5.0) == (None, 155.0)
    assert PriceResponse(Book(), (), PFLOPS, None).offer(None, None, 5.0) == (None, 0.0)
    assert PriceResponse(Book(), (), PFLOPS, None).offer(1.0, None, 5.0) == ((), 0.0)


def test_a_job_buys_the_types_within_its_limits_and_is_worth_the_cheapest_it_buys():
    r = PriceResponse(Book(), ("x", "y"), PFLOPS, None)
    assert r.offer(120.0, None, 0.0) == (("x",), 100.0)  # y at 150 is over the 120 fen limit
    # 800 fen a dense P-hour: x costs 1,000 a P-hour (not bought), y 750: worth y's quote.
    assert r.offer(None, 800.0, 0.0) == (("y",), 150.0)
    assert r.offer(None, 2000.0, 0.0) == (("x", "y"), 100.0)
    assert r.offer(None, 100.0, 0.0) == ((), 100.0)  # lost to price: worth the cheapest offered


def test_the_outside_price_caps_at_a_sampled_runs_real_hour():
    # Outside: 8,760,000 fen a P-year = 1,000 fen a P-hour at its anchor, halving each year.
    outside = OutsidePrice(cny_per_pflops_year=87_600.0, anchor_h=0.0, annual_decline=0.5)
    full = PriceResponse(Book(), ("x", "y"), PFLOPS, outside)
    assert full.offer(None, None, 0.0) == (("x", "y"), 100.0)
    # A sampled run whose simulated hour 0 stands for a year later: the outside price is 500.
    sampled = PriceResponse(Book(real_hour=lambda h: h + 8760.0), ("x", "y"), PFLOPS, outside)
    assert sampled.offer(None, None, 0.0) == ((), 100.0)


def test_a_marketplace_class_without_a_market_has_no_outside_price():
    scenario = SimpleNamespace(accelerators={"x": SimpleNamespace(pflops_fp16_dense=0.1)}, market_of=lambda c: None)
    r = price_response(SimpleNamespace(is_private=False), ("x",), Book(), scenario)
    assert r.outside is None and r.offer(None, None, 2.0) == (None, 102.0)
