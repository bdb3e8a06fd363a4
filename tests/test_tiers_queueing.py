"""Spot through the full model against queueing theory: two classes on one server with
preemptive-resume priority and exponential service (M/M/1 with two priority classes).

The high class buys on-demand, the low class spot with `on_eviction = "pause"`, no notice, no
protected runtime and no restart overhead: an on-demand arrival stops the spot job at once and
the spot job later resumes with its remaining work, which is preemptive-resume priority. With
one exponential service rate mu for both (mean 1 h), lambda_1 = 0.3 and lambda_2 = 0.4 per hour:

  high class: mean wait W_1 = lambda_1 / (mu (mu - lambda_1)), mean sojourn T_1 = 1 / (mu - lambda_1)
  low class:  mean sojourn T_2 = (1/mu) / (1 - rho_1) + R / ((1 - rho_1)(1 - rho)),
              R = sum_i lambda_i E[S_i^2] / 2 = (lambda_1 + lambda_2) / mu^2

(e.g. Harchol-Balter, Performance Modeling and Design of Computer Systems, ch. 32). Thirty
replications with fixed seeds; each mean must lie in its 95 % t-interval, and each interval
must be narrower than 10 % of its value so the test cannot pass by luck.
"""

import numpy as np
import pytest
from scipy import stats

from sim.scenario import loads
from sim.scheduling.trace import Trace
from sim.simulation.run import Model

TWO_CLASSES = """
[scenario]
name = "mm1-priority"
seed = 0
start_date = 2025-01-01
horizon_days = {days}
warmup_days = {warmup}
standard_rack_kw = 2.5
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
count = 1
power_kw = 1
server = "one"
[tiers.on-demand]
[tiers.spot]
discount = 0.7
on_eviction = "pause"
notice_h = 0
protected_runtime_h = 0
[clients.high]
arrivals = {{ rate_per_hour = {lam1} }}
sizes = {{ values = [1] }}
duration = {{ dist = "exponential", mean_hours = 1 }}
tiers = ["on-demand"]
[clients.low]
arrivals = {{ rate_per_hour = {lam2} }}
sizes = {{ values = [1] }}
duration = {{ dist = "exponential", mean_hours = 1 }}
tiers = ["spot"]
interruption_tolerance = 1
"""

LAM1, LAM2, MU = 0.3, 0.4, 1.0
DAYS, WARMUP, REPS = 1500, 10, 30


class Sojourns(Trace):
    """Mean time from submission to completion by class, for jobs submitted after the warm-up."""

    def __init__(self, warmup_h):
        self.warmup_h = warmup_h
        self.total = [0.0, 0.0]
        self.count = [0, 0]

    def on_finish(self, s, job, pool):
        if job.submit_h >= self.warmup_h:
            self.total[job.client] += s.env.now - job.submit_h
            self.count[job.client] += 1


def theory():
    rho1, rho = LAM1 / MU, (LAM1 + LAM2) / MU
    w1 = LAM1 / (MU * (MU - LAM1))
    t1 = 1 / (MU - LAM1)
    r = (LAM1 + LAM2) / MU**2
    t2 = (1 / MU) / (1 - rho1) + r / ((1 - rho1) * (1 - rho))
    return w1, t1, t2


def test_the_priority_formulas_by_hand():
    w1, t1, t2 = theory()
    assert w1 == pytest.approx(3 / 7) and t1 == pytest.approx(10 / 7)
    assert t2 == pytest.approx(10 / 7 + 0.7 / (0.7 * 0.3))  # 4.7619...
    # With no high class the low class is plain M/M/1: T = 1 / (mu - lambda).
    assert (1 / MU) / 1 + (LAM2 / MU**2) / (1 - LAM2) == pytest.approx(1 / (MU - LAM2))


def replicate():
    scenario = loads(TWO_CLASSES.format(days=DAYS, warmup=WARMUP, lam1=LAM1, lam2=LAM2), "mm1-priority.toml")
    rows = []
    for seed in range(REPS):
        trace = Sojourns(WARMUP * 24)
        import attrs

        model = Model(attrs.evolve(scenario, seed=2000 + seed), trace=trace)
        summary = model.run().summary_dict()
        high = [c for c in summary["jobs"]["by_class"] if c["name"] == "high"][0]
        rows.append((high["wait_hours"]["mean"], trace.total[0] / trace.count[0], trace.total[1] / trace.count[1],
                     summary["tiers"]["spot"]["evictions"]))
    return np.array(rows)


def interval(x, level=0.95):
    return stats.t.interval(level, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))


@pytest.mark.slow
def test_spot_with_pause_and_no_notice_is_preemptive_resume_priority():
    rows = replicate()
    for column, expected, name in zip(rows.T[:3], theory(), ("W_1", "T_1", "T_2")):
        lo, hi = interval(column)
        print(f"{name}: theory {expected:.4f}, simulated {np.mean(column):.4f} [{lo:.4f}, {hi:.4f}]")
        assert hi - lo < 0.10 * expected, f"{name}: interval too wide to tell a right model from a wrong one"
        assert lo <= expected <= hi, (name, lo, expected, hi)
    assert rows[:, 3].min() > 0  # spot jobs were evicted in every replication
