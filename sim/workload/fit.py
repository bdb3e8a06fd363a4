"""Fitting a generated client class to a trace: sizes, durations by size band, arrivals.

- Sizes: the empirical distribution (job counts by accelerators).
- Durations, per size band: lognormal, Weibull and gamma (scipy.stats maximum likelihood,
  location 0) and mixtures of 2..k lognormals (EM on log durations); the smallest AIC wins,
  and every candidate's AIC and KS statistic against the band's durations is kept. A
  mixture earns its place: job durations are multimodal (jobs that fail in a minute, jobs
  of half an hour, runs of days), and single laws miss the modes by a KS distance of 0.1.
- Arrivals: the mean rate; hour-of-day and day-of-week profiles (jobs per clock hour and
  per weekday, divided by how often each occurs in the trace's span); and a two-state
  Markov-modulated Poisson process (sim.model.workload.Bursts) whose inter-arrival CV and
  indices of dispersion of counts in 1 h and 24 h windows equal the trace's, found by least
  squares from the closed forms below.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from itertools import pairwise

import numpy as np
from attrs import frozen
from scipy import optimize, stats

from sim.model.demand import Fixed, Lognormal, Sizes
from sim.model.workload import Bursts, Gamma, Mixture, TraceJobs, Weibull
from sim.workload.distributions import AnyDuration, frozen_duration

DEFAULT_BANDS = (1, 2, 8)  # lower edges: 1 accelerator, 2-7, 8 and more
IDC_WINDOWS_H = (1.0, 24.0)
MIN_LOG_SD = 0.05  # a mixture component narrower than this would sit on one whole second
LOG_STEP = 0.01  # log durations are rounded to this for EM


@frozen
class Candidate:
    name: str
    spec: object  # a duration spec (sim.model)
    aic: float
    ks: float  # one-sample KS statistic against the band's durations


@frozen
class DurationFit:
    sizes: tuple[int, ...]
    jobs: int
    chosen: Candidate
    candidates: tuple[Candidate, ...]


@frozen
class ArrivalFit:
    rate_per_hour: float
    hour_of_day: tuple[float, ...]  # mean 1
    day_of_week: tuple[float, ...]  # mean 1, Monday first
    bursts: Bursts | None  # None: arrivals no burstier than Poisson
    gap_cv: float  # the trace's
    model_gap_cv: float
    idc: tuple[tuple[float, float, float], ...]  # (window hours, trace, model)


@frozen
class TraceFit:
    jobs: int
    first: dt.datetime
    last: dt.datetime
    sizes: Sizes
    overall: DurationFit
    bands: tuple[DurationFit, ...]
    arrivals: ArrivalFit


# --- durations ------------------------------------------------------------------------------
def em_lognormal(values: np.ndarray, counts: np.ndarray, k: int, iterations: int = 2000):
    """Weights, means and sds of k normals fitted by EM to log values with counts; and the
    log-likelihood of the log values. Starts from quantiles, so it is deterministic."""
    n = counts.sum()
    cum = np.cumsum(counts) / n
    mu = values[np.searchsorted(cum, (np.arange(k) + 0.5) / k)].astype(float)
    sd = np.full(k, max(np.sqrt(np.average((values - np.average(values, weights=counts)) ** 2, weights=counts)) / k,
                        MIN_LOG_SD))
    w = np.full(k, 1.0 / k)
    last = -np.inf
    x = values[:, None]
    half_log_2pi = 0.5 * math.log(2.0 * math.pi)
    for _ in range(iterations):
        lp = np.log(w) - np.log(sd) - half_log_2pi - 0.5 * ((x - mu) / sd) ** 2
        top = lp.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(lp - top).sum(axis=1))
        ll = float(np.dot(counts, lse))
        r = np.exp(lp - lse[:, None]) * counts[:, None]
        nk = r.sum(axis=0)
        keep = nk > 0
        w = np.where(keep, nk / n, 1e-12)
        mu = np.where(keep, (r * x).sum(axis=0) / np.maximum(nk, 1e-300), mu)
        sd = np.maximum(np.sqrt((r * (x - mu) ** 2).sum(axis=0) / np.maximum(nk, 1e-300)), MIN_LOG_SD)
        if ll - last <= 1e-8 * abs(ll):
            break
        last = ll
    return w / w.sum(), mu, sd, ll


def _mixture_loglik(values, counts, w, mu, sd) -> float:
    lp = np.log(w) + stats.norm.logpdf(values[:, None], mu, sd)
    top = lp.max(axis=1, keepdims=True)
    return float(np.dot(counts, top[:, 0] + np.log(np.exp(lp - top).sum(axis=1))))


def _cdf(spec):
    if isinstance(spec, Mixture):
        parts = [(w, frozen_duration(c)) for w, c in zip(spec.weights, spec.components, strict=True)]
        total = sum(spec.weights)
        return lambda x: sum(w * d.cdf(x) for w, d in parts) / total
    return frozen_duration(spec).cdf


def fit_durations(hours: np.ndarray, sizes: tuple[int, ...], max_components: int = 5) -> DurationFit:
    x = np.asarray(hours, dtype=float)
    if len(np.unique(x)) < 3:  # nothing to fit a law to
        only = Candidate("fixed (too few distinct durations to fit)", Fixed(float(np.median(x))), math.nan, math.nan)
        return DurationFit(sizes, len(x), only, (only,))
    logs = np.log(x)
    candidates: list[tuple[str, AnyDuration, float]] = []
    for name, law, make in (("lognormal", stats.lognorm, lambda s, scale: Lognormal(scale, s)),
                            ("weibull", stats.weibull_min, lambda c, scale: Weibull(scale, c)),
                            ("gamma", stats.gamma, lambda a, scale: Gamma(scale, a))):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # small samples: scipy's fits warn, we judge by AIC
            shape, _, scale = law.fit(x, floc=0)
            ll = float(law.logpdf(x, shape, 0, scale).sum())
        if math.isfinite(ll) and shape > 0 and scale > 0:
            candidates.append((name, make(float(shape), float(scale)), 2 * 2 - 2 * ll))
    # EM runs on log durations rounded to 1 % (a few thousand points at most, not one per
    # job); the likelihood for the AIC is then taken on the exact durations.
    values, counts = np.unique(np.round(logs / LOG_STEP) * LOG_STEP, return_counts=True)
    exact, exact_counts = np.unique(logs, return_counts=True)
    for k in range(2, max_components + 1):
        if len(values) < 3 * k:
            break
        w, mu, sd, _ = em_lognormal(values, counts.astype(float), k)
        ll = _mixture_loglik(exact, exact_counts, w, mu, sd)
        order = np.argsort(mu)
        spec = Mixture(tuple(float(w[i]) for i in order),
                       tuple(Lognormal(float(np.exp(mu[i])), float(sd[i])) for i in order))
        # The density of x is the density of log x over x: the log-likelihood loses sum(log x).
        candidates.append((f"mixture of {k} lognormals", spec, 2 * (3 * k - 1) - 2 * (ll - float(logs.sum()))))
    scored = tuple(Candidate(name, spec, aic, float(stats.kstest(x, _cdf(spec)).statistic))
                   for name, spec, aic in candidates)
    return DurationFit(sizes, len(x), min(scored, key=lambda c: c.aic), scored)


# --- bursts: a two-state MMPP ---------------------------------------------------------------
def mmpp_rates(rate: float, b: Bursts) -> tuple[float, float, float, float]:
    """(busy rate, quiet rate, busy->quiet, quiet->busy) per hour."""
    return (rate * b.busy_multiplier, rate * b.quiet_multiplier, 1.0 / b.mean_busy_hours, 1.0 / b.mean_quiet_hours)


def mmpp_gap_cv(rate: float, b: Bursts) -> float:
    """Coefficient of variation of the gaps between arrivals: the gaps are phase-type with
    generator D0 and arrivals D1 = diag(l1, l2); moments k! pi_a (-D0)^-k 1, where pi_a,
    the state seen at an arrival, is (busy_job_share, 1 - busy_job_share)."""
    l1, l2, r1, r2 = mmpp_rates(rate, b)
    m = np.linalg.inv(np.array([[l1 + r1, -r1], [-r2, l2 + r2]]))
    pa = np.array([b.busy_job_share, 1.0 - b.busy_job_share])
    one = np.ones(2)
    m1 = pa @ m @ one
    m2 = 2.0 * pa @ m @ m @ one
    return float(math.sqrt(max(float(m2 / m1**2) - 1.0, 0.0)))


def mmpp_idc(rate: float, b: Bursts, window_h: float) -> float:
    """Index of dispersion (variance / mean) of the count of arrivals in a window."""
    l1, l2, r1, r2 = mmpp_rates(rate, b)
    r = r1 + r2
    return 1.0 + 2.0 * (l1 - l2) ** 2 * r1 * r2 / (r**3 * rate) * (1.0 - (1.0 - math.exp(-r * window_h)) / (r * window_h))


def _bursts_from(z) -> Bursts:
    p = 1.0 / (1.0 + math.exp(-z[0]))
    q = p + (1.0 - p) / (1.0 + math.exp(-z[1]))  # more jobs than time in busy spells
    return Bursts(p, q, math.exp(z[2]))


def fit_bursts(rate: float, gap_cv: float, idc: tuple[tuple[float, float], ...]) -> Bursts:
    """The MMPP whose gap CV and IDCs at the given windows match, by least squares in logs
    from a few starting points (deterministic)."""

    def residuals(z):
        b = _bursts_from(z)
        return [math.log(mmpp_gap_cv(rate, b) / gap_cv)] + [math.log(mmpp_idc(rate, b, w) / v) for w, v in idc]

    starts = ((-2.0, 0.0, 0.0), (-4.0, 2.0, 1.0), (0.0, 1.0, -1.0), (-1.0, 3.0, 2.0), (-6.0, 4.0, 3.0))
    fits = [optimize.least_squares(residuals, z0, bounds=([-12, -12, -8], [12, 12, 8])) for z0 in starts]
    return _bursts_from(min(fits, key=lambda r: r.cost).x)  # the first of equal costs


# --- arrivals -------------------------------------------------------------------------------
def counts_idc(t: np.ndarray, window_h: float) -> float:
    """Variance over mean of arrivals per window, whole windows from the first arrival."""
    rel = t - t[0]
    whole = int(rel[-1] // window_h)
    if whole < 2:
        return float("nan")
    c = np.bincount((rel[rel < whole * window_h] // window_h).astype(np.int64), minlength=whole)
    return float(c.var() / c.mean())


def _profile(t: np.ndarray, unit_h: float, period: int, offset: int) -> tuple[float, ...]:
    """Arrivals per unit (clock hour, day) of the cycle, divided by how many such units the
    span holds, scaled to mean 1."""
    units = np.floor(t / unit_h).astype(np.int64)
    count = np.bincount((units + offset) % period, minlength=period).astype(float)
    exposure = np.bincount((np.arange(units[0], units[-1] + 1) + offset) % period, minlength=period).astype(float)
    rate = np.where(exposure > 0, count / np.maximum(exposure, 1.0), 0.0)
    return tuple(float(x) for x in rate / rate.mean())


def fit_arrivals(jobs: TraceJobs) -> ArrivalFit:
    t = jobs.arrival_h
    span = float(t[-1] - t[0])
    if not span > 0:
        raise ValueError("every job was submitted at the same time: no arrival rate to fit")
    rate = (len(t) - 1) / span
    gaps = np.diff(t)
    cv = float(gaps.std() / gaps.mean())
    idc = tuple((w, counts_idc(t, w)) for w in IDC_WINDOWS_H)
    idc = tuple((w, v) for w, v in idc if math.isfinite(v) and v > 1.0)
    # An MMPP is burstier than Poisson by construction: for smoother arrivals, no bursts.
    bursts = fit_bursts(rate, cv, idc) if cv > 1.0 and idc else None
    return ArrivalFit(
        rate_per_hour=rate,
        hour_of_day=_profile(t, 1.0, 24, 0),
        day_of_week=_profile(t, 24.0, 7, jobs.origin.weekday()),
        bursts=bursts,
        gap_cv=cv,
        model_gap_cv=mmpp_gap_cv(rate, bursts) if bursts else 1.0,
        idc=tuple((w, v, mmpp_idc(rate, bursts, w) if bursts else 1.0) for w, v in idc),
    )


def size_bands(sizes: np.ndarray, edges=DEFAULT_BANDS) -> list[tuple[int, ...]]:
    """The sizes present in the trace, grouped by band lower edges (empty bands dropped)."""
    present = sorted({int(s) for s in np.unique(sizes)})
    bounds = list(edges) + [math.inf]
    out = []
    for lo, hi in pairwise(bounds):
        band = tuple(s for s in present if lo <= s < hi)
        if band:
            out.append(band)
    below = tuple(s for s in present if s < bounds[0])
    return ([below] if below else []) + out


def fit_trace(jobs: TraceJobs, edges=DEFAULT_BANDS, max_components: int = 5) -> TraceFit:
    values, counts = np.unique(jobs.size, return_counts=True)
    sizes = Sizes(tuple(int(v) for v in values), tuple(float(c) for c in counts))
    bands = tuple(fit_durations(jobs.duration_h[np.isin(jobs.size, band)], band, max_components)
                  for band in size_bands(jobs.size, edges))
    overall = fit_durations(jobs.duration_h, sizes.values, max_components)
    origin = jobs.origin
    return TraceFit(
        jobs=len(jobs.arrival_h),
        first=origin + dt.timedelta(seconds=round(float(jobs.arrival_h[0]) * 3600)),
        last=origin + dt.timedelta(seconds=round(float(jobs.arrival_h[-1]) * 3600)),
        sizes=sizes, overall=overall, bands=bands, arrivals=fit_arrivals(jobs),
    )
