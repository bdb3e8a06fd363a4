"""computesim: a discrete-event simulator of a GPU compute marketplace.

    import sim
    scenario = sim.load_scenario("qingyang")
    result = sim.run(scenario)
    result.summary.revenue.operator_net        # fen
    result.daily_frame()                       # pandas, one row per day
"""

from sim.experiment.results import RunResult
from sim.experiment.run import run
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario
from sim.version import __version__

__all__ = ["RunResult", "ScenarioError", "__version__", "load_scenario", "run"]
