"""Fractional jobs: a share of one card (`gpu_milli` < 1000), packed onto shared cards.

Kept apart from the whole-card index (sim/scheduling/pool.py), which is untouched: a card
becomes shared when a fractional job opens it (it leaves the whole-card index as one busy
accelerator) and goes back when its last fractional job ends. A shared card is counted busy
for the market or a tenant's own work by the job that opened it. Present only in a run whose
scenario has a fractional class, so whole-card runs do exactly what they did before.

A fractional job's `alloc` is ((server, 0),): code that looks for the jobs on a server
(failures) finds it, and code that adds up what stopping jobs would free (reservations,
reclaim, eviction notices) counts nothing for it, as a shared card may hold other jobs.
"""

from __future__ import annotations

from sim.scheduling.fragmentation import MILLI, Shape, node_fragment

SAMPLE_EVERY_H = 24.0  # fragmentation sampled once a simulated day, for its mean over the run


class SharedCards:
    """The shared cards of one pool: free milli, server, fractional jobs, who opened it."""

    __slots__ = ("free", "server", "jobs", "private", "spare", "milli", "open", "last_h", "area_open", "area_milli")

    def __init__(self):
        self.free: list[int] = []
        self.server: list[int] = []
        self.jobs: list[int] = []  # 0: the slot is unused (its id in `spare`)
        self.private: list[bool] = []
        self.spare: list[int] = []
        self.milli = 0  # allocated to fractional jobs now
        self.open = 0  # shared cards now
        self.last_h = 0.0
        self.area_open = 0.0  # card-hours
        self.area_milli = 0.0  # milli-hours

    def advance(self, now: float) -> None:
        dt = now - self.last_h
        if dt:
            self.area_open += self.open * dt
            self.area_milli += self.milli * dt
            self.last_h = now

    def live(self):
        """Ids of the open shared cards, in id order."""
        return [c for c, n in enumerate(self.jobs) if n]

    def best(self, milli: int) -> tuple[int, int]:
        """(card, free) of the open card with the least room that still holds `milli`;
        (-1, MILLI + 1) if none."""
        best, best_free = -1, MILLI + 1
        free, jobs = self.free, self.jobs
        for c in range(len(free)):
            f = free[c]
            if jobs[c] and milli <= f < best_free:
                best, best_free = c, f
        return best, best_free


class Fractional:
    """The shared cards of every pool of a run, and the fractional jobs' start and stop."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.cards = [SharedCards() for _ in cluster.pools]
        self.counts: dict[tuple[int, int, int], int] = {}  # jobs joined by (size, milli, group)
        self._shapes: list[Shape] | None = None
        self.samples: list[float] = []  # the fragmentation rate once a day (nothing free: none)

    def sample_daily(self, clock, failed: dict) -> None:
        """Sample the fragmentation rate every SAMPLE_EVERY_H hours from now on."""
        def sample(_):
            rate = self.fragmentation(failed)[2]
            if rate is not None:
                self.samples.append(rate)
            clock.after(SAMPLE_EVERY_H, sample)

        clock.after(SAMPLE_EVERY_H, sample)

    def fragmentation(self, failed: dict) -> tuple[float, float, float | None]:
        """(free milli, fragmented milli, their ratio or None if nothing is free) now, for the
        shapes of the jobs joined so far; servers alike are worked out once."""
        shapes = self.shapes()
        memo: dict[tuple, float] = {}
        free = frag = 0.0
        for cards, model in self.nodes(self.cluster.pools, failed):
            key = (model, *sorted(cards))
            f = memo.get(key)
            if f is None:
                f = memo[key] = node_fragment(cards, model, shapes)
            free += sum(cards)
            frag += f
        return free, frag, (frag / free if free else None)

    def joined(self, job) -> None:
        """Count a job that joined (any size): the workload's shapes so far."""
        key = (job.size, job.milli or MILLI, job.elig)
        self.counts[key] = self.counts.get(key, 0) + 1
        self._shapes = None

    def shapes(self) -> list[Shape]:
        """The shapes of the jobs joined so far, with their popularity; a job's models: those
        of its group's pools."""
        if self._shapes is None:
            counts: dict[tuple, int] = {}
            for (size, milli, elig), n in self.counts.items():
                models = frozenset(p.accelerator for p in self.cluster.elig_pools[elig])
                counts[(size, milli, models)] = counts.get((size, milli, models), 0) + n
            self._shapes = shapes_of(counts)
        return self._shapes

    def fits(self, pool, milli: int) -> bool:
        return pool.fits(1) or self.cards[pool.id].best(milli)[0] >= 0

    def cap(self, elig: int) -> int:
        """1 if some pool of the group can start a job of the group's share now, else 0."""
        milli = self.cluster.elig_milli[elig]
        return int(any(self.fits(p, milli) for p in self.cluster.elig_pools[elig]))

    def best_fit(self, job, pools):
        """Best-fit packing: the open card (any pool) with the least room that holds the job,
        else a new card on the pool whose largest free block is the smallest (pool.py's best
        fit picks the server). Sets job.card (-1: a new card) and job.server (-1: the pool's pick)."""
        milli = job.milli
        best = None
        best_card, best_free = -1, MILLI + 1
        for p in pools:
            c, f = self.cards[p.id].best(milli)
            if f < best_free:
                best, best_card, best_free = p, c, f
        if best is None:
            block = 0
            for p in pools:
                m = p.max_fit()
                if m >= 1 and (best is None or m < block):
                    best, block = p, m
        job.card, job.server = best_card, -1
        return best

    def start(self, pool, job, now: float) -> None:
        sc = self.cards[pool.id]
        sc.advance(now)
        card = job.card
        if card < 0:  # open a card: it leaves the whole-card index as one busy accelerator
            if job.server >= 0:
                pool.take(job.server, 1)
                sid = job.server
            else:
                sid = pool.allocate_one(1)
            pool.advance(now)
            if job.private:
                pool.busy_private += 1
            else:
                pool.busy_market += 1
            if sc.spare:
                card = sc.spare.pop()
                sc.free[card], sc.server[card], sc.private[card] = MILLI, sid, job.private
            else:
                card = len(sc.free)
                sc.free.append(MILLI)
                sc.server.append(sid)
                sc.jobs.append(0)
                sc.private.append(job.private)
            sc.open += 1
        sc.free[card] -= job.milli
        if sc.free[card] < 0:  # pragma: no cover - guarded by the placement's choice
            raise RuntimeError(f"{pool!r}: card {card} over-allocated by job {job.id}")
        sc.jobs[card] += 1
        sc.milli += job.milli
        job.card = card
        job.sid = sc.server[card]  # alloc: ((that server, 0),)

    def stop(self, pool, job, now: float) -> None:
        sc = self.cards[pool.id]
        sc.advance(now)
        card = job.card
        sc.free[card] += job.milli
        sc.jobs[card] -= 1
        sc.milli -= job.milli
        if not sc.jobs[card]:  # its last job left: the card is whole again
            pool.release_one(sc.server[card], 1)
            pool.advance(now)
            if sc.private[card]:
                pool.busy_private -= 1
            else:
                pool.busy_market -= 1
            sc.open -= 1
            sc.spare.append(card)
        job.card = -1

    def close(self, now: float) -> None:
        for sc in self.cards:
            sc.advance(now)

    # --- what the summary and fragmentation-aware placement read ---------------------------
    def server_cards(self, pool, sid: int) -> list[int]:
        """Free milli of each card of server `sid`: wholly free, shared, busy (0)."""
        sc = self.cards[pool.id]
        cards = [MILLI] * pool.free[sid]
        cards.extend(sc.free[c] for c in range(len(sc.free)) if sc.jobs[c] and sc.server[c] == sid)
        cards.extend([0] * (pool.A - len(cards)))
        return cards

    def nodes(self, pools, failed: dict | None = None):
        """(free milli per card, model) of every commissioned server of `pools` that is up."""
        out = []
        for p in pools:
            sc = self.cards[p.id]
            by_server: dict[int, list[int]] = {}
            for c in sc.live():
                by_server.setdefault(sc.server[c], []).append(sc.free[c])
            down = (failed or {}).get(p.id, ())
            for sid in range(p.servers):
                if sid not in down:
                    cards = [MILLI] * p.free[sid] + by_server.get(sid, [])
                    out.append((cards + [0] * (p.A - len(cards)), p.accelerator))
        return out


def shapes_of(counts: dict[tuple[int, int, frozenset | None], int]) -> list[Shape]:
    """Shapes with their popularity from arrival counts by (cards, milli, models)."""
    total = sum(counts.values())
    return [Shape(c, m, ms, n / total) for (c, m, ms), n in counts.items()] if total else []

