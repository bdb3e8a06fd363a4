"""A two-year scenario with [finance] whose every figure is worked out by hand in tests/test_finance_run.py."""

from builder import accelerator, fixed, jobs, pricing, racks, raw, scenario, server, site, table, tenant, toml

FIN_TINY = toml(
    scenario("fin", horizon_days=730),
    pricing(),  # 1 CNY per accelerator-hour
    accelerator(),
    server(),
    site(),
    racks("own", "operator"),
    racks("rented", "t"),
    tenant(opt_in=0.0),
    jobs("clients.c", {"at_hours": [0]}, [4], fixed(100)),
    table("finance", concession_years=2, discount_rate=0.10, tax_rate=0.25, loss_carry_forward_years=5,
          building_cny_per_mw_it=raw("1_000_000"), building_life_years=25, mep_cny_per_mw_it=raw("2_000_000"),
          mep_life_years=1, om_cny_per_standard_rack_year=250, exit={"ev_ebitda": 10},
          # every flow at its year's end: the hand sums stay short
          timing={"capex": "end", "operations": "end"}),
    table("finance.servers.s", price_cny=raw("10_000"), price_change_per_year=-0.5, life_years=1,
          om_cny_per_year=200),
)
