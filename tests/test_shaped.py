"""Shaped arrivals for generated classes (daily and weekly profiles, bursts, durations by size)
and the duration laws beyond the basic three (weibull, gamma, mixture)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from tiny import TINY

from sim.model.demand import Lognormal
from sim.model.workload import Bursts, Gamma, Mixture, Weibull
from sim.scenario import ScenarioError, loads
from sim.scheduling.cluster import Cluster
from sim.workload.distributions import duration_draws, mean_hours
from sim.workload.fit import mmpp_gap_cv, mmpp_idc
from sim.workload.random import generator
from sim.workload.stream import stream_for

# TINY's class c, with plain Poisson arrivals to shape (2025-01-01 is a Wednesday).
BASE = TINY.replace('arrivals = { at_hours = [0, 1, 30, 30] }', 'arrivals = { rate_per_hour = 10 }')


def load(workload: str, extra: str = "", horizon_days: int = 2):
    text = BASE.replace("horizon_days = 2", f"horizon_days = {horizon_days}") + extra
    if workload:
        text += "\n[clients.c.workload]\n" + workload
    return loads(text, "tiny.toml")


def times(s, until_h: float, seed: int = 1):
    c = s.clients[-1]
    cluster = Cluster(s)
    out = []
    for r in stream_for(len(s.clients) - 1, c, seed, cluster.capacity_path(cluster.pools_for(c))):
        if r.arrival_h >= until_h:
            break
        out.append(r)
    return out


def errors(workload: str, extra: str = ""):
    with pytest.raises(ScenarioError) as e:
        load(workload, extra)
    return e.value.messages


# --- profiles ---------------------------------------------------------------------------------
def test_an_hour_of_day_profile_shapes_the_rate_and_keeps_the_mean():
    weights = [0.0] * 6 + [1.0] * 6 + [3.0] * 6 + [2.0] * 6  # nothing at night, a peak 12:00-18:00
    s = load(f"hour_of_day = {weights}")
    days = 200
    t = np.array([r.arrival_h for r in times(s, days * 24.0)])
    by_hour = np.bincount(np.floor(t % 24).astype(int), minlength=24)
    assert by_hour[:6].sum() == 0
    shares = np.array(weights[6:]) / sum(weights)
    assert stats.chisquare(by_hour[6:], shares * by_hour.sum()).pvalue > 0.01
    assert len(t) == pytest.approx(10 * 24 * days, rel=0.02)


def test_a_day_of_week_profile_starts_on_the_scenarios_weekday():
    # Only Mondays (weekday 0); the run starts on Wednesday 2025-01-01, so Mondays are days 5, 12, ...
    s = load("day_of_week = [1, 0, 0, 0, 0, 0, 0]")
    t = np.array([r.arrival_h for r in times(s, 70 * 24.0)])
    days = np.unique(np.floor(t / 24).astype(int))
    assert days.tolist() == list(range(5, 70, 7))
    assert len(t) == pytest.approx(10 * 24 * 70, rel=0.03)  # the mean rate is kept: 7 x 10/h on Mondays


# --- bursts -----------------------------------------------------------------------------------
BURSTS = Bursts(busy_time_share=0.15, busy_job_share=0.95, mean_busy_hours=3.0)


def test_bursts_give_the_mmpp_gap_cv_and_count_dispersion():
    s = load("bursts = { busy_time_share = 0.15, busy_job_share = 0.95, mean_busy_hours = 3.0 }")
    assert s.clients[-1].arrivals.bursts == BURSTS
    horizon = 20_000.0
    t = np.array([r.arrival_h for r in times(s, horizon)])
    gaps = np.diff(t)
    assert len(t) == pytest.approx(10 * horizon, rel=0.05)
    assert gaps.std() / gaps.mean() == pytest.approx(mmpp_gap_cv(10.0, BURSTS), rel=0.05)
    counts = np.bincount(np.floor(t / 24).astype(int))[:-1]
    assert counts.var() / counts.mean() == pytest.approx(mmpp_idc(10.0, BURSTS, 24.0), rel=0.15)
    plain = np.diff([r.arrival_h for r in times(load(""), horizon)])
    assert plain.std() / plain.mean() == pytest.approx(1.0, abs=0.02)  # Poisson, for contrast


def test_mmpp_closed_forms_reduce_to_poisson_without_bursts():
    flat = Bursts(busy_time_share=0.3, busy_job_share=0.3, mean_busy_hours=2.0)
    assert mmpp_gap_cv(5.0, flat) == pytest.approx(1.0)
    assert mmpp_idc(5.0, flat, 24.0) == pytest.approx(1.0)
    assert BURSTS.busy_multiplier * 0.15 + BURSTS.quiet_multiplier * 0.85 == pytest.approx(1.0)
    assert BURSTS.mean_quiet_hours == pytest.approx(17.0)


def test_all_jobs_in_busy_spells_leaves_the_quiet_ones_empty():
    s = load("bursts = { busy_time_share = 0.5, busy_job_share = 1.0, mean_busy_hours = 100 }")
    t = np.array([r.arrival_h for r in times(s, 5000.0)])
    assert len(t) == pytest.approx(50_000, rel=0.1)
    assert np.diff(t).max() > 50  # quiet spells of about 100 h with nothing at all


def test_shaped_offered_load_uses_durations_by_size():
    extra = '\n'.join(["", "[clients.d]", "arrivals = { offered_load = 0.5 }", "sizes = { values = [1, 4] }",
                       'duration = { dist = "fixed", hours = 1 }', "[clients.d.workload]",
                       'durations = [{ sizes = [4], dist = "fixed", hours = 5 }]'])
    s = load("", extra)
    d = s.clients[-1]
    t = times(s, 2000.0)
    assert {(r.size, r.duration_h) for r in t} == {(1, 1.0), (4, 5.0)}
    # Half of 8 accelerators (4 online from hour 0, 4 more from hour 24) busy on average:
    # jobs of 0.5 x 1 + 0.5 x 20 = 10.5 accelerator-hours.
    work = sum(r.size * r.duration_h for r in t if r.arrival_h >= 24)
    assert work / (2000 - 24) == pytest.approx(0.5 * 8, rel=0.1)
    assert d.arrivals.durations[0].sizes == (4,)


# --- duration laws ----------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [
    Weibull(scale_hours=3.0, shape=0.6),
    Gamma(scale_hours=2.0, shape=0.4),
    Mixture((0.2, 0.8), (Lognormal(0.02, 0.2), Gamma(scale_hours=10.0, shape=2.0))),
])
def test_new_duration_laws_draw_their_mean(spec):
    x = np.fromiter(itertools.islice(duration_draws(spec, generator(3, "test")), 200_000), float)
    assert x.mean() == pytest.approx(mean_hours(spec), rel=0.03)
    assert x.min() > 0


def test_a_mixture_draws_each_component_in_its_share():
    spec = Mixture((1.0, 3.0), (Lognormal(0.01, 0.1), Lognormal(100.0, 0.1)))
    x = np.fromiter(itertools.islice(duration_draws(spec, generator(3, "test")), 40_000), float)
    assert np.mean(x < 1.0) == pytest.approx(0.25, abs=0.01)
    assert mean_hours(spec) == pytest.approx(0.25 * 0.01 * math.exp(0.005) + 0.75 * 100 * math.exp(0.005))


def test_durations_are_read_from_the_file():
    text = BASE.replace('duration = { dist = "fixed", hours = 10 }',
                        'duration = { dist = "mixture", components = [{ weight = 1, dist = "weibull", '
                        'scale_hours = 2, shape = 0.5 }, { weight = 3, dist = "gamma", scale_hours = 1, shape = 2 }] }')
    c = loads(text, "tiny.toml").clients[0]
    assert c.duration == Mixture((1.0, 3.0), (Weibull(2, 0.5), Gamma(1, 2)))


@pytest.mark.parametrize("duration, messages", [
    ('{ dist = "weibull", scale_hours = 2 }', ["clients.c.duration.shape: missing"]),
    ('{ dist = "gamma", scale_hours = 0, shape = 1 }', ["clients.c.duration.scale_hours: must be > 0, got 0"]),
    ('{ dist = "mixture", components = [] }', ["clients.c.duration.components: must list at least one component"]),
    ('{ dist = "mixture", components = [{ weight = 1, dist = "mixture", components = [] }] }',
     ["clients.c.duration.components[0].dist: a mixture's components cannot be mixtures"]),
    ('{ dist = "mixture", components = [{ weight = 0, dist = "fixed", hours = 1 }] }',
     ["clients.c.duration.components[0].weight: must be > 0, got 0"]),
    ('{ dist = "mixture", components = [{ dist = "fixed", hours = 1, colour = 2 }] }',
     ["clients.c.duration.components[0].weight: missing", "clients.c.duration.components[0].colour: unknown key"]),
])
def test_bad_durations(duration, messages):
    text = BASE.replace('duration = { dist = "fixed", hours = 10 }', f"duration = {duration}")
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")
    assert e.value.messages == [f"tiny.toml: {m}" for m in messages]


@pytest.mark.parametrize("workload, messages", [
    ("hour_of_day = [1, 2]", ["clients.c.workload.hour_of_day: must be an array of 24 weights, got an array of 2"]),
    ("day_of_week = [0, 0, 0, 0, 0, 0, 0]", ["clients.c.workload.day_of_week: must add up to a finite number "
                                             "above zero"]),
    ("day_of_week = [1, 1, 1, 1, 1, 1, -1]", ["clients.c.workload.day_of_week[6]: must be >= 0, got -1"]),
    ("bursts = { busy_time_share = 1, busy_job_share = 0.5, mean_busy_hours = 1 }",
     ["clients.c.workload.bursts.busy_time_share: must be < 1, got 1"]),
    ("bursts = { busy_time_share = 0.5, mean_busy_hours = 1 }", ["clients.c.workload.bursts.busy_job_share: missing"]),
    ('durations = [{ sizes = [3], dist = "fixed", hours = 1 }]',
     ["clients.c.workload.durations[0].sizes: none of [3] is among the class's sizes.values"]),
    ('durations = [{ sizes = [4], dist = "fixed", hours = 1 }, { sizes = [4], dist = "fixed", hours = 2 }]',
     ["clients.c.workload.durations[1].sizes: size 4 is already in durations[0]"]),
    ('durations = [{ sizes = [4], dist = "fixed" }]', ["clients.c.workload.durations[0].hours: missing"]),
    ("speedup = 2", ["clients.c.workload.speedup: unknown key"]),
])
def test_bad_shaping(workload, messages):
    assert errors(workload) == [f"tiny.toml: {m}" for m in messages]


def test_only_rates_work_and_offered_loads_are_shaped():
    text = TINY + "\n[clients.c.workload]\nhour_of_day = " + str([1] * 24) + "\n"
    with pytest.raises(ScenarioError) as e:
        loads(text, "tiny.toml")
    assert e.value.messages == ["tiny.toml: clients.c.workload: shapes rate_per_hour, ramp, P-hours, market_share "
                                "or offered_load arrivals, not ArrivalTimes"]


def test_a_shaped_rate_keeps_its_annual_growth():
    s = loads(BASE.replace("rate_per_hour = 10 }", "rate_per_hour = 10, annual_growth = 1.0 }")
              + "\n[clients.c.workload]\nhour_of_day = " + str([1] * 12 + [3] * 12) + "\n", "tiny.toml")
    t = np.array([r.arrival_h for r in times(s, 2 * 8760.0)])
    first, second = (t < 8760).sum(), (t >= 8760).sum()
    # 10 jobs/h doubling over a year: 10 x 8,760 / ln 2 in year 1, twice that in year 2
    assert first == pytest.approx(10 * 8760 / math.log(2), rel=0.02)
    assert second / first == pytest.approx(2.0, rel=0.03)


def test_shaped_absolute_work_counts_durations_by_size():
    # 20,000 dense P-hours a year; jobs of size 1 (1 h) or 4 (5 h, by band), half each:
    # 0.5 x 1 + 0.5 x 20 = 10.5 accelerator-hours a job, at the class's dense P per card.
    extra = "\n".join(["", "[clients.d]", "arrivals = { pflops_hours_per_year = 20000 }", "sizes = { values = [1, 4] }",
                       'duration = { dist = "fixed", hours = 1 }', "[clients.d.workload]",
                       'durations = [{ sizes = [4], dist = "fixed", hours = 5 }]', "bursts = { busy_time_share = 0.2, "
                       "busy_job_share = 0.8, mean_busy_hours = 10 }"])
    s = load("", extra)
    d = s.clients[-1]
    t = times(s, 20 * 8760.0)
    pflops_hours = sum(r.size * r.duration_h for r in t) * d.pflops_dense
    assert pflops_hours / 20 == pytest.approx(20000, rel=0.05)
    # The work budget expects the jobs the stream draws: 10.5 accelerator-hours a job, not the
    # class's 2.5 (its own duration for every size).
    from sim.workload.kinds import kind_of

    assert kind_of(d.arrivals).expected_jobs(d, 20 * 8760.0, 0.0) == pytest.approx(len(t), rel=0.05)
