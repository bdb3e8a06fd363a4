"""All pools of a scenario, who may use which, and when servers come online."""

from __future__ import annotations

from sim.model.client import ClientClass
from sim.model.scenario import Scenario
from sim.model.site import OPERATOR
from sim.scheduling.pool import OPERATOR_POOL, PRIVATE_POOL, SHARED_POOL, Pool


def _commission_plan(scenario: Scenario):
    """Pools (in canonical order) and (hour, pool index, servers) commissioning steps."""
    tenants = {t.name: t for t in scenario.tenants}
    tenant_rank = {t.name: i for i, t in enumerate(scenario.tenants)}
    keys: dict[tuple, int] = {}
    specs: list[tuple] = []
    steps: list[tuple[float, tuple, int]] = []
    for site_index, site in enumerate(scenario.sites):
        # Per (owner, server model): servers online over time, in time order.
        groups: dict[tuple[str, str], list[tuple[float, int]]] = {}
        servers: dict[tuple[str, str], object] = {}
        for g in site.rack_groups:
            k = (g.owner, g.server.name)
            servers[k] = g.server
            groups.setdefault(k, []).extend((t, n * g.servers_per_rack) for t, n in g.online)
        order = sorted(groups, key=lambda k: (k[0] != OPERATOR, tenant_rank.get(k[0], -1)))
        for owner, model in order:
            tranches = sorted(groups[(owner, model)], key=lambda x: x[0])
            server = servers[(owner, model)]
            if owner == OPERATOR:
                plan = [(t, OPERATOR_POOL, n) for t, n in tranches]
            else:
                plan = []
                share = tenants[owner].opt_in_fraction
                total = shared = 0
                for t, n in tranches:
                    total += n
                    # Opted-in servers follow the running total, so the split is exact at every step.
                    new_shared = int(share * total + 1e-9)
                    plan.append((t, SHARED_POOL, new_shared - shared))
                    plan.append((t, PRIVATE_POOL, n - (new_shared - shared)))
                    shared = new_shared
            for kind in (OPERATOR_POOL, PRIVATE_POOL, SHARED_POOL):
                planned = sum(n for _, k, n in plan if k == kind)
                if planned <= 0:
                    continue
                key = (site_index, owner, model, kind)
                keys[key] = len(specs)
                specs.append((site.name, site_index, owner, kind, server, planned))
                steps.extend((t, key, n) for t, k, n in plan if k == kind and n > 0)
    pools = [Pool(i, *spec) for i, spec in enumerate(specs)]
    plan = sorted(((max(t, 0.0), keys[key], n) for t, key, n in steps), key=lambda x: (x[0], x[1]))
    return pools, plan


class Cluster:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.pools, self.plan = _commission_plan(scenario)
        self.elig_pools: list[tuple[Pool, ...]] = []  # canonical order (site, then kind)
        self.elig_by_kind: list[tuple[Pool, ...]] = []  # operator, tenant-private, tenant-shared
        self.elig_max_size: list[int] = []  # the largest job the group could ever hold
        self.elig_tier: list[int] = []  # the preemptible tier whose jobs form the group, else -1
        self.elig_milli: list[int] = []  # the share of one card of the group's jobs; 0: whole cards
        self._elig_ids: dict[tuple, int] = {}
        self.pools_by_site = {
            i: tuple(p for p in self.pools if p.site_index == i) for i in range(len(scenario.sites))
        }

    def pools_for(self, client: ClientClass, accelerators=None) -> tuple[Pool, ...]:
        """Pools a class may use, in canonical order (operator, tenant-private, tenant-shared)."""
        types = client.accelerators
        out = []
        for p in self.pools:
            if client.is_private:
                if p.owner != client.tenant:
                    continue
            elif p.kind == PRIVATE_POOL:
                continue
            if types is not None and p.accelerator not in types:
                continue
            if accelerators is not None and p.accelerator not in accelerators:
                continue
            if client.sites is not None and p.site not in client.sites:
                continue
            out.append(p)
        return tuple(out)

    def eligibility(self, pools: tuple[Pool, ...], prefer: tuple[str, ...] = (), tier: int = -1,
                    milli: int = 0) -> int:
        """The group of jobs that may use `pools`; `prefer`: sites its kind order tries first;
        `tier`: a preemptible tier's jobs form groups of their own (their quota caps what fits);
        `milli`: so do jobs of a share of one card (what fits depends on the share)."""
        ids: tuple = (tuple(p.id for p in pools), prefer) if tier < 0 else (tuple(p.id for p in pools), prefer, tier)
        if milli:
            ids = (*ids, "milli", milli)
        e = self._elig_ids.get(ids)
        if e is None:
            def order(p):  # kind first (operator, private, shared), then the preferred sites
                return (p.kind, prefer.index(p.site) if p.site in prefer else len(prefer), p.id)

            e = self._elig_ids[ids] = len(self.elig_pools)
            self.elig_pools.append(pools)
            self.elig_by_kind.append(tuple(sorted(pools, key=order)))
            self.elig_max_size.append(max((p.planned_accelerators for p in pools), default=0))
            self.elig_tier.append(tier)
            self.elig_milli.append(milli)
        return e

    def cap(self, elig: int) -> int:
        """Largest job some pool of the group can start now."""
        best = 0
        for p in self.elig_pools[elig]:
            m = p.max_fit()
            if m > best:
                best = m
        return best

    def capacity_path(self, pools: tuple[Pool, ...]) -> list[tuple[float, int]]:
        """Commissioned accelerators of `pools` after each commissioning step (hour, count)."""
        ids = {p.id for p in pools}
        total = 0
        path = [(0.0, 0)]
        for t, pid, n in self.plan:
            if pid in ids:
                total += n * self.pools[pid].A
                path.append((t, total))
        return path
