"""computesim: a discrete-event simulator of a GPU compute marketplace.

    import sim
    scenario = sim.load_scenario("scenarios/qingyang.toml")
    result = sim.run(scenario)
    result.summary["revenue_cny"]
"""

from sim.experiment.run import RunResult, run
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.version import __version__

__all__ = ["RunResult", "ScenarioError", "__version__", "load_scenario", "run"]
