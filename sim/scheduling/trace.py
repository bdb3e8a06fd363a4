"""Observer of a run's scheduling events: subclass and override what you need.

Pass an instance as `trace=` to `sim.run` or `Model`; the scheduler calls it at each event
(s is the scheduler). Used by the invariant tests; costs nothing when absent.
"""


class Trace:
    def on_submit(self, s, job) -> None:
        """A job accepted its quote and fits some pool eventually; it starts or queues next."""

    def on_drop(self, s, job) -> None:
        """A job balked at its quote or was rejected as too large."""

    def on_start(self, s, job, pool) -> None:
        """A job started on `pool` (its allocation is already taken)."""

    def on_finish(self, s, job, pool) -> None:
        """A job completed and released `pool`'s accelerators."""

    def on_abandon(self, s, job) -> None:
        """A waiting job's patience ran out."""

    def on_preempt(self, s, job, pool) -> None:
        """A marketplace job was stopped for a tenant's own work."""

    def on_notice(self, s, job, stop_h) -> None:
        """A running job of a preemptible tier was given notice: it stops at `stop_h`."""

    def on_evict(self, s, job, pool, lost_h) -> None:
        """A preemptible tier's job was evicted (requeued, paused or killed); `lost_h`: hours of
        its work thrown away."""

    def on_fail(self, s, job, pool) -> None:
        """A job was stopped because a server it ran on failed (requeued or lost, unbilled)."""

    def on_pass(self, s) -> None:
        """A scheduling pass ended: a quiescent point where each discipline's promise holds."""
