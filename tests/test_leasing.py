"""Colocation that is leased, not assumed; power above the rent's allowance billed to the tenant.

Worked by hand. Tenant t builds 10 standard racks (2.5 kW) on 1 January and 10 more on
11 January, each holding 10 servers of 5.5 kW (55 kW: enforce_power = false). It leases half
its built racks from 1 January and 80 % from 6 January:
  racks in use: 5 on days 0-4, floor(0.8 x 10) = 8 on days 5-9, floor(0.8 x 20) = 16 on days 10-14,
  5 x 120 + 8 x 120 + 16 x 120 = 3,480 rack-hours.
Rent: 744 CNY per kW-month in January (744 h) = 1 CNY per kW-hour: 2.5 kW x 3,480 = 8,700 CNY.
No jobs, so each server draws its idle 0.25 x 5.5 = 1.375 kW: 13.75 kW per rack, 11.25 kW above
the 2.5 kW allowance. At PUE 1.2 and 0.5 CNY/kWh (0.6 CNY per IT kWh):
  electricity, paid by the operator: 13.75 x 3,480 x 0.6 = 28,710 CNY;
  power over allowance, billed to the tenant: 11.25 x 3,480 x 0.6 = 23,490 CNY.
"""

import datetime as dt

import pytest
from builder import accelerator, pricing, racks, scenario, server, site, tenant, toml

import sim
from sim.scenario import ScenarioError, loads

LEASING = [{"date": dt.date(2025, 1, 1), "share": 0.5}, {"date": dt.date(2025, 1, 6), "share": 0.8}]


def lease_text(leasing=LEASING) -> str:
    return toml(
        scenario("lease", horizon_days=15, enforce_power=False),
        pricing(),
        accelerator(),
        server(cards=8, power_kw=5.5, idle=0.25),
        site(pue=1.2, electricity=0.5),
        racks("t", "t", count=20, power_kw=2.5, servers_per_rack=10,
              tranches=[{"date": dt.date(2025, 1, 1), "racks": 10}, {"date": dt.date(2025, 1, 11), "racks": 10}]),
        tenant(**({"leasing": leasing} if leasing else {})),
    )


LEASE = lease_text()


def lease(*overrides, text=LEASE):
    return loads(text, "lease.toml", overrides)


def test_racks_in_use_follow_the_leasing_path():
    s = lease()
    [g] = s.rack_groups
    assert g.built == ((0.0, 10), (240.0, 10))
    assert g.online == ((0.0, 5), (120.0, 3), (240.0, 8))
    result = sim.run(s)
    cap = result.summary.capacity
    assert (cap.at_horizon.racks, cap.at_horizon.racks_in_use, cap.at_horizon.servers) == (20, 16, 160)
    assert (cap.planned.racks, cap.planned.racks_in_use) == (20, 16)
    # Unleased racks are empty: no servers online.
    assert [round(d.commissioned_accelerators) for d in result.daily] == [400] * 5 + [640] * 5 + [1280] * 5


def test_rent_and_power_above_the_allowance_by_hand():
    result = sim.run(lease())
    rev = result.summary.revenue
    assert rev.colocation_rent == 870_000  # fen
    assert rev.electricity_cost == 2_871_000
    assert rev.power_over_allowance == 2_349_000
    assert rev.operator_revenue == rev.colocation_rent + rev.power_over_allowance
    assert rev.operator_net == rev.operator_revenue - rev.electricity_cost
    # It reaches the by-site statement and the daily rows too.
    [row] = result.summary.by_site
    assert row.owner_class == "third-party" and row.revenue.power_over_allowance == 2_349_000
    assert [d.power_over_allowance_cny for d in result.daily] == [162.0 * 5] * 5 + [162.0 * 8] * 5 + [162.0 * 16] * 5
    assert sum(d.power_over_allowance_cny for d in result.daily_by_site) == 23_490.0


def test_a_55_kw_load_in_a_2_5_kw_rack_pays_for_55_kw():
    # One leased rack, every accelerator busy for the first day: 10 x 5.5 = 55 kW drawn.
    one = lease("sites.a.racks.t.tranches=[{date=2025-01-01, racks=1}]", "sites.a.racks.t.count=1",
                "tenants.t.leasing=[{date=2025-01-01, share=1.0}]", "scenario.horizon_days=1",
                "clients.c={arrivals={at_hours=[0]}, sizes={values=[80]}, duration={dist='fixed', hours=24}}")
    rev = sim.run(one).summary.revenue
    assert rev.colocation_rent == 60_00  # 2.5 kW x 24 h at 1 CNY per kW-hour
    assert rev.power_over_allowance == 756_00  # (55 - 2.5) kW x 24 h x PUE 1.2 x 0.5 CNY
    assert rev.electricity_cost == 792_00  # 55 kW x 24 h x 1.2 x 0.5: the tenant has paid for all of it
    # A rent that covers 55 kW leaves nothing over.
    covered = sim.run(attrs_evolve(one)).summary.revenue
    assert covered.power_over_allowance == 0


def attrs_evolve(scenario):
    import attrs

    [t] = scenario.tenants
    return attrs.evolve(scenario, tenants=(attrs.evolve(t, power_allowance_kw_per_rack=55.0),))


def test_without_a_leasing_path_every_built_rack_is_leased():
    text = lease_text(leasing=None)
    s = lease(text=text)
    [g] = s.rack_groups
    assert g.built is None and g.online == ((0.0, 10), (240.0, 10))
    assert sim.run(s).summary.revenue.colocation_rent == 2.5 * (10 * 240 + 20 * 120) * 100
    assert lease("tenants.t.power_allowance_kw_per_rack=13.75").tenants[0].power_allowance_kw_per_rack == 13.75
    assert sim.run(lease("tenants.t.power_allowance_kw_per_rack=13.75")).summary.revenue.power_over_allowance == 0


@pytest.mark.parametrize("override, message", [
    ("tenants.t.leasing=[{date=2025-01-01, share=0.5}, {date=2025-01-06, share=1.2}]",
     "tenants.t.leasing[1].share: must be <= 1, got 1.2"),
    ("tenants.t.leasing=[{date=2025-01-01, share=-0.1}]", "tenants.t.leasing[0].share: must be >= 0, got -0.1"),
    ("tenants.t.leasing=[{date=2025-01-01, share=0.8}, {date=2025-01-06, share=0.5}]",
     "tenants.t.leasing[1].share: must not fall below the share before it (0.8), got 0.5: a lease once signed runs "
     "to the horizon in this model"),
    ("tenants.t.leasing=[{date=2025-01-06, share=0.5}, {date=2025-01-01, share=0.8}]",
     "tenants.t.leasing[1].date: leasing points must be in date order"),
    ("tenants.t.leasing=[]", "tenants.t.leasing: must list at least one point"),
    ("tenants.t.power_allowance_kw_per_rack=-1", "tenants.t.power_allowance_kw_per_rack: must be >= 0, got -1"),
])
def test_bad_leasing_input_is_one_line(override, message):
    with pytest.raises(ScenarioError) as e:
        lease(override)
    assert e.value.messages == [f"lease.toml: {message}"]
