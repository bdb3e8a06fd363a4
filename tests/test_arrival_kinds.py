"""A kind of arrivals answers for itself (sim/workload/kind.py ArrivalsKind): a new one is a
module and a line in sim/workload/kinds.py KINDS. Here the module is this test: a record, its
kind, registered, read from a scenario file, budgeted and run."""

import ast
import itertools
import math
from pathlib import Path

import pytest
from attrs import frozen
from tiny import tiny

from sim.scenario import ScenarioError
from sim.scenario.budget import capacity_hours, expected_jobs
from sim.scheduling.cluster import Cluster
from sim.simulation.run import Model
from sim.workload.kind import ArrivalsKind
from sim.workload.kinds import KINDS, kind_of
from sim.workload.record import Draws

SIM = Path(__file__).resolve().parent.parent / "sim"


@frozen
class Every:
    """A job every `hours`, from `hours` on."""

    hours: float


class EveryArrivals(ArrivalsKind):
    name = "periodic"
    arrivals_key = "every_hours"

    def read(self, table, start):
        hours = table.number("every_hours", gt=0)
        return None if hours is None else Every(hours)

    def stream(self, index, client, seed, capacity_path):
        every = client.arrivals.hours
        return Draws(index, client, seed).records(k * every for k in itertools.count(1))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        return float(math.ceil(horizon_h / client.arrivals.hours) - 1)  # at every, 2 every, ... < horizon


@pytest.fixture
def every(monkeypatch):
    monkeypatch.setitem(KINDS, Every, EveryArrivals())  # the one registry line


def test_a_new_kind_is_read_budgeted_and_run_as_it_says(every):
    s = tiny("clients.c.arrivals={every_hours=2.5}")
    [c] = s.clients
    assert c.arrivals == Every(2.5) and kind_of(c.arrivals).name == "periodic"
    cluster = Cluster(s)
    expected = expected_jobs(c, cluster, s.horizon_hours, capacity_hours(cluster, s.horizon_hours))
    assert expected == 19  # 2.5 h, 5 h, ... 47.5 h within the 48-h horizon
    result = Model(s).run()
    [got] = result.summary.jobs.by_class
    assert got.counts.submitted == got.demand.offered.jobs == expected
    # Its P-hours as offered: 19 jobs x 4 accelerators x 10 h x 0.1 P, as the kind expects them.
    pflops_h = kind_of(c.arrivals).expected_pflops_hours(c, s.horizon_hours, 0.0)
    assert got.demand.offered.pflops_hours == pytest.approx(pflops_h) == pytest.approx(76.0)


def test_the_budget_and_the_loader_ask_the_new_kind(every):
    with pytest.raises(ScenarioError) as e:
        tiny("clients.c.arrivals={every_hours=0.01}", "scenario.max_jobs=1000")  # 4,799 jobs in 2 days
    message = str(e.value)
    assert message.startswith("tiny.toml: clients.c.arrivals:"), message
    assert "about 4,799 jobs expected" in message
    assert "periodic arrivals averaging 100 jobs per hour" in message  # ArrivalsKind.why's default
    with pytest.raises(ScenarioError) as e:  # the kind reads its own key, and checks it
        tiny("clients.c.arrivals={every_hours=-1}")
    assert "every_hours" in str(e.value)
    with pytest.raises(ScenarioError) as e:  # a kind that does not say it maps onto windows is not sampled
        tiny("clients.c.arrivals={every_hours=2.5}", "scenario.sampling={windows_per_year=4, window_days=1}")
    assert "cannot map clients.c's periodic arrivals onto their windows" in str(e.value)


def test_an_unregistered_kind_is_unknown_to_the_loader_and_the_run():
    with pytest.raises(ScenarioError) as e:
        tiny("clients.c.arrivals={every_hours=2.5}")
    assert "every_hours" in str(e.value)
    s = tiny()
    with pytest.raises(TypeError, match="Every is no kind of arrivals"):
        kind_of(Every(1.0))
    assert kind_of(s.clients[0].arrivals).name == "given-times"


ARRIVALS = {t.__name__ for t in KINDS}


def test_no_module_dispatches_on_the_type_of_arrivals():
    # What a kind of arrivals means is its kind's to say: no isinstance on a record of KINDS.
    found = []
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" and len(node.args) == 2:
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.args[1]) if isinstance(n, ast.Attribute)}
                if names & ARRIVALS:
                    found.append(f"{path.relative_to(SIM.parent)}:{node.lineno}")
    assert not found, f"isinstance on a kind of arrivals (ask sim.workload.kinds.kind_of): {found}"
