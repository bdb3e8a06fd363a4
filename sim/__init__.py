"""computesim: a discrete-event simulator of a GPU compute marketplace.

    import sim
    scenario = sim.load_scenario("scenarios/qingyang.toml")
    result = sim.run(scenario)
    result.summary["revenue_cny"]
"""

__version__ = "0.1.0"

from sim.experiment.run import RunResult, run  # noqa: E402
from sim.scenario.errors import ScenarioError  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402

__all__ = ["RunResult", "ScenarioError", "__version__", "load_scenario", "run"]
