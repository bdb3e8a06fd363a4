"""Benchmark scenarios as TOML text, loaded through the public loader like any file."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.scenario import loads

# The one scenario builder of the tests (tests/builder.py), also when run as `python -m benchmarks`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from builder import (  # noqa: E402
    accelerator,
    exponential,
    jobs,
    lognormal,
    pricing,
    scenario,
    server,
    site,
    tenant,
    toml,
)
from builder import (
    racks as rack_group,
)

SEED = 20231130


def common(name: str, seed: int, horizon_days: float) -> list[str]:
    """Hardware, prices and power as in scenarios/qingyang-as-claimed.toml: 10 servers x 8 cards
    per rack, power not enforced, so a rack count means the claim's racks."""
    return [
        scenario(name, seed=seed, horizon_days=horizon_days, enforce_power=False),
        pricing(120000, annual_decline=0.30),
        accelerator("card", dense=0.6, sparse=0.6, power_w=400),
        server("box", accelerator="card", cards=8, power_kw=5.5, idle=0.25, busy=0.75),
    ]


ACCELERATORS_PER_RACK = 80

# The single-site shape of the rate and scaling benchmarks: one accelerator or whole
# servers, exponential durations (steady state within a few means), no patience, no price
# limit, so every arrival is placed, runs and is billed.
SIZES = (1, 8, 16, 32, 64)
WEIGHTS = (0.2, 0.35, 0.25, 0.15, 0.05)
MEAN_HOURS = 4.0
LOAD = 0.7
MEAN_SIZE = sum(s * w for s, w in zip(SIZES, WEIGHTS)) / sum(WEIGHTS)


def single_site_text(racks: int, horizon_hours: float) -> str:
    return toml(
        *common(f"bench-{racks}-racks", SEED, horizon_hours / 24),
        site("one", pue=1.2, electricity=0.33),
        rack_group("own", "operator", site="one", count=racks, power_kw=2.5, servers_per_rack=10, server="box"),
        jobs("clients.jobs", {"offered_load": LOAD}, (list(SIZES), list(WEIGHTS)), exponential(MEAN_HOURS)),
    )


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


def mmc_text(c: int, rho: float, horizon_hours: float, seed: int) -> str:
    if c % 8:
        raise ValueError(f"M/M/c benchmark: c = {c} is not a whole number of 8-card servers")
    return toml(
        *common(f"bench-mm{c}", seed, horizon_hours / 24),
        site("one", pue=1.2, electricity=0.33),
        rack_group("own", "operator", site="one", count=1, power_kw=2.5, servers_per_rack=c // 8, server="box"),
        jobs("clients.mmc", {"rate_per_hour": rho * c / MMC_MEAN_HOURS}, [1], exponential(MMC_MEAN_HOURS)),
    )


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

# Demand sized for the scale: gangs of 64-4096 cards, serving deployments of 8-32 servers,
# leases of 8-64 whole servers for about two weeks. Loads reach ~70 % busy overall: tenants'
# own work 0.45 of their racks; marketplace 0.61 of what it may use (operator + opted-in).
THREE_SITE_DEMAND = (
    tenant("gpu-cloud-a", opt_in=0.5, colocation=650),
    tenant("gpu-cloud-b", opt_in=0.3, colocation=650),
    jobs("tenants.gpu-cloud-a.demand.own-customers", {"offered_load": 0.45},
         ([64, 128, 256, 512, 1024], [0.35, 0.25, 0.2, 0.15, 0.05]), lognormal(48, 1.2)),
    jobs("tenants.gpu-cloud-b.demand.own-customers", {"offered_load": 0.45},
         ([64, 128, 256, 512], [0.4, 0.3, 0.2, 0.1]), lognormal(48, 1.2)),
    jobs("clients.training", {"offered_load": 0.35},
         ([64, 128, 256, 512, 1024, 2048, 4096], [0.3, 0.25, 0.2, 0.12, 0.08, 0.04, 0.01]), lognormal(12, 1.2),
         patience=exponential(72)),
    jobs("clients.inference", {"offered_load": 0.10}, ([64, 128, 256], [0.5, 0.3, 0.2]), lognormal(24, 1.0),
         patience=exponential(4)),
    jobs("clients.leases", {"offered_load": 0.16}, ([64, 128, 256, 512], [0.4, 0.3, 0.2, 0.1]), lognormal(336, 0.5),
         patience=exponential(168)),
)


def three_sites_text(horizon_days: float) -> str:
    sites = [part for name, pue, price in SITES for part in (
        site(name, pue=pue, electricity=price),
        *(rack_group(owner, owner, site=name, count=count, power_kw=2.5, servers_per_rack=10, server="box")
          for owner, count in RACKS_PER_SITE.items()))]
    return toml(*common("three-sites-as-claimed", SEED, horizon_days), *sites, *THREE_SITE_DEMAND)


def three_sites(horizon_days: float):
    return loads(three_sites_text(horizon_days), "three-sites-as-claimed.toml")
