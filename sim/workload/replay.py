"""Replaying a trace as a job stream, time-scaled, scaled in load, looped.

The trace's own sizes and durations are kept; patience and price limits are the class's.

Scaling the load: a multiplier m(t), how many times each trace job arrives on average at
replay hour t, is `scale` (fixed); or target(t) / the trace's own P-hours a year, for a target
of dense P-hours a year (`pflops_hours_per_year`, a dated path, or a `market_share` of
[market]: absolute demand, whatever capacity is built) following its path over time; or
`load` x the class's commissioned accelerators / the trace's mean busy accelerators (the
what-if: demand follows capacity). The trace's own rate is its accelerator-hours over its
period (the whole weeks that cover it) after speedup, x 8,760 h x the class's dense P per
accelerator. Each period of the replay is then built from K = ceil(largest m in that period)
copies of the trace, copy j rotated by (j x stride) whole weeks within the period (stride
coprime with the weeks in the period, so copies start in different weeks while the hour of
day and the day of week are kept; copies beyond the number of weeks are also shifted by whole
days). Each job of each copy is kept with probability m(t) / K at its arrival hour t, a seeded
draw, so each trace job appears m(t) times on average: over whole periods of a constant
target, the P-hours replayed are the target exactly in expectation. With no scaling (or an
integer m) nothing is drawn: one copy, or m copies, of every job. Rotated copies rather than
batches of identical jobs: a bigger market is more users, not the same users submitting the
same job many times.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import cast

import numpy as np

from sim.model.client import ClientClass
from sim.model.demand import WorkPath
from sim.model.workload import TraceReplay
from sim.units import HOURS_PER_DAY, HOURS_PER_YEAR
from sim.workload.arrivals import expected_arrivals
from sim.workload.demand import path_rate
from sim.workload.kind import ArrivalsKind
from sim.workload.random import generator
from sim.workload.record import Draws, JobRecord

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


def pflops_hours_per_year(spec: TraceReplay, pflops_dense: float) -> float:
    """Dense P-hours a year the trace brings replayed once per period (after speedup)."""
    return mean_busy(spec) * HOURS_PER_YEAR * pflops_dense


def work_at(work: WorkPath, t):
    """The target in P-hours a year at hours `t` (an array): piecewise linear through the
    points and flat outside them, or growing continuously from the one point."""
    if work.annual_growth:
        (t0, v0), = work.points
        return v0 * np.exp(math.log1p(work.annual_growth) / HOURS_PER_YEAR * (np.asarray(t, dtype=float) - t0))
    return np.interp(t, [p[0] for p in work.points], [p[1] for p in work.points])


def work_most(work: WorkPath, start_h: float, end_h: float) -> float:
    """The largest target over [start_h, end_h] (end_h may be inf)."""
    if work.annual_growth:
        if end_h == math.inf:
            return math.inf if work.annual_growth > 0 else float(work_at(work, start_h))
        return float(max(work_at(work, start_h), work_at(work, end_h)))
    ends = [float(work_at(work, start_h)), work.points[-1][1] if end_h == math.inf else float(work_at(work, end_h))]
    return max(ends + [v for t, v in work.points if start_h < t < end_h])


class Multiplier:
    """How many times each trace job arrives on average, at replay hour t."""

    def __init__(self, spec: TraceReplay, capacity_path, pflops_dense: float | None = None):
        self.spec = spec
        self.points_h = np.array([t for t, _ in capacity_path], dtype=float)
        self.capacity = np.array([a for _, a in capacity_path], dtype=float)
        self.per_year = 0.0  # the trace's own P-hours a year, for a target in P-hours (read only then)
        self.constant: float | None = None  # the multiplier of a constant target
        if spec.work is not None:
            if pflops_dense is None:
                raise ValueError("a trace replayed to P-hours a year needs the class's dense P per accelerator")
            self.per_year = pflops_hours_per_year(spec, pflops_dense)
            if not spec.work.annual_growth and len(spec.work.points) == 1:
                m = spec.work.points[0][1] / self.per_year if self.per_year > 0.0 else 0.0
                # A whole multiple of the trace (to rounding) replays whole copies: nothing drawn.
                self.constant = float(round(m)) if abs(m - round(m)) < 1e-9 * max(m, 1.0) else m

    def at(self, t: np.ndarray) -> np.ndarray | float:
        spec = self.spec
        if self.constant is not None:
            return self.constant
        if spec.work is not None:
            if self.per_year <= 0.0:
                return np.zeros_like(t)
            return work_at(spec.work, t) / self.per_year
        if spec.load is not None:
            busy = mean_busy(spec)
            if busy <= 0.0 or len(self.points_h) == 0:
                return np.zeros_like(t)
            i = np.searchsorted(self.points_h, t, side="right") - 1
            return spec.load * np.where(i >= 0, self.capacity[np.maximum(i, 0)], 0.0) / busy
        return 1.0 if spec.scale is None else spec.scale

    def most(self, start_h: float, end_h: float) -> float:
        """The largest multiplier over [start_h, end_h)."""
        spec = self.spec
        if self.constant is not None:
            return self.constant
        if spec.work is not None:
            return work_most(spec.work, start_h, end_h) / self.per_year if self.per_year > 0.0 else 0.0
        if spec.load is not None:
            busy = mean_busy(spec)
            if busy <= 0.0 or len(self.capacity) == 0:
                return 0.0
            lo = np.searchsorted(self.points_h, start_h, side="right") - 1
            hi = np.searchsorted(self.points_h, end_h, side="left")
            top = float(self.capacity[max(lo, 0):max(hi, lo + 1)].max()) if hi > 0 else 0.0
            return spec.load * top / busy
        return 1.0 if spec.scale is None else spec.scale


class ReplayStream:
    def __init__(self, index: int, client: ClientClass, seed: int, capacity_path, draws, rng):
        self.index = index
        self.spec = cast(TraceReplay, client.arrivals)  # the replay kind's own record (KINDS)
        self.draws = draws  # the class's patience, price limit and willingness to pay
        self.rng = rng  # keep-or-drop draws when scaling
        self.multiplier = Multiplier(self.spec, capacity_path, client.pflops_dense)

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
            # Whole weeks for the first `weeks` copies; further ones one more whole day each
            # round (the hour of day kept, not the weekday), so that copies do not coincide.
            shift = (((j * step) % weeks) * HOURS_PER_WEEK + (j // weeks % 7) * 24.0) / speedup
            t = base + shift
            wrap = t >= period
            # The wrapped tail comes first; each part keeps its order, so the whole is sorted.
            out.append((np.concatenate([t[wrap] - period, t[~wrap]]),
                        np.concatenate([index[wrap], index[~wrap]])))
        return out

    def __iter__(self) -> Iterator:
        jobs = self.spec.jobs
        period = jobs.period_h / self.spec.speedup
        sizes, durations = jobs.size.tolist(), jobs.duration_h.tolist()
        millis, models = (jobs.milli.tolist(), jobs.models or ()) if jobs.milli is not None else ([], ())
        index, price, patience, wtp = self.index, self.draws.max_price_fen, self.draws.patience, self.draws.wtp
        rotations = {}
        loop = 0
        while True:
            # Copies enough for the largest multiplier in this period (capacity grows).
            most = self.multiplier.most(loop * period, (loop + 1) * period)
            k = math.ceil(most - 1e-12) if most > 0.0 else 0
            if k > 0:
                if k not in rotations:
                    rotations[k] = self._rotated(k)
                times, picks = self._period(k, loop, rotations[k])
                if jobs.milli is not None:  # a pod list: each job its own share and models
                    for t, i in zip(times.tolist(), picks.tolist(), strict=True):
                        yield JobRecord(t, index, sizes[i], durations[i],
                                        next(patience) if patience is not None else None, price,
                                        next(wtp) if wtp is not None else None, millis[i], models[i])
                else:
                    for t, i in zip(times.tolist(), picks.tolist(), strict=True):
                        yield JobRecord(t, index, sizes[i], durations[i],
                                        next(patience) if patience is not None else None, price,
                                        next(wtp) if wtp is not None else None)
            if not self.spec.loop or (k == 0 and self.multiplier.most(loop * period, math.inf) <= 0.0):
                return
            loop += 1


def expected_jobs(spec: TraceReplay, capacity_accelerator_hours: float, horizon_h: float,
                  pflops_hours: float | None = None, pflops_dense: float | None = None) -> float:
    """Mean number of arrivals before the horizon (for the work budget). With `load`, as an
    offered load: load x commissioned accelerator-hours / accelerator-hours per job; with a
    target in P-hours, `pflops_hours` (the target's P-hours over the hours replayed) / P-hours
    per job at `pflops_dense`."""
    jobs = spec.jobs
    n = len(jobs.arrival_h)
    if spec.load is not None:
        per_job = jobs.accelerator_hours / n
        return spec.load * capacity_accelerator_hours / per_job if per_job > 0 else 0.0
    if spec.work is not None:
        per_job = jobs.accelerator_hours / n * (pflops_dense or 0.0)
        return (pflops_hours or 0.0) / per_job if per_job > 0 else 0.0
    times = jobs.arrival_h / spec.speedup
    period = jobs.period_h / spec.speedup
    if spec.loop:
        loops, rest = divmod(horizon_h, period)
        count = float(loops * n + np.searchsorted(times, rest, side="left"))
    else:
        count = float(np.searchsorted(times, horizon_h, side="left"))
    return count * (1.0 if spec.scale is None else spec.scale)


class ReplayArrivals(ArrivalsKind):
    """A `workload.trace`: arrivals, sizes and durations from a trace file, scaled and looped."""

    name = "trace replay"
    table = "workload"
    # Not sampled: the trace's hours are on the real calendar: not mapped onto windows yet

    def stream(self, index, client, seed, capacity_path):
        return ReplayStream(index, client, seed, capacity_path, Draws(index, client, seed),
                            generator(seed, "client", client.tenant or "", client.name, "replay"))

    def expected_jobs(self, client, horizon_h, capacity_h, per_job_h=None):
        a = client.arrivals
        work = None
        if a.work is not None:  # the target's P-hours over the hours replayed
            end = horizon_h if a.loop else min(horizon_h, a.jobs.period_h / a.speedup)
            work = expected_arrivals(path_rate(a.work.points, a.work.annual_growth, 1.0 / HOURS_PER_YEAR), end)
        return expected_jobs(a, capacity_h, horizon_h, work, client.pflops_dense)

    def expected_pflops_hours(self, client, horizon_h, capacity_h):
        jobs = client.arrivals.jobs
        per_job = jobs.accelerator_hours / len(jobs.arrival_h) if len(jobs.arrival_h) else 0.0
        return self.expected_jobs(client, horizon_h, capacity_h) * per_job * (client.pflops_dense or 0.0)

    def why(self, client, horizon_h, expected):
        a = client.arrivals
        how = (f", load {a.load:g}" if a.load is not None else f", scale {a.scale:g}" if a.scale is not None
               else f", up to {work_most(a.work, 0.0, horizon_h):.3g} dense P-hours a year" if a.work is not None
               else "")
        return (f"a replay of {len(a.jobs.arrival_h):,} trace jobs every "
                f"{a.jobs.period_h / a.speedup / HOURS_PER_DAY:g} days{how}")

    def market_share(self, spec):
        return None if spec.market_share is None else ("", spec.market_share)

    def states_work(self, spec):
        return spec.work is not None

    def shares_cards(self, spec):
        return spec.jobs.milli is not None and bool(spec.jobs.milli.any())
