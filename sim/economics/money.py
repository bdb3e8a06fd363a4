"""The money model: every money stream of a run, defined once.

A `Stream` is what the ledger books under one of its streams (`sim/economics/ledger.py`) and
the operator's statement shows as one line: whose postings it totals, whether it is the
operator's revenue, its cost or money that passes through it to others, whose capacity it
concerns, its labels, how a sampled run scales it and where the concession's finance puts
it. Everything else is derived from `STREAMS`: the statement's lines (`LINES`, `lines`), the
money fields of `Money` and the daily rows, a sampled run's money, the finance's streams, the
plots, the comparison's metrics and the report's rows.

A new stream is one entry in `STREAMS` plus the code that books it (a transfer or a posting
under its ledger stream); docs/architecture.md shows one.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from attrs import frozen

from sim.economics.ledger import (
    COLOCATION,
    COMPUTE_OPERATOR,
    COMPUTE_THIRD_PARTY,
    ELECTRICITY,
    OPERATOR_KIND,
    POWER_OVER_ALLOWANCE,
    TENANT_KIND,
    TOKEN_SALES,
)

# What a stream is to the operator.
REVENUE = "revenue"  # the operator's income
COST = "cost"  # paid by the operator
PASS_THROUGH = "pass-through"  # collected for others and paid on: neither revenue nor cost

# Whose capacity or racks a stream concerns: the owner classes of the by-site rows.
OPERATOR_SIDE = "operator"
THIRD_PARTY_SIDE = "third-party"
BOTH_SIDES = "both"

# How a sampled run (sim/simulation/sampled.py) makes the whole horizon's money of a stream.
SCALED = "scaled"  # each simulated day's fen x its window's weight
BY_PERIOD = "by-period"  # worked out for each period on the real calendar, spread over its window's days

# The NPV bridge's business lines (sim/simulation/finance.py), in the order it shows them.
COLOCATION_LINE = "colocation"
OPERATOR_COMPUTE_LINE = "operator_compute"
MARKETPLACE_FEES_LINE = "marketplace_fees"
BUSINESS_LINES = (COLOCATION_LINE, OPERATOR_COMPUTE_LINE, MARKETPLACE_FEES_LINE)
BY_RACK_OWNER = "by rack owner"  # a cost split between the lines by whose racks drew it


@frozen
class Stream:
    """One money stream. `name` is its statement line, its `Money` field and, with `_cny`,
    its column in the daily rows."""

    name: str
    kind: str  # REVENUE, COST or PASS_THROUGH
    ledger: str  # the ledger stream it is booked under
    account: str  # whose postings on that stream it totals: OPERATOR_KIND or TENANT_KIND (every tenant's)
    side: str  # OPERATOR_SIDE, THIRD_PARTY_SIDE or BOTH_SIDES
    label: str  # the revenue plot's legend
    report: str  # its row in report.md's money table
    short: str | None = None  # the by-site table's header and the run table's words; None: not there
    sampled: str = SCALED
    gross: str | None = None  # the gross line (in GROSS) it is a part of
    sales: bool = False  # part of compute sales, gross (what clients paid for compute)
    finance: str | None = None  # its line in a project's years (finance.csv: `<finance>_cny`); None: not in them
    business_line: str | None = None  # its line in the NPV bridge (BUSINESS_LINES or BY_RACK_OWNER)

    @property
    def column(self) -> str:
        return f"{self.name}_cny"

    @property
    def sign(self) -> int:
        """The statement shows a cost as a positive amount the operator paid."""
        return -1 if self.kind == COST else 1


@frozen
class Gross:
    """A line that adds up the streams naming it as their `gross` (sales before a split)."""

    name: str
    report: str


@frozen
class Identity:
    """A line worked out from the streams by one function of this module."""

    name: str
    label: str  # the plots' and the run table's words
    report: str  # its (bold) row in report.md
    daily: bool  # a column of the daily rows too


STREAMS: tuple[Stream, ...] = (
    Stream("compute_sales_operator_capacity", REVENUE, COMPUTE_OPERATOR, OPERATOR_KIND, OPERATOR_SIDE,
           label="compute sales, operator capacity", report="compute sales on operator capacity",
           short="own-capacity sales", sales=True, finance="compute_sales_operator_capacity",
           business_line=OPERATOR_COMPUTE_LINE),
    Stream("intermediary_fee", REVENUE, COMPUTE_THIRD_PARTY, OPERATOR_KIND, THIRD_PARTY_SIDE,
           label="intermediary fee (third-party sales)", report="of which intermediary fee, kept by the operator",
           short="fees", gross="compute_sales_third_party_capacity", sales=True, finance="intermediary_fee",
           business_line=MARKETPLACE_FEES_LINE),
    Stream("tenant_payouts", PASS_THROUGH, COMPUTE_THIRD_PARTY, TENANT_KIND, THIRD_PARTY_SIDE,
           label="paid out to tenants", report="of which paid out to tenants",
           gross="compute_sales_third_party_capacity", sales=True),
    Stream("colocation_rent", REVENUE, COLOCATION, OPERATOR_KIND, THIRD_PARTY_SIDE,
           label="colocation rent", report="colocation rent from tenants", short="rent", sampled=BY_PERIOD,
           finance="colocation_rent", business_line=COLOCATION_LINE),
    Stream("power_over_allowance", REVENUE, POWER_OVER_ALLOWANCE, OPERATOR_KIND, THIRD_PARTY_SIDE,
           label="tenants' power over allowance", report="tenants' power above their allowance, billed to them",
           short="power over allowance", finance="power_over_allowance", business_line=COLOCATION_LINE),
    Stream("electricity_cost", COST, ELECTRICITY, OPERATOR_KIND, BOTH_SIDES,
           label="electricity (cost)", report="electricity, paid by the operator", short="electricity",
           finance="electricity", business_line=BY_RACK_OWNER),
    # Inference services' tokens served on operator capacity (per million tokens, input and
    # output priced apart: sim/workload/service.py); on a tenant's capacity they are third-party sales.
    Stream("token_sales", REVENUE, TOKEN_SALES, OPERATOR_KIND, OPERATOR_SIDE,
           label="token sales, operator capacity", report="inference tokens sold on operator capacity",
           short="token sales", sales=True, finance="token_sales", business_line=OPERATOR_COMPUTE_LINE),
)
GROSS = (Gross("compute_sales_third_party_capacity", report="compute sales on third-party capacity (gross)"),)
OPERATOR_REVENUE = Identity("operator_revenue", "operator revenue", "operator revenue", daily=False)
OPERATOR_NET = Identity("operator_net", "operator net", "operator net (before capex, O&M, tax)", daily=True)
IDENTITIES = (OPERATOR_REVENUE, OPERATOR_NET)

BY_NAME: dict[str, Stream]
REVENUE_STREAMS: tuple[str, ...]
COST_STREAMS: tuple[str, ...]
PASS_THROUGH_STREAMS: tuple[str, ...]
SALES_LINES: tuple[str, ...]  # the lines compute sales add up: a gross line for its parts
GROSS_PARTS: dict[str, tuple[str, ...]]
LINES: tuple[str, ...]  # the statement's lines, in order
DAILY_LINES: tuple[str, ...]  # those the daily rows hold
COMPARED_LINES: tuple[str, ...]  # those a comparison of scenarios shows: all but what passes through
SAMPLED_SCALED: tuple[str, ...]
SAMPLED_BY_PERIOD: tuple[str, ...]
FINANCE: dict[str, str]  # stream -> its line in a project's years
FINANCE_REVENUE: tuple[str, ...]
FINANCE_COSTS: tuple[str, ...]
FINANCE_BY_RACK_OWNER: tuple[str, ...]
REPORT_LABELS: dict[str, str]  # line -> its row in report.md
SHORT: tuple[tuple[str, str, bool], ...]  # (stream, words, a cost) of the by-site table and the run table


def _derive() -> None:
    """The tables every other module reads, from STREAMS, GROSS and IDENTITIES."""
    global BY_NAME, REVENUE_STREAMS, COST_STREAMS, PASS_THROUGH_STREAMS, SALES_LINES, GROSS_PARTS, LINES, \
        DAILY_LINES, COMPARED_LINES, SAMPLED_SCALED, SAMPLED_BY_PERIOD, FINANCE, FINANCE_REVENUE, FINANCE_COSTS, \
        FINANCE_BY_RACK_OWNER, REPORT_LABELS, SHORT
    BY_NAME = {s.name: s for s in STREAMS}
    REVENUE_STREAMS = tuple(s.name for s in STREAMS if s.kind == REVENUE)
    COST_STREAMS = tuple(s.name for s in STREAMS if s.kind == COST)
    PASS_THROUGH_STREAMS = tuple(s.name for s in STREAMS if s.kind == PASS_THROUGH)
    if any(len({s.sales for s in STREAMS if s.gross == g.name}) > 1 for g in GROSS):
        raise ValueError("the parts of a gross line are all compute sales or none")
    SALES_LINES = tuple(dict.fromkeys(s.gross or s.name for s in STREAMS if s.sales))
    GROSS_PARTS = {g.name: tuple(s.name for s in STREAMS if s.gross == g.name) for g in GROSS}
    # The streams in order, each gross line just before its first part, then the identities.
    order: list[str] = []
    for s in STREAMS:
        if s.gross is not None and s.gross not in order:
            order.append(s.gross)
        order.append(s.name)
    LINES = (*order, *(i.name for i in IDENTITIES))
    DAILY_LINES = tuple(k for k in LINES if k not in {i.name for i in IDENTITIES if not i.daily})
    COMPARED_LINES = tuple(k for k in LINES if k not in PASS_THROUGH_STREAMS)
    SAMPLED_SCALED = tuple(s.name for s in STREAMS if s.sampled == SCALED)
    SAMPLED_BY_PERIOD = tuple(s.name for s in STREAMS if s.sampled == BY_PERIOD)
    FINANCE = {s.name: s.finance for s in STREAMS if s.finance is not None}
    FINANCE_REVENUE = tuple(FINANCE[k] for k in REVENUE_STREAMS if k in FINANCE)
    FINANCE_COSTS = tuple(FINANCE[k] for k in COST_STREAMS if k in FINANCE)
    FINANCE_BY_RACK_OWNER = tuple(s.finance for s in STREAMS if s.finance and s.business_line == BY_RACK_OWNER)
    REPORT_LABELS = {**{s.name: s.report for s in STREAMS}, **{g.name: g.report for g in GROSS},
                     **{i.name: i.report for i in IDENTITIES}}
    SHORT = tuple((s.name, s.short, s.kind == COST) for s in STREAMS if s.short is not None)


_derive()


def revenue(parts: Mapping[str, int]) -> int:
    """The operator's revenue: the sum of its revenue streams."""
    return sum(parts[k] for k in REVENUE_STREAMS)


def net(parts: Mapping[str, int]) -> int:
    """The operator's net: its revenue less its costs."""
    return revenue(parts) - sum(parts[k] for k in COST_STREAMS)


def sales(statement: Mapping[str, int]) -> int:
    """Compute sales, gross: what clients paid for compute on every kind of capacity (from a
    statement's lines: a stream of a gross line counts through it)."""
    return sum(statement[k] for k in SALES_LINES)


def lines(parts: Mapping[str, int]) -> dict[str, int]:
    """Every line of the statement, in order, from the streams' amounts (`parts`: fen by
    stream name; missing streams count 0)."""
    return lines_of([parts.get(k, 0) for k in BY_NAME])


def lines_of(values: Sequence[int]) -> dict[str, int]:
    """`lines` from every stream's fen in the order of STREAMS (the statement's way: it runs
    for every group of every day)."""
    p = dict(zip(BY_NAME, values, strict=True))
    out = {**p, OPERATOR_REVENUE.name: revenue(p), OPERATOR_NET.name: net(p)}
    for g, ks in GROSS_PARTS.items():
        out[g] = sum(p[k] for k in ks)
    return {k: out[k] for k in LINES}


def zero() -> dict[str, int]:
    """Every stream at 0 fen."""
    return dict.fromkeys(BY_NAME, 0)


def register(*streams: Stream) -> None:
    """Add streams to the model as if they were entries of STREAMS (a plugin's, or the example
    in docs/architecture.md). Records and tables are derived when their modules are imported,
    so this must come first: it refuses once any module has taken a table from this one."""
    global STREAMS
    mine = {id(v) for k, v in globals().items() if k.isupper() and isinstance(v, (tuple, dict)) and v}
    me = sys.modules[__name__]
    users = sorted(name for name, m in list(sys.modules.items()) if name.startswith("sim.") and m is not me
                   and any(id(v) in mine for v in list(vars(m).values())))
    if users:
        raise RuntimeError(f"register money streams before importing {', '.join(users)}")
    taken = set(BY_NAME) | {g.name for g in GROSS} | {i.name for i in IDENTITIES}
    for s in streams:
        if s.name in taken:
            raise ValueError(f"money stream {s.name!r}: the name is taken")
        taken.add(s.name)
    STREAMS = (*STREAMS, *streams)
    _derive()


def add_fields(names, type_name: str, suffix: str = "", first: bool = False):
    """A class decorator, under attrs' `@frozen`: gives the class one field per name (typed
    `type_name`, named name + suffix), after its own fields (before them with `first`), so a
    record's money fields follow the model."""
    def deco(cls):
        own = dict(cls.__dict__.get("__annotations__", {}))
        money = {f"{k}{suffix}": type_name for k in names}
        clash = set(own) & set(money)
        if clash:
            raise TypeError(f"{cls.__name__}: money fields {sorted(clash)} also declared in the class")
        cls.__annotations__ = {**money, **own} if first else {**own, **money}
        return cls
    return deco

