"""The hot paths written out inline (a finish by the hour on whole cards, sim/scheduling/
scheduler.py `_due`) take the same steps as the general ones: with a scheduler's `plain_finish`
off every job goes through `_finish`, and the results, ledger included, are the same to the byte."""

from pathlib import Path

import pytest

import sim
from sim.metrics.classes import COUNTERS
from sim.report import summary_of
from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv
from sim.scenario.argument import as_scenario
from sim.simulation.run import Model

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    # tenants' own work and opted-in capacity (fee split), a market's price response
    "qingyang.toml@scenario.horizon_days=200",
    # a backfilling discipline and the fragmentation-aware placement (a server picked per job)
    "qingyang.toml@scenario.horizon_days=200,policy.queue=easy-backfill,policy.placement=fragmentation-aware",
    # preemption for tenants' own work
    "qingyang.toml@scenario.horizon_days=200,policy.placement=best-fit,policy.reclaim=preempt",
    # three sites, three markets
    "zhonghe.toml@scenario.horizon_days=150",
]


# What `_outputs` returns, in order.
OUTPUTS = ("summary.json", "timeseries.csv", "timeseries_by_site.csv", "ledger", "class counts")


def _outputs(case, setup=None) -> tuple[bytes, ...]:
    """`case`: a shipped scenario's file name with overrides, or a Scenario; `setup(model)`,
    if given, before it runs."""
    sink: list = []
    model = Model(as_scenario(ROOT / "scenarios" / case if isinstance(case, str) else case), sink)
    if setup is not None:
        setup(model)
    result = model.run()
    summary = summary_of(result)
    del summary["provenance"]
    # Counts the summary does not show (completed jobs, say) are compared too.
    counts = [[(k, getattr(st, k)) for k in COUNTERS + ("joined", "accelerator_hours")] for st in model.sched.classes]
    return (summary_json(summary), timeseries_csv(result.daily), timeseries_by_site_csv(result.daily_by_site),
            repr([(t.time_h, t.where, t.postings) for t in sink]).encode(), repr(counts).encode())


@pytest.mark.parametrize("case", CASES)
def test_inline_paths_give_the_general_paths_results(case):
    inline = _outputs(case)
    general = _outputs(case, lambda model: setattr(model.sched, "plain_finish", False))
    for name, a, b in zip(OUTPUTS, inline, general):
        assert a == b, f"{case}: {name} differs between the inline and the general paths"


def _ledger_and_summary(case: str, sink) -> tuple:
    model = Model(as_scenario(ROOT / "scenarios" / case), sink)
    summary = summary_of(model.run())
    del summary["provenance"]
    led = model.ledger
    return (summary_json(summary), sorted(led.balances.items()),
            sorted((where, sorted(accounts.items())) for where, accounts in led.sums.items()), led.transactions)


@pytest.mark.parametrize("case", ["qingyang.toml@scenario.horizon_days=400",  # fees split with tenants (from the second year)
                                  "qingyang-spot.toml@scenario.horizon_days=120"])  # tiers: charges posted one by one
def test_charges_summed_between_reads_book_what_each_transaction_would(case):
    """Without a sink, charges by the hour are summed until the ledger is read (Accrual); with
    one, each is its own transaction. Balances, statements, the count of transactions and the
    summary are the same."""
    summed = _ledger_and_summary(case, None)
    each = _ledger_and_summary(case, [])
    for name, a, b in zip(("summary.json", "balances", "sums", "transactions"), summed, each):
        assert a == b, f"{case}: {name} differs"


@pytest.mark.parametrize("sampled", [False, True])
def test_a_quote_kept_on_the_job_is_the_one_billing_would_look_up(sampled, monkeypatch):
    """A job of a class of one card type keeps the quote it was offered for its charges. Sampled,
    quotes move with the run's clock (sim/economics/realtime.py: a job carried into the next
    window is billed at the quote of its age there), so none is kept."""
    from sampling_case import SAMPLING_CASE

    from sim.economics.billing import Billing
    from sim.scenario import loads

    case = loads(SAMPLING_CASE, "case.toml", ["scenario.horizon_days=500"] + (
        ["scenario.sampling={ windows_per_year = 4, window_days = 2, lead_in_days = 7, warmup_days = 2 }"]
        if sampled else []))
    def outputs() -> tuple[bytes, ...]:
        result = sim.run(case)  # a sampled scenario runs sampled (Model alone would run every day)
        summary = summary_of(result)
        del summary["provenance"]
        return summary_json(summary), timeseries_csv(result.daily), timeseries_by_site_csv(result.daily_by_site)

    kept = outputs()
    charge = Billing.charge

    def looking_up(self, now, client, size, submit_h, hours, route, tier=-1, quoted_fen=-1.0):
        return charge(self, now, client, size, submit_h, hours, route, tier)  # the quote is looked up

    monkeypatch.setattr(Billing, "charge", looking_up)
    assert kept == outputs()


def test_reuse_takes_only_a_finished_job_nothing_else_holds():
    """sim/scheduling/job.py `reuse`: the latest job of the list that only the list holds; one
    held elsewhere is passed over (and dropped), and is never set up again as another job."""
    from sim.scheduling.job import Job, reuse

    spare = [Job(1, 0, 1, 1.0, 0.0), Job(2, 0, 1, 1.0, 0.0)]
    held = [spare[1]]  # the latest, still held (say, by a stale calendar entry)
    job = reuse(spare)
    assert job is not None and job.id == 1 and spare == []
    assert held[0].id == 2
    assert reuse(spare) is None
    spare = [Job(3, 0, 1, 1.0, 0.0)]
    kept = spare[0]
    assert reuse(spare) is None and kept.id == 3 and spare == []


def test_a_renewed_job_lets_go_of_its_old_values():
    """Job.renew, unlike a compiled `__init__` called again, drops what the old job held (a
    leak otherwise: the 20-year bench run's memory doubled)."""
    import sys

    from sim.scheduling.job import Job

    job = Job(1, 0, 1, 1.0, 0.0, patience_h=2.5)
    key, patience = (0, 123456789), job.patience_h
    job.key = key
    held = sys.getrefcount(key), sys.getrefcount(patience)
    job.renew(2, 0, 1, 1.0, 0.0)
    assert (sys.getrefcount(key), sys.getrefcount(patience)) == (held[0] - 1, held[1] - 1)
    assert job.id == 2 and job.key == () and job.patience_h is None


@pytest.mark.parametrize("case", [CASES[0], CASES[3]])
def test_reused_jobs_give_the_results_of_new_ones(case):
    """Arrivals set up finished jobs again (Scheduler.spare) instead of new ones: the results,
    ledger included, are those of a run that makes every job new."""
    models: list = []

    def without_reuse(model) -> None:
        model.sched.reuse_jobs = False
        models.append(model)

    reused = _outputs(case, models.append)
    new = _outputs(case, without_reuse)
    assert models[0].sched.spare and not models[1].sched.spare
    for name, a, b in zip(OUTPUTS, reused, new):
        assert a == b, f"{case}: {name} differs between reused and new jobs"
