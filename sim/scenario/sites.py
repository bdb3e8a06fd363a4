"""[sites] and their [sites.*.racks.*] groups: power, owner, server model and build-out."""

from __future__ import annotations

import math

from sim.model import OPERATOR, RackGroup, Site, servers_within_power
from sim.model.site import leased
from sim.scenario.buildout import read_online
from sim.scenario.fields import INT64, Table, did_you_mean
from sim.scenario.openb import node_groups


def read_sites(root: Table, start, servers, declared_servers, tenants, std_kw,
               enforce, leasing, steps, accelerators=None) -> tuple[list[Site], bool]:
    """The sites, and whether every rack group in the file was built (the capacity is whole).
    A site's `openb_nodes` adds the rack groups of an OpenB node list (sim/scenario/openb.py)."""
    out = []
    whole = isinstance(root.data.get("sites"), dict)
    for name, t in root.tables("sites"):
        pue = t.number("pue", ge=1.0)
        price = t.number("electricity_cny_per_kwh", ge=0)
        racks = t.data.get("racks")
        groups = [
            g for g in (_rack_group(rt, gname, name, start, servers, declared_servers, tenants, std_kw, enforce,
                                    steps, leasing)
                        for gname, rt in t.tables("racks", required=not t.has("openb_nodes")))
            if g is not None
        ]
        listed = len(racks) if isinstance(racks, dict) else 0
        if t.has("openb_nodes"):
            nt = t.table("openb_nodes")
            more = node_groups(nt, name, accelerators or {}, servers) if nt is not None else None
            whole &= more is not None
            groups += more or []
            listed += len(more or [])
        elif not isinstance(racks, dict):
            whole = False
        whole &= len(groups) == listed > 0
        t.done()
        out.append(Site(name, pue, price, tuple(groups)))  # with problems, used only to check job sizes
    return out, whole and len(out) == len(root.data["sites"])


def _rack_group(t: Table, name, site, start, servers, declared_servers, tenants, std_kw, enforce, steps, leasing):
    owner = t.string("owner")
    if owner is not None and owner != OPERATOR and owner not in tenants:
        t.error("owner", f"must be {OPERATOR!r} or a tenant in [tenants], got {owner!r}"
                + did_you_mean(owner, [OPERATOR, *tenants]))
        owner = None
    model = t.string("server")
    if model is not None and model not in servers:
        if model not in declared_servers:
            t.error("server", f"no server named {model!r} in [servers]" + did_you_mean(model, declared_servers))
        model = None
    power = t.number("power_kw", gt=0)
    count = None
    if t.has("count") and t.has("standard_racks"):
        t.error("count", "give count or standard_racks, not both")
        t.raw("standard_racks")
    elif t.has("standard_racks"):
        std = t.number("standard_racks", ge=0)
        if None not in (std, power, std_kw):
            # A standard rack is a unit of power: so many of them fill this many real racks.
            racks = std * std_kw / power
            if not racks <= INT64[1]:
                t.error("standard_racks", f"{std!r} standard racks of {std_kw} kW fill too many "
                        f"{power} kW racks ({racks:.3g})")
            else:
                count = math.floor(round(racks, 9))
    else:
        count = t.number("count", integer=True, ge=0)
    per_rack = t.number("servers_per_rack", None, integer=True, ge=1)
    online = read_online(t, start, count, steps)
    t.done()
    if count is None or None in (owner, model, power, online):
        return None
    server = servers[model]
    if not math.isfinite(power / server.power_kw):
        t.error("power_kw", f"a {power} kW rack would hold {power / server.power_kw} {model} servers "
                f"of {server.power_kw} kW")
        return None
    within = servers_within_power(power, server.power_kw)
    if per_rack is None:
        if within == 0:
            t.error("power_kw", f"a {power} kW rack cannot power one {model} server ({server.power_kw} kW): "
                    "use bigger racks, or set servers_per_rack with enforce_power = false")
            return None
        per_rack = within
    elif per_rack > within and enforce:
        t.error("servers_per_rack", f"{per_rack} servers of {server.power_kw} kW need "
                f"{per_rack * server.power_kw:g} kW, over the {power} kW rack budget (at most {within}); "
                "set enforce_power = false to model it anyway")
        return None
    built = None
    if owner in leasing:
        # Unleased racks stand empty: servers (and rent) follow the racks under contract.
        if not steps.take(t, "owner", len(leasing[owner])):
            return None
        built, online = online, leased(online, leasing[owner])
    return RackGroup(name, site, owner, count, power, server, per_rack, within, online, built)
