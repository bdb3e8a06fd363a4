"""A two-year scenario with [finance] whose every figure is worked out by hand in tests/test_finance_run.py."""

FIN_TINY = """
[scenario]
name = "fin"
seed = 1
start_date = 2025-01-01
horizon_days = 730
standard_rack_kw = 2.5

[pricing]
price_cny_per_pflops_year = 87600   # x 0.1 P / 8760 h = 1 CNY per accelerator-hour
intermediary_fee = 0.15

[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.1
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

[tenants.t]
opt_in_fraction = 0.0
colocation_cny_per_kw_month = 744

[clients.c]
arrivals = { at_hours = [0] }
sizes = { values = [4] }
duration = { dist = "fixed", hours = 100 }

[finance]
concession_years = 2
discount_rate = 0.10
tax_rate = 0.25
loss_carry_forward_years = 5
building_cny_per_mw_it = 1_000_000
building_life_years = 25
mep_cny_per_mw_it = 2_000_000
mep_life_years = 1
om_cny_per_standard_rack_year = 250
exit = { ev_ebitda = 10 }
timing = { capex = "end", operations = "end" }   # every flow at its year's end: the hand sums stay short

[finance.servers.s]
price_cny = 10_000
price_change_per_year = -0.5
life_years = 1
om_cny_per_year = 200
"""
