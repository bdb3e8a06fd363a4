"""The same M/M/c workload through the full model and through three peers: the queueing
simulator ciw, a plain SimPy `Resource` model and a bare heapq event loop.

Each engine draws its own numbers (the way its users would), simulates the same horizon
at the same rates from an empty system, and is timed over the simulation alone (CPU
seconds); the rate is customers completed per second. Building the model, or ciw's
network, is not timed.
"""

from __future__ import annotations

import gc
import heapq
import random
import time
from collections import deque

import simpy

from benchmarks import scenarios
from sim.simulation.run import Model


def _cpu(fn):
    """(result of fn(), CPU seconds it took), with the collector settled first."""
    gc.collect()
    c0 = time.process_time()
    out = fn()
    return out, time.process_time() - c0


def run_model(c: int, rho: float, horizon_h: float, seed: int) -> tuple[int, float]:
    model = Model(scenarios.mmc(c, rho, horizon_h, seed))
    _, cpu = _cpu(model.run)
    return sum(s.completed for s in model.sched.classes), cpu


def run_ciw(c: int, rho: float, horizon_h: float, seed: int) -> tuple[int, float]:
    import ciw  # the bench extra: `make bench` installs it

    mu = 1 / scenarios.MMC_MEAN_HOURS
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rho * c * mu)],
        service_distributions=[ciw.dists.Exponential(rate=mu)],
        number_of_servers=[c],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    _, cpu = _cpu(lambda: sim.simulate_until_max_time(horizon_h))
    return len(sim.get_all_records()), cpu


def run_simpy_resource(c: int, rho: float, horizon_h: float, seed: int) -> tuple[int, float]:
    """The textbook SimPy model: a source process, one process per customer, a Resource."""
    rng = random.Random(seed)
    mu = 1 / scenarios.MMC_MEAN_HOURS
    lam = rho * c * mu
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    done = 0

    def customer():
        nonlocal done
        with servers.request() as req:
            yield req
            yield env.timeout(rng.expovariate(mu))
        done += 1

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    _, cpu = _cpu(lambda: env.run(until=horizon_h))
    return done, cpu


ARRIVAL, DEPARTURE = 0, 1


def run_heapq(c: int, rho: float, horizon_h: float, seed: int) -> tuple[int, float]:
    """The floor: an M/M/c event loop on a heap of (time, kind) tuples, nothing else."""
    rng = random.Random(seed)
    mu = 1 / scenarios.MMC_MEAN_HOURS
    lam = rho * c * mu

    def loop() -> int:
        exp, push, pop = rng.expovariate, heapq.heappush, heapq.heappop
        events = [(exp(lam), ARRIVAL)]
        waiting: deque[float] = deque()
        busy = done = 0
        while True:
            t, kind = pop(events)
            if t >= horizon_h:
                return done
            if kind == ARRIVAL:
                push(events, (t + exp(lam), ARRIVAL))
                if busy < c:
                    busy += 1
                    push(events, (t + exp(mu), DEPARTURE))
                else:
                    waiting.append(t)
            else:
                done += 1
                if waiting:
                    waiting.popleft()
                    push(events, (t + exp(mu), DEPARTURE))
                else:
                    busy -= 1

    return _cpu(loop)


ENGINES = {
    "model": run_model,
    "ciw": run_ciw,
    "simpy-resource": run_simpy_resource,
    "heapq": run_heapq,
}


def peers(c: int, rho: float, customers: int, repeats: int, seed: int = 1) -> dict:
    """Every engine `repeats` times, alternated so that a busy spell on the machine hits
    them alike; the best rate of each is kept."""
    horizon_h = customers / (rho * c) * scenarios.MMC_MEAN_HOURS
    runs: dict[str, list[dict]] = {name: [] for name in ENGINES}
    for r in range(repeats):
        for name, engine in ENGINES.items():
            done, cpu = engine(c, rho, horizon_h, seed + r)
            runs[name].append({"completed": done, "cpu_s": cpu, "per_s": done / cpu})
    best = {name: max(rs, key=lambda x: x["per_s"]) for name, rs in runs.items()}
    model = best["model"]["per_s"]
    return {
        "c": c, "rho": rho, "customers": customers, "horizon_h": horizon_h, "repeats": repeats,
        "best": best, "all_per_s": {name: [x["per_s"] for x in rs] for name, rs in runs.items()},
        "model_over": {name: model / b["per_s"] for name, b in best.items() if name != "model"},
    }
