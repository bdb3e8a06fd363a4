"""Server failures and repairs (a scenario's [failures] table).

Each up server of a model with failures fails at rate 1 / MTBF; a pool's next failure is one
exponential draw at (up servers) / MTBF, drawn again whenever that number changes (servers
commissioned, failed or repaired; exponential times are memoryless, so this is exact), and
falls on an up server chosen uniformly. The jobs on it are stopped unbilled and requeued or
lost (Scheduler.fail); the server is out of every bucket until its repair, an exponential
time of mean MTTR later. Draws come from one seeded stream per pool.
"""

from __future__ import annotations

from sim.scheduling.pool import KIND_NAMES
from sim.workload.random import generator


class PoolFailures:
    __slots__ = ("pool", "mtbf", "mttr", "rng", "failed", "armed", "down_area", "last_h")

    def __init__(self, pool, spec, rng, failed: set[int]):
        self.pool = pool
        self.mtbf = spec.mtbf_hours
        self.mttr = spec.mttr_hours
        self.rng = rng
        self.failed = failed  # the scheduler's set for this pool: servers out of service
        self.armed = 0  # generation of the pending failure draw; older ones are ignored
        self.down_area = 0.0  # server-hours out of service
        self.last_h = 0.0

    def advance(self, now: float) -> None:
        self.down_area += len(self.failed) * (now - self.last_h)
        self.last_h = now


class Failures:
    def __init__(self, clock, sched, cluster, scenario):
        spec = scenario.failures
        self.clock = clock
        self.sched = sched
        self.lost = spec.stopped_jobs == "lost"
        self.pools = []
        for pool in cluster.pools:
            model = spec.servers.get(pool.server.name)
            if model is None:
                continue
            rng = generator(scenario.seed, "failures", pool.site, pool.owner, pool.server.name, KIND_NAMES[pool.kind])
            self.pools.append(PoolFailures(pool, model, rng, sched.failed.setdefault(pool.id, set())))
        self.by_pool = {pf.pool.id: pf for pf in self.pools}
        self.failures = self.repairs = self.jobs_stopped = self.jobs_lost = 0
        self.accelerator_hours_lost = 0.0
        self.revenue_lost_fen = 0

    def start(self) -> None:
        for pf in self.pools:
            self._arm(pf)

    def commissioned(self, pool_id: int) -> None:
        """Servers came online in a pool: more of them may fail."""
        pf = self.by_pool.get(pool_id)
        if pf is not None:
            self._arm(pf)

    def _arm(self, pf: PoolFailures) -> None:
        pf.armed += 1
        up = pf.pool.servers - len(pf.failed)
        if up > 0:
            self.clock.after(float(pf.rng.standard_exponential()) * pf.mtbf / up, self._fail, (pf, pf.armed))

    def _fail(self, item) -> None:
        pf, armed = item
        if armed != pf.armed:
            return  # drawn before the number of up servers changed
        now = self.clock.now
        pool, failed = pf.pool, pf.failed
        pf.advance(now)
        while True:  # an up server, uniformly: few are down, so this rarely draws twice
            sid = int(pf.rng.integers(pool.servers))
            if sid not in failed:
                break
        on_it = [job for job in pool.running if any(s == sid for s, _ in job.alloc)]
        for job in on_it:
            work, fen = self.sched.fail(job, self.lost)
            self.jobs_stopped += 1
            self.jobs_lost += int(self.lost)
            self.accelerator_hours_lost += work
            self.revenue_lost_fen += fen
        pool.take_out(sid)
        failed.add(sid)
        self.failures += 1
        self.clock.after(float(pf.rng.standard_exponential()) * pf.mttr, self._repair, (pf, sid))
        self._arm(pf)
        self.sched.schedule()  # requeued jobs may start elsewhere

    def _repair(self, item) -> None:
        pf, sid = item
        pf.advance(self.clock.now)
        pf.failed.remove(sid)
        pf.pool.put_back(sid)
        self.repairs += 1
        self._arm(pf)
        self.sched.schedule()

    def close(self, now: float) -> None:
        for pf in self.pools:
            pf.advance(now)
