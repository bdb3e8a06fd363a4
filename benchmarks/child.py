"""Child-process entry: `python -m benchmarks.child KIND JSON_ARGS`.

Prints `progress FRACTION SECONDS` lines while it runs (full runs only) and, last,
`result JSON`. Each measurement gets a fresh interpreter on one CPU, so timings do not
inherit another run's heap and the peak RSS is this run's alone.
"""

from __future__ import annotations

import json
import os
import sys


def pin_one_cpu() -> None:
    # The targets are per core: keep the child on one CPU (the parent mostly sleeps).
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def main(argv: list[str]) -> int:
    kind, args = argv[0], json.loads(argv[1])
    if kind != "sweep":  # the sweep stage measures parallel workers: both CPUs
        pin_one_cpu()
    import sim
    from benchmarks import measure, peers, profiling, scenarios, sweeps

    if kind == "peers":
        out = peers.peers(**args)
    elif kind == "rate":
        out = measure.model_rate(**args)
    elif kind == "scale":
        out = measure.scaling_point(**args)
    elif kind == "three-sites":
        out = measure.full_run(scenarios.three_sites(args["horizon_days"]))
    elif kind == "scenario":
        out = measure.full_run(sim.load_scenario(args["path"], args["overrides"]))
    elif kind == "sweep":
        out = sweeps.executors(**args)
    elif kind == "run":
        out = measure.sim_run(sim.load_scenario(args["path"], args["overrides"]))
    elif kind == "profile":
        out = profiling.profile(**args)
    else:
        print(f"unknown benchmark {kind!r}", file=sys.stderr)
        return 2
    print("result " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
