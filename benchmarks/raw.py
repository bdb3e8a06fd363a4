"""Bare SimPy: the floor any model on SimPy pays per event."""

from __future__ import annotations

import random
import time

import simpy

_MASK = (1 << 16) - 1


def raw_rate(events: int, pending: int, seed: int = 1) -> dict:
    """Chains of `env.timeout` events with a callback (no processes), `pending` of them
    scheduled at any time, as a model keeps one finish timeout per running job.

    SimPy's cost per event grows with the heap, so compare a model with a raw loop holding
    as many pending events as the model does.
    """
    pending = max(1, int(pending))
    env = simpy.Environment()
    rng = random.Random(seed)
    delays = [rng.expovariate(1.0) for _ in range(_MASK + 1)]  # drawn up front: not SimPy's cost
    timeout = env.timeout
    n = 0

    def fire(ev):
        nonlocal n
        n += 1
        timeout(delays[n & _MASK]).callbacks.append(fire)

    for i in range(pending):
        timeout(delays[i & _MASK]).callbacks.append(fire)
    w0, c0 = time.perf_counter(), time.process_time()
    env.run(until=events / pending)  # each chain fires about once per unit of time
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"events": n, "pending": pending, "cpu_s": cpu, "wall_s": wall, "events_per_s": n / cpu}
