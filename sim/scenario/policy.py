"""[policy]: the placement, queue discipline and reclaim policy, and what becomes of a preempted job."""

from __future__ import annotations

from sim.model import Policy
from sim.scenario.fields import Table
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS


def read_policy(t: Table | None) -> Policy:
    """Names are looked up in the policy registries at load time, so a policy registered after
    import is accepted."""
    if t is None:
        return Policy()
    d = Policy()
    p = Policy(
        placement=t.string("placement", d.placement, choices=PLACEMENTS) or d.placement,
        queue=t.string("queue", d.queue, choices=DISCIPLINES) or d.queue,
        reclaim=t.string("reclaim", d.reclaim, choices=RECLAIMS) or d.reclaim,
        preempted=t.string("preempted", d.preempted, choices=("requeue", "lost")) or d.preempted,
    )
    t.done()
    return p
