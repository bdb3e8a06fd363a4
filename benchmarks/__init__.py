"""Benchmarks of computesim against its performance targets (`make bench`).

    make bench                      # full run, about 13 minutes on a 2-core machine
    make bench ARGS=--quick         # smoke run, under a minute, horizons shrunk
    make bench ARGS="--only scaling rate --profile"

Each measurement runs in its own child process pinned to one CPU (benchmarks.child), and
results go to results/bench/bench.json and bench.txt. Targets:

- overhead: model job-events/s (3 per completed job) >= 1/3 of bare SimPy events/s,
  both measured in one process at the same number of pending events;
- scale: the three claimed sites (48,000 racks, 3.84 M accelerators, ~70 % busy) for one
  simulated year in <= 60 s;
- growth: time per job at 16,000 racks <= 1.5 x at 1,000 racks, load proportional;
- memory: a 20-year run of scenarios/qingyang.toml under 1 GiB peak RSS.

These are measurements, not tests: nothing here runs under `make test`, and a missed target
is reported, not raised (the exit code is non-zero only when a benchmark itself fails).
"""
