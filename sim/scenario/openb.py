"""A site's servers from an OpenB node list (sim/workload/openb.py): `[sites.X] openb_nodes =
{ file = "nodes.csv", idle_power_fraction = ..., busy_power_fraction = ... }`.

Nodes alike (same GPU model, same number of cards) form one rack group of one-server racks,
online from the start and the operator's; its server is named `openb-MODEL-xCARDS`, its cards
the [accelerators] type named by the node list's `model` (which gives their dense P and power
draw: every model the list uses must be there). A server's maximum draw is its cards' draw (an
assumption: CPUs, memory and fans are left out, the node list states no power); its idle and
busy fractions are the scenario's. Nodes without a GPU are left out (they hold no card).
"""

from __future__ import annotations

from sim.model import OPERATOR, RackGroup, ServerModel
from sim.scenario.fields import Table, did_you_mean
from sim.scenario.workload import trace_path
from sim.workload.openb import read_nodes
from sim.workload.trace import TraceError

W_PER_KW = 1000.0


def node_groups(t: Table, site: str, accelerators: dict, servers: dict) -> list[RackGroup] | None:
    """The rack groups of the node list in `t` (the site's `openb_nodes` table), their servers
    added to `servers`; None if anything is wrong (reported on `t`)."""
    raw = t.string("file")
    idle = t.number("idle_power_fraction", ge=0, le=1)
    busy = t.number("busy_power_fraction", gt=0, le=1)
    t.done()
    if None in (raw, idle, busy):
        return None
    if busy < idle:
        t.error("busy_power_fraction", f"must be >= idle_power_fraction ({idle}), got {busy!r}")
        return None
    found, places = trace_path(raw, t.problems.source)
    if found is None:
        t.error("file", f"no such file {raw!r} (looked for {', '.join(str(p) for p in places)})")
        return None
    try:
        nodes, _ = read_nodes(found)
    except TraceError as e:
        t.error("file", str(e))
        return None
    shapes: dict[tuple[str, int], int] = {}
    for n in nodes:
        if n.gpus:
            shapes[(n.model, n.gpus)] = shapes.get((n.model, n.gpus), 0) + 1
    missing = sorted({m for m, _ in shapes if m not in accelerators})
    if missing:
        t.error("file", f"{found}: GPU model(s) {', '.join(map(repr, missing))} not in [accelerators]"
                + did_you_mean(missing[0], list(accelerators)))
        return None
    groups = []
    for (model, cards), count in sorted(shapes.items()):
        name = f"openb-{model}-x{cards}"
        acc = accelerators[model]
        server = servers.setdefault(name, ServerModel(name, acc, cards, cards * acc.power_w / W_PER_KW, idle, busy))
        groups.append(RackGroup(name, site, OPERATOR, count, server.power_kw, server, 1, 1, ((0.0, count),)))
    return groups
