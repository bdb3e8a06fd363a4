"""Limits on what a scenario may ask for, each refused at load with one line naming the key.

The cases come from a hostile tester's report: unbounded work (jobs, servers, build-out
steps), values that loaded but made the writer fail after the run (inf, NaN, dates outside
what the plots draw), parser blow-ups (huge dotted keys, huge or endless files) and fees
finer than the ledger keeps. Anything that could hang or eat memory if the guard regressed
runs in a subprocess with a timeout and an address-space limit.
"""

import datetime as dt
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny import TINY, tiny

import sim
from sim.cli import main
from sim.model import limits
from sim.scenario import ScenarioError, loads, scenario_path
from sim.scenario.budget import capacity_hours, expected_jobs, integral, total_jobs
from sim.scenario.files import REPO_SCENARIO_DIR
from sim.scenario.parse import MAX_FILE_BYTES
from sim.scheduling.cluster import Cluster
from sim.scheduling.registry import PLACEMENTS
from sim.workload.kinds import kind_of

ROOT = Path(__file__).resolve().parent.parent
QINGYANG = ROOT / "scenarios" / "qingyang.toml"


def errors(*overrides) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        tiny(*overrides)
    return e.value.messages


def dict_errors(path, overrides: dict) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario(path, overrides)
    return e.value.messages


def limited(*args, cwd, memory_gib=3, timeout=60):
    """`python -m sim ARGS` with at most `memory_gib` of address space, killed after `timeout`."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_gib << 30, memory_gib << 30))

    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def one_line_exit_2(p, line_start: str) -> str:
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(line_start), lines
    return lines[0]


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    return tmp_path


# --- 1. the work budget ------------------------------------------------------------------------
def test_a_huge_rate_is_refused_naming_its_class():
    assert errors("clients.c.arrivals={rate_per_hour=1e12}") == [
        "tiny.toml: clients.c.arrivals: about 48,000,000,000,000 jobs expected over the 2-day horizon "
        "(48,000,000,000,000 from this class: a rate of up to 1e+12 jobs per hour), over the limit of "
        "20,000,000; shorten the horizon or lower the rate, or raise the limit on purpose with "
        "[scenario] max_jobs"]


def test_an_offered_load_of_tiny_jobs_is_refused_naming_the_class_that_asks_for_most():
    (line,) = dict_errors(QINGYANG, {"clients.inference.duration": {"dist": "fixed", "hours": 0.001},
                                     "clients.inference.arrivals": {"offered_load": 0.15}})
    assert line.startswith(f"{QINGYANG}: clients.inference.arrivals: about ")
    assert "from this class: offered_load 0.15 with jobs of 3.2 accelerators x 0.001 hours on average" in line
    # A tenant's own demand is named by its own key.
    (line,) = dict_errors(QINGYANG, {"tenants.gpu-cloud-b.demand.own-customers.duration.median_hours": 0.001})
    assert line.startswith(f"{QINGYANG}: tenants.gpu-cloud-b.demand.own-customers.arrivals: about ")


def test_the_job_budget_counts_expected_jobs_and_can_be_raised_or_lowered_on_purpose():
    # tiny has 4 explicit arrivals, all before its 48-hour horizon.
    assert tiny("scenario.max_jobs=4").name == "tiny"
    assert errors("scenario.max_jobs=3")[0].startswith(
        "tiny.toml: clients.c.arrivals: about 4 jobs expected over the 2-day horizon (4 from this class: "
        "4 arrival times), over the limit of 3;")
    # 1e6 jobs an hour for 48 hours: over the default, loaded (not run) when raised on purpose.
    assert errors("clients.c.arrivals={rate_per_hour=1e6}")[0].startswith("tiny.toml: clients.c.arrivals: about 48,")
    assert tiny("clients.c.arrivals={rate_per_hour=1e6}", "scenario.max_jobs=100_000_000").name == "tiny"
    assert errors("scenario.max_jobs=0") == ["tiny.toml: scenario.max_jobs: must be >= 1, got 0"]


def test_arrival_times_past_the_horizon_are_not_counted_against_the_budget():
    # Two of six arrival times fall after the 48-hour horizon (one exactly at it): they never arrive.
    late = "clients.c.arrivals={at_hours=[0, 1, 30, 30, 48, 500]}"
    assert tiny(late, "scenario.max_jobs=4").name == "tiny"
    assert errors(late, "scenario.max_jobs=3")[0].startswith(
        "tiny.toml: clients.c.arrivals: about 4 jobs expected over the 2-day horizon (4 from this class: ")
    s = tiny(late)
    assert expected_jobs(s.clients[0], Cluster(s), s.horizon_hours, capacity_hours(Cluster(s), s.horizon_hours)) == 4
    assert sim.run(s).summary.jobs.total.submitted == 4


def test_the_shipped_scenarios_over_twenty_years_are_within_the_default_budget():
    claimed = ROOT / "scenarios" / "qingyang-as-claimed.toml"
    for path in (QINGYANG, claimed):  # one fixed market: about 1 M jobs each
        s = sim.load_scenario(path, {"scenario.horizon_days": 7300})
        assert s.horizon_hours == 7300 * 24
        assert total_jobs(s, Cluster(s), s.horizon_hours) < limits.MAX_JOBS
    # Demand that followed the claimed capacity would not be.
    (line,) = dict_errors(claimed, {"scenario.horizon_days": 7300, "clients.inference.arrivals": {"offered_load": 0.15}})
    assert line.startswith(f"{claimed}: clients.inference.arrivals: about ") and "max_jobs" in line


def test_a_longer_horizon_given_to_run_is_held_to_the_budget():
    s = tiny("clients.c.arrivals={rate_per_hour=100000}")
    with pytest.raises(ScenarioError) as e:
        sim.run(s, horizon_days=36500)
    (line,) = e.value.messages
    assert line.startswith("tiny.toml: clients.c.arrivals: about 87,600,000,000 jobs expected over the 36500-day")
    assert line.endswith("[scenario] max_jobs, loading it with this horizon_days")


def test_the_expected_count_integrates_the_rate_as_the_arrival_process_draws_it():
    # Flat before the first point and after the last, linear between.
    assert integral([10.0, 20.0], [1.0, 3.0], 30.0) == 10 * 1 + 10 * 2 + 10 * 3
    assert integral([-10.0, 10.0], [0.0, 2.0], 5.0) == pytest.approx((1.0 + 1.5) / 2 * 5)
    assert integral([0.0], [2.0], 48.0) == 96.0


def test_expected_jobs_of_an_offered_load_integrate_the_rate_the_run_draws_from():
    s = sim.load_scenario(QINGYANG)
    cluster = Cluster(s)
    for horizon_h in (100.0, 8760.0, 7300 * 24.0):
        capacity_h = capacity_hours(cluster, horizon_h)
        for c in s.clients:
            path = cluster.capacity_path(cluster.pools_for(c))
            rate = kind_of(c.arrivals).stream(0, c, 0, path).intensity  # the Poisson stream's own rate
            assert expected_jobs(c, cluster, horizon_h, capacity_h) == pytest.approx(
                integral(rate.t, rate.r, horizon_h), rel=1e-9)
    # ... and what a run submits (Poisson: within a few standard deviations of the mean).
    s = tiny("clients.c.arrivals={offered_load=0.5}", 'clients.c.duration={dist="fixed", hours=0.25}',
             "scenario.horizon_days=30")
    mean = total_jobs(s, Cluster(s), s.horizon_hours)
    assert mean == pytest.approx(0.5 * (4 * 720 + 4 * 696) / (4 * 0.25))  # two servers, one from hour 24
    assert abs(sim.run(s).summary.jobs.total.submitted - mean) < 4 * mean ** 0.5


def test_servers_are_bounded_in_all_not_per_group():
    groups = {f"g{i}": {"owner": "operator", "count": 10**7 - i, "power_kw": 1.0, "server": "s"} for i in range(3)}
    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", {"sites.a.racks": groups})
    assert e.value.messages == [
        "tiny.toml: sites.a.racks.g0.count: 29,999,997 servers planned in all (10,000,000 in this group: "
        "10,000,000 racks x 1), over the limit of 20,000,000; raise it on purpose with [scenario] max_servers"]
    s = loads(TINY, "tiny.toml", {"sites.a.racks": groups, "scenario.max_servers": 30_000_000})
    assert sum(g.count for g in s.rack_groups) == 29_999_997


def test_build_out_steps_are_bounded_before_the_ramps_are_built():
    ramp = {"owner": "operator", "count": 1000, "power_kw": 1.0, "server": "s", "ramp_start": -36500, "ramp_end": 36500}
    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", {"sites.a.racks": {f"g{i}": ramp for i in range(50)}})
    assert e.value.messages == [
        "tiny.toml: sites.a.racks.g13.ramp_end: rack groups' build-outs reach 1,022,000 steps here (one per "
        "tranche, one per day of a ramp), over the 1,000,000 a scenario may have"]


def test_offered_loads_following_many_build_out_steps_are_bounded():
    ramp = {"owner": "operator", "count": 73000, "power_kw": 1.0, "server": "s", "ramp_start": -36500, "ramp_end": 36500}
    c = {"arrivals": {"offered_load": 0.1}, "sizes": {"values": [4]}, "duration": {"dist": "fixed", "hours": 1}}
    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", {"sites.a.racks": {f"g{i}": ramp for i in range(13)},
                                  "clients": {f"c{i}": c for i in range(3)}})
    assert e.value.messages == [
        "tiny.toml: clients.c2.arrivals.offered_load: 3 offered-load classes following 949,000 build-out steps "
        "make 2,847,000 rate points, over the 2,000,000 a run may hold; use rates, or fewer tranches and "
        "shorter ramps"]


def test_client_classes_are_bounded():
    c = {"arrivals": {"rate_per_hour": 0.001}, "sizes": {"values": [4]}, "duration": {"dist": "fixed", "hours": 1}}
    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", {"clients": {f"c{i}": c for i in range(1001)}})
    assert e.value.messages == [
        "tiny.toml: clients: 1,001 client classes (marketplace and tenants' own), over the 1,000 a run may have"]


def one_rack_sites(n: int, owner: str = "operator") -> str:
    return TINY + "".join(f"""
[sites.s{i}]
pue = 1.5
electricity_cny_per_kwh = 0.4
[sites.s{i}.racks.r]
owner = "{owner}"
count = 1
power_kw = 1.0
server = "s"
""" for i in range(n))


def test_sites_times_days_are_bounded_at_load_before_anything_runs(workdir, monkeypatch):
    # The case: 2,000 one-rack sites over 36,500 days reached 2.6 GB of per-site daily rows.
    with pytest.raises(ScenarioError) as e:
        loads(one_rack_sites(2000), "many.toml", ["scenario.horizon_days=36500"])
    assert e.value.messages == [
        "many.toml: sites: 36,500 days x 2,002 site and owner classes (of 2,001 sites) make 73,109,500 daily "
        "rows, over the limit of 5,000,000; shorten the horizon, simulate representative periods (--sample), "
        "or model fewer sites, or raise the limit on purpose with [scenario] max_daily_rows"]
    # Within it, or raised on purpose, it loads; a sampled run counts the days it simulates.
    assert loads(one_rack_sites(2000), "many.toml", ["scenario.horizon_days=2000"])
    assert loads(one_rack_sites(2000), "many.toml", ["scenario.horizon_days=36500",
                                                     "scenario.max_daily_rows=80_000_000"])
    assert loads(one_rack_sites(2000), "many.toml", ["scenario.horizon_days=36500",
                                                     "scenario.sampling={ windows_per_year = 4, window_days = 2 }"])
    # From the command line: one line, exit 2, nothing written (a subprocess that would be
    # killed, short of memory, if the rows were built).
    (workdir / "scenarios" / "many.toml").write_text(one_rack_sites(2000))
    one_line_exit_2(limited("run", "many", "--horizon", "36500", cwd=workdir, memory_gib=2, timeout=60),
                    "scenarios/many.toml: sites: 36,500 days x 2,002 site and owner classes")
    assert not (workdir / "results").exists()
    # A longer horizon given to run is held to it too.
    with pytest.raises(ScenarioError) as e:
        sim.run(loads(one_rack_sites(2000), "many.toml"), horizon_days=36500)
    assert e.value.messages[0].endswith("[scenario] max_daily_rows, loading it with this horizon_days")


def test_the_daily_counts_are_what_a_run_records_and_posts():
    from sim.scenario.budget import daily_counts

    s = loads(one_rack_sites(3, owner="t"), "many.toml", ["scenario.horizon_days=40.5"])
    result = sim.run(s)
    days, rows, postings = daily_counts(Cluster(s), s.horizon_hours, months=2)
    assert days == 41 and rows == len(result.daily) + len(result.daily_by_site)
    # Electricity per site and owner (4 + 1) and power over allowance per site and tenant (4) each
    # day, rent per tenant and site each month: an upper bound on what is posted besides sales.
    sales = result.summary_dict()["jobs"]["total"]["started"]
    assert postings == 41 * (5 + 4) + 2 * 4 >= result.summary_dict()["simulation"]["ledger_transactions"] - sales


def test_ledger_postings_of_many_tenants_at_one_site_are_bounded():
    tenants = "".join(f"""
[sites.a.racks.r{i}]
owner = "u{i}"
count = 1
power_kw = 1.0
server = "s"
[tenants.u{i}]
opt_in_fraction = 1.0
colocation_cny_per_kw_month = 744
""" for i in range(900))
    with pytest.raises(ScenarioError) as e:
        loads(TINY + tenants, "many.toml", ["scenario.horizon_days=20000", "scenario.max_servers=10000"])
    (line,) = e.value.messages
    assert line.startswith("many.toml: sites: 20,000 days of electricity and power-over-allowance bills for 1 sites' ")
    assert line.endswith("ledger postings, over the limit of 20,000,000; shorten the horizon, simulate "
                         "representative periods (--sample), or model fewer sites, or give fewer tenants racks at "
                         "each site, or raise the limit on purpose with [scenario] max_daily_rows (postings: 4 "
                         "per row)")


# --- 2. values that made the writer fail after the run ----------------------------------------
@pytest.mark.parametrize("override, message", [
    ("scenario.horizon_days=5e-324", "scenario.horizon_days: must be at least one hour (1/24 day), got 5e-324"),
    ("scenario.horizon_days=0.04", "scenario.horizon_days: must be at least one hour (1/24 day), got 0.04"),
    ("scenario.standard_rack_kw=5e-324", "scenario.standard_rack_kw: must be at least 0.001 (one watt), got 5e-324"),
    ("accelerators.x.pflops_fp16_dense=1e-310",
     "accelerators.x.pflops_fp16_dense: must be at least 1e-06 (one GFLOPS), got 1e-310"),
    ("scenario.start_date=0001-01-01", "scenario.start_date: must be between 1900-01-01 and 2999-12-31, got 0001-01-01"),
    ("scenario.start_date=9998-06-01", "scenario.start_date: must be between 1900-01-01 and 2999-12-31, got 9998-06-01"),
    ("scenario.start_date=2999-12-31", "scenario.horizon_days: the run must end by 2999-12-31, got 2 days from 2999-12-31"),
    ('clients.c.duration={dist="lognormal", median_hours=5e-324, sigma=1}',
     "clients.c.duration.median_hours: must be at least 0.000277778 (one second), got 5e-324"),
    ('clients.c.duration={dist="fixed", hours=1e-300}',
     "clients.c.duration.hours: must be at least 0.000277778 (one second), got 1e-300"),
    ('clients.c.patience={dist="exponential", mean_hours=1e-5}',
     "clients.c.patience.mean_hours: must be at least 0.000277778 (one second), got 1e-05"),
])
def test_tiny_values_are_refused_at_load(override, message):
    assert errors(override) == [f"tiny.toml: {message}"]


def test_the_edges_of_the_accepted_ranges_run_and_render():
    for overrides, days in ((["scenario.start_date=1900-01-01"], 1 / 24),
                            (["scenario.start_date=2999-12-30", "scenario.horizon_days=1"], 1),
                            (['clients.c.duration={dist="fixed", hours=0.000277778}'], 2)):
        r = sim.run(tiny(*overrides), horizon_days=days)
        files = sim.report.render(r)
        assert sorted(files) == sorted(sim.report.FILES) and b"Infinity" not in files["summary.json"] and b"NaN" not in files["summary.json"]


def test_cli_horizon_below_an_hour_is_one_line(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    capsys.readouterr()
    assert main(["run", "tiny", "--horizon", "1e-320"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", "scenarios/tiny.toml: scenario.horizon_days: must be at least one hour "
                              "(1/24 day), got 1e-320\n")
    assert not (workdir / "results").exists()


# --- 3. parser blow-ups ------------------------------------------------------------------------
DEEP = "a" + ".a" * 40000  # an 80 KB dotted key: gigabytes inside tomllib


def test_a_deep_dotted_key_in_the_file_is_refused_cheaply(workdir):
    (workdir / "scenarios" / "deep.toml").write_text(TINY + f"\n{DEEP} = 1\n")
    line = one_line_exit_2(limited("run", "deep", cwd=workdir), "scenarios/deep.toml: a dotted key of more than 32 parts: ")
    assert len(line) < 200
    (workdir / "scenarios" / "header.toml").write_text(TINY + f"\n[{DEEP}]\n")
    one_line_exit_2(limited("run", "header", cwd=workdir), "scenarios/header.toml: a dotted key of more than 32 parts")
    assert not (workdir / "results").exists()


def test_a_deep_dotted_key_in_set_is_refused_cheaply(workdir):
    line = one_line_exit_2(limited("run", "tiny", "--set", f"{DEEP}=1", cwd=workdir), "scenarios/tiny.toml: --set a.a.a")
    assert line.endswith("(80,001 characters): a key of more than 32 parts")
    one_line_exit_2(limited("run", "tiny", "--set", "x={" + DEEP + "=1}", cwd=workdir),
                    "scenarios/tiny.toml: x: --set x: a dotted key of more than 32 parts")


def test_deep_and_long_keys_in_python_overrides_and_text():
    assert errors(f"{'a.' * 32}a=1") == [f"tiny.toml: --set {('a.' * 32 + 'a')[:40]}... (65 characters): "
                                         "a key of more than 32 parts"]
    assert errors(f"{'a.' * 31}a=1") == ["tiny.toml: a: unknown key"]  # 32 parts pass the parser
    with pytest.raises(ScenarioError) as e:
        loads(TINY, "tiny.toml", {DEEP: 1})
    assert e.value.messages == ["tiny.toml: a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.... (80,001 characters): "
                                "a key of more than 32 parts"]
    long_name = "n" * 300
    with pytest.raises(ScenarioError) as e:
        loads(TINY + f"\n[clients.{long_name}]\n", "x.toml")
    assert e.value.messages == [f"x.toml: a key of 300 characters, over 256: {'n' * 40}... (300 characters)"]


def test_a_string_full_of_dots_is_not_a_key():
    text = TINY.replace('name = "tiny"', 'name = "tiny"\ndescription = "' + "a." * 100 + '"  # ' + "b." * 100)
    assert loads(text, "x.toml").description == "a." * 100


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once_without_blocking(workdir):
    os.mkfifo(workdir / "scenarios" / "pipe.toml")
    one_line_exit_2(limited("run", "pipe", cwd=workdir, timeout=30),
                    "scenarios/pipe.toml: is a FIFO (named pipe), not a regular file")
    with pytest.raises(ScenarioError) as e:  # in this process too: the stat comes before any open
        sim.load_scenario(workdir / "scenarios" / "pipe.toml")
    assert e.value.messages == [f"{workdir}/scenarios/pipe.toml: is a FIFO (named pipe), not a regular file"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_at_once(workdir):
    one_line_exit_2(limited("run", "/dev/zero", cwd=workdir, timeout=30),
                    "/dev/zero: is a character device, not a regular file")


def test_file_size_is_bounded(workdir):
    path = workdir / "scenarios" / "big.toml"
    padded = TINY + "#" * (MAX_FILE_BYTES - len(TINY.encode()) - 1) + "\n"
    path.write_text(padded)
    assert sim.load_scenario(path).name == "tiny"  # exactly at the limit
    path.write_text(padded + "\n")
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario(path)
    assert e.value.messages == [f"{path}: 1,048,577 bytes, over the 1,048,576 a scenario file may have"]
    with pytest.raises(ScenarioError) as e:
        loads(padded + "\n", "text.toml")
    assert e.value.messages == ["text.toml: more than 1,048,576 bytes, the most a scenario may have"]
    # A sparse 3 GB file is refused from its size, without reading it.
    with open(path, "wb") as f:
        f.truncate(3 << 30)
    one_line_exit_2(limited("run", "big", cwd=workdir, memory_gib=2, timeout=30),
                    "scenarios/big.toml: 3,221,225,472 bytes, over the 1,048,576 a scenario file may have")


# --- 4. fees in whole parts per million ---------------------------------------------------------
@pytest.mark.parametrize("fee", [0, 0.15, 0.123456, 0.000001, 1])
def test_fees_in_whole_ppm_load(fee):
    assert tiny(f"pricing.intermediary_fee={fee}").pricing.intermediary_fee == fee


@pytest.mark.parametrize("fee", ["1e-7", "0.1234565", "0.9999999"])
def test_fees_finer_than_a_ppm_are_refused(fee):
    assert errors(f"pricing.intermediary_fee={fee}") == [
        f"tiny.toml: pricing.intermediary_fee: must be a whole number of parts per million "
        f"(a multiple of 0.000001), got {float(fee)!r}"]


# --- the notebook API ----------------------------------------------------------------------------
def test_dict_overrides_take_python_values_and_name_keys_not_options():
    s = sim.load_scenario(QINGYANG, {"pricing.intermediary_fee": 0.3, "sites.qingyang.pue": np.float64(1.3),
                                     "sites.qingyang.racks.operator-fund.count": np.int64(130),
                                     "clients.training.sizes": {"values": (8, 16), "weights": [1, 1]},
                                     "scenario.start_date": dt.date(2026, 1, 1)})
    assert (s.pricing.intermediary_fee, s.sites[0].pue, s.start_date) == (0.3, 1.3, dt.date(2026, 1, 1))
    assert next(c for c in s.clients if c.name == "training").sizes.values == (8, 16)
    assert dict_errors(QINGYANG, {"pricing.intermediary_fee": 3}) == [
        f"{QINGYANG}: pricing.intermediary_fee: must be <= 1, got 3"]
    assert dict_errors(QINGYANG, {"sites.qingyang.pue.x": 1}) == [
        f"{QINGYANG}: sites.qingyang.pue: not a table, so sites.qingyang.pue.x cannot be set"]
    assert dict_errors(QINGYANG, {"scenario.start_date": "2026-01-01"}) == [
        f"{QINGYANG}: scenario.start_date: must be a date (YYYY-MM-DD), got string '2026-01-01'"]
    assert dict_errors(QINGYANG, {"clients.training.sizes": {1: 2}}) == [
        f"{QINGYANG}: clients.training.sizes: table keys must be strings, got 1"]
    assert dict_errors(QINGYANG, {3: 1}) == [
        f"{QINGYANG}: 3: an override key must be a dotted key such as sites.qingyang.pue"]
    assert all("--set" not in m for m in dict_errors(QINGYANG, {"sites.qingyang.pue": 0.9, "colour": 1}))


def test_strings_as_from_the_command_line_still_work():
    s = sim.load_scenario(QINGYANG, ["pricing.intermediary_fee=0.3", "sites.qingyang.pue=1.3"])
    assert (s.pricing.intermediary_fee, s.sites[0].pue) == (0.3, 1.3)
    assert sim.load_scenario(QINGYANG, "sites.qingyang.pue=1.25").sites[0].pue == 1.25  # one string, not its characters


def test_a_bare_name_is_a_file_in_scenarios_here_or_else_in_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert scenario_path("qingyang") == REPO_SCENARIO_DIR / "qingyang.toml"
    assert sim.load_scenario("qingyang") == sim.load_scenario(QINGYANG)
    s = sim.load_scenario("qingyang")
    assert (s.name, s.source) == ("qingyang", str(REPO_SCENARIO_DIR / "qingyang.toml"))
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "qingyang.toml").write_text(TINY)  # the one here comes first
    assert sim.load_scenario("qingyang").name == "tiny"
    assert scenario_path("qingyang") == Path("scenarios/qingyang.toml")
    assert scenario_path("x.toml") == Path("x.toml") and scenario_path("d/x") == Path("d/x")
    with pytest.raises(ScenarioError) as e:
        sim.load_scenario("nope")
    assert e.value.messages == ["scenarios/nope.toml: no such file"]


def test_a_bare_sweep_name_is_found_the_same_way(tmp_path, monkeypatch):
    from sim.experiment.sweepfile import sweep_path

    monkeypatch.chdir(tmp_path)
    assert sweep_path("qingyang-drivers") == REPO_SCENARIO_DIR / "sweeps" / "qingyang-drivers.toml"
    (tmp_path / "scenarios" / "sweeps").mkdir(parents=True)
    (tmp_path / "scenarios" / "sweeps" / "qingyang-drivers.toml").write_text("")
    assert sweep_path("qingyang-drivers") == Path("scenarios/sweeps/qingyang-drivers.toml")


def test_a_policy_registered_after_import_is_accepted():
    assert errors('policy.placement="mine"') == [
        f"tiny.toml: policy.placement: must be one of {', '.join(sorted(PLACEMENTS))}, got 'mine'"]

    class Mine(PLACEMENTS["spread"]):
        name = "mine"

    PLACEMENTS["mine"] = Mine
    try:
        assert tiny('policy.placement="mine"').policy.placement == "mine"
    finally:
        del PLACEMENTS["mine"]
    assert errors('policy.placement="mine"')


def test_run_bounds_live_in_the_model_layer():
    assert limits.run_problems(1, 2.0, dt.date(2025, 1, 1)) == []
    assert limits.run_problems(-1, 1e-3, dt.date(1800, 1, 1)) == [
        "scenario.seed: must be between 0 and 9223372036854775807, got -1",
        "scenario.start_date: must be between 1900-01-01 and 2999-12-31, got 1800-01-01",
        "scenario.horizon_days: must be at least one hour (1/24 day), got 0.001",
    ]
    assert limits.run_problems(1.5, "x", None) == [
        "scenario.seed: must be an integer, got 1.5", "scenario.horizon_days: must be a finite number, got 'x'"]
    with pytest.raises(ScenarioError) as e:
        sim.run(tiny(), horizon_days=0.01)
    assert e.value.messages == ["tiny.toml: scenario.horizon_days: must be at least one hour (1/24 day), got 0.01"]
