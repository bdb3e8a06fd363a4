"""The Python routes to what the command line gives besides a run: a run's finance, the claim
audit, the verdict on the claim, the list of shipped scenarios (sim.finance, sim.audit,
sim.verdict, sim.scenarios)."""

from __future__ import annotations


def finance(result):
    """The concession's finance of a run (NPV, IRR, payback by site and in total, year by year)
    as a FinanceResult; None for a scenario without [finance]."""
    from sim.simulation.finance import finance_of

    return finance_of(result)


def _scenario_and_summary(what):
    from sim.scenario.argument import as_scenario
    from sim.simulation.results import RunResult

    if isinstance(what, RunResult):
        return what.scenario, what.summary_dict()
    return as_scenario(what), None


def audit(what):
    """The claim audit (sim.economics.audit.Audit: sections of rows, claimed beside computed or
    allowed, with factors) of a RunResult (with what the run sold) or of a scenario, its name or
    path (the claim's arithmetic alone); None for a scenario without [claim]."""
    from sim.report.audit import audit_of

    scenario, summary = _scenario_and_summary(what)
    return audit_of(scenario, summary)


def verdict(what):
    """The verdict on the claim (sim.report.verdict.Verdict: `lines()`, `as_dict()`) of a
    RunResult (with what its market bought and its finance) or of a scenario, its name or path;
    None for a scenario without [claim]."""
    from sim.report.verdict import verdict_of
    from sim.simulation.results import RunResult

    scenario, summary = _scenario_and_summary(what)
    return verdict_of(scenario, summary, finance(what) if isinstance(what, RunResult) else None)


def scenarios():
    """The shipped scenarios and sweeps (name, kind, one-line description, path)."""
    from sim.scenario.shipped import shipped

    return shipped()
