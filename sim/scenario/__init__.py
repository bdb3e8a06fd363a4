"""Scenario files: TOML in, validated model objects out."""

from sim.scenario.errors import ScenarioError
from sim.scenario.files import read_scenario, scenario_path
from sim.scenario.loader import check_seed_and_horizon, load_scenario, loads

__all__ = ["ScenarioError", "check_seed_and_horizon", "load_scenario", "loads", "read_scenario", "scenario_path"]
