"""A scenario built from an OpenB node list, replaying an OpenB pod list (the synthetic fixture
in tests/data/openb/, never the real trace): the cards by model, each pod a job with its own
cards, share and models, and bad lines in either file refused in one line."""

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scheduling.fragmentation import MILLI
from sim.scheduling.trace import Trace
from sim.simulation.run import Model

DATA = Path(__file__).parent / "data" / "openb"
NODES = DATA / "openb_node_list_fixture.csv"
PODS = DATA / "openb_pod_list_fixture.csv"


def scenario_text(nodes: str = "nodes.csv", pods: str = "pods.csv", models=("A", "B", "C"), placement="best-fit",
                  horizon_days=3) -> str:
    cards = "".join(f"[accelerators.{m}]\npflops_fp16_dense = 0.1\npflops_fp16_sparse = 0.1\npower_w = 300\n\n"
                    for m in models)
    return f"""
[scenario]
name = "openb-fixture"
seed = 1
start_date = 2026-01-01
horizon_days = {horizon_days}
standard_rack_kw = 2.5

[policy]
placement = "{placement}"

[pricing]
price_cny_per_pflops_year = 87600
intermediary_fee = 0.15

{cards}
[sites.a]
pue = 1.5
electricity_cny_per_kwh = 0.4
openb_nodes = {{ file = "{nodes}", idle_power_fraction = 0.3, busy_power_fraction = 1.0 }}

[clients.pods]
workload = {{ trace = "{pods}", format = "openb" }}
"""


def write(tmp_path, text=None, nodes=None, pods=None, **kw) -> Path:
    """The scenario beside its node and pod lists (found relative to it)."""
    (tmp_path / "nodes.csv").write_text(nodes if nodes is not None else NODES.read_text())
    (tmp_path / "pods.csv").write_text(pods if pods is not None else PODS.read_text())
    p = tmp_path / "s.toml"
    p.write_text(text if text is not None else scenario_text(**kw))
    return p


def rows(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_the_scenario_has_the_node_lists_cards_by_model(tmp_path):
    sc = load_scenario(write(tmp_path))
    built = Counter()
    for g in sc.sites[0].rack_groups:
        built[g.server.accelerator.name] += g.count * g.servers_per_rack * g.server.accelerators_per_server
    listed = Counter()
    for r in rows(NODES):
        listed[r["model"]] += int(r["gpu"])
    assert built == listed and sum(listed.values()) > 0
    # One group per node shape: (model, cards per node) with as many one-server racks as nodes.
    shapes = Counter((r["model"], int(r["gpu"])) for r in rows(NODES))
    assert {(g.server.accelerator.name, g.server.accelerators_per_server): g.count
            for g in sc.sites[0].rack_groups} == shapes


class Log(Trace):
    def __init__(self):
        self.started, self.finished, self.over = {}, {}, []

    def on_start(self, s, job, pool):
        self.started[job.id] = (job, pool.accelerator, job.start_h)
        if job.milli:
            free = s.frac.cards[pool.id].free[job.card]
            if not 0 <= free < MILLI:
                self.over.append(job.id)

    def on_finish(self, s, job, pool):
        self.finished[job.id] = s.env.now


@pytest.mark.parametrize("placement", ["best-fit", "fragmentation-aware"])
def test_replayed_pods_keep_their_times_shares_and_models(tmp_path, placement):
    sc = load_scenario(write(tmp_path, placement=placement, horizon_days=4))
    pods = [r for r in rows(PODS) if int(r["num_gpu"])]
    skipped = len(rows(PODS)) - len(pods)
    assert skipped > 0 and sc.clients[0].arrivals.jobs.skipped == skipped
    pods.sort(key=lambda r: int(r["creation_time"]))  # stable: ties in file order, as replayed
    log = Log()
    Model(sc, trace=log).run()
    assert len(log.started) == len(pods)  # the fixture's cluster holds every pod in four days
    for jid, (job, model, start_h) in log.started.items():
        pod = pods[jid - 1]
        created_h = int(pod["creation_time"]) / 3600
        assert job.submit_h == pytest.approx(created_h)
        assert start_h >= job.submit_h
        assert job.duration_h == pytest.approx((int(pod["deletion_time"]) - int(pod["creation_time"])) / 3600)
        assert job.size == int(pod["num_gpu"])
        milli = int(pod["gpu_milli"])
        assert job.milli == (milli if milli < MILLI else 0)
        if pod["gpu_spec"]:
            assert model in pod["gpu_spec"].split("|")
        if jid in log.finished:
            assert log.finished[jid] == pytest.approx(start_h + job.duration_h)
    assert not log.over
    assert any(job.milli for job, _, _ in log.started.values())
    assert any(pods[j - 1]["gpu_spec"] for j in log.started)
    assert sum(1 for j in log.finished) > len(pods) // 2


def test_a_model_missing_from_accelerators_is_one_line(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, models=("A", "C")))
    (msg,) = e.value.messages
    assert "sites.a.openb_nodes.file" in msg and "'B' not in [accelerators]" in msg


@pytest.mark.parametrize("which, line, column", [("nodes", 4, "gpu"), ("pods", 6, "num_gpu")])
def test_a_bad_line_is_one_line_naming_file_line_and_column_exit_2(tmp_path, which, line, column):
    src = (NODES if which == "nodes" else PODS).read_text().splitlines(keepends=True)
    cells = src[line - 1].split(",")
    header = src[0].strip().split(",")
    cells[header.index(column)] = "many"
    src[line - 1] = ",".join(cells)
    path = write(tmp_path, **{which: "".join(src)})
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    (msg,) = e.value.messages
    assert f"{tmp_path / (which + '.csv')}: line {line}, column {header.index(column) + 1} ({column}):" in msg
    assert "not a whole number: 'many'" in msg
    env = dict(os.environ, PYTHONHASHSEED="0")
    p = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--quiet"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and f"line {line}, column" in p.stderr
    assert not (tmp_path / "results").exists()


def test_a_share_counts_pro_rata_in_the_pod_lists_accelerator_hours():
    from sim.workload.formats import read_trace

    jobs, _ = read_trace(PODS, "openb")
    share = jobs.milli > 0
    assert share.any() and (jobs.size[share] == 1).all()
    expected = float((jobs.milli[share] / MILLI * jobs.duration_h[share]).sum()
                     + (jobs.size[~share] * jobs.duration_h[~share]).sum())
    assert jobs.accelerator_hours == pytest.approx(expected)


def test_too_many_servers_in_a_node_list_names_its_key(tmp_path):
    text = scenario_text().replace("standard_rack_kw = 2.5", "standard_rack_kw = 2.5\nmax_servers = 5")
    with pytest.raises(ScenarioError) as e:
        load_scenario(write(tmp_path, text=text))
    (msg,) = e.value.messages
    assert ": sites.a.openb_nodes: 12 servers planned in all" in msg
