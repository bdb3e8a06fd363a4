"""prefer_sites: a class's jobs go to its preferred sites first (owned-first keeps capacity kind
first: the operator's servers anywhere before a tenant's), and the loader checks the names."""

import pytest
from tiny import TINY

import sim
from sim.scenario import ScenarioError, loads

# TINY with a second site b holding one operator server of 4; class c: one job of 4 at hour 0
# and one at hour 1, 10 h each, so two operator servers are taken in turn.
TWO_SITES = TINY.replace("[tenants.t]", """[sites.b]
pue = 1.5
electricity_cny_per_kwh = 0.4

[sites.b.racks.own-b]
owner = "operator"
count = 1
power_kw = 1.0
server = "s"

[tenants.t]""").replace("arrivals = { at_hours = [0, 1, 30, 30] }", "arrivals = { at_hours = [0] }")


def busy_hours_by_site(text, *overrides):
    r = sim.run(loads(text, "two.toml", overrides))
    frame = r.by_site_frame()
    return frame.groupby("site")["busy_accelerator_hours"].sum().to_dict()


def test_without_a_preference_the_first_site_takes_the_job():
    assert busy_hours_by_site(TWO_SITES) == pytest.approx({"a": 40.0, "b": 0.0})


def test_a_preferred_site_takes_the_job_first():
    assert busy_hours_by_site(TWO_SITES, 'clients.c.prefer_sites=["b"]') == pytest.approx({"a": 0.0, "b": 40.0})


def test_capacity_kind_still_comes_before_the_preferred_site():
    # Site a keeps only the tenant's opted-in server (online from hour 24); b has the operator's.
    # A job at hour 30 preferring a still goes to the operator's server at b (owned-first).
    text = TWO_SITES.replace('[sites.a.racks.own]\nowner = "operator"\ncount = 1', '[sites.a.racks.own]\n'
                             'owner = "operator"\ncount = 0')
    text = text.replace("arrivals = { at_hours = [0] }", "arrivals = { at_hours = [30] }")
    busy = busy_hours_by_site(text, 'clients.c.prefer_sites=["a"]', "scenario.horizon_days=3")
    assert busy == pytest.approx({"a": 0.0, "b": 40.0})


@pytest.mark.parametrize("value, message", [
    ('["z"]', "clients.c.prefer_sites: no site named 'z' in [sites]"),
    ('["a", "a"]', "clients.c.prefer_sites: names a site twice"),
])
def test_bad_preferences_are_one_line(value, message):
    with pytest.raises(ScenarioError) as e:
        loads(TWO_SITES, "two.toml", [f"clients.c.prefer_sites={value}"])
    assert e.value.messages == [f"two.toml: {message}"]


def test_a_preferred_site_must_be_one_it_accepts():
    with pytest.raises(ScenarioError) as e:
        loads(TWO_SITES, "two.toml", ['clients.c.sites=["a"]', 'clients.c.prefer_sites=["b"]'])
    assert e.value.messages == ["two.toml: clients.c.prefer_sites: 'b' is not among the sites it accepts (a)"]
