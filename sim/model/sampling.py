"""Representative periods: simulate a few windows of each year and weight them.

Each year of the run (from one anniversary of the start date to the next) is split into
`windows_per_year` equal periods; the middle `window_days` of each period are simulated and
stand for the whole period (weight = period length / window length). The middle, because a
path that changes steadily (prices falling, racks being built) averages over a period to its
value in the middle.

The windows are run back to back as one compressed simulation: the state at the end of one
window (running jobs, queued jobs, commissioned racks) is carried into the next, as if the gap
between them had not happened; a warm-up per window from an empty system would cost more than
the window. Carrying the state assumes the next window starts where this one stopped, which
holds when jobs settle within a window: a class whose jobs last longer on average than
SETTLE_SHARE of a window is simulated with shorter jobs and proportionally more of them (the
same accelerator-hours: see sim/workload/windows.py time_scale). Racks that come online in a gap arrive at once at
the next window: `warmup_days` of unweighted simulation before such a window let them fill;
`lead_in_days` before the first window, from no earlier than the start of the run.

`TimeMap` maps simulated hours to real ones and back; `compressed` (sim/workload/windows.py)
rewrites a scenario's build-out and long classes onto simulated time, and each class's
arrivals as their kind says (ArrivalsKind.on_windows: rate and work paths, arrival times).
Prices are quoted at the real hour and rents billed on the real calendar
(sim/simulation/sampled.py).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

from attrs import frozen

from sim.model.years import anniversary
from sim.units import HOURS_PER_DAY, HOURS_PER_YEAR


@frozen
class Sampling:
    windows_per_year: int
    window_days: int
    warmup_days: int = 0  # simulated, not counted, before a window when racks came online in the gap
    lead_in_days: int = 0  # simulated before the first window, from no earlier than the start

    def describe(self) -> str:
        text = (f"{self.windows_per_year} window(s) of {self.window_days} day(s) per year, each in the middle "
                "of its period and weighted by period length / window length")
        if self.warmup_days:
            text += f", after {self.warmup_days} unweighted warm-up day(s) where racks came online in the gap"
        if self.lead_in_days:
            text += f"; the first after a lead-in of up to {self.lead_in_days} day(s) from the start"
        return text + "; state carried from one window to the next"


@frozen
class Segment:
    """A stretch of simulated time: `length_h` hours from `sim_h`, standing for real hours
    from `real_h`; its money counts `weight` times (0 for a warm-up)."""

    sim_h: float
    real_h: float
    length_h: float
    weight: float
    period_start_h: float  # the real period it stands for
    period_end_h: float


def periods(start: dt.date, horizon_h: float, per_year: int) -> list[tuple[float, float]]:
    """Real (start, end) hours of the periods: each year from one anniversary to the next,
    split into `per_year` equal parts, the last cut at the horizon."""
    out: list[tuple[float, float]] = []
    y = 0
    while True:
        a = (anniversary(start, y) - start).days * HOURS_PER_DAY
        b = (anniversary(start, y + 1) - start).days * HOURS_PER_DAY
        if a >= horizon_h:
            return out
        step = (b - a) / per_year
        for k in range(per_year):
            p0 = a + k * step
            if p0 >= horizon_h:
                return out
            out.append((p0, min(a + (k + 1) * step, horizon_h)))
        y += 1


def _whole_days(hours: float) -> float:
    """Warm-ups are whole days, so that every simulated day lies in one segment."""
    return math.floor(hours / HOURS_PER_DAY + 1e-9) * HOURS_PER_DAY


class TimeMap:
    """Simulated hours <-> real hours over the segments of a sampled run."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments
        self.sim_starts = [s.sim_h for s in segments]
        self.real_ends = [s.real_h + s.length_h for s in segments]
        self.sim_horizon_h = segments[-1].sim_h + segments[-1].length_h if segments else 0.0

    @classmethod
    def build(cls, sampling: Sampling, start: dt.date, horizon_h: float, changes=()) -> TimeMap:
        """`changes`: real hours at which capacity or a rate changes; a window after a gap in
        which one falls gets the warm-up (the first window, the lead-in)."""
        changes = sorted(changes)
        segments: list[Segment] = []
        sim = 0.0
        w_h, u_h = sampling.window_days * HOURS_PER_DAY, sampling.warmup_days * HOURS_PER_DAY
        lead_h = sampling.lead_in_days * HOURS_PER_DAY
        last_end = 0.0
        for p0, p1 in periods(start, horizon_h, sampling.windows_per_year):
            length = p1 - p0
            window = min(w_h, length)
            w0 = p0 + (length - window) / 2
            if not segments:  # the first window may look back to the start (which starts empty too)
                warm = min(lead_h, _whole_days(w0))
            else:
                i = bisect.bisect_right(changes, last_end)
                changed = i < len(changes) and changes[i] <= w0
                warm = min(u_h, _whole_days(w0 - p0)) if changed else 0.0
            if warm > 0:
                segments.append(Segment(sim, w0 - warm, warm, 0.0, p0, p1))
                sim += warm
            segments.append(Segment(sim, w0, window, length / window, p0, p1))
            sim += window
            last_end = w0 + window
        return cls(segments)

    @property
    def seams_h(self) -> list[float]:
        """Simulated hours at which a segment follows another (where running work is billed)."""
        return [s.sim_h for s in self.segments[1:]]

    def segment_at(self, sim_h: float) -> Segment:
        i = max(0, bisect.bisect_right(self.sim_starts, sim_h) - 1)
        return self.segments[i]

    def real(self, sim_h: float) -> float:
        s = self.segment_at(sim_h)
        return s.real_h + (sim_h - s.sim_h)

    def segment_before(self, sim_h: float) -> tuple[float, float, float]:
        """(start, end, real - simulated hour) of the segment `sim_h` is in, a seam counting
        as the end of the segment before it (work done up to the seam was done there)."""
        i = max(0, bisect.bisect_left(self.sim_starts, sim_h) - 1)
        s = self.segments[i]
        lo = s.sim_h if i else -1.0  # the first segment also holds hour 0
        return lo, s.sim_h + s.length_h, s.real_h - s.sim_h

    def real_before(self, sim_h: float) -> float:
        return sim_h + self.segment_before(sim_h)[2]

    def compress(self, real_h: float) -> float | None:
        """The simulated hour of a real event: itself inside a segment, the start of the next
        segment inside a gap; None after the last segment."""
        i = bisect.bisect_right(self.real_ends, real_h)
        if i >= len(self.segments):
            return None
        s = self.segments[i]
        return s.sim_h + max(0.0, real_h - s.real_h)


def rate_points_on(tm: TimeMap, points, annual_growth: float = 0.0) -> tuple[tuple[float, float], ...]:
    """A path of real hours (linear through `points` and flat outside them, or growing
    continuously from its one point) as points on simulated time: each segment holds the
    values of the real hours it stands for."""
    pts = sorted(points, key=lambda p: p[0])
    ts = [float(t) for t, _ in pts]
    rs = [float(r) for _, r in pts]
    k = math.log1p(annual_growth) / HOURS_PER_YEAR if annual_growth else 0.0

    def rate(h: float) -> float:
        if k:  # within a window the curve is drawn as a line between its ends
            return rs[0] * math.exp(k * (h - ts[0]))
        if h <= ts[0]:
            return rs[0]
        if h >= ts[-1]:
            return rs[-1]
        j = bisect.bisect_right(ts, h) - 1
        if ts[j + 1] == ts[j]:
            return rs[j + 1]
        return rs[j] + (rs[j + 1] - rs[j]) * (h - ts[j]) / (ts[j + 1] - ts[j])

    out = []
    for s in tm.segments:
        end = s.real_h + s.length_h
        out.append((s.sim_h, rate(s.real_h)))
        for t, r in zip(ts, rs, strict=True):
            if s.real_h < t < end and not k:
                out.append((s.sim_h + t - s.real_h, r))
        out.append((s.sim_h + s.length_h, rate(end)))
    return tuple(out)


def speedup(sampling: Sampling, start: dt.date, horizon_h: float) -> float:
    tm = TimeMap.build(sampling, start, horizon_h)
    return horizon_h / tm.sim_horizon_h if tm.sim_horizon_h else math.inf
