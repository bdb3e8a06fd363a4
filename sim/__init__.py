"""computesim: a discrete-event simulator of a GPU compute marketplace.

    import sim
    sim.scenarios()                            # the shipped scenarios and sweeps, described
    result = sim.run("qingyang")               # a name, a path, or sim.load_scenario(...)
    result.summary.revenue.operator_net        # fen
    result.daily_frame()                       # pandas, one row per day
    sim.write_results(result, "results/qingyang")   # the files `python -m sim run` writes
    sim.verdict(result).lines()                # the claim beside power, cards and the market
    sim.audit(result)                          # the claim audit, row by row
    sim.finance(sim.run("zhonghe"))            # NPV, IRR, payback over the concession

    reps = sim.replicate("qingyang", 30)       # means with 95 % t-intervals
    sweep = sim.sweep("qingyang-price-fee")    # scenarios/sweeps/qingyang-price-fee.toml
    study = sim.sensitivity("qingyang-drivers")
    both = sim.compare(["qingyang", "qingyang@policy.queue=fifo"], 10)   # common random numbers
    sol = sim.solve("qingyang", "operator_revenue", 45e6,   # the price at which operator revenue
                    "pricing.price_cny_per_pflops_year", 60000, 200000)   # reaches 45 M CNY

A scenario may be named as the command line names it, with overrides after an `@`
("qingyang@pricing.intermediary_fee=0.3").
"""

from sim import compiled as _compiled
from sim.version import __version__

# Before any other sim module loads: a `make compiled` build older than its sources must not run.
_compiled.guard()

# Imported on first use, so that `import sim` is quick: `python -m sim` must be able to take
# Ctrl-C before the second or two the simulation's imports take (numpy, scipy, SimPy).
_LAZY = {
    "RunResult": ("sim.simulation.results", "RunResult"),
    "run": ("sim.simulation.run", "run"),
    "ScenarioError": ("sim.scenario.errors", "ScenarioError"),
    "load_scenario": ("sim.scenario.loader", "load_scenario"),
    "replicate": ("sim.experiment.replicate", "replicate"),
    "sweep": ("sim.experiment.sweep", "sweep"),
    "sensitivity": ("sim.experiment.sensitivity", "sensitivity"),
    "compare": ("sim.experiment.compare", "compare"),
    "solve": ("sim.experiment.solve", "solve"),
    "write_results": ("sim.report", "write_results"),
    "finance": ("sim.routes", "finance"),
    "audit": ("sim.routes", "audit"),
    "verdict": ("sim.routes", "verdict"),
    "scenarios": ("sim.routes", "scenarios"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["RunResult", "ScenarioError", "__version__", "audit", "compare", "finance", "load_scenario", "replicate",
           "run", "scenarios", "sensitivity", "solve", "sweep", "verdict", "write_results"]
