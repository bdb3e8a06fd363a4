"""Replaying a trace as a job stream, time-scaled, scaled in load, looped.

The trace's own sizes and durations are kept; patience and price limits are the class's.

Scaling the load (`scale`, or `load` against the class's capacity): the stream is built from
K = ceil(largest multiplier) copies of the trace, copy j rotated by (j x stride) whole weeks
within the trace's period (stride coprime with the weeks in the period, so copies start in
different weeks while the hour of day and the day of week are kept). Each job of each copy
is kept with probability multiplier(t) / K, a seeded draw, so each trace job appears
multiplier(t) times on average. With no scaling (or an integer `scale`) nothing is drawn:
one copy, or `scale` copies, of every job. Rotated copies rather than batches of identical
jobs: a bigger market is more users, not the same users submitting the same job many times.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sim.model.demand import ClientClass
from sim.model.workload import TraceReplay

HOURS_PER_WEEK = 168.0


def stride(weeks: int) -> int:
    """A rotation step in weeks, coprime with `weeks`, near the golden section of it."""
    if weeks <= 2:
        return 1
    s = max(1, round(weeks * 0.618))
    while math.gcd(s, weeks) != 1:
        s -= 1
    return s


def mean_busy(spec: TraceReplay) -> float:
    """Mean busy accelerators of the trace replayed once per period (after speedup)."""
    return spec.jobs.accelerator_hours * spec.speedup / spec.jobs.period_h


class Multiplier:
    """How many times each trace job arrives on average, at replay hour t."""

    def __init__(self, spec: TraceReplay, capacity_path):
        self.spec = spec
        self.points_h = np.array([t for t, _ in capacity_path], dtype=float)
        self.capacity = np.array([a for _, a in capacity_path], dtype=float)

    def at(self, t: np.ndarray) -> np.ndarray | float:
        spec = self.spec
        if spec.load is not None:
            busy = mean_busy(spec)
            if busy <= 0.0 or len(self.points_h) == 0:
                return np.zeros_like(t)
            i = np.searchsorted(self.points_h, t, side="right") - 1
            return spec.load * np.where(i >= 0, self.capacity[np.maximum(i, 0)], 0.0) / busy
        return 1.0 if spec.scale is None else spec.scale

    def most(self) -> float:
        spec = self.spec
        if spec.load is not None:
            busy = mean_busy(spec)
            top = float(self.capacity.max()) if len(self.capacity) else 0.0
            return spec.load * top / busy if busy > 0.0 else 0.0
        return 1.0 if spec.scale is None else spec.scale


class ReplayStream:
    def __init__(self, index: int, client: ClientClass, seed: int, capacity_path, draws, rng):
        self.index = index
        self.spec: TraceReplay = client.arrivals
        self.draws = draws  # the class's patience and price limit
        self.rng = rng  # keep-or-drop draws when scaling
        self.multiplier = Multiplier(self.spec, capacity_path)

    def _period(self, k: int, loop: int, rotated: list[tuple[np.ndarray, np.ndarray]]):
        """Times and trace indices of the jobs kept in one period, in time order."""
        spec = self.spec
        period = spec.jobs.period_h / spec.speedup
        times, picks = [], []
        for base_t, order in rotated:
            t = base_t + loop * period
            m = self.multiplier.at(t)
            if isinstance(m, float) and m >= k:
                keep = None  # every job of every copy: nothing to draw
            else:
                keep = self.rng.random(len(t)) < np.asarray(m) / k
            times.append(t if keep is None else t[keep])
            picks.append(order if keep is None else order[keep])
        t = np.concatenate(times)
        at = np.argsort(t, kind="stable")  # ties: copy order, then trace order
        return t[at], np.concatenate(picks)[at]

    def _rotated(self, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each of k copies: its times within the first period and trace indices, sorted."""
        jobs, speedup = self.spec.jobs, self.spec.speedup
        weeks = round(jobs.period_h / HOURS_PER_WEEK)
        step = stride(weeks)
        base = jobs.arrival_h / speedup
        period = jobs.period_h / speedup
        index = np.arange(len(base))
        out = []
        for j in range(k):
            shift = ((j * step) % weeks) * HOURS_PER_WEEK / speedup
            t = base + shift
            wrap = t >= period
            # The wrapped tail comes first; each part keeps its order, so the whole is sorted.
            out.append((np.concatenate([t[wrap] - period, t[~wrap]]),
                        np.concatenate([index[wrap], index[~wrap]])))
        return out

    def __iter__(self) -> Iterator:
        from sim.workload.stream import JobRecord  # built on the seam's record; no import cycle

        most = self.multiplier.most()
        if not most > 0.0:
            return
        k = max(1, math.ceil(most - 1e-12))
        rotated = self._rotated(k)
        jobs = self.spec.jobs
        sizes, durations = jobs.size.tolist(), jobs.duration_h.tolist()
        index, price, patience = self.index, self.draws.max_price_fen, self.draws.patience
        loop = 0
        while True:
            times, picks = self._period(k, loop, rotated)
            for t, i in zip(times.tolist(), picks.tolist()):
                yield JobRecord(t, index, sizes[i], durations[i],
                                next(patience) if patience is not None else None, price)
            if not self.spec.loop:
                return
            loop += 1


def expected_jobs(spec: TraceReplay, capacity_accelerator_hours: float, horizon_h: float) -> float:
    """Mean number of arrivals before the horizon (for the work budget). With `load`, as an
    offered load: load x commissioned accelerator-hours / accelerator-hours per job."""
    jobs = spec.jobs
    n = len(jobs.arrival_h)
    if spec.load is not None:
        per_job = jobs.accelerator_hours / n
        return spec.load * capacity_accelerator_hours / per_job if per_job > 0 else 0.0
    times = jobs.arrival_h / spec.speedup
    period = jobs.period_h / spec.speedup
    if spec.loop:
        loops, rest = divmod(horizon_h, period)
        count = loops * n + np.searchsorted(times, rest, side="left")
    else:
        count = np.searchsorted(times, horizon_h, side="left")
    return float(count) * (1.0 if spec.scale is None else spec.scale)
