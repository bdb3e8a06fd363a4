"""A market's share that follows one site's build-out ([market] share_follows_build)."""

from __future__ import annotations

import attrs

from sim.model.demand import follow_build


def built_share(site) -> tuple[tuple[float, float], ...]:
    """(hour, share of the site's finished dense P built from then on): every rack group's
    build-out steps, its racks counted at their servers' dense P."""
    added: dict[float, float] = {}
    finished = 0.0
    for g in site.rack_groups:
        per_rack = g.servers_per_rack * g.server.accelerators_per_server * g.server.accelerator.pflops_fp16_dense
        for h, n in (g.built if g.built is not None else g.online):
            added[h] = added.get(h, 0.0) + n * per_rack
        finished += g.count * per_rack
    out = []
    total = 0.0
    for h in sorted(added):
        total += added[h]
        out.append((h, min(total / finished, 1.0) if finished else 0.0))
    return tuple(out)


def follow_site(root, key: str, market: tuple, sites, declared_sites) -> tuple:
    """A market whose share follows the build-out of the site it names: its work scaled by the
    share of that site's finished capacity built at each date."""
    m, ok = market
    if m is None or m.share_follows_build is None:
        return market
    name = m.share_follows_build
    site = next((s for s in sites if s.name == name), None)
    if site is None:
        if name not in declared_sites:
            root.problems.add(f"{key}.share_follows_build", f"no site named {name!r} in [sites]")
        return None, False
    if m.work is None or m.work.annual_growth:
        root.problems.add(f"{key}.share_follows_build", "needs pflops_hours_path or pflops_hours_per_year "
                          "without annual_growth")
        return None, False
    return attrs.evolve(m, work=follow_build(m.work, built_share(site))), ok
