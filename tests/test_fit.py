"""`python -m sim fit-trace`: fitted classes reproduce the trace they were fitted to."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from test_traces import BIG, HEADER, TRACE

from sim.cli import main
from sim.model.workload import Bursts, Mixture
from sim.scenario import loads
from sim.scheduling.cluster import Cluster
from sim.workload.fit import fit_bursts, fit_durations, mmpp_gap_cv, mmpp_idc
from sim.workload.stream import stream_for
from sim.workload.trace import read_trace

SEED = 20231130


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "philly.toml"
    assert main(["fit-trace", str(TRACE), "--name", "philly-fit", "--out", str(out)]) == 0
    return out.read_text()


@pytest.fixture(scope="module")
def synthetic(fitted):
    """The fitted class pasted into a scenario, and its jobs over the trace's own span."""
    text = BIG.format(days=120, options="", racks="").split("[clients.philly]")[0] + fitted
    s = loads(text, "<scenario>")
    [c] = s.clients
    jobs, _ = read_trace(TRACE)
    span = float(jobs.arrival_h[-1] - jobs.arrival_h[0])
    cluster = Cluster(s)
    out = []
    for r in stream_for(0, c, SEED, cluster.capacity_path(cluster.pools_for(c))):
        if r.arrival_h >= span:
            break
        out.append(r)
    return jobs, out


def test_the_fragment_names_its_trace_and_shows_the_fit(fitted):
    lines = fitted.splitlines()
    assert lines[0].startswith("# Fitted by `python -m sim fit-trace ")
    assert "sha256 ebffb3dd1589bdf4e7bcd74496201c5ded1d557d498ee14f560463f37ec353da" in lines[1]
    assert "82,247 jobs submitted from 2017-09-04 10:30:41 to 2017-12-22 08:02:11 (108.9 days)" in fitted
    assert "inter-arrival CV 15.1 (model 15.1)" in fitted
    assert "[clients.philly-fit]" in fitted and "[[clients.philly-fit.workload.durations]]" in fitted
    assert fitted.count("[[clients.philly-fit.workload.durations]]") == 3  # 1, 2-7, 8+ accelerators


def test_synthetic_sizes_match_the_trace(synthetic):
    jobs, out = synthetic
    sizes = np.array([r.size for r in out])
    assert stats.ks_2samp(sizes, jobs.size).pvalue > 0.01
    share = {v: np.mean(sizes == v) for v in (1, 2, 4, 8)}
    assert share[1] == pytest.approx(0.9317, abs=0.005)


def test_synthetic_durations_match_the_trace_quantiles(synthetic):
    jobs, out = synthetic
    hours = np.array([r.duration_h for r in out])
    # A week's worth of synthetic jobs cannot be told from the trace at 1 %. (With the full
    # 80,000 any parametric law is rejected: the trace has spikes, e.g. hundreds of jobs at each
    # second from 57 to 75 s; five lognormals miss them by a KS distance of about 0.015.)
    assert stats.ks_2samp(hours[:2000], jobs.duration_h).pvalue > 0.01
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    assert np.quantile(hours, q) == pytest.approx(np.quantile(jobs.duration_h, q), rel=0.1)
    assert np.quantile(hours, 0.99) == pytest.approx(np.quantile(jobs.duration_h, 0.99), rel=0.2)
    # Durations depend on size as in the trace: 8+ accelerator jobs run far longer.
    big = np.array([r.size >= 8 for r in out])
    assert np.median(hours[big]) == pytest.approx(np.median(jobs.duration_h[jobs.size >= 8]), rel=0.25)
    assert np.median(hours[~big]) < np.median(hours[big]) / 10


def test_synthetic_arrivals_are_as_bursty_as_the_trace(synthetic):
    jobs, out = synthetic
    t = np.array([r.arrival_h for r in out])
    trace_gaps, gaps = np.diff(jobs.arrival_h), np.diff(t)
    assert gaps.std() / gaps.mean() == pytest.approx(trace_gaps.std() / trace_gaps.mean(), rel=0.2)
    # The peak hours of the trace (06:00-08:00) stay the peak hours.
    by_hour = np.bincount(np.floor(t % 24).astype(int), minlength=24)
    assert set(np.argsort(by_hour)[-3:]) & {6, 7}


def test_aic_picks_the_law_the_sample_came_from():
    rng = np.random.default_rng(7)
    for law, sample in (("weibull", stats.weibull_min(c=0.6, scale=3.0).rvs(20_000, random_state=rng)),
                        ("gamma", stats.gamma(a=2.5, scale=0.5).rvs(20_000, random_state=rng)),
                        ("lognormal", stats.lognorm(s=1.3, scale=0.4).rvs(20_000, random_state=rng))):
        fit = fit_durations(sample, (1,), max_components=1)
        assert fit.chosen.name == law, [(c.name, c.aic) for c in fit.candidates]
        assert fit.chosen.ks < 0.015
        assert {c.name for c in fit.candidates} == {"lognormal", "weibull", "gamma"}


def test_em_recovers_a_two_lognormal_mixture():
    rng = np.random.default_rng(8)
    n = 30_000
    short = rng.random(n) < 0.3
    x = np.where(short, np.exp(rng.normal(math.log(0.02), 0.3, n)), np.exp(rng.normal(math.log(5.0), 1.0, n)))
    fit = fit_durations(x, (1,), max_components=3)
    assert fit.chosen.name.startswith("mixture of")
    spec = fit.chosen.spec
    assert isinstance(spec, Mixture)
    first = spec.components[0]
    assert spec.weights[0] == pytest.approx(0.3, abs=0.02)
    assert first.median_hours == pytest.approx(0.02, rel=0.05) and first.sigma == pytest.approx(0.3, rel=0.1)


def test_fit_bursts_recovers_an_mmpp_from_its_own_statistics():
    truth = Bursts(busy_time_share=0.1, busy_job_share=0.9, mean_busy_hours=4.0)
    rate = 20.0
    got = fit_bursts(rate, mmpp_gap_cv(rate, truth), tuple((w, mmpp_idc(rate, truth, w)) for w in (1.0, 24.0)))
    assert got.busy_time_share == pytest.approx(0.1, rel=1e-3)
    assert got.busy_job_share == pytest.approx(0.9, rel=1e-3)
    assert got.mean_busy_hours == pytest.approx(4.0, rel=1e-3)


# --- the command ------------------------------------------------------------------------------
def small_trace(path: Path, n: int = 400) -> Path:
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.exponential(600, n))
    rows = [HEADER.rstrip("\n")]
    for s in t:
        gpus = int(rng.choice([1, 1, 1, 2, 8]))
        secs = float(round(rng.lognormal(7, 1.5)) + 1)
        stamp = np.datetime64("2020-03-02T00:00:00") + np.timedelta64(int(s), "s")
        rows.append(f"{str(stamp).replace('T', ' ')},{secs},{gpus},{secs * gpus},vc")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_the_fragment_is_the_same_every_time_and_prints_by_default(tmp_path, capsys):
    trace = small_trace(tmp_path / "small.csv")
    capsys.readouterr()
    assert main(["fit-trace", str(trace), "--max-components", "2"]) == 0
    first = capsys.readouterr().out
    assert main(["fit-trace", str(trace), "--max-components", "2"]) == 0
    assert capsys.readouterr().out == first
    assert "[clients.small]" in first  # named after the file
    # It loads as part of a scenario.
    text = BIG.format(days=5, options="", racks="").split("[clients.philly]")[0] + first
    [c] = loads(text, "<scenario>").clients
    assert c.name == "small" and c.sizes.values == (1, 2, 8)


@pytest.mark.parametrize("args, message", [
    (["--bands", "2,1"], "--bands: must be increasing whole numbers of accelerators, e.g. 1,2,8; got '2,1'"),
    (["--bands", "x"], "--bands: must be increasing whole numbers of accelerators, e.g. 1,2,8; got 'x'"),
    (["--max-components", "0"], "--max-components: must be 1 to 16, got 0"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    trace = small_trace(tmp_path / "small.csv", 50)
    capsys.readouterr()
    assert main(["fit-trace", str(trace), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == message + "\n"


def test_a_missing_or_malformed_trace_is_one_line_and_exit_2(tmp_path, capsys):
    capsys.readouterr()
    assert main(["fit-trace", str(tmp_path / "none.csv")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'none.csv'}: no such file\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2020-01-01 00:00:00,10,1,10,a\n2020-01-01 00:00:01,ten,1,10,a\n")
    assert main(["fit-trace", str(bad), "--out", str(tmp_path / "x.toml")]) == 2
    assert capsys.readouterr().err == f"{bad}: line 3, column 2 (duration): must be a finite number of seconds > 0, got 'ten'\n"
    assert not (tmp_path / "x.toml").exists()


def test_a_trace_too_plain_for_bursts_or_a_rate(tmp_path, capsys):
    even = tmp_path / "even.csv"  # one job a minute: smoother than Poisson, no bursts to fit
    even.write_text(HEADER + "".join(f"2020-01-01 00:{m:02d}:00,{60 + m},1,{60 + m},a\n" for m in range(60)))
    capsys.readouterr()
    assert main(["fit-trace", str(even)]) == 0
    text = capsys.readouterr().out
    assert "bursts =" not in text and "no burstier than Poisson" in text
    once = tmp_path / "once.csv"
    once.write_text(HEADER + "2020-01-01 00:00:00,10,1,10,a\n2020-01-01 00:00:00,20,1,20,a\n")
    assert main(["fit-trace", str(once)]) == 2
    assert capsys.readouterr().err == (f"{once}: every job was submitted at the same time: "
                                       "no arrival rate to fit\n")
