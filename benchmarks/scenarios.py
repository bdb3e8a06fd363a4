"""Benchmark scenarios as TOML text, loaded through the public loader like any file."""

from __future__ import annotations

from sim.scenario import loads

SEED = 20231130

# Hardware, prices and power as in scenarios/qingyang-as-claimed.toml: 10 servers x 8 cards per
# rack, power not enforced, so a rack count means the claim's racks.
COMMON = """
[scenario]
name = "{name}"
seed = {seed}
start_date = 2025-01-01
horizon_days = {horizon_days!r}
standard_rack_kw = 2.5
enforce_power = false

[pricing]
price_cny_per_pflops_year = 120000
annual_decline = 0.30
intermediary_fee = 0.15

[accelerators.card]
pflops_fp16_dense = 0.6
pflops_fp16_sparse = 0.6
power_w = 400

[servers.box]
accelerator = "card"
accelerators_per_server = 8
power_kw = 5.5
idle_power_fraction = 0.25
busy_power_fraction = 0.75
"""

ACCELERATORS_PER_RACK = 80

# The single-site shape of the rate and scaling benchmarks: one accelerator or whole
# servers, exponential durations (steady state within a few means), no patience, no price
# limit, so every arrival is placed, runs and is billed.
SIZES = (1, 8, 16, 32, 64)
WEIGHTS = (0.2, 0.35, 0.25, 0.15, 0.05)
MEAN_HOURS = 4.0
LOAD = 0.7
MEAN_SIZE = sum(s * w for s, w in zip(SIZES, WEIGHTS)) / sum(WEIGHTS)

SINGLE_SITE = """
[sites.one]
pue = 1.2
electricity_cny_per_kwh = 0.33

[sites.one.racks.own]
owner = "operator"
count = {racks}
power_kw = 2.5
servers_per_rack = 10
server = "box"

[clients.jobs]
arrivals = {{ offered_load = {load} }}
sizes = {{ values = {sizes}, weights = {weights} }}
duration = {{ dist = "exponential", mean_hours = {mean_hours} }}
"""


def _toml_list(xs) -> str:
    return "[" + ", ".join(str(x) for x in xs) + "]"


def single_site_text(racks: int, horizon_hours: float) -> str:
    return COMMON.format(name=f"bench-{racks}-racks", seed=SEED, horizon_days=horizon_hours / 24) + SINGLE_SITE.format(
        racks=racks, load=LOAD, sizes=_toml_list(SIZES), weights=_toml_list(WEIGHTS), mean_hours=MEAN_HOURS)


def single_site(racks: int, horizon_hours: float):
    return loads(single_site_text(racks, horizon_hours), f"bench-{racks}-racks.toml")


def expected_running(racks: int) -> float:
    """Jobs running at steady state (Little's law): the SimPy heap size to compare with."""
    return LOAD * racks * ACCELERATORS_PER_RACK / MEAN_SIZE


def jobs_per_hour(racks: int) -> float:
    return expected_running(racks) / MEAN_HOURS


# M/M/c, the workload of the peers benchmark (benchmarks/peers.py): single-accelerator jobs,
# Poisson arrivals at rho * c per mean duration, exponential durations, one site of c
# accelerators in 8-card servers, prices and electricity on, FIFO.
MMC_MEAN_HOURS = 1.0

MMC = """
[sites.one]
pue = 1.2
electricity_cny_per_kwh = 0.33

[sites.one.racks.own]
owner = "operator"
count = 1
power_kw = 2.5
servers_per_rack = {servers}
server = "box"

[clients.mmc]
arrivals = {{ rate_per_hour = {rate} }}
sizes = {{ values = [1] }}
duration = {{ dist = "exponential", mean_hours = {mean_hours} }}
"""


def mmc_text(c: int, rho: float, horizon_hours: float, seed: int) -> str:
    if c % 8:
        raise ValueError(f"M/M/c benchmark: c = {c} is not a whole number of 8-card servers")
    return COMMON.format(name=f"bench-mm{c}", seed=seed, horizon_days=horizon_hours / 24) + MMC.format(servers=c // 8, rate=rho * c / MMC_MEAN_HOURS, mean_hours=MMC_MEAN_HOURS)


def mmc(c: int, rho: float, horizon_hours: float, seed: int):
    return loads(mmc_text(c, rho, horizon_hours, seed), f"bench-mm{c}.toml")


# The three sites of the claim, 16,000 racks each, all online at the start. Owners split
# as in scenarios/qingyang-as-claimed.toml (6.5 % operator, 55 % / 38.5 % two tenants).
SITES = (
    # name, PUE, CNY/kWh
    ("qingyang", 1.2, 0.33),    # official PUE target (western hubs); electricity estimate, as in qingyang.toml
    ("jingjinji", 1.25, 0.48),  # Zhangjiakou, Hebei: estimate (project ASSUMPTIONS)
    ("shaoguan", 1.25, 0.55),   # Guangdong: estimate (project ASSUMPTIONS)
)
RACKS_PER_SITE = {"operator": 1040, "gpu-cloud-a": 8800, "gpu-cloud-b": 6160}

SITE = """
[sites.{name}]
pue = {pue}
electricity_cny_per_kwh = {price}
""" + "".join(f"""
[sites.{{name}}.racks.{owner}]
owner = "{owner}"
count = {count}
power_kw = 2.5
servers_per_rack = 10
server = "box"
""" for owner, count in RACKS_PER_SITE.items())

# Demand sized for the scale: gangs of 64-4096 cards, serving deployments of 8-32 servers,
# leases of 8-64 whole servers for about two weeks. Loads reach ~70 % busy overall: tenants'
# own work 0.45 of their racks; marketplace 0.61 of what it may use (operator + opted-in).
THREE_SITE_DEMAND = """
[tenants.gpu-cloud-a]
opt_in_fraction = 0.5
colocation_cny_per_kw_month = 650

[tenants.gpu-cloud-b]
opt_in_fraction = 0.3
colocation_cny_per_kw_month = 650

[tenants.gpu-cloud-a.demand.own-customers]
arrivals = { offered_load = 0.45 }
sizes = { values = [64, 128, 256, 512, 1024], weights = [0.35, 0.25, 0.2, 0.15, 0.05] }
duration = { dist = "lognormal", median_hours = 48, sigma = 1.2 }

[tenants.gpu-cloud-b.demand.own-customers]
arrivals = { offered_load = 0.45 }
sizes = { values = [64, 128, 256, 512], weights = [0.4, 0.3, 0.2, 0.1] }
duration = { dist = "lognormal", median_hours = 48, sigma = 1.2 }

[clients.training]
arrivals = { offered_load = 0.35 }
sizes = { values = [64, 128, 256, 512, 1024, 2048, 4096], weights = [0.3, 0.25, 0.2, 0.12, 0.08, 0.04, 0.01] }
duration = { dist = "lognormal", median_hours = 12, sigma = 1.2 }
patience = { dist = "exponential", mean_hours = 72 }

[clients.inference]
arrivals = { offered_load = 0.10 }
sizes = { values = [64, 128, 256], weights = [0.5, 0.3, 0.2] }
duration = { dist = "lognormal", median_hours = 24, sigma = 1.0 }
patience = { dist = "exponential", mean_hours = 4 }

[clients.leases]
arrivals = { offered_load = 0.16 }
sizes = { values = [64, 128, 256, 512], weights = [0.4, 0.3, 0.2, 0.1] }
duration = { dist = "lognormal", median_hours = 336, sigma = 0.5 }
patience = { dist = "exponential", mean_hours = 168 }
"""


def three_sites_text(horizon_days: float) -> str:
    sites = "".join(SITE.format(name=n, pue=pue, price=price) for n, pue, price in SITES)
    return COMMON.format(name="three-sites-as-claimed", seed=SEED, horizon_days=horizon_days) + sites + THREE_SITE_DEMAND


def three_sites(horizon_days: float):
    return loads(three_sites_text(horizon_days), "three-sites-as-claimed.toml")
