"""The packing experiment of Weng et al., "Beware of Fragmentation" (USENIX ATC'23), on an
OpenB node list and pod list (sim/workload/openb.py): pods arrive one by one and never leave;
each goes where the placement policy puts it, or fails if no node can hold it (CPU, memory,
GPU model and cards all checked); arrivals stop once the GPU demand that has arrived reaches
a share of the cluster's GPUs. The trace is taken in its order; once it is used up it is
inflated by drawing its pods again, uniformly with replacement, from a stream seeded by the
seed (the paper inflates its traces by resampling too). The result: the share of GPUs left
unallocated, and the fragmentation rate (sim/scheduling/fragmentation.py) at the end.

Pure packing outside the SimPy model, vectorised over nodes with numpy: a node's expected
fragmentation for the workload's shapes is computed for all candidate nodes at once.

Policies:
- best-fit: the node with the least resources left after the pod, as the sum of its free
  shares of GPU and CPU; within it, the card with the least room that holds a share.
- fragmentation-aware (FGD): the node and card whose expected fragmentation grows least;
  ties to the tighter card, then the node listed first.
"""

from __future__ import annotations

import numpy as np
from attrs import frozen

from sim.workload.openb import MILLI, Node, Pod
from sim.workload.random import generator

POLICIES = ("best-fit", "fragmentation-aware")
MAX_CARDS = 64


@frozen
class PackingResult:
    policy: str
    seed: int
    gpus: int
    arrived_pods: int
    resampled_pods: int
    failed_pods: int
    arrived_gpu_milli: int
    allocated_gpu_milli: int
    fragmentation_rate: float

    @property
    def unallocated_share(self) -> float:
        return 1.0 - self.allocated_gpu_milli / (self.gpus * MILLI)


class Workload:
    """The task shapes of a pod list with their popularity (Weng et al. section 3): grouped by
    their GPU request (cards, share, models), each group with its pods' CPU and memory."""

    def __init__(self, pods: list[Pod], models: list[str]):
        counts: dict[tuple, int] = {}
        for p in pods:
            key = (p.num_gpu, p.gpu_milli if p.num_gpu else 0, p.gpu_spec, p.cpu_milli, p.memory_mib)
            counts[key] = counts.get(key, 0) + 1
        total = sum(counts.values())
        groups: dict[tuple, list[tuple[int, int, float]]] = {}
        for (n, m, spec, cpu, mem), c in counts.items():
            groups.setdefault((n, m, spec), []).append((cpu, mem, c / total))
        self.no_gpu = 0.0  # a task of no GPU cannot use any: all free GPU is fragmented to it
        self.groups = []
        for (n, m, spec), rows in groups.items():
            if n == 0:
                self.no_gpu += sum(r[2] for r in rows)
                continue
            allowed = None if not spec else np.array([mod in spec for mod in models])
            self.groups.append((n, m, allowed, np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                                np.array([r[2] for r in rows])))

    def fragment(self, C, cpu, mem, model) -> np.ndarray:
        """Expected fragmented milli of each row (free milli per card C, free CPU and memory, model index)."""
        free = C.sum(axis=1)
        out = self.no_gpu * free
        for n, m, allowed, cpus, mems, ps in self.groups:
            if m < MILLI:
                fits_gpu = (C >= m).any(axis=1)
                lost = np.where(C < m, C, 0).sum(axis=1)
            else:
                whole = (C == MILLI).sum(axis=1)
                fits_gpu = whole >= n
                lost = free - MILLI * whole
            if allowed is not None:
                fits_gpu = fits_gpu & allowed[model]
            pfit = ((cpu[:, None] >= cpus[None, :]) & (mem[:, None] >= mems[None, :])) @ ps
            pfit = np.where(fits_gpu, pfit, 0.0)
            out = out + pfit * lost + (ps.sum() - pfit) * free
        return out


class Packing:
    def __init__(self, nodes: list[Node], workload_pods: list[Pod]):
        self.models = sorted({n.model for n in nodes})
        width = max(1, max(n.gpus for n in nodes))
        if width > MAX_CARDS:
            raise ValueError(f"a node of {width} GPUs: at most {MAX_CARDS}")
        self.C = np.zeros((len(nodes), width), dtype=np.int64)
        for i, n in enumerate(nodes):
            self.C[i, :n.gpus] = MILLI
        self.cpu = np.array([n.cpu_milli for n in nodes], dtype=np.int64)
        self.mem = np.array([n.memory_mib for n in nodes], dtype=np.int64)
        self.cpu_cap = self.cpu.copy()
        self.gpu_cap = np.array([n.gpus for n in nodes], dtype=np.int64) * MILLI
        index = {m: i for i, m in enumerate(self.models)}
        self.model = np.array([index[n.model] for n in nodes], dtype=np.int64)
        self.workload = Workload(workload_pods, self.models)
        self.F = self.workload.fragment(self.C, self.cpu, self.mem, self.model)
        self.allocated = 0

    def feasible(self, pod: Pod) -> np.ndarray:
        ok = (self.cpu >= pod.cpu_milli) & (self.mem >= pod.memory_mib)
        if pod.num_gpu:
            if pod.gpu_spec:
                ok &= np.isin(self.model, [self.models.index(m) for m in pod.gpu_spec if m in self.models])
            if pod.gpu_milli < MILLI:
                ok &= (self.C >= pod.gpu_milli).any(axis=1)
            else:
                ok &= (self.C == MILLI).sum(axis=1) >= pod.num_gpu
        return np.flatnonzero(ok)

    def _after(self, rows, pod: Pod, slot=None):
        """Rows' cards after the pod: its share on card `slot`, or its whole cards on the first
        wholly free ones."""
        C = self.C[rows].copy()
        if pod.num_gpu and pod.gpu_milli < MILLI:
            C[np.arange(len(rows)), slot] -= pod.gpu_milli
        elif pod.num_gpu:
            whole = C == MILLI
            take = whole & (np.cumsum(whole, axis=1) <= pod.num_gpu)
            C[take] = 0
        return C

    def choose(self, pod: Pod, policy: str):
        """(node, card or -1) for the pod, or None if no node can hold it."""
        rows = self.feasible(pod)
        if not len(rows):
            return None
        share = pod.num_gpu and pod.gpu_milli < MILLI
        C = self.C[rows]
        if share:
            # One candidate per node and distinct free value (equal cards are alike): the first such card.
            cand_rows, cand_slots = [], []
            for j in range(C.shape[1]):
                first = np.ones(len(rows), dtype=bool) if j == 0 else ~(C[:, :j] == C[:, j:j + 1]).any(axis=1)
                pick = np.flatnonzero((C[:, j] >= pod.gpu_milli) & first)
                cand_rows.append(pick)
                cand_slots.append(np.full(len(pick), j))
            sel = np.concatenate(cand_rows)
            slots = np.concatenate(cand_slots)
            nodes = rows[sel]
            room_after = C[sel, slots] - pod.gpu_milli
        else:
            nodes, slots, room_after = rows, np.full(len(rows), -1), np.zeros(len(rows), dtype=np.int64)
        if policy == "best-fit":
            gpu_left = (self.C[nodes].sum(axis=1) - pod.gpu_demand_milli) / np.maximum(self.gpu_cap[nodes], 1)
            cpu_left = (self.cpu[nodes] - pod.cpu_milli) / self.cpu_cap[nodes]
            score = gpu_left + cpu_left
        else:
            after = self._after(nodes, pod, slots if share else None)
            score = self.workload.fragment(after, self.cpu[nodes] - pod.cpu_milli, self.mem[nodes] - pod.memory_mib,
                                           self.model[nodes]) - self.F[nodes]
            score = np.round(score, 6)  # ties: the tighter card, then the node listed first
        best = np.lexsort((slots, nodes, room_after, score))[0]
        return int(nodes[best]), int(slots[best])

    def place(self, pod: Pod, node: int, slot: int) -> None:
        row = np.array([node])
        self.C[node] = self._after(row, pod, np.array([slot]))[0]
        self.cpu[node] -= pod.cpu_milli
        self.mem[node] -= pod.memory_mib
        self.allocated += pod.gpu_demand_milli
        self.F[node] = self.workload.fragment(self.C[row], self.cpu[row], self.mem[row], self.model[row])[0]

    def fragmentation_rate(self) -> float:
        free = self.C.sum()
        return float(self.F.sum() / free) if free else 0.0


ORDERS = ("trace", "shuffled")


def arrivals(pods: list[Pod], seed: int, order: str = "trace"):
    """The pods in trace order (or shuffled by the seed), then drawn again with replacement,
    for ever: (pod, resampled)."""
    if order == "shuffled":
        pods = [pods[i] for i in generator(seed, "openb", "shuffle").permutation(len(pods)).tolist()]
    yield from ((p, False) for p in pods)
    rng = generator(seed, "openb", "resample")
    while True:
        for i in rng.integers(len(pods), size=1024).tolist():
            yield pods[i], True


def pack(nodes: list[Node], pods: list[Pod], policy: str, seed: int, demand_share: float = 1.0,
         order: str = "trace") -> PackingResult:
    """Pods arrive until the GPU demand arrived reaches `demand_share` of the cluster's GPUs."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    if not any(p.num_gpu for p in pods):
        raise ValueError("no pod asks for a GPU: the arrived GPU demand would never grow")
    packing = Packing(nodes, pods)
    gpus = sum(n.gpus for n in nodes)
    target = demand_share * gpus * MILLI
    arrived = demand = failed = resampled = 0
    for pod, again in arrivals(pods, seed, order):
        if demand >= target:
            break
        arrived += 1
        resampled += again
        demand += pod.gpu_demand_milli
        where = packing.choose(pod, policy)
        if where is None:
            failed += 1
            continue
        packing.place(pod, *where)
    return PackingResult(policy, seed, gpus, arrived, resampled, failed, demand, packing.allocated,
                         round(packing.fragmentation_rate(), 6))


def table(results: list[PackingResult]) -> str:
    """A Markdown table: per policy, the share of GPUs left unallocated (mean, min and max over
    the seeds), pods failed and resampled, and the fragmentation rate at the end."""
    lines = ["| policy | seeds | GPUs unallocated, % (mean) | min | max | pods arrived | failed | resampled "
             "| fragmentation rate at the end |",
             "|---|---|---|---|---|---|---|---|---|"]
    for policy in dict.fromkeys(r.policy for r in results):
        rs = [r for r in results if r.policy == policy]
        un = [100 * r.unallocated_share for r in rs]
        lines.append(f"| {policy} | {len(rs)} | {sum(un) / len(un):.2f} | {min(un):.2f} | {max(un):.2f} "
                     f"| {sum(r.arrived_pods for r in rs) / len(rs):.0f} | {sum(r.failed_pods for r in rs) / len(rs):.0f} "
                     f"| {sum(r.resampled_pods for r in rs) / len(rs):.0f} "
                     f"| {sum(r.fragmentation_rate for r in rs) / len(rs):.3f} |")
    return "\n".join(lines) + "\n"
