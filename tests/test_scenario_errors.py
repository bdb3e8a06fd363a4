"""Bad scenario input: each kind of mistake gives one exact line `file: key: problem`.

Most cases vary the tiny scenario with `--set`-style overrides (validated exactly like the
file); a few are whole TOML texts. The CLI tests at the end check that the same lines reach
stderr, with exit code 2, no traceback, and nothing under results/.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tiny import TINY, tiny

from sim.scenario import ScenarioError, load_scenario, loads

ROOT = Path(__file__).resolve().parent.parent


def errors(*overrides) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        tiny(*overrides)
    return e.value.messages


def text_errors(text: str, source: str = "x.toml") -> list[str]:
    with pytest.raises(ScenarioError) as e:
        loads(text, source)
    return e.value.messages


def test_tiny_itself_loads():
    # Every case below differs from a scenario that loads by the one change it names.
    assert tiny().name == "tiny"


# --- the error classes named in the issue ------------------------------------------------------
@pytest.mark.parametrize("override, message", [
    # unknown keys, at several depths
    ("colour=1", "tiny.toml: colour: unknown key"),
    ("scenario.colour=1", "tiny.toml: scenario.colour: unknown key"),
    ("sites.a.racks.own.colour=1", "tiny.toml: sites.a.racks.own.colour: unknown key"),
    ("clients.c.sizes.colour=1", "tiny.toml: clients.c.sizes.colour: unknown key"),
    ("sites.a.racks.own.tranches=[{date=2025-01-01, racks=1, colour=1}]",
     "tiny.toml: sites.a.racks.own.tranches[0].colour: unknown key"),
    ('sites.a."pue "=1.2', 'tiny.toml: sites.a."pue ": unknown key (did you mean \'pue\'?)'),
    # wrong types
    ('scenario.horizon_days="ten"', "tiny.toml: scenario.horizon_days: must be a number, got string 'ten'"),
    ('sites.a.pue="1.2"', "tiny.toml: sites.a.pue: must be a number, got string '1.2'"),
    ("scenario.seed=1.5", "tiny.toml: scenario.seed: must be an integer, got 1.5"),
    ("sites.a.racks.own.count=1.0", "tiny.toml: sites.a.racks.own.count: must be an integer, got 1.0"),
    ('scenario.start_date="2025-01-01"',
     "tiny.toml: scenario.start_date: must be a date (YYYY-MM-DD), got string '2025-01-01'"),
    ("scenario.enforce_power=1", "tiny.toml: scenario.enforce_power: must be true or false, got 1"),
    ("sites.a.racks.own.server=4", "tiny.toml: sites.a.racks.own.server: must be a string, got 4"),
    ("clients.c.sizes=4", "tiny.toml: clients.c.sizes: must be a table, got 4"),
    ('clients.c.accelerators=["x", 2]', "tiny.toml: clients.c.accelerators[1]: must be a string, got 2"),
    ("sites.a.racks.own.tranches=[1]", "tiny.toml: sites.a.racks.own.tranches[0]: must be a table, got 1"),
    ("clients.c.sizes.values=[]",
     "tiny.toml: clients.c.sizes.values: must be a non-empty array of accelerator counts, got an empty array"),
    # booleans where numbers go
    ("sites.a.pue=true", "tiny.toml: sites.a.pue: must be a number, got boolean true"),
    ("sites.a.racks.own.count=false", "tiny.toml: sites.a.racks.own.count: must be an integer, got boolean false"),
    ("clients.c.sizes.values=[true]", "tiny.toml: clients.c.sizes.values[0]: must be an integer, got boolean true"),
    # negative or out-of-range values
    ("pricing.intermediary_fee=1.5", "tiny.toml: pricing.intermediary_fee: must be <= 1, got 1.5"),
    ("pricing.intermediary_fee=-0.1", "tiny.toml: pricing.intermediary_fee: must be >= 0, got -0.1"),
    ("sites.a.pue=0.9", "tiny.toml: sites.a.pue: must be >= 1.0, got 0.9"),
    ("scenario.horizon_days=0", "tiny.toml: scenario.horizon_days: must be > 0, got 0"),
    ("scenario.horizon_days=-3", "tiny.toml: scenario.horizon_days: must be > 0, got -3"),
    ("sites.a.racks.own.count=-1", "tiny.toml: sites.a.racks.own.count: must be >= 0, got -1"),
    ("scenario.seed=-1", "tiny.toml: scenario.seed: must be >= 0, got -1"),
    ("tenants.t.opt_in_fraction=1.01", "tiny.toml: tenants.t.opt_in_fraction: must be <= 1, got 1.01"),
    ("pricing.annual_decline=1", "tiny.toml: pricing.annual_decline: must be < 1, got 1"),
    ("servers.s.accelerators_per_server=0", "tiny.toml: servers.s.accelerators_per_server: must be >= 1, got 0"),
    ("sites.a.electricity_cny_per_kwh=-0.1", "tiny.toml: sites.a.electricity_cny_per_kwh: must be >= 0, got -0.1"),
    ("sites.a.pue=inf", "tiny.toml: sites.a.pue: must be finite, got inf"),
    ("sites.a.pue=nan", "tiny.toml: sites.a.pue: must be finite, got nan"),
    ("sites.a.pue=1e16", "tiny.toml: sites.a.pue: must be <= 1e+15, got 1e+16"),
    ("sites.a.racks.own.count=99999999999999999999999",
     "tiny.toml: sites.a.racks.own.count: must be a 64-bit integer, got an integer of 23 digits"),
    ("scenario.horizon_days=36501", "tiny.toml: scenario.horizon_days: must be <= 36500, got 36501"),
    ("sites.a.racks.own.count=20000000",
     "tiny.toml: sites.a.racks.own.count: 20,000,001 servers planned in all (20,000,000 in this group: "
     "20,000,000 racks x 1), over the limit of 20,000,000; raise it on purpose with [scenario] max_servers"),
    ('policy.queue="lifo"', "tiny.toml: policy.queue: must be one of easy-backfill, fifo, fifo-backfill, sjf, "
                            "got 'lifo'"),
    ("accelerators.x.pflops_fp16_sparse=0.05",
     "tiny.toml: accelerators.x.pflops_fp16_sparse: must be >= pflops_fp16_dense (0.1), got 0.05"),
    ("servers.s.busy_power_fraction=0.4",
     "tiny.toml: servers.s.busy_power_fraction: must be >= idle_power_fraction (0.5), got 0.4"),
    # build-out dates out of order
    ("sites.a.racks.own.tranches=[{date=2025-03-01, racks=1}, {date=2025-02-01, racks=0}]",
     "tiny.toml: sites.a.racks.own.tranches[1].date: tranches must be in date order"),
    ("sites.a.racks.own.tranches=[{date=2025-01-01, racks=2}]",
     "tiny.toml: sites.a.racks.own.tranches: racks add up to 2, but the group has 1"),
    ("sites.a.racks.own.tranches=[]", "tiny.toml: sites.a.racks.own.tranches: must list at least one tranche"),
    ("sites.a.racks.rented.online=2125-01-01",
     "tiny.toml: sites.a.racks.rented.online: must be within 36500 days of start_date, got date 2125-01-01"),
    ("clients.c.arrivals.at_hours=[3, 1]", "tiny.toml: clients.c.arrivals.at_hours: must be in increasing order"),
    # missing referenced models and names
    ('sites.a.racks.own.server="nope"', "tiny.toml: sites.a.racks.own.server: no server named 'nope' in [servers]"),
    ('servers.s.accelerator="nope"', "tiny.toml: servers.s.accelerator: no accelerator named 'nope' in [accelerators]"),
    ('clients.c.accelerators=["nope"]', "tiny.toml: clients.c.accelerators: no accelerator named 'nope' in [accelerators]"),
    ('clients.c.sites=["nope"]', "tiny.toml: clients.c.sites: no site named 'nope' in [sites]"),
    ('sites.a.racks.own.owner="nobody"',
     "tiny.toml: sites.a.racks.own.owner: must be 'operator' or a tenant in [tenants], got 'nobody'"),
    # job sizes larger than any server group (pool) the class may use
    ("clients.c.sizes.values=[4, 8]",
     "tiny.toml: clients.c.sizes.values: a job of 8 accelerators is larger than any pool this class may use "
     "(largest: 4 accelerators at full build-out)"),
    # dates outside what the calendar and the plots handle
    ("scenario.start_date=2999-12-30",
     "tiny.toml: scenario.horizon_days: the run must end by 2999-12-31, got 2 days from 2999-12-30"),
    ("scenario.start_date=0001-01-01",
     "tiny.toml: scenario.start_date: must be between 1900-01-01 and 2999-12-31, got 0001-01-01"),
    ("scenario.start_date=9998-12-30",
     "tiny.toml: scenario.start_date: must be between 1900-01-01 and 2999-12-31, got 9998-12-30"),
])
def test_one_mistake_gives_exactly_its_one_line(override, message):
    assert errors(override) == [message]


def test_ramp_end_before_ramp_start():
    assert errors("sites.a.racks.own.ramp_start=2025-03-01", "sites.a.racks.own.ramp_end=2025-02-01") == [
        "tiny.toml: sites.a.racks.own.ramp_end: must be after ramp_start"]
    assert errors("sites.a.racks.own.ramp_start=5", "sites.a.racks.own.ramp_end=5") == [
        "tiny.toml: sites.a.racks.own.ramp_end: must be after ramp_start"]


def test_job_sizes_are_checked_against_the_pools_the_class_may_use():
    # The tenant's private demand may use only the tenant's own server: 4 accelerators.
    text = TINY + """
[tenants.t.demand.own]
arrivals = { rate_per_hour = 1 }
sizes = { values = [2, 4, 6] }
duration = { dist = "fixed", hours = 1 }
"""
    assert text_errors(text) == [
        "x.toml: tenants.t.demand.own.sizes.values: a job of 6 accelerators is larger than any pool this class "
        "may use (largest: 4 accelerators at full build-out)"]
    # A class limited to an accelerator type nothing has finds no pool at all.
    more = TINY.replace('[clients.c]', '[accelerators.y]\npflops_fp16_dense = 1\npflops_fp16_sparse = 1\n'
                                       'power_w = 1\n\n[clients.c]\naccelerators = ["y"]')
    assert text_errors(more) == [
        "x.toml: clients.c.sizes.values: a job of 4 accelerators is larger than any pool this class may use "
        "(largest: 0 accelerators at full build-out)"]


def test_a_missing_key_is_named():
    text = TINY.replace("pue = 1.5\n", "")
    assert text_errors(text) == ["x.toml: sites.a.pue: missing"]


# --- TOML itself, and the file ---------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("[scenario\n", "x.toml: invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 10)"),
    ("a = 1\na = 2\n", "x.toml: invalid TOML: Cannot overwrite a value (at line 2, column 6)"),
    ('x = "unterminated\n', "x.toml: invalid TOML: Illegal character '\\n' (at line 1, column 18)"),
    ("x = " + "[" * 5000 + "]" * 5000, "x.toml: invalid TOML: arrays or tables nested too deeply"),
    ("x = " + "9" * 5000, "x.toml: invalid TOML: an integer of more than 4300 digits"),
])
def test_invalid_toml_is_one_line(text, message):
    assert text_errors(text) == [message]


def test_an_empty_file_names_every_missing_section_at_once():
    assert text_errors("") == [f"x.toml: {k}: missing" for k in ("scenario", "accelerators", "servers", "sites", "pricing")]


def test_missing_file_directory_and_non_utf8(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path / "nope.toml")
    assert e.value.messages == [f"{tmp_path}/nope.toml: no such file"]
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path)
    assert e.value.messages == [f"{tmp_path}: is a directory, not a scenario file"]
    (tmp_path / "latin1.toml").write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path / "latin1.toml")
    assert e.value.messages == [f"{tmp_path}/latin1.toml: not UTF-8 text"]


def test_keys_that_cannot_be_bare_are_quoted_and_messages_stay_one_line():
    text = TINY + '\n[clients."two words"]\ncolour = 1\n'
    assert 'x.toml: clients."two words".colour: unknown key' in text_errors(text)
    # A name with a line break is refused (issue 24), in a message that stays one line.
    text = TINY + '\n[clients."new\\nline"]\ncolour = 1\n'
    msgs = text_errors(text)
    assert msgs == ['x.toml: clients."new\\u000aline": a name must not hold control characters or line breaks']
    assert all("\n" not in m for m in msgs)


# --- every error at once -----------------------------------------------------------------------
def test_every_error_in_a_file_is_reported_at_once_in_file_order():
    assert errors(
        "scenario.horizon_days=0",
        "pricing.intermediary_fee=1.5",
        "sites.a.pue=0.9",
        "sites.a.racks.own.count=-1",
        'sites.a.racks.rented.server="nope"',
        "sites.a.racks.rented.colour=1",
        "clients.c.duration.hours=-1",
    ) == [
        "tiny.toml: scenario.horizon_days: must be > 0, got 0",
        "tiny.toml: sites.a.pue: must be >= 1.0, got 0.9",
        "tiny.toml: sites.a.racks.own.count: must be >= 0, got -1",
        "tiny.toml: sites.a.racks.rented.server: no server named 'nope' in [servers]",
        "tiny.toml: sites.a.racks.rented.colour: unknown key",
        "tiny.toml: pricing.intermediary_fee: must be <= 1, got 1.5",
        "tiny.toml: clients.c.duration.hours: must be > 0, got -1",
    ]


def test_job_sizes_are_reported_together_with_the_other_errors():
    # Job sizes need the pools; the racks and tenants are whole, so they are checked too.
    assert errors("sites.a.pue=0.9", "clients.c.sizes.values=[8]") == [
        "tiny.toml: sites.a.pue: must be >= 1.0, got 0.9",
        "tiny.toml: clients.c.sizes.values: a job of 8 accelerators is larger than any pool this class may use "
        "(largest: 4 accelerators at full build-out)",
    ]


def test_an_entry_with_its_own_problem_is_not_reported_again_where_it_is_named():
    # The accelerator, the server and the tenant exist; their bad fields are the only errors.
    assert errors("accelerators.x.power_w=0") == ["tiny.toml: accelerators.x.power_w: must be > 0, got 0"]
    assert errors("servers.s.power_kw=-1") == ["tiny.toml: servers.s.power_kw: must be > 0, got -1"]
    assert errors("tenants.t.opt_in_fraction=2") == ["tiny.toml: tenants.t.opt_in_fraction: must be <= 1, got 2"]
    assert errors("sites.a.pue=0.9", 'clients.c.sites=["a"]') == ["tiny.toml: sites.a.pue: must be >= 1.0, got 0.9"]
    # A bad distribution kind is one error, not one more per key the kind would have used.
    assert errors('clients.c.duration.dist="pareto"') == [
        "tiny.toml: clients.c.duration.dist: must be one of exponential, fixed, gamma, lognormal, mixture, weibull, "
        "got 'pareto'"]


def test_an_unknown_key_after_an_out_of_order_tranche_is_still_reported():
    assert errors("sites.a.racks.own.tranches=[{date=5, racks=1}, {date=2, racks=0}, {date=9, racks=0, x=1}]") == [
        "tiny.toml: sites.a.racks.own.tranches[1].date: tranches must be in date order",
        "tiny.toml: sites.a.racks.own.tranches[2].x: unknown key",
    ]


def test_unpriced_accelerators_are_all_named():
    text = TINY.replace("price_cny_per_pflops_year = 87600", "cny_per_accelerator_hour = { }").replace(
        'server = "s"\nonline = 1', 'server = "s2"\nonline = 1') + """
[accelerators.y]
pflops_fp16_dense = 0.1
pflops_fp16_sparse = 0.2
power_w = 100

[servers.s2]
accelerator = "y"
accelerators_per_server = 4
power_kw = 1.0
idle_power_fraction = 0.5
busy_power_fraction = 1.0
"""
    assert text_errors(text) == [
        "x.toml: pricing.cny_per_accelerator_hour: no price for 'x', used in site 'a'",
        "x.toml: pricing.cny_per_accelerator_hour: no price for 'y', used in site 'a'",
    ]


# --- the command line ----------------------------------------------------------------------
BAD = TINY.replace("pue = 1.5", "pue = 0.9").replace("intermediary_fee = 0.15", "intermediary_fee = 1.5") \
          .replace("horizon_days = 2", "horizon_days = 0")


def sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "x.toml").write_text(BAD)
    (tmp_path / "scenarios" / "tiny.toml").write_text(TINY)
    return tmp_path


def test_cli_bad_scenario_prints_only_its_lines_exits_2_and_writes_nothing(workdir):
    p = sim("run", "x", cwd=workdir)
    assert p.returncode == 2
    assert p.stderr.splitlines() == [
        "scenarios/x.toml: scenario.horizon_days: must be > 0, got 0",
        "scenarios/x.toml: sites.a.pue: must be >= 1.0, got 0.9",
        "scenarios/x.toml: pricing.intermediary_fee: must be <= 1, got 1.5",
    ]
    assert p.stdout == ""
    assert "Traceback" not in p.stderr
    assert not (workdir / "results").exists()


def test_cli_bad_scenario_leaves_earlier_results_alone(workdir):
    assert sim("run", "tiny", "--quiet", cwd=workdir).returncode == 0
    out = workdir / "results" / "tiny"
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    (workdir / "scenarios" / "tiny.toml").write_text(BAD)
    p = sim("run", "tiny", cwd=workdir)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


@pytest.mark.parametrize("content, line", [
    (b"[scenario\n", "scenarios/x.toml: invalid TOML: Expected ']' at the end of a table declaration "
                     "(at line 1, column 10)"),
    (b"\xff\xfe", "scenarios/x.toml: not UTF-8 text"),
])
def test_cli_unreadable_scenario_is_one_line(workdir, content, line):
    (workdir / "scenarios" / "x.toml").write_bytes(content)
    p = sim("run", "scenarios/x.toml", cwd=workdir)
    assert (p.returncode, p.stderr, p.stdout) == (2, line + "\n", "")
    assert not (workdir / "results").exists()


def test_cli_missing_file_is_one_line(workdir):
    p = sim("run", "elsewhere/nope.toml", cwd=workdir)
    assert (p.returncode, p.stderr) == (2, "elsewhere/nope.toml: no such file\n")
    assert not (workdir / "results").exists()
