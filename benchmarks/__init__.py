"""Benchmarks of computesim against its performance targets (`make bench`).

    make bench                      # full run, about 15 minutes on a 2-core machine
    make bench ARGS=--quick         # smoke run, about a minute, horizons shrunk
    make bench ARGS="--only peers scaling --profile"

`make bench` installs the bench extra (ciw, pinned in requirements-bench.lock) first. Each
measurement runs in its own child process pinned to one CPU (benchmarks.child), and
results go to results/bench/bench.json and bench.txt. Targets:

- peers: on one M/M/64 workload at rho 0.9 (benchmarks/peers.py), the full model completes
  >= 4 x the customers per CPU second of the queueing simulator ciw and >= 2 x those of a
  plain SimPy `Resource` model (a bare heapq loop is shown beside them, as the floor);
- overhead: model job-events/s (3 per completed job) >= 1/3 of bare SimPy events/s,
  both measured in one process at the same number of pending events;
- scale: the three claimed sites (48,000 racks, 3.84 M accelerators, ~70 % busy) for one
  simulated year in <= 60 s;
- growth: time per job at 48,000 racks <= 1.5 x at 1,000 racks, load proportional (each the
  best of 3 rounds);
- Qingyang: a 20-year run of scenarios/qingyang.toml at ten times its market share (a site full
  for 20 years, ~9 M jobs) in <= 60 s, under 1 GiB peak RSS.

These are measurements, not tests: nothing here runs under `make test`, and a missed target
is reported, not raised (the exit code is non-zero only when a benchmark itself fails).
"""
