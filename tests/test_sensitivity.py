"""Sobol and Morris indices through the sweep's own design and analysis, on the Ishigami
function, whose Sobol indices are known in closed form (Ishigami and Homma 1990)."""

import math

import numpy as np
import pytest

from sim.experiment.parameters import Parameter, Range, Values
from sim.experiment.sensitivity import analyse, design
from sim.experiment.sweepfile import SensitivitySpec

A, B = 7.0, 0.1


def ishigami_indices():
    """V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2; V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
    V13 = b^2 pi^8 (1/18 - 1/50), V3 = 0."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}


def ishigami(values):
    x = np.array(values, dtype=float)
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_known_values_of_the_ishigami_indices():
    k = ishigami_indices()
    assert k["x1"][0] == pytest.approx(0.3139, abs=1e-4)
    assert k["x2"][0] == pytest.approx(0.4424, abs=1e-4)
    assert k["x3"][1] == pytest.approx(0.2437, abs=1e-4)


def test_sobol_indices_of_ishigami_through_the_sweep_design():
    params = [Parameter(f"x{i}", (f"x{i}",), Range(-math.pi, math.pi)) for i in (1, 2, 3)]
    d = design(params, SensitivitySpec("y", 1024, 20, 4, 1), seed=11)
    assert len(d.x_sobol) == 1024 * (3 + 2) and len(d.x_morris) == 20 * (3 + 1)
    rows = {r["parameter"]: r for r in analyse(d, ishigami(d.values()))}
    for name, (s1, st) in ishigami_indices().items():
        r = rows[name]
        assert r["S1"] == pytest.approx(s1, abs=0.05), name
        assert r["ST"] == pytest.approx(st, abs=0.05), name
        assert 0 < r["ST_conf"] < 0.15  # a real interval, not a placeholder
    assert [r["parameter"] for r in sorted(rows.values(), key=lambda r: r["rank"])] == ["x1", "x2", "x3"]
    # Morris on 4 levels (-pi, -pi/3, pi/3, pi) jumps two levels, a step of 2/3 of the range:
    # a 7 sin^2 x2 step is always 7 x 0.75 in size, so every |elementary effect| of x2 is 5.25 / (2/3)
    assert rows["x2"]["mu_star"] == pytest.approx(7.875, rel=1e-9)
    assert min(r["mu_star"] for r in rows.values()) > 0


def test_the_same_seed_gives_the_same_design_and_indices():
    params = [Parameter(f"x{i}", (f"x{i}",), Range(-math.pi, math.pi)) for i in (1, 2, 3)]
    spec = SensitivitySpec("y", 64, 6, 4, 1)
    a, b = design(params, spec, 5), design(params, spec, 5)
    assert np.array_equal(a.x_sobol, b.x_sobol) and np.array_equal(a.x_morris, b.x_morris)
    assert analyse(a, ishigami(a.values())) == analyse(b, ishigami(b.values()))
    assert not np.array_equal(a.x_sobol, design(params, spec, 6).x_sobol)


def test_a_parameter_that_does_nothing_ranks_last_and_discrete_values_map_to_their_shares():
    params = [Parameter("x", ("x",), Range(0.0, 1.0)),
              Parameter("policy", ("policy.queue",), Values(("fifo", "sjf"))),
              Parameter("noise", ("n",), Range(0.0, 1.0))]
    d = design(params, SensitivitySpec("y", 256, 10, 4, 1), seed=3)
    values = d.values()
    assert {v[1] for v in values} == {"fifo", "sjf"}
    y = [10 * x + (5 if policy == "sjf" else 0) for x, policy, _ in values]
    rows = analyse(d, y)
    assert [r["parameter"] for r in rows] == ["x", "policy", "noise"]
    assert rows[2]["ST"] == pytest.approx(0.0, abs=0.01) and rows[2]["mu_star"] == pytest.approx(0.0, abs=1e-12)
