"""Scheduler invariants as hypothesis properties over random small scenarios and workloads.

Each example runs a whole simulation with the invariant checker attached (tests/invariants.py):
checks run at every start, finish, preemption, abandonment and scheduling pass, and after
the run. Failures shrink to a small scenario printed as model objects.
"""

from depth import examples
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from invariants import Checker, check_after, check_money
from strategies import policies, scenarios

from sim.model import Policy
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS
from sim.simulation.run import Model

PROPERTY = settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_checked(scenario):
    checker, transactions = Checker(), []
    model = Model(scenario, ledger_sink=transactions, trace=checker)
    result = model.run()
    check_after(model, checker, transactions)
    check_money(result, transactions)
    # Coverage of the paths that matter, shown by --hypothesis-show-statistics.
    jobs = result.summary_dict()["jobs"]
    total = {**jobs["total"], "queued_at_horizon": jobs["queued_at_horizon"]}
    for k in ("abandoned", "preemptions", "balked", "rejected", "queued_at_horizon"):
        event(f"{k}: {'some' if total[k] else 'none'}")
    failures = result.summary_dict().get("failures")
    event(f"jobs stopped by failures: {'some' if failures and failures['jobs_stopped'] else 'none'}")
    event(f"waited: {'some' if result.summary_dict()['wait_hours']['max'] > 0 else 'none'}")
    return model, checker, transactions, result


@PROPERTY
@given(scenarios())
def test_invariants_hold_for_any_policy(scenario):
    run_checked(scenario)


@settings(PROPERTY, max_examples=examples(100))  # busy queues under every discipline: the costliest examples
@given(scenarios(max_tenants=2, rate_scale=3.0, contended_tenant=True, policy=st.builds(
    Policy, placement=st.sampled_from(sorted(PLACEMENTS)), queue=st.sampled_from(sorted(DISCIPLINES)),
    reclaim=st.just("no-preempt"))))
def test_a_tenants_own_work_goes_first_in_every_discipline(scenario):
    # Tenant t0 competes with the marketplace on its opted-in servers: invariant (9) is checked
    # at every marketplace start there, and each pass's blocked heads against (6).
    run_checked(scenario)


@PROPERTY
@given(scenarios(max_tenants=2, rate_scale=3.0, contended_tenant=True, policy=st.builds(
    Policy, placement=st.sampled_from(["owned-first", "cheapest-first"]), queue=st.sampled_from(sorted(DISCIPLINES)),
    reclaim=st.just("preempt"), preempted=st.sampled_from(["requeue", "lost"]))))
def test_invariants_hold_under_tenant_preemption(scenario):
    model, checker, _, _ = run_checked(scenario)
    preempted = sum(c.preemptions for c in model.sched.classes)
    assert preempted == sum(j.preemptions for j in checker.jobs.values())


@PROPERTY
@given(scenarios(policy=policies))
def test_same_seed_same_ledger_and_summary(scenario):
    _, _, first, r1 = run_checked(scenario)
    _, _, second, r2 = run_checked(scenario)
    assert first == second
    assert r1.summary_dict() == r2.summary_dict()


@settings(PROPERTY, max_examples=examples(75))
@given(scenarios(max_tenants=2, rate_scale=3.0, tiers=True))
def test_invariants_hold_with_price_tiers_in_every_discipline(scenario):
    # Spot beside on-demand (and sometimes reserved): (10) no eviction before its notice or
    # inside its protected runtime, lost work as the tier says; (11) quotas; (12) bills by tier.
    model, checker, _, _ = run_checked(scenario)
    stats = model.sched.tier_stats
    event(f"evictions: {'some' if sum(st.evictions for st in stats) else 'none'}")
    event(f"work lost: {'some' if sum(st.lost_accelerator_hours for st in stats) else 'none'}")


@settings(PROPERTY, max_examples=examples(40))  # the costliest examples of all (~1.5 s each)
@given(scenarios(max_tenants=2, rate_scale=3.0, contended_tenant=True, tiers=True))
def test_tenants_own_work_evicts_spot_only_after_notice(scenario):
    model, _, _, _ = run_checked(scenario)
    event(f"evictions: {'some' if sum(st.evictions for st in model.sched.tier_stats) else 'none'}")


@settings(PROPERTY, max_examples=examples(75))
@given(scenarios(max_tenants=2, rate_scale=3.0, shares=True, policy=st.builds(
    Policy, placement=st.sampled_from(sorted(PLACEMENTS)), queue=st.sampled_from(sorted(DISCIPLINES)),
    reclaim=st.sampled_from(["no-preempt", "preempt"]), preempted=st.sampled_from(["requeue", "lost"]))))
def test_invariants_hold_with_shares_of_a_card(scenario):
    # Classes of a share of one card (gpu_milli) beside whole-card ones, every placement and
    # discipline, failures and tenants' reclaim: no card holds more than itself (1), bills
    # pro rata (4), owned-first and tenants first for shares too (6, 9).
    model, _, _, _ = run_checked(scenario)
    frac = model.sched.frac
    event(f"shares: {'some' if frac is not None and any(sc.area_milli for sc in frac.cards) else 'none'}")
