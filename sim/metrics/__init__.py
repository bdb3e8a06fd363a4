"""Streaming statistics of a run: bounded memory whatever the number of jobs."""

from sim.metrics.classes import COUNTERS, ClassStats
from sim.metrics.streaming import LogHistogram, TimeWeighted

__all__ = ["COUNTERS", "ClassStats", "LogHistogram", "TimeWeighted"]
