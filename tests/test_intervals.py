"""Means and 95 % t-intervals over replications, checked on samples worked out by hand."""

import math

import numpy as np
import pytest

from sim.experiment.intervals import interval, interval_columns, intervals, t_quantile

T_975 = {2: 12.706204736174705, 5: 2.7764451051977987, 30: 2.045229642132703}  # Student t tables


@pytest.mark.parametrize("n", sorted(T_975))
def test_t_quantile_matches_the_tables(n):
    assert t_quantile(n) == pytest.approx(T_975[n], rel=1e-12)


def test_interval_of_one_to_five():
    iv = interval([1, 2, 3, 4, 5])
    sd = math.sqrt(2.5)  # squared deviations 4 + 1 + 0 + 1 + 4 = 10, over n - 1 = 4
    half = T_975[5] * sd / math.sqrt(5)
    assert (iv.n, iv.mean) == (5, 3.0)
    assert iv.sd == pytest.approx(sd, rel=1e-15)
    assert iv.half_width == pytest.approx(half, rel=1e-14)
    assert (iv.low, iv.high) == pytest.approx((3 - half, 3 + half), rel=1e-14)
    assert iv.half_width == pytest.approx(1.9632431614775572, rel=1e-12)


def test_two_values_use_twelve_point_seven():
    iv = interval([10.0, 12.0])
    assert iv.mean == 11.0
    assert iv.half_width == pytest.approx(T_975[2] * math.sqrt(2) / math.sqrt(2), rel=1e-14)


def test_constant_values_have_no_width_and_one_value_no_interval():
    iv = interval([7.5] * 4)
    assert (iv.mean, iv.sd, iv.half_width, iv.low, iv.high) == (7.5, 0.0, 0.0, 7.5, 7.5)
    one = interval([3.0])
    assert one.n == 1 and one.mean == 3.0
    assert all(math.isnan(x) for x in (one.sd, one.half_width, one.low, one.high))


def test_missing_values_are_left_out():
    rows = [{"a": 1, "b": 5}, {"a": 3}, {"a": 5, "b": True}]  # a boolean is not a number
    out = intervals(rows, ["a", "b"])
    assert out["a"].n == 3 and out["a"].mean == 3.0
    assert out["b"].n == 1 and out["b"].mean == 5.0


def test_columns_agree_with_one_at_a_time():
    rng = np.random.default_rng(3)
    x = rng.normal(10, 2, size=(7, 5))
    x[2, 3] = np.nan
    c = interval_columns(x)
    for j in range(5):
        iv = interval(x[:, j])
        assert c["n"][j] == iv.n
        assert c["mean"][j] == pytest.approx(iv.mean, rel=1e-14)
        assert c["half_width"][j] == pytest.approx(iv.half_width, rel=1e-14)


def test_intervals_cover_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(20231130)
    trials = 20_000
    x = rng.normal(100.0, 15.0, size=(5, trials))  # 20,000 experiments of 5 replications
    c = interval_columns(x)
    covered = np.mean((c["low"] <= 100.0) & (100.0 <= c["high"]))
    # binomial sd at p = 0.95: sqrt(0.95 * 0.05 / 20000) = 0.0015; 4 sd either side
    assert 0.944 <= covered <= 0.956
