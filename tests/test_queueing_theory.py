"""The simulator against queueing theory where theory has an answer: M/M/c.

Single-accelerator jobs, Poisson arrivals, exponential durations, one site, c accelerators,
FIFO: the model is M/M/c. The mean wait must match Erlang C, utilisation lambda / (c mu),
and the output must obey Little's law, each inside the 99 % confidence interval of
independent replications (fixed seeds, so the test is deterministic). Runs are long enough
that the interval on the mean wait is at most 12-15 % of the theoretical value wide (so a
model off by more than 6-8 % fails whatever the seeds; one accelerator too few or too many
at c = 64 moves the mean wait by 40-70 %), and the interval on utilisation is within 2 %.
"""

import numpy as np
import pytest
from scipy import stats

from sim.experiment.run import run
from sim.scenario import loads

MM_C = """
[scenario]
name = "mmc"
seed = 0
start_date = 2025-01-01
horizon_days = {days}
standard_rack_kw = 2.5
[policy]
queue = "{queue}"
[pricing]
price_cny_per_pflops_year = 87600
intermediary_fee = 0
[accelerators.x]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.1
power_w = 100
[servers.one]
accelerator = "x"
accelerators_per_server = 1
power_kw = 1
idle_power_fraction = 0.5
busy_power_fraction = 1
[sites.a]
pue = 1.0
electricity_cny_per_kwh = 0
[sites.a.racks.r]
owner = "operator"
count = {c}
power_kw = 1
server = "one"
[clients.mm]
arrivals = {{ rate_per_hour = {lam} }}
sizes = {{ values = [1] }}
duration = {{ dist = "exponential", mean_hours = {mean} }}
"""


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda / mu (Erlangs)."""
    # sum_{k<c} a^k/k! and a^c/c! are e^a times Poisson cdf and pmf: stable for large c.
    tail = stats.poisson.pmf(c, a) * c / (c - a)
    return tail / (stats.poisson.cdf(c - 1, a) + tail)


def test_erlang_c_matches_known_values():
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # hand: (1/2 * 2) / (1 + 1 + 1) = 1/3


def replicate(c: int, rho: float, days: float, reps: int, queue: str = "fifo"):
    mu = 1.0
    lam = rho * c * mu
    text = MM_C.format(days=days, queue=queue, c=c, lam=lam, mean=1 / mu)
    scenario = loads(text, "mmc.toml")
    rows = []
    for seed in range(reps):
        s = run(scenario, seed=1000 + seed).summary_dict()
        rows.append((s["wait_hours"]["mean"], s["utilisation"]["overall"], s["queue"]["mean_length"],
                     s["queue"]["arrival_rate_per_hour"]))
    return lam, mu, np.array(rows)


def interval(x, level=0.99):
    return stats.t.interval(level, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))


@pytest.mark.slow
@pytest.mark.parametrize("c, rho, days, reps, width", [
    (1, 0.7, 1000, 20, 0.12), (8, 0.8, 450, 20, 0.12), (64, 0.9, 150, 20, 0.15)])
def test_mm_c_wait_utilisation_and_littles_law(c, rho, days, reps, width):
    lam, mu, r = replicate(c, rho, days, reps)
    waits, util, lq, lam_hat = r.T
    theory_wait = erlang_c(c, lam / mu) / (c * mu - lam)
    lo, hi = interval(waits)
    assert hi - lo < width * theory_wait, "interval too wide to tell a right model from a wrong one"
    assert lo <= theory_wait <= hi, (lo, theory_wait, hi)
    lo, hi = interval(util)
    assert hi - lo < 0.02 * rho
    assert lo <= rho <= hi, (lo, rho, hi)
    # Little's law on the output itself: mean queue length = arrival rate x mean wait.
    little = lq - lam_hat * waits
    lo, hi = interval(little)
    assert lo <= 0 <= hi and hi - lo < 0.12 * np.mean(lq), (lo, hi, np.mean(lq))
