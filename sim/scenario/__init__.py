"""Scenario files: TOML in, validated model objects out."""

from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario, loads, read_scenario

__all__ = ["ScenarioError", "load_scenario", "loads", "read_scenario"]
