"""Seeds for replications and sweep runs, spawned from a root seed on a stable key.

A run's seed depends only on the root seed and its key (replication r; point p and
replication r), never on the worker, the clock or the order of completion, so a table is
the same whatever executes it. The simulation then derives its own streams from that seed.
"""

from __future__ import annotations

import numpy as np

# Entropy tag for the sweep's own sampler (Latin hypercube, Sobol, SALib designs): kept
# apart from every run's seed, which spawns from the root seed alone.
SAMPLER_TAG = 0x5A4D_504C  # "SMPL"


def run_seed(root_seed: int, *key: int) -> int:
    """An int64-safe, non-negative seed for the run with this key (e.g. (point, rep))."""
    state = np.random.SeedSequence(root_seed, spawn_key=tuple(int(k) for k in key)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def sampler_rng(root_seed: int, *key: int) -> np.random.Generator:
    """A Generator for drawing a design (which points to run), apart from the runs' seeds."""
    return np.random.default_rng(np.random.SeedSequence([root_seed, SAMPLER_TAG], spawn_key=tuple(key)))
