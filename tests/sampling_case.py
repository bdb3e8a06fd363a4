"""A small three-year scenario for checking representative periods against full runs: a
build-out in year 2, prices falling 30 % a year, marketplace and tenants' own work, leases of
days beside jobs of hours."""

import datetime as dt

from builder import accelerator, exponential, jobs, lognormal, pricing, racks, scenario, server, site, tenant, toml

SAMPLING_CASE = toml(
    scenario("sampling-case", seed=11, horizon_days=1095),
    pricing(120000, annual_decline=0.30),
    accelerator(dense=0.32, sparse=0.32, power_w=400),
    server(cards=8, power_kw=5.5, idle=0.25, busy=0.75),
    site(pue=1.2, electricity=0.33),
    racks("own", "operator", count=8, power_kw=11,
          tranches=[{"date": dt.date(2025, 1, 1), "racks": 4}, {"date": dt.date(2026, 1, 1), "racks": 4}]),
    racks("rented", "t", count=8, power_kw=11, ramp_start=dt.date(2025, 1, 1), ramp_end=dt.date(2025, 12, 31)),
    tenant(opt_in=0.5, colocation=650),
    jobs("tenants.t.demand.own", {"offered_load": 0.3}, ([8, 16], [0.7, 0.3]), lognormal(24, 1.0)),
    jobs("clients.training", {"offered_load": 0.35}, ([1, 2, 4, 8, 16], [0.3, 0.2, 0.2, 0.2, 0.1]),
         lognormal(6, 1.0), patience=exponential(24)),
    jobs("clients.leases", {"offered_load": 0.2}, ([8, 16], [0.6, 0.4]), lognormal(72, 0.5),
         patience=exponential(48)),
)
