"""The operator's server refreshes over the concession, when the scenario names accelerator
generations ([generations]): each refresh buys the newest generation available on its date,
at that generation's server price then, as many servers as fit in the power the replaced
servers drew; the refreshed fleet is then projected, not simulated:
- it sells the dense P-hours a year its site's simulated fleet sold over its first life, on the
  days its quote was at or above its floor (the market's demand held), capped at its capacity;
- at its own price: the path's price per dense P-hour, aged against the newest generation
  from the day a newer one is out (sim/model/generations.py), taken at mid-year;
- never below its marginal cost at its site (a busy card's draw x PUE x electricity, plus
  [pricing]'s variable cost): in such a year it sells nothing and only idles;
- its electricity is its servers' draw at that busy share (idle plus busy, as the run's
  servers), its O&M its generation's per server.
The simulated fleet's money is kept for the years it is in service; the refreshed fleet's
replaces the site's operator sales and operator-rack electricity for the cohorts refreshed,
by their share of the site's operator servers. Tenants' capacity and the marketplace's fees on
it stay as simulated.
"""

from __future__ import annotations

import math

from attrs import frozen

from sim.economics.pricing import PriceBook
from sim.model.generations import ageing_factor, newest_at, superseded_h
from sim.model.site import OPERATOR
from sim.model.years import year_of_hour
from sim.units import FEN_PER_CNY, HOURS_PER_DAY, HOURS_PER_YEAR, cny_to_fen


@frozen
class Refresh:
    """One refresh of one cohort of operator servers."""

    site: str
    year: int  # concession year it is bought in (at the year's start)
    generation: str
    servers: int
    replaced_servers: int
    pflops: float  # dense P bought
    price_cny_per_server: float
    idle_years: tuple[int, ...] = ()  # years its quote was below its marginal cost: it idled
    skipped: bool = False  # not bought: it would not pay ([finance] refresh = "when-it-pays"); its racks stand empty


def _rate_fen_per_pflops_hour(book: PriceBook, accelerator: str, pflops: float):
    """The path's price per dense P-hour of the newest generation at an hour (the sim type's
    quote without its ageing, per P)."""
    since = book.superseded_h.get(accelerator)

    def at(hour: float) -> float:
        q = book.quote_fen(accelerator, hour)
        if since is not None and hour > since:
            q /= ageing_factor(book.ageing, since, hour)
        return q / pflops

    return at


def operator_utilisation(result, site: str, book: PriceBook, accelerator: str, floor_fen: float,
                         first_h: float, last_h: float) -> float:
    """Busy over commissioned operator accelerator-hours at `site` between two hours, on days
    whose quote was at or above the floor (the days the fleet could sell)."""
    weights = result.day_weights
    busy = comm = 0.0
    start = result.scenario.start_date
    for r in result.daily_by_site:
        if r.site != site or r.owner_class != OPERATOR:
            continue
        h = (r.date - start).days * HOURS_PER_DAY
        if not first_h <= h < last_h or book.quote_fen(accelerator, h + 12.0) < floor_fen:
            continue
        w = 1.0 if weights is None or r.day >= len(weights) else weights[r.day]
        busy += w * r.busy_accelerators
        comm += w * r.commissioned_accelerators
    return busy / comm if comm else 0.0


def marginal_cost_fen(gen, busy_power_fraction: float, site, variable_cny: float) -> float:
    """A busy card of `gen` at `site`, fen per accelerator-hour."""
    kw = gen.server_power_kw * busy_power_fraction / gen.accelerators_per_server
    return (kw * site.pue * site.electricity_cny_per_kwh + variable_cny) * FEN_PER_CNY


def plan(sc, fin, site, bounds, end_h: float, years: int):
    """Per operator cohort (group, online hour, racks): the purchases (year, fen, life) of its
    servers, and its refreshes. Without [generations]: the same model re-bought at its
    price_change_per_year (the older convention)."""
    gens = list(sc.generations.values())
    out = []
    for g in site.rack_groups:
        if g.owner != OPERATOR:
            continue
        sf = fin.servers[g.server.name]
        for t, n in g.online:
            if t >= end_h:
                continue
            y = year_of_hour(bounds, t)
            servers0 = n * g.servers_per_rack
            at_years = max(t, 0.0) / HOURS_PER_YEAR
            buys: list[tuple[int, int, Refresh | None]] = [(y, cny_to_fen(servers0 * sf.price_at(at_years)), None)]
            for k, yy in enumerate(range(y + sf.life_years, years + 1, sf.life_years), start=1):
                hour = bounds[yy - 1]
                gen = newest_at(gens, hour) if gens else None
                if gen is None:
                    buys.append((yy, cny_to_fen(servers0 * sf.price_at(at_years + k * sf.life_years)), None))
                    continue
                count = max(1, math.floor(servers0 * g.server.power_kw / gen.server_power_kw + 1e-9))
                price = gen.server_price_at(hour)
                buys.append((yy, cny_to_fen(count * price),
                             Refresh(site.name, yy, gen.name, count, servers0, count * gen.pflops_per_server, price)))
            out.append((g, t, servers0, sf, buys))
    return out


def project_refreshes(result, sc, fin, site, bounds, years: int, cohorts, money: dict, om_servers: list[int]):
    """Replace, in `money` (this site's streams by year, fen) and `om_servers`, the simulated
    operator fleet's sales, electricity and O&M by the refreshed fleet's for the years after
    each refresh. Returns the refreshes, with the years each idled at its floor."""
    if not sc.generations or sc.pricing is None:
        return []
    book = PriceBook(sc.pricing)
    gens = list(sc.generations.values())
    total_servers = sum(c[2] for c in cohorts) or 1
    refreshes = []
    util_cache = {}
    for g, t, servers0, sf, buys in cohorts:
        acc = g.server.accelerator
        rate = _rate_fen_per_pflops_hour(book, acc.name, acc.pflops_fp16_dense)
        first_life_end = bounds[min(len(bounds) - 1, buys[1][0] - 1)] if len(buys) > 1 else bounds[-1]
        sim_floor = marginal_cost_fen_for_server(g.server, site, sc.pricing.variable_cost_cny_per_accelerator_hour)
        key = (acc.name, first_life_end)
        if key not in util_cache:
            util_cache[key] = operator_utilisation(result, site.name, book, acc.name, sim_floor, max(t, 0.0),
                                                   first_life_end)
        util = util_cache[key]
        pflops0 = servers0 * g.server.accelerators_per_server * acc.pflops_fp16_dense
        share = servers0 / total_servers
        for i, (yy, _fen, r) in enumerate(buys):
            if r is None:
                continue
            gen = sc.generations[r.generation]
            since = superseded_h(gens, gen)
            end = buys[i + 1][0] if i + 1 < len(buys) else years + 1
            idle = []
            floor = marginal_cost_fen(gen, g.server.busy_power_fraction, site,
                                      sc.pricing.variable_cost_cny_per_accelerator_hour)
            plans = []  # (year, sales, power, O&M) of the refreshed fleet, fen
            for y in range(yy, min(end, years + 1)):
                hours = bounds[y] - bounds[y - 1]
                mid = (bounds[y] + bounds[y - 1]) / 2.0
                fen_per_p_hour = rate(mid) * ageing_factor(book.ageing, since, mid)
                busy_p_hours = min(util * pflops0 * hours, r.pflops * hours)
                if fen_per_p_hour * gen.pflops_fp16_dense < floor:
                    idle.append(y)
                    busy_p_hours = 0.0
                u = busy_p_hours / (r.pflops * hours) if r.pflops else 0.0
                kw = r.servers * gen.server_power_kw * (g.server.idle_power_fraction
                                                        + (g.server.busy_power_fraction - g.server.idle_power_fraction) * u)
                plans.append((y, round(busy_p_hours * fen_per_p_hour),
                              round(kw * hours * site.pue * site.electricity_cny_per_kwh * FEN_PER_CNY),
                              cny_to_fen(r.servers * gen.server_om_cny_per_year)))
            # An operator refreshes only when it pays, if the scenario says so: the refreshed fleet's
            # operating cash over its life, discounted to the refresh, covers its price.
            worth = sum((s_ - p_ - o_) / (1.0 + fin.discount_rate) ** (y - yy + 0.5) for y, s_, p_, o_ in plans)
            skipped = fin.refresh == "when-it-pays" and worth < buys[i][1]
            if skipped:
                buys[i] = (yy, 0, r)
                plans = [(y, 0, 0, 0) for y, *_ in plans]
                idle = []
            for y, sales_fen, power_fen, om_fen in plans:
                k = y - 1
                sim_sales = round(money["compute_sales_operator_capacity"][k] * share)
                sim_power = round(money["electricity_operator_racks"][k] * share)
                money["compute_sales_operator_capacity"][k] += sales_fen - sim_sales
                money["electricity"][k] += power_fen - sim_power
                money["electricity_operator_racks"][k] += power_fen - sim_power
                om_servers[k] += om_fen - cny_to_fen(servers0 * sf.om_cny_per_year)
            refreshes.append(Refresh(r.site, r.year, r.generation, 0 if skipped else r.servers, r.replaced_servers,
                                     0.0 if skipped else r.pflops, r.price_cny_per_server, tuple(idle), skipped))
    return refreshes


def marginal_cost_fen_for_server(server, site, variable_cny: float) -> float:
    kw = server.power_kw * server.busy_power_fraction / server.accelerators_per_server
    return (kw * site.pue * site.electricity_cny_per_kwh + variable_cny) * FEN_PER_CNY
