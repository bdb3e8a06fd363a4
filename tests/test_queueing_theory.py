"""The simulator against queueing theory where theory has an answer: M/M/c, and M/M/c+M
(Erlang A: exponential patience) at the end.

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
from builder import accelerator, exponential, jobs, pricing, racks, scenario, server, site, table, toml
from scipy import stats

from sim.scenario import loads
from sim.simulation.run import run


def mm_c(days, queue: str, c: int, lam: float, mean: float, *, warmup_days=None, patience_hours=None) -> str:
    """c single-accelerator servers, Poisson arrivals at `lam` an hour, exponential durations
    of mean `mean` hours (and exponential patience): M/M/c (+M)."""
    return toml(
        scenario("mmc", seed=0, horizon_days=days, **({} if warmup_days is None else {"warmup_days": warmup_days})),
        table("policy", queue=queue),
        pricing(intermediary_fee=0),
        accelerator(),
        server("one", cards=1, power_kw=1, idle=0.5, busy=1),
        site(pue=1.0, electricity=0),
        racks("r", "operator", count=c, power_kw=1, server="one"),
        jobs("clients.mm", {"rate_per_hour": lam}, [1], exponential(mean),
             **({} if patience_hours is None else {"patience": exponential(patience_hours)})),
    )


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
    text = mm_c(days, queue, c, lam, 1 / mu)
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


# --- Erlang A: M/M/c+M, customers who leave when their exponential patience runs out -----------
def erlang_a(c: int, lam: float, mu: float, theta: float, n_max: int = 2000):
    """(L_q, W, P(abandon), utilisation) of M/M/c+M: a birth-death chain whose state n leaves
    at min(n, c) mu + max(n - c, 0) theta. W is the mean time in queue of every arrival,
    L_q = lambda W (Little), and P(abandon) = theta L_q / lambda = theta W."""
    k = np.arange(1, n_max + 1)
    log_p = np.concatenate([[0.0], np.cumsum(np.log(lam / (np.minimum(k, c) * mu + np.maximum(k - c, 0) * theta)))])
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    n = np.arange(n_max + 1)
    lq = float(np.sum(np.maximum(n - c, 0) * p))
    return lq, lq / lam, theta * lq / lam, float(np.sum(np.minimum(n, c) * p)) / c


def test_erlang_a_matches_known_values():
    # Patience as long as service (theta = mu): everyone in the system leaves at rate mu, so the
    # number in it is Poisson(a) and L_q = E[(N - c)+].
    a, c = 6.0, 4
    n = np.arange(200)
    assert erlang_a(c, a, 1.0, 1.0)[0] == pytest.approx(float(np.sum(np.maximum(n - c, 0) * stats.poisson.pmf(n, a))))
    # Patience for ever (theta -> 0) and rho < 1: Erlang C, L_q = C rho / (1 - rho).
    assert erlang_a(8, 6.4, 1.0, 1e-9)[0] == pytest.approx(erlang_c(8, 6.4) * 0.8 / 0.2, rel=1e-6)


ERLANG_A = dict(c=8, lam=8.0, mu=1.0, patience_hours=2.0)  # rho = 1: waits and abandonment both matter


def erlang_a_scenario(days: float, warmup_days: float = 0.0):
    text = mm_c(days, "fifo", ERLANG_A["c"], ERLANG_A["lam"], 1 / ERLANG_A["mu"], warmup_days=warmup_days,
                patience_hours=ERLANG_A["patience_hours"])
    return loads(text, "erlang-a.toml")


def test_littles_law_holds_from_the_summary_alone_when_jobs_abandon():
    """With no warm-up the queue starts empty, so its area is exactly the time every job that
    joined spent in it: L = lambda W holds to the summary's rounding, with W the mean wait of
    all who joined (started, abandoned, or waiting at the horizon so far). The mean wait of
    jobs that started alone leaves the abandoners' time out."""
    s = run(erlang_a_scenario(30), seed=7).summary_dict()
    q, joined, started, left = s["queue"], s["joined_wait_hours"], s["wait_hours"], s["abandoned_wait_hours"]
    lam, length = q["arrival_rate_per_hour"], q["mean_length"]
    assert length == pytest.approx(lam * joined["mean"], abs=1e-5)
    assert length > 1.03 * lam * started["mean"]  # the summary's old W: short by the abandoners'
    # All who joined are those who started, abandoned or were waiting at the horizon, and W is their mean.
    waiting = s["jobs"]["waiting_at_horizon"]
    assert joined["jobs"] == started["jobs"] + left["jobs"] + waiting["jobs"] == round(lam * q["measured_hours"])
    assert left["jobs"] == s["jobs"]["total"]["abandoned"] > 0
    assert joined["mean"] * joined["jobs"] == pytest.approx(
        sum(w["mean"] * w["jobs"] for w in (started, left, waiting)), abs=1e-5 * joined["jobs"])
    assert left["mean"] > started["mean"]  # those who leave are those who met a long queue
    [c] = s["jobs"]["by_class"]
    assert (c["joined_wait_hours"], c["abandoned_wait_hours"]) == (joined, left)


@pytest.mark.slow
def test_erlang_a_waits_abandonment_utilisation_and_littles_law():
    """Twenty replications of 100 days (a 2-day warm-up): the mean wait of all who joined, the
    share who abandoned and utilisation each inside its 99 % interval around Erlang A; the
    interval on W is narrower than 6 % of it. With a warm-up, jobs queued when it ends add
    area but no wait: L - lambda W is within 0.1 % of L, not exactly 0."""
    c, lam, mu, theta = ERLANG_A["c"], ERLANG_A["lam"], ERLANG_A["mu"], 1 / ERLANG_A["patience_hours"]
    _, theory_w, theory_abandon, theory_util = erlang_a(c, lam, mu, theta)
    scenario = erlang_a_scenario(100, warmup_days=2)
    rows = []
    for seed in range(20):
        s = run(scenario, seed=2000 + seed).summary_dict()
        joined = s["joined_wait_hours"]
        rows.append((joined["mean"], s["abandoned_wait_hours"]["jobs"] / joined["jobs"], s["utilisation"]["overall"],
                     s["queue"]["mean_length"], s["queue"]["arrival_rate_per_hour"]))
    w, abandon, util, length, lam_hat = np.array(rows).T
    lo, hi = interval(w)
    assert hi - lo < 0.06 * theory_w and lo <= theory_w <= hi, (lo, theory_w, hi)
    lo, hi = interval(abandon)
    assert lo <= theory_abandon <= hi, (lo, theory_abandon, hi)
    lo, hi = interval(util)
    assert lo <= theory_util <= hi, (lo, theory_util, hi)
    # Patience is exponential: the share who abandon is theta x W, with no theory in between.
    lo, hi = interval(abandon - theta * w)
    assert lo <= 0 <= hi, (lo, hi)
    assert np.all(np.abs(length - lam_hat * w) < 1e-3 * length)
