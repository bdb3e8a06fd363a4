"""Free-capacity index of one pool: interchangeable servers of one site, owner and model.

Servers sit in buckets by their number of free accelerators (1..A). A job of s <= A
accelerators takes one server from the smallest non-empty bucket >= s (best fit); a bigger
job takes s // A whole free servers, sliced off the top bucket in one step, plus a best-fit
server for the remainder. Every decision costs O(A) plus the servers it takes, whatever the
number of racks. Fully busy servers are in no bucket (nothing ever searches for them), so a
gang of whole servers is taken and given back without per-server list surgery. Buckets are
lists with a position index, so a server moves between them in O(1) by swap-remove, in an
order fixed by the operations alone (no hashing), which keeps runs reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable

from sim.model.hardware import ServerModel
from sim.scheduling.running import Running

Allocation = tuple[tuple[int, int], ...]  # ((server id in its pool, accelerators taken), ...)
Gang = tuple[tuple[int, ...], int]  # (whole servers, the server with the rest or -1): Pool.start

OPERATOR_POOL = 0  # operator-owned servers, sold on the marketplace
PRIVATE_POOL = 1  # a tenant's servers kept for its own demand
SHARED_POOL = 2  # a tenant's servers opted into the marketplace (its own demand first)

KIND_NAMES = {OPERATOR_POOL: "operator", PRIVATE_POOL: "tenant-private", SHARED_POOL: "tenant-shared"}


class Pool:
    __slots__ = (
        "id", "site", "site_index", "owner", "kind", "server", "accelerator", "A",
        "free", "pos", "buckets", "servers", "planned_servers", "busy_market", "busy_private",
        "running", "last_h", "area_busy_market", "area_busy_private", "area_servers",
    )

    def __init__(self, pool_id: int, site: str, site_index: int, owner: str, kind: int,
                 server: ServerModel, planned_servers: int):
        self.id = pool_id
        self.site = site
        self.site_index = site_index
        self.owner = owner
        self.kind = kind
        self.server = server
        self.accelerator = server.accelerator.name
        self.A = server.accelerators_per_server
        self.free: list[int] = []  # free accelerators per commissioned server
        # Index of each server inside its bucket list. Servers leave the top (fully free)
        # bucket only from its end, so their index there is never needed nor kept.
        self.pos: list[int] = []
        self.buckets: list[list[int]] = [[] for _ in range(self.A + 1)]  # [0] stays empty
        self.servers = 0
        self.planned_servers = planned_servers
        self.busy_market = 0
        self.busy_private = 0
        self.running = Running()  # its jobs, in start order
        # Time-weighted areas (accelerator-hours, server-hours) since the start.
        self.last_h = 0.0
        self.area_busy_market = 0.0
        self.area_busy_private = 0.0
        self.area_servers = 0.0

    def __repr__(self) -> str:
        return f"Pool({self.id}, {self.site}, {self.owner}, {KIND_NAMES[self.kind]}, {self.server.name})"

    # --- capacity -------------------------------------------------------------------------
    @property
    def accelerators(self) -> int:
        return self.servers * self.A

    @property
    def planned_accelerators(self) -> int:
        return self.planned_servers * self.A

    @property
    def busy(self) -> int:
        return self.busy_market + self.busy_private

    @property
    def free_accelerators(self) -> int:
        return self.accelerators - self.busy

    def max_fit(self) -> int:
        """Largest job this pool can start now. Fitting is monotone: every smaller size fits too."""
        b = self.buckets
        for partial in range(self.A - 1, 0, -1):
            if b[partial]:
                break
        else:
            partial = 0
        return len(b[self.A]) * self.A + partial

    def fits(self, size: int) -> bool:
        A = self.A
        whole, rest = divmod(size, A)
        b = self.buckets
        full = len(b[A])
        if full < whole:
            return False
        if rest == 0 or full > whole:
            return True
        for n in range(rest, A):
            if b[n]:
                return True
        return False

    # --- changes --------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Close the time-weighted areas up to `now` before any count changes."""
        dt = now - self.last_h
        if dt:
            self.area_busy_market += self.busy_market * dt
            self.area_busy_private += self.busy_private * dt
            self.area_servers += self.servers * dt
            self.last_h = now

    def commission(self, n: int, now: float) -> None:
        self.advance(now)
        A = self.A
        top = self.buckets[A]
        for _ in range(n):
            sid = len(self.free)
            self.free.append(A)
            self.pos.append(0)
            top.append(sid)
        self.servers += n

    def _move(self, sid: int, new_free: int) -> None:
        old = self.free[sid]
        if old:  # a fully busy server is in no bucket
            bucket = self.buckets[old]
            last = bucket.pop()
            if last != sid:
                i = self.pos[sid]
                bucket[i] = last
                self.pos[last] = i
        if new_free:
            target = self.buckets[new_free]
            if new_free < self.A:
                self.pos[sid] = len(target)
            target.append(sid)
        self.free[sid] = new_free

    def allocate(self, size: int) -> Allocation:
        """Take `size` accelerators; the caller has checked `fits(size)`. Whole free servers
        from the top, the rest on one server by best fit. As (server, accelerators) pairs."""
        whole, sid = self._take(size)
        return gang_pairs(whole, sid, size, self.A)

    def _take(self, size: int) -> Gang:
        """`allocate`, as the whole servers and the one server with the rest (-1: none)."""
        whole, rest = divmod(size, self.A)
        if not whole:
            return (), self.allocate_one(rest)
        top = self.buckets[self.A]
        taken = tuple(top[-whole:])
        del top[-whole:]
        free = self.free
        for sid in taken:
            free[sid] = 0
        return taken, (self.allocate_one(rest) if rest else -1)

    def allocate_one(self, size: int) -> int:
        """Take `size` <= A accelerators on one server, the fullest that has them (best fit;
        of the whole free ones, the last); returns the server."""
        A = self.A
        b = self.buckets
        for n in range(size, A + 1):
            bucket = b[n]
            if bucket:
                # _move(sid, n - size), inline: the server is the last of its bucket (hot)
                sid = bucket.pop()
                new = n - size
                if new:
                    target = b[new]
                    if new < A:
                        self.pos[sid] = len(target)
                    target.append(sid)
                self.free[sid] = new
                return sid
        raise RuntimeError(f"{self!r}: allocate({size}) without room")  # pragma: no cover - guarded by fits()

    def start(self, size: int, private: bool, now: float) -> Gang:
        """A job of `size` whole cards on several servers (a gang) starts: take them and count
        them busy from `now`, in a tenant's own work (`private`) or the marketplace's. Returns
        its whole servers and the server with the rest (-1: none), not (server, cards) pairs:
        the servers' numbers are the objects the top bucket held, so nothing is made now to be
        freed, cold, when it ends. The caller has checked that they fit."""
        gang = self._take(size)
        self.advance(now)
        if private:
            self.busy_private += size
        else:
            self.busy_market += size
        return gang

    def start_one(self, size: int, private: bool, now: float, sid: int = -1) -> int:
        """`start` for a job on one server (`size` <= A, or server `sid`, a policy's pick, if
        given): returns the server. No allocation to make now and free when the job ends."""
        if sid < 0:
            sid = self.allocate_one(size)
        else:
            self.take(sid, size)
        self.advance(now)
        if private:
            self.busy_private += size
        else:
            self.busy_market += size
        return sid

    def stop(self, whole: tuple[int, ...], sid: int, size: int, private: bool, now: float) -> None:
        """A gang's run ends (`start`'s servers): give back its cards, count them idle from `now`.
        Its whole servers go back on top in the order taken, then the rest's (as `release`)."""
        A = self.A
        free = self.free
        for s in whole:
            free[s] = A  # wholly taken: in no bucket until now
        self.buckets[A].extend(whole)
        if sid >= 0:
            self._move(sid, free[sid] + size - A * len(whole))
        self.advance(now)
        if private:
            self.busy_private -= size
        else:
            self.busy_market -= size

    def stop_one(self, sid: int, size: int, private: bool, now: float) -> None:
        """`stop` for a job on one server."""
        self._move(sid, self.free[sid] + size)  # release_one, inline (every such job's end)
        self.advance(now)
        if private:
            self.busy_private -= size
        else:
            self.busy_market -= size

    def take(self, sid: int, n: int) -> None:
        """Take `n` free accelerators of server `sid`, a policy's own pick (sim/scheduling/
        fractional.py): a partly free server, or the last of the fully free ones."""
        self._move(sid, self.free[sid] - n)

    def take_out(self, sid: int) -> None:
        """A failed server, all its jobs stopped: out of every bucket until put back."""
        top = self.buckets[self.A]
        i = top.index(sid)
        top[i] = top[-1]
        top.pop()
        self.free[sid] = 0

    def put_back(self, sid: int) -> None:
        """A repaired server: all its accelerators free again."""
        self.buckets[self.A].append(sid)
        self.free[sid] = self.A

    def release(self, alloc: Iterable[tuple[int, int]]) -> None:
        """Give back (server, accelerators) pairs (`allocate`'s, a job's `alloc`): `release_one`
        for each, inline. A run's end takes `stop_one` or `stop`, which make no pairs."""
        free, pos, b, A = self.free, self.pos, self.buckets, self.A
        for sid, n in alloc:
            old = free[sid]
            if old:  # a fully busy server is in no bucket
                bucket = b[old]
                last = bucket.pop()
                if last != sid:
                    i = pos[sid]
                    bucket[i] = last
                    pos[last] = i
            new = old + n
            target = b[new]
            if new < A:
                pos[sid] = len(target)
            target.append(sid)
            free[sid] = new

    def release_one(self, sid: int, n: int) -> None:
        """Give back `n` accelerators of server `sid`."""
        self._move(sid, self.free[sid] + n)


def gang_pairs(whole: tuple[int, ...], sid: int, size: int, A: int) -> Allocation:
    """A job's (server, accelerators) pairs from its whole servers and its server with the
    rest (-1: none), `size` accelerators in all on servers of `A`."""
    pairs = tuple([(s, A) for s in whole])
    return (*pairs, (sid, size - A * len(whole))) if sid >= 0 else pairs


def fits_counts(counts: list[int], A: int, size: int) -> bool:
    """`Pool.fits` on bucket sizes alone (kept separate: Pool.fits is on the hot path)."""
    whole, rest = divmod(size, A)
    full = counts[A]
    if full < whole:
        return False
    if rest == 0 or full > whole:
        return True
    return any(counts[n] for n in range(rest, A))


class WhatIf:
    """A pool's bucket sizes if some running jobs ended, without touching the pool: for
    questions such as "when would this job fit?" (reservations) or "would it fit if these
    jobs stopped?" (reclaim)."""

    def __init__(self, pool: Pool):
        self.pool = pool
        self.counts = [len(b) for b in pool.buckets]  # counts[0] may go negative: never read
        self.free: dict[int, int] = {}

    def release(self, alloc) -> None:
        free = self.free
        for sid, n in alloc:
            old = free.get(sid, self.pool.free[sid])
            free[sid] = old + n
            self.counts[old] -= 1
            self.counts[old + n] += 1

    def fits(self, size: int) -> bool:
        return fits_counts(self.counts, self.pool.A, size)
