"""A small three-year scenario for checking representative periods against full runs: a
build-out in year 2, prices falling 30 % a year, marketplace and tenants' own work, leases of
days beside jobs of hours."""

SAMPLING_CASE = """
[scenario]
name = "sampling-case"
seed = 11
start_date = 2025-01-01
horizon_days = 1095
standard_rack_kw = 2.5

[pricing]
price_cny_per_pflops_year = 120000
annual_decline = 0.30
intermediary_fee = 0.15

[accelerators.x]
pflops_fp16_dense = 0.32
pflops_fp16_sparse = 0.32
power_w = 400

[servers.s]
accelerator = "x"
accelerators_per_server = 8
power_kw = 5.5
idle_power_fraction = 0.25
busy_power_fraction = 0.75

[sites.a]
pue = 1.2
electricity_cny_per_kwh = 0.33

[sites.a.racks.own]
owner = "operator"
count = 8
power_kw = 11
server = "s"
tranches = [{ date = 2025-01-01, racks = 4 }, { date = 2026-01-01, racks = 4 }]

[sites.a.racks.rented]
owner = "t"
count = 8
power_kw = 11
server = "s"
ramp_start = 2025-01-01
ramp_end = 2025-12-31

[tenants.t]
opt_in_fraction = 0.5
colocation_cny_per_kw_month = 650

[tenants.t.demand.own]
arrivals = { offered_load = 0.3 }
sizes = { values = [8, 16], weights = [0.7, 0.3] }
duration = { dist = "lognormal", median_hours = 24, sigma = 1.0 }

[clients.training]
arrivals = { offered_load = 0.35 }
sizes = { values = [1, 2, 4, 8, 16], weights = [0.3, 0.2, 0.2, 0.2, 0.1] }
duration = { dist = "lognormal", median_hours = 6, sigma = 1.0 }
patience = { dist = "exponential", mean_hours = 24 }

[clients.leases]
arrivals = { offered_load = 0.2 }
sizes = { values = [8, 16], weights = [0.6, 0.4] }
duration = { dist = "lognormal", median_hours = 72, sigma = 0.5 }
patience = { dist = "exponential", mean_hours = 48 }
"""
