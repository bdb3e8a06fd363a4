"""The claim audit: the claim's own arithmetic beside the physically grounded figure, row by
row, every number from the scenario (its `[claim]` and its standard-rack size).

A figure known only within a range (server power 4.5-6.5 kW) is carried as a Span, so every
figure that depends on it, and every factor, is a range too.
"""

from __future__ import annotations

from attrs import frozen

from sim.model.claim import Claim, Span


@frozen
class Simulated:
    """What a run of the scenario sold, per year on average over its horizon (CNY)."""

    compute_sales_cny_per_year: float  # on operator and third-party capacity, gross
    operator_revenue_cny_per_year: float  # own-capacity sales + fees + rent (pass-through power apart)
    years: float
    sampled: bool = False
    # Tenants' power above their allowance, billed to them at cost: it pays a bill, it earns nothing.
    power_pass_through_cny_per_year: float = 0.0


@frozen
class Row:
    """One line of the audit: what is claimed, what is computed or allowed, the arithmetic and
    the factor claimed / allowed."""

    what: str
    claimed: Span | str | None  # a figure, or words when the claim gives none
    grounded: Span | str | None
    how: str  # the arithmetic, in words and numbers
    factor: Span | None = None  # claimed / grounded, where both are figures

    @classmethod
    def compare(cls, what, claimed, grounded, how):
        factor = None
        if isinstance(claimed, (Span, int, float)) and isinstance(grounded, (Span, int, float)):
            if Span.of(grounded).lo > 0:  # none allowed: no finite factor
                factor = Span.of(claimed) / Span.of(grounded)
        return cls(what, _span(claimed), _span(grounded), how, factor)


def _span(x):
    return Span.of(x) if isinstance(x, (int, float)) else x


def _f(x) -> str:
    """A number as the arithmetic text shows it."""
    if isinstance(x, Span):
        return _f(x.lo) if x.exact else f"{_f(x.lo)}-{_f(x.hi)}"
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.4g}"


@frozen
class Audit:
    """The claim audit (sim.audit): sections of rows, `row(what)` for one by name."""

    claim: Claim
    sections: tuple[tuple[str, tuple[Row, ...]], ...]

    def row(self, what: str) -> Row:
        for _, rows in self.sections:
            for r in rows:
                if r.what == what:
                    return r
        raise KeyError(what)


def claimed_revenue_cny_per_year(claim: Claim) -> float:
    """The claim's own revenue: its stated P, all busy all year, at its price per P-year."""
    return claim.pflops_total * claim.price_cny_per_pflops_year


@frozen
class _Grounded:
    """What the standard racks' power allows, worked out once for every section of the audit."""

    standard_rack_kw: float
    it_kw: float  # the sites' IT power
    per_rack_allowed: Span  # servers a standard rack powers
    servers_ideal: Span  # the IT power in whole servers, ideal packing
    per_built_rack: Span  # servers a rack as built powers
    built_racks: int
    acc_ideal: Span  # accelerators, ideal packing
    feed_ideal: Span  # dense P the IT power feeds, ideal packing
    feed_built: Span  # and as racks are built

    @classmethod
    def of(cls, c: Claim, standard_rack_kw: float) -> _Grounded:
        it_kw = c.standard_racks * standard_rack_kw
        power = c.server_power_kw
        servers_ideal = (Span.of(it_kw) / power).floor()  # ideal packing: the IT power, whole servers
        per_built_rack = (Span.of(c.built_rack_kw) / power).floor()
        built_racks = int(it_kw // c.built_rack_kw)
        k = c.accelerators_per_server
        acc_ideal, acc_built = servers_ideal * k, per_built_rack * built_racks * k
        return cls(standard_rack_kw, it_kw, (Span.of(standard_rack_kw) / power).floor(), servers_ideal,
                   per_built_rack, built_racks, acc_ideal, acc_ideal * c.accelerator_pflops_dense,
                   acc_built * c.accelerator_pflops_dense)


def audit(claim: Claim, standard_rack_kw: float, simulated: Simulated | None = None) -> Audit:
    g = _Grounded.of(claim, standard_rack_kw)
    return Audit(claim, (
        ("Sites and power", _sites(claim, g)),
        ("Hardware", _hardware(claim, g)),
        ("Capacity", _capacity(claim, g) + _reported(claim)),
        ("Revenue", _revenue(claim, g, simulated)),
        ("Value", _value(claim, g)),
    ))


def _sites(c: Claim, g: _Grounded) -> tuple[Row, ...]:
    n, racks = c.sites, c.standard_racks
    return (
        Row.compare("sites", n, n, "the claim's sites"),
        Row.compare("standard racks", racks, racks, f"{n} x {_f(c.standard_racks_per_site)}"),
        Row("standard rack, kW", "not stated", Span.of(g.standard_rack_kw),
            "a standard rack is a unit of power (official definition)"),
        Row("IT power, MW", "not stated", Span.of(g.it_kw / 1000), f"{_f(racks)} x {_f(g.standard_rack_kw)} kW"),
    )


def _hardware(c: Claim, g: _Grounded) -> tuple[Row, ...]:
    power, k, racks = c.server_power_kw, c.accelerators_per_server, c.standard_racks
    return (
        Row.compare("servers per standard rack", c.servers_per_rack, g.per_rack_allowed,
                    f"allowed: floor({_f(g.standard_rack_kw)} kW / {_f(power)} kW per server)"),
        Row.compare("servers", c.servers, g.servers_ideal,
                    f"claimed {_f(racks)} x {c.servers_per_rack}; allowed: {_f(g.it_kw)} kW / {_f(power)} kW, "
                    "ideal packing"),
        Row.compare("accelerators", c.accelerators, g.acc_ideal, f"x {k} per server"),
        Row.compare("P per card, dense spec", c.pflops_per_accelerator, c.accelerator_pflops_dense,
                    "the claim's card figure beside the card's dense FP16 spec"),
        Row.compare("P per card, sparse spec", c.pflops_per_accelerator, c.accelerator_pflops_sparse,
                    "beside its 2:4 sparse FP16 spec (= dense where none is published)"),
        Row.compare("P per server", c.pflops_per_server, Span.of(k * c.pflops_per_accelerator),
                    f"stated beside the claim's own {k} x {_f(c.pflops_per_accelerator)}"),
    )


def _capacity(c: Claim, g: _Grounded) -> tuple[Row, ...]:
    n, k, power, stated = c.sites, c.accelerators_per_server, c.server_power_kw, c.pflops_total
    computed = c.accelerators * c.pflops_per_accelerator
    sparse = c.accelerators * c.accelerator_pflops_sparse
    dense = c.accelerators * c.accelerator_pflops_dense
    chain = (f"{k} x {_f(c.pflops_per_accelerator)} x {c.servers_per_rack} x {_f(c.standard_racks_per_site)}"
             + (f" x {n}" if n > 1 else ""))
    return (
        Row("P as stated", Span.of(stated), None, "the claim's total"),
        Row.compare("P computed from the claim's figures", stated, computed, f"{chain} = {_f(computed)}"),
        Row.compare("P computed, sparse spec", stated, sparse,
                    f"{_f(c.accelerators)} cards x {_f(c.accelerator_pflops_sparse)}"),
        Row.compare("P computed, dense spec", stated, dense,
                    f"{_f(c.accelerators)} cards x {_f(c.accelerator_pflops_dense)}"),
        Row.compare("dense P the IT power feeds, ideal packing", stated, g.feed_ideal,
                    f"{_f(g.servers_ideal)} servers x {k} x {_f(c.accelerator_pflops_dense)}"),
        Row.compare("dense P the IT power feeds, as racks are built", stated, g.feed_built,
                    f"{g.built_racks:,} racks of {_f(c.built_rack_kw)} kW x {_f(g.per_built_rack)} servers x {k} x "
                    f"{_f(c.accelerator_pflops_dense)}"),
        Row.compare("IT power needed vs available, MW", c.servers * power / 1000, Span.of(g.it_kw / 1000),
                    f"{_f(c.servers)} servers x {_f(power)} kW"),
    )


def _reported(c: Claim) -> tuple[Row, ...]:
    return tuple(Row.compare(f"beside: {r.what}", c.pflops_total, r.pflops, "reported P") for r in c.reported)


def _revenue(c: Claim, g: _Grounded, simulated: Simulated | None) -> tuple[Row, ...]:
    price = c.price_cny_per_pflops_year
    claimed = claimed_revenue_cny_per_year(c)
    revenue = [
        Row.compare("revenue at 100 % busy, CNY per year: claimed P vs P fed, ideal packing", claimed,
                    g.feed_ideal * price, f"P x {_f(price)} CNY per P-year"),
        Row.compare("revenue at 100 % busy, CNY per year: claimed P vs P fed, as built", claimed,
                    g.feed_built * price, f"P x {_f(price)} CNY per P-year"),
    ]
    if simulated is None:
        revenue.append(Row("simulated compute sales, CNY per year", Span.of(claimed), "not run",
                           "run the scenario for the figure with the market"))
    else:
        years = round(simulated.years, 2)
        how = (f"average over {_f(years)} simulated year{'' if years == 1 else 's'}"
               + (" (sampled)" if simulated.sampled else "") + "; the market's prices and demand")
        revenue += [
            Row.compare("simulated compute sales, CNY per year", claimed,
                        simulated.compute_sales_cny_per_year, how),
            Row("simulated operator revenue, CNY per year", None, Span.of(simulated.operator_revenue_cny_per_year),
                "own-capacity sales + intermediary fees + rent; tenants' power billed at cost is apart (below)"),
            Row("tenants' power over allowance, billed at cost, CNY per year", None,
                Span.of(simulated.power_pass_through_cny_per_year),
                "pass-through: the operator pays it to the grid and bills it on at cost; not revenue it earns"),
        ]
    return tuple(revenue)


def _value(c: Claim, g: _Grounded) -> tuple[Row, ...]:
    cap, stated = c.market_cap_cny, c.pflops_total
    return (
        Row.compare("P per million CNY of market cap: claimed vs fed, ideal packing", stated / cap * 1e6,
                    g.feed_ideal / cap * 1e6, f"P / {_f(cap)} CNY"),
        Row.compare("P per million CNY of market cap: claimed vs fed, as built", stated / cap * 1e6,
                    g.feed_built / cap * 1e6, f"P / {_f(cap)} CNY"),
    )
