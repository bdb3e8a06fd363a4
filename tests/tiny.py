"""A scenario small enough to work out by hand, as TOML text, and a helper to vary it."""

TINY = """
[scenario]
name = "tiny"
seed = 1
start_date = 2025-01-01
horizon_days = 2
standard_rack_kw = 2.5

[pricing]
price_cny_per_pflops_year = 87600   # x 0.1 P / 8760 h = exactly 1 CNY per accelerator-hour
intermediary_fee = 0.15

[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.2
power_w = 100

[servers.s]
accelerator = "x"
accelerators_per_server = 4
power_kw = 1.0
idle_power_fraction = 0.5
busy_power_fraction = 1.0

[sites.a]
pue = 1.5
electricity_cny_per_kwh = 0.4

[sites.a.racks.own]
owner = "operator"
count = 1
power_kw = 1.0
server = "s"

[sites.a.racks.rented]
owner = "t"
count = 1
power_kw = 1.0
server = "s"
online = 1          # day 1: hour 24

[tenants.t]
opt_in_fraction = 1.0
colocation_cny_per_kw_month = 744   # January has 744 h: 1 CNY per kW-hour

[clients.c]
arrivals = { at_hours = [0, 1, 30, 30] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 10 }
"""


def tiny(*overrides: str):
    from sim.scenario import loads

    return loads(TINY, "tiny.toml", overrides)
