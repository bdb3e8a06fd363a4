"""Arrival times by inverting the integrated rate: checked against direct integration."""

import math

import numpy as np
import pytest
from scipy import integrate

from sim.workload.arrivals import Intensity

PATHS = [
    [(0.0, 2.0)],  # constant
    [(0.0, 0.0), (10.0, 4.0)],  # a ramp from zero
    [(5.0, 1.0), (5.0, 3.0), (20.0, 3.0), (20.0, 0.5)],  # steps, flat before and after
    [(0.0, 5.0), (8.0, 1.0), (30.0, 6.0)],  # down then up
]


@pytest.mark.parametrize("points", PATHS)
@pytest.mark.parametrize("now, e", [(0.0, 0.3), (0.0, 7.0), (4.0, 2.5), (12.0, 30.0), (40.0, 1.0)])
def test_next_arrival_integrates_to_the_draw(points, now, e):
    f = Intensity(points)
    t = f.next_after(now, e)
    area, _ = integrate.quad(Intensity(points).rate_at, now, t, points=[p[0] for p in points], limit=200)
    assert area == pytest.approx(e, rel=1e-7)


def test_a_rate_that_ends_at_zero_never_arrives_again():
    f = Intensity([(0.0, 1.0), (5.0, 0.0)])
    # From hour 4 the rate is 0.2 - 0.2 x: area 0.2 x - 0.1 x^2 = 0.05 at x = 1 - sqrt(1/2).
    assert f.next_after(4.0, 0.05) == pytest.approx(5.0 - math.sqrt(0.5))
    assert math.isinf(Intensity([(0.0, 1.0), (5.0, 0.0)]).next_after(4.0, 0.2))
    assert math.isinf(f.next_after(6.0, 0.1))  # only 0.1 was left after hour 4, and none after 5


def test_poisson_counts_match_the_integrated_rate():
    # Exp(1) steps in integrated rate give Poisson counts with mean = area (here 2 x 10 + 4 x 20 / 2).
    rng = np.random.default_rng(5)
    f = Intensity([(0.0, 2.0), (10.0, 2.0), (10.0, 0.0), (30.0, 4.0)])
    counts = []
    for _ in range(2000):
        t, n = 0.0, 0
        while True:
            t = f.next_after(t, rng.standard_exponential())
            if t > 30.0:
                break
            n += 1
        counts.append(n)
        f.i = 0  # a new stream starts at the beginning
    assert np.mean(counts) == pytest.approx(60.0, rel=0.02)
    assert np.var(counts) == pytest.approx(60.0, rel=0.1)
