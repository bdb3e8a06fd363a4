"""The OpenB reader (sim/workload/openb.py) and the packing experiment of Weng et al.
(sim/experiment/openb_packing.py, `python -m sim validate-openb`), on a synthetic fixture in
the trace's format and on clusters worked out by hand. The real trace is never read here."""

from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.openb_packing import pack
from sim.workload.openb import Node, Pod, read_nodes, read_pods
from sim.workload.trace import TraceError

DATA = Path(__file__).parent / "data" / "openb"
NODES = DATA / "openb_node_list_fixture.csv"
PODS = DATA / "openb_pod_list_fixture.csv"


def test_the_fixture_reads_as_the_trace_format_says():
    nodes, _ = read_nodes(NODES)
    pods, _ = read_pods(PODS)
    assert len(nodes) == 12 and sum(n.gpus for n in nodes) == 50
    assert {n.model for n in nodes} == {"A", "B", "C"}
    assert len(pods) == 80
    first = pods[0]
    assert (first.name, first.cpu_milli, first.num_gpu, first.gpu_milli, first.gpu_spec) == (
        "fixture-pod-000", 8000, 1, 700, ())
    assert pods[1].gpu_spec == ("B", "C")
    assert all(p.scheduled_s is None for p in pods if p.pod_phase == "Pending")
    assert any(p.num_gpu == 0 and p.gpu_milli == 0 for p in pods)
    assert all(p.gpu_milli == 1000 for p in pods if p.num_gpu > 1)


def bad(tmp_path, lines: list[str], which: str = "pods") -> str:
    source = PODS if which == "pods" else NODES
    text = source.read_text().splitlines()
    for i, line in lines:
        text[i] = line
    path = tmp_path / f"{which}.csv"
    path.write_text("\n".join(text) + "\n")
    return str(path)


@pytest.mark.parametrize("which, edits, where, problem", [
    ("pods", [(3, "p,12x,1,1,500,,LS,Running,1,2,1")], "line 4, column 2 (cpu_milli)", "not a whole number: '12x'"),
    ("pods", [(2, "p,1000,1,1,1200,,LS,Running,1,2,1")], "line 3, column 5 (gpu_milli)", "must be 0 to 1000, got 1200"),
    ("pods", [(2, "p,1000,1,2,500,,LS,Running,1,2,1")], "line 3, column 5 (gpu_milli)", "only with one GPU"),
    ("pods", [(2, "p,1000,1,1,0,,LS,Running,1,2,1")], "line 3, column 5 (gpu_milli)", "must be 1 to 1000"),
    ("pods", [(2, "p,1000,1,0,300,,LS,Running,1,2,1")], "line 3, column 5 (gpu_milli)", "a pod of no GPU"),
    ("pods", [(2, "p,1000,1,1,300,A||B,LS,Running,1,2,1")], "line 3, column 6 (gpu_spec)", "an empty model name"),
    ("pods", [(2, "p,1000,1,1,300,,LS,Running,9,2,1")], "line 3, column 10 (deletion_time)", "before its creation"),
    ("pods", [(2, "p,1000,1,1,300,,LS,Running,1,2")], "line 3", "10 columns, the header has 11"),
    ("pods", [(0, "name,cpu_milli,memory_mib,num_gpu,gpu_spec,qos,pod_phase,creation_time,deletion_time,"
                  "scheduled_time,x")], "line 1", "no column 'gpu_milli'"),
    ("nodes", [(2, "fixture-node-00,96000,393216,8,A")], "line 3, column 1 (sn)", "listed twice"),
    ("nodes", [(2, "n,96000,393216,-1,A")], "line 3, column 4 (gpu)", "must be 0 to 64, got -1"),
    ("nodes", [(2, "n,96000,393216,2,")], "line 3, column 5 (model)", "empty"),
])
def test_a_bad_line_is_named_by_file_line_and_column_exit_2(tmp_path, capsys, which, edits, where, problem):
    path = bad(tmp_path, edits, which)
    with pytest.raises(TraceError) as e:
        (read_pods if which == "pods" else read_nodes)(path)
    assert str(e.value).startswith(f"{path}: {where}: ") and problem in str(e.value)
    args = ["--nodes", str(NODES), "--pods", path] if which == "pods" else ["--nodes", path, "--pods", str(PODS)]
    assert main(["validate-openb", "--seeds", "1", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0] == str(e.value)


def test_best_fit_and_fgd_on_a_hand_worked_node():
    # One node of two cards. Pods of a share, in order: 0.4, 0.3, 0.7, 0.4 (demand 1.8 cards:
    # arrivals stop there with --demand 0.9). Best fit: 0.4 on card 0 (0.6 left), 0.3 beside it
    # (0.3 left), 0.7 on card 1 (0.3 left), 0.4 fits nowhere: 1.4 of 2 cards allocated.
    # FGD (shapes 0.4: 1/2, 0.3 and 0.7: 1/4 each): 0.3 beside the 0.4 would leave a card of
    # 0.3 (expected fragmentation +75 milli), on card 1 leaves 0.7 (+0): card 1. Then 0.7 fills
    # card 1 and 0.4 fits on card 0: 1.8 allocated.
    node = [Node("n", 64000, 262144, 2, "X")]
    pods = [Pod(f"p{i}", 1000, 1024, 1, m, (), "LS", "Running", i, i + 1, i) for i, m in enumerate([400, 300, 700, 400])]
    bf = pack(node, pods, "best-fit", 1, demand_share=0.9)
    fgd = pack(node, pods, "fragmentation-aware", 1, demand_share=0.9)
    assert (bf.arrived_pods, bf.failed_pods, bf.allocated_gpu_milli) == (4, 1, 1400)
    assert (fgd.arrived_pods, fgd.failed_pods, fgd.allocated_gpu_milli) == (4, 0, 1800)
    assert bf.unallocated_share == pytest.approx(0.3) and fgd.unallocated_share == pytest.approx(0.1)


def test_cpu_memory_and_models_limit_where_a_pod_goes():
    nodes = [Node("small", 4000, 1024, 2, "X"), Node("big", 64000, 262144, 2, "Y")]
    pods = [Pod("cpu-heavy", 8000, 512, 1, 500, (), "LS", "Running", 0, 1, 0),  # only "big" has the CPU
            Pod("on-x", 1000, 512, 1, 1000, ("X",), "LS", "Running", 1, 2, 1),  # only model X
            Pod("on-z", 1000, 512, 1, 1000, ("Z",), "LS", "Running", 2, 3, 2)]  # no node of model Z
    for policy in ("best-fit", "fragmentation-aware"):
        r = pack(nodes, pods, policy, 1, demand_share=2.5 / 4)
        assert (r.arrived_pods, r.failed_pods, r.allocated_gpu_milli) == (3, 1, 1500)


def test_validate_openb_on_the_fixture_inflates_the_trace_and_repeats_itself(capsys):
    args = ["validate-openb", "--nodes", str(NODES), "--pods", str(PODS), "--seeds", "2", "--demand", "3"]
    assert main(args) == 0
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines()[2:]]
    assert [r[0].strip() for r in rows] == ["best-fit", "fragmentation-aware"]
    for r in rows:
        assert 0 <= float(r[2]) <= 100 and int(r[7]) > 0  # some pods drawn again
    assert main(args) == 0
    assert capsys.readouterr().out == out
    nodes, _ = read_nodes(NODES)
    pods, _ = read_pods(PODS)
    r = pack(nodes, pods, "fragmentation-aware", 3, demand_share=3, order="shuffled")
    assert r.arrived_gpu_milli >= 3 * 50 * 1000 and r.allocated_gpu_milli <= 50 * 1000
    assert r == pack(nodes, pods, "fragmentation-aware", 3, demand_share=3, order="shuffled")


@pytest.mark.parametrize("extra, problem", [
    (["--policies", "worst-fit"], "--policies: 'worst-fit' is not one of"),
    (["--demand", "0"], "--demand: must be above 0"),
])
def test_bad_options_exit_2(capsys, extra, problem):
    assert main(["validate-openb", "--nodes", str(NODES), "--pods", str(PODS), *extra]) == 2
    assert problem in capsys.readouterr().err


def test_a_pod_list_with_no_gpu_demand_is_refused(tmp_path, capsys):
    path = tmp_path / "cpu.csv"
    path.write_text(PODS.read_text().splitlines()[0] + "\np,1000,1024,0,0,,LS,Running,0,1,0\n")
    assert main(["validate-openb", "--nodes", str(NODES), "--pods", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}: no pod asks for a GPU\n"
