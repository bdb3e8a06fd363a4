"""Trace replay: the shipped Philly trace, its reader, and replaying it as a job stream.

The expected statistics are those in data/traces/README.md, computed there independently
of this reader.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from builder import accelerator, pricing, racks, raw, scenario, server, site, table, toml

import sim
from sim.cli import main
from sim.scenario import ScenarioError, loads
from sim.scheduling.cluster import Cluster
from sim.workload.stream import stream_for
from sim.workload.trace import TraceError, read_trace

ROOT = Path(__file__).resolve().parent.parent
TRACE = ROOT / "data" / "traces" / "philly_jobs.csv.gz"
CSV_SHA256 = "ebffb3dd1589bdf4e7bcd74496201c5ded1d557d498ee14f560463f37ec353da"

# A site big enough that no Philly job ever waits: 8,000 accelerators (the trace peaks far below).
# A str.format template (test_replay_market.py and test_fit.py build on it): {days}, {racks}
# (more rack groups) and {options} (more keys of the workload's inline table).
BIG = toml(
    scenario("replay", horizon_days=raw("{days}")),
    pricing(),
    accelerator(),
    server(cards=8),
    site(),
    racks("own", "operator", count=100, servers_per_rack=10, power_kw=10.0),
    "{racks}",
    table("clients.philly", workload=raw('{{ trace = "traces/philly_jobs.csv.gz"{options} }}')),
)


def scenario(days=10, options="", racks="", source="<scenario>"):
    return loads(BIG.format(days=days, options=options, racks=racks), source)


def records(s, until_h=math.inf, seed=None):
    c = s.clients[0]
    cluster = Cluster(s)
    out = []
    for r in stream_for(0, c, s.seed if seed is None else seed, cluster.capacity_path(cluster.pools_for(c))):
        if r.arrival_h >= until_h:
            break
        out.append(r)
    return out


@pytest.fixture(scope="module")
def philly():
    jobs, digest = read_trace(TRACE)
    return jobs, digest


# --- the data file ----------------------------------------------------------------------------
def test_the_shipped_trace_is_the_upstream_file():
    data = gzip.decompress(TRACE.read_bytes())
    assert hashlib.sha256(data).hexdigest() == CSV_SHA256
    sums = (TRACE.parent / "SHA256SUMS").read_text()
    assert f"{CSV_SHA256}  philly_jobs.csv " in sums
    assert f"{hashlib.sha256(TRACE.read_bytes()).hexdigest()}  philly_jobs.csv.gz\n" in sums
    readme = (TRACE.parent / "README.md").read_text()
    assert CSV_SHA256 in readme and "CC BY 4.0" in readme and "ATC'19" in readme


# --- the reader reproduces the README's statistics -------------------------------------------
def test_job_count_sizes_and_gpu_hours(philly):
    jobs, digest = philly
    assert digest == CSV_SHA256
    assert len(jobs.arrival_h) == 82_247
    values, counts = np.unique(jobs.size, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {
        1: 76_627, 2: 1_818, 4: 1_870, 8: 1_643, 12: 7, 16: 199, 24: 7, 32: 67, 64: 6, 128: 3}
    assert round(jobs.accelerator_hours) == 978_078
    assert round(float(jobs.size.mean()), 3) == 1.304
    big = jobs.size >= 8
    assert round(100 * big.mean(), 1) == 2.3
    assert round(100 * float(np.dot(jobs.size[big], jobs.duration_h[big])) / jobs.accelerator_hours) == 62


@pytest.mark.parametrize("subset, expected", [
    ("all", (82_247, 13_136, 61, 115, 1_144, 2_932, 11_265, 254_758, 4_628_226)),
    ("1", (76_627, 8_301, 62, 122, 1_117, 2_716, 8_512, 135_399, 3_256_045)),
    ("8+", (1_932, 124_622, 199, 1_270, 23_649, 166_231, 340_514, 1_062_173, 4_628_226)),
])
def test_duration_quantiles(philly, subset, expected):
    jobs, _ = philly
    mask = {"all": jobs.size > 0, "1": jobs.size == 1, "8+": jobs.size >= 8}[subset]
    seconds = jobs.duration_h[mask] * 3600
    q = np.quantile(seconds, [0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    got = (len(seconds), round(seconds.mean()), *(round(x) for x in q), round(seconds.max()))
    assert got == expected


def test_arrivals_sorted_span_rate_and_burstiness(philly):
    jobs, _ = philly
    t = jobs.arrival_h
    assert np.all(np.diff(t) >= 0)
    assert str(jobs.origin) == "2017-09-04 00:00:00"  # midnight before the first submission
    assert round(t[0] * 3600) == 10 * 3600 + 30 * 60 + 41  # 10:30:41
    assert round((t[-1] - t[0]) / 24, 1) == 108.9
    assert jobs.period_h == 16 * 168  # whole weeks covering 2017-09-04 .. 2017-12-22
    gaps = np.diff(t) * 3600
    assert round(len(t) / ((t[-1] - t[0]) / 24)) == 755  # jobs per day
    assert round(float(gaps.mean())) == 114 and round(float(np.median(gaps))) == 8
    assert round(float(gaps.std() / gaps.mean()), 1) == 15.1
    assert round(100 * float(np.mean(np.round(gaps) == 0)), 1) == 8.1
    by_hour = np.bincount(np.floor(t % 24).astype(int), minlength=24)
    assert by_hour.tolist() == [4367, 3374, 3835, 3780, 2400, 3950, 5732, 7159, 3802, 3447, 3510, 2979,
                                2567, 2415, 2185, 2224, 3021, 2289, 2744, 2496, 3483, 3142, 3885, 3461]
    stamps = np.datetime64(jobs.origin) + (t * 3.6e9).round().astype("timedelta64[us]")
    months = stamps.astype("datetime64[M]").astype(int) % 12 + 1
    assert np.bincount(months, minlength=13)[9:].tolist() == [5_657, 47_192, 21_318, 8_080]


# --- replay -------------------------------------------------------------------------------------
def test_replay_reproduces_job_count_and_accelerator_hours_exactly():
    # Long enough for the last job (submitted on day 109, up to 54 days long) to finish.
    result = sim.run(scenario(days=170))
    s = result.summary_dict()
    jobs = s["jobs"]["total"]
    assert jobs["submitted"] == jobs["started"] == jobs["completed"] == 82_247
    assert s["wait_hours"]["max"] == 0.0  # nothing waited: the exact trace, no queueing
    philly, _ = read_trace(TRACE)
    assert s["utilisation"]["busy_accelerator_hours"] == pytest.approx(philly.accelerator_hours, abs=1e-3)


def test_replayed_records_are_the_trace_in_time_order(philly):
    jobs, _ = philly
    got = records(scenario(), until_h=500.0)
    n = int(np.searchsorted(jobs.arrival_h, 500.0))
    assert len(got) == n
    assert [r.arrival_h for r in got] == jobs.arrival_h[:n].tolist()
    assert [(r.size, r.duration_h) for r in got] == list(zip(jobs.size[:n].tolist(), jobs.duration_h[:n].tolist()))


@pytest.mark.parametrize("speedup", [2.0, 0.5])
def test_time_scaling_scales_the_arrival_rate(philly, speedup):
    jobs, _ = philly
    horizon_h = 30 * 24.0
    got = records(scenario(options=f", speedup = {speedup}"), until_h=horizon_h)
    expected = int(np.searchsorted(jobs.arrival_h, horizon_h * speedup))
    assert len(got) == expected
    assert [r.arrival_h for r in got] == (jobs.arrival_h[:expected] / speedup).tolist()
    assert [r.duration_h for r in got] == jobs.duration_h[:expected].tolist()  # durations are not scaled
    # Over the whole trace: the rate is `speedup` times the trace's.
    whole = records(scenario(options=f", speedup = {speedup}"))
    assert len(whole) == len(jobs.arrival_h)
    assert (whole[-1].arrival_h - whole[0].arrival_h) * speedup == pytest.approx(jobs.arrival_h[-1] - jobs.arrival_h[0])


def test_a_looped_trace_repeats_every_period(philly):
    jobs, _ = philly
    n, period = len(jobs.arrival_h), jobs.period_h
    got = records(scenario(options=", loop = true"), until_h=2 * period)
    assert len(got) == 2 * n
    assert [r.arrival_h - period for r in got[n:]] == pytest.approx([r.arrival_h for r in got[:n]], abs=1e-9)
    assert [r.size for r in got[n:]] == [r.size for r in got[:n]]
    assert len(records(scenario(), until_h=2 * period)) == n  # without loop: once


def test_integer_scale_replays_each_job_that_many_times_in_rotated_copies(philly):
    jobs, _ = philly
    n = len(jobs.arrival_h)
    got = records(scenario(options=", scale = 3"))
    assert len(got) == 3 * n
    assert sorted(r.arrival_h for r in got) == [r.arrival_h for r in got]
    assert sum(r.size * r.duration_h for r in got) == pytest.approx(3 * jobs.accelerator_hours)
    # Copies are shifted by whole weeks: the hour of day and the day of the week are kept.
    by_week_phase = np.sort(np.array([r.arrival_h for r in got]) % 168.0)
    assert np.allclose(by_week_phase, np.sort(np.repeat(jobs.arrival_h % 168.0, 3)))
    # ... and they are not batches of one job three times over.
    times = [r.arrival_h for r in got]
    assert len(set(times)) > 2 * len(set(jobs.arrival_h.tolist()))


def test_fractional_scale_thins_copies_with_seeded_draws(philly):
    jobs, _ = philly
    n = len(jobs.arrival_h)
    s = scenario(options=", scale = 2.5")
    first, again, other = records(s), records(s), records(s, seed=2)
    assert first == again and first != other
    # Binomial(3n, 5/6): sd about 0.6 % of the mean.
    assert len(first) == pytest.approx(2.5 * n, rel=0.02)
    assert sum(r.size * r.duration_h for r in first) == pytest.approx(2.5 * jobs.accelerator_hours, rel=0.1)


def test_load_scales_the_trace_to_a_share_of_the_class_capacity(philly):
    jobs, _ = philly
    # 8,000 accelerators from the start, 8,000 more from day 56: the load follows the capacity.
    more = """
[sites.a.racks.more]
owner = "operator"
count = 100
servers_per_rack = 10
power_kw = 10.0
server = "s"
online = 56
"""
    s = scenario(days=224, options=", load = 0.3, loop = true", racks=more)
    got = records(s, until_h=224 * 24.0)
    t = np.array([r.arrival_h for r in got])
    work = np.array([r.size * r.duration_h for r in got])
    # Accelerator-hours brought per hour, over whole weeks, against 0.3 x capacity.
    first, second = t < 56 * 24.0, t >= 56 * 24.0
    assert work[first].sum() / (56 * 24) == pytest.approx(0.3 * 8000, rel=0.15)
    assert work[second].sum() / (168 * 24) == pytest.approx(0.3 * 16000, rel=0.15)
    # The multiplier is 0.3 x 16,000 / (978,078 / 2,688 h) = 13.2 at most: 14 rotated copies.
    assert len(got) == pytest.approx(n_expected(jobs, 0.3, [(56 * 24, 8000), (168 * 24, 16000)]), rel=0.02)


def n_expected(jobs, load, segments):
    busy = jobs.accelerator_hours / jobs.period_h
    per_hour = len(jobs.arrival_h) / jobs.period_h
    return sum(load * capacity / busy * per_hour * hours for hours, capacity in segments)


def test_the_work_budget_counts_replayed_jobs(philly):
    jobs, _ = philly
    with pytest.raises(ScenarioError) as e:
        scenario(days=3000, options=", scale = 100, loop = true")
    [line] = e.value.messages
    loops, rest = divmod(3000 * 24, jobs.period_h)  # 26 whole loops, and the first 88 days of one more
    expected = 100 * (loops * len(jobs.arrival_h) + np.searchsorted(jobs.arrival_h, rest))
    assert line.startswith(f"<scenario>: clients.philly.workload: about {expected:,.0f} jobs expected")
    assert "a replay of 82,247 trace jobs every 112 days, scale 100" in line
    scenario(days=3000, options=", scale = 0.5, loop = true")  # 11 M jobs: within the limit


# --- errors: one line naming the file, the line and the column --------------------------------
HEADER = "timestamp,duration,num_gpus,gpu_time,cluster\n"
GOOD = "2017-10-09 07:01:55,66.0,1,66.0,11cb48\n"


@pytest.mark.parametrize("rows, where, problem", [
    (GOOD + "2017-10-09 07:01:55,abc,1,66.0,11cb48\n", "line 3, column 2 (duration)", "must be a finite number of seconds > 0, got 'abc'"),
    (GOOD + "2017-10-09 07:01:55,-5,1,-5,11cb48\n", "line 3, column 2 (duration)", "must be a finite number of seconds > 0, got '-5'"),
    (GOOD + "\n" + "2017-13-09 07:01:55,66.0,1,66.0,x\n", "line 4, column 1 (timestamp)",
     "not a time YYYY-MM-DD HH:MM:SS: '2017-13-09 07:01:55'"),
    (GOOD + "2017-10-09 07:01:55,66.0,1.5,99.0,x\n", "line 3, column 3 (num_gpus)", "not a whole number of GPUs: '1.5'"),
    (GOOD + "2017-10-09 07:01:55,66.0,0,0,x\n", "line 3, column 3 (num_gpus)", "must be at least 1, got '0'"),
    (GOOD + "2017-10-09 07:01:55,66.0,2,66.0,x\n", "line 3, column 4 (gpu_time)", "'66.0' is not duration x num_gpus (132)"),
    (GOOD + "2017-10-09 07:01:55,66.0,1\n", "line 3", "3 columns, the header has 5"),
    (GOOD + "2017-10-09 07:01:55+08:00,66.0,1,66.0,x\n", "line 3, column 1 (timestamp)",
     "has a time zone; expected naive wall-clock time: '2017-10-09 07:01:55+08:00'"),
])
def test_a_malformed_trace_is_one_line_naming_file_line_and_column(tmp_path, rows, where, problem):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + rows)
    with pytest.raises(TraceError) as e:
        read_trace(bad)
    assert str(e.value) == f"{bad}: {where}: {problem}"
    # Through a scenario: the scenario's key, then the trace's own line.
    (tmp_path / "s.toml").write_text(BIG.format(days=10, options="", racks="").replace(
        "traces/philly_jobs.csv.gz", "bad.csv"))
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario(tmp_path / "s.toml")
    assert e.value.messages == [f"{tmp_path / 's.toml'}: clients.philly.workload.trace: {bad}: {where}: {problem}"]


def test_a_gzip_trace_with_bad_bytes_or_no_rows(tmp_path):
    for name, data, problem in (
            ("cut.csv.gz", gzip.compress((HEADER + GOOD).encode())[:-12], "not a readable gzip file"),
            ("header.csv", HEADER.encode(), "no jobs"),
            ("empty.csv", b"", "line 1: empty file"),
            ("latin.csv", (HEADER + GOOD).encode() + "2017-10-09 07:01:55,66.0,1,66.0,\xe9\n".encode("latin-1"),
             "line 3: not UTF-8 text"),
            ("noduration.csv", b"timestamp,num_gpus,gpu_time\n", "line 1: no column 'duration'")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TraceError) as e:
            read_trace(tmp_path / name)
        assert str(e.value).startswith(f"{tmp_path / name}: {problem}"), str(e.value)


def test_the_trace_is_found_beside_the_scenario_or_in_the_data_folder(tmp_path, philly):
    jobs, _ = philly
    (tmp_path / "mine.csv").write_text(HEADER + GOOD)
    text = BIG.format(days=10, options="", racks="")
    (tmp_path / "s.toml").write_text(text.replace("traces/philly_jobs.csv.gz", "mine.csv"))
    assert len(sim.load_scenario(tmp_path / "s.toml").clients[0].arrivals.jobs.arrival_h) == 1
    (tmp_path / "t.toml").write_text(text)  # not beside it: the repository's data/ folder
    found = sim.load_scenario(tmp_path / "t.toml").clients[0].arrivals
    assert Path(found.path) == TRACE and len(found.jobs.arrival_h) == len(jobs.arrival_h)
    (tmp_path / "u.toml").write_text(text.replace("traces/philly_jobs.csv.gz", "nope.csv"))
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario(tmp_path / "u.toml")
    assert e.value.messages == [
        f"{tmp_path / 'u.toml'}: clients.philly.workload.trace: no such file 'nope.csv' (looked for "
        f"{tmp_path / 'nope.csv'}, {ROOT / 'data' / 'nope.csv'})"]


@pytest.mark.parametrize("options, messages", [
    (", speedup = 0", ["clients.philly.workload.speedup: must be >= 1e-06, got 0"]),
    (", scale = 2, load = 0.5", ["clients.philly.workload.load: give one of scale, load, market_share, "
                                 "pflops_hours_per_year or pflops_hours_path, not scale and load"]),
    (", load = -1", ["clients.philly.workload.load: must be > 0, got -1"]),
    (", format = 'alibaba'", ["clients.philly.workload.format: must be one of openb, philly, got 'alibaba'"]),
    (", hour_of_day = [1]", ["clients.philly.workload.hour_of_day: not with trace: a replay keeps the trace's "
                             "own times and durations"]),
    (", colour = 1", ["clients.philly.workload.colour: unknown key"]),
])
def test_bad_replay_options(options, messages):
    with pytest.raises(ScenarioError) as e:
        scenario(options=options)
    assert e.value.messages == [f"<scenario>: {m}" for m in messages]


@pytest.mark.parametrize("name, shown", [("x\\u0000y", "x\\x00y"), ("a" * 5000, "a" * 5000)])
def test_a_trace_name_no_file_system_takes_is_no_such_file(name, shown):
    with pytest.raises(ScenarioError) as e:
        loads(BIG.format(days=10, options="", racks="").replace("traces/philly_jobs.csv.gz", name), "<scenario>")
    [line] = e.value.messages
    assert line.startswith(f"<scenario>: clients.philly.workload.trace: no such file '{shown}' (looked for ")


def test_a_trace_class_gives_no_arrivals_sizes_or_durations_of_its_own():
    with pytest.raises(ScenarioError) as e:
        loads(BIG.format(days=10, options="", racks="") + 'sizes = { values = [8] }\n', "<scenario>")
    assert e.value.messages == ["<scenario>: clients.philly.sizes: not with workload.trace: the trace gives "
                                "arrivals, sizes and durations"]


def test_a_missing_trace_from_the_command_line_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(BIG.format(days=10, options="", racks="").replace(
        "traces/philly_jobs.csv.gz", "gone.csv.gz"))
    capsys.readouterr()
    assert main(["run", "s.toml", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("s.toml: clients.philly.workload.trace: no such file 'gone.csv.gz'")
    assert not (tmp_path / "results").exists()


def test_more_copies_than_weeks_are_shifted_by_whole_days_too(philly):
    jobs, _ = philly
    def phases(t, cycle, copies):
        return np.sort(np.asarray(t) % cycle), np.sort(np.repeat(jobs.arrival_h % cycle, copies))

    sixteen = [r.arrival_h for r in records(scenario(options=", scale = 16"))]
    assert np.allclose(*phases(sixteen, 168.0, 16))  # 16 copies, 16 weeks: each shifted by whole weeks
    twenty = [r.arrival_h for r in records(scenario(options=", scale = 20"))]
    assert len(twenty) == 20 * len(jobs.arrival_h)
    assert np.allclose(*phases(twenty, 24.0, 20))  # the hour of the day is kept by all ...
    got, weekly = phases(twenty, 168.0, 20)
    assert not np.allclose(got, weekly)  # ... but copies 17-20 are a day later in the week


def test_qingyang_philly_brings_the_marketplaces_share_of_the_market():
    s = sim.load_scenario("qingyang-philly")
    [c] = [c for c in s.clients if c.name == "philly"]
    spec = c.arrivals
    assert (spec.market_share, spec.load, spec.scale, c.pflops_dense) == (0.5, None, None, 0.32)
    assert spec.work == s.market.work.scaled(0.5 * s.market.share_reaching_operator)
    cluster = Cluster(s)
    until = 224 * 24.0  # two whole periods of the trace
    got = list(itertools.takewhile(lambda r: r.arrival_h < until, stream_for(
        s.clients.index(c), c, s.seed, cluster.capacity_path(cluster.pools_for(c)))))
    # The target rises from 2.6 M to 3.5 M dense P-hours a year (January to August 2025), then
    # stays: over the two periods, the replay brings its mean within sampling error.
    t = np.linspace(0.0, until, 10_001)
    target = np.interp(t, [p[0] for p in spec.work.points], [p[1] for p in spec.work.points]).mean()
    brought = sum(r.size * r.duration_h for r in got) * 0.32 * 8760 / until
    assert brought == pytest.approx(target, rel=0.05)
    assert all(r.wtp_fen_per_pflops_hour is not None for r in got[:100])  # it answers the quote
