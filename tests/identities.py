"""The money identities every run's results keep, full or sampled (README, "Streams"):
operator revenue = own-capacity sales + fees + rent + power over allowance; operator net =
revenue - electricity; third-party sales = fees + tenant payouts. They hold in whole fen in
the summary, in each site and owner class, and in every daily row; the rows add up to the
summary, and so do the years the finance reads from them.

Which streams are revenue, costs or parts of a gross line is read from the money model's data
(sim/economics/money.py: STREAMS), so a new stream is checked too; the sums are worked out
here, not with the model's own functions."""

from __future__ import annotations

from sim.economics.money import COST, REVENUE, STREAMS
from sim.simulation.finance import yearly
from sim.simulation.results import DAILY_MONEY

PARTS = tuple(s.name for s in STREAMS if s.kind == REVENUE)
COSTS = tuple(s.name for s in STREAMS if s.kind == COST)
GROSS: dict[str, list[str]] = {}
for _s in STREAMS:
    if _s.gross:
        GROSS.setdefault(_s.gross, []).append(_s.name)


def _fen(cny: float) -> int:
    return round(cny * 100)


def check_statement(m, where: str) -> None:
    revenue = sum(getattr(m, k) for k in PARTS)
    assert m.operator_revenue == revenue, f"{where}: operator revenue {m.operator_revenue} != parts {revenue}"
    costs = sum(getattr(m, k) for k in COSTS)
    assert m.operator_net == m.operator_revenue - costs, f"{where}: net != revenue - electricity"
    for gross, parts in GROSS.items():
        assert getattr(m, gross) == sum(getattr(m, k) for k in parts), f"{where}: {gross}"


def check_row(row, where: str) -> None:
    fen = {k: _fen(getattr(row, f"{k}_cny")) for k in DAILY_MONEY}
    net = sum(fen[k] for k in PARTS) - sum(fen[k] for k in COSTS)
    assert fen["operator_net"] == net, f"{where}: net {fen['operator_net']} != parts - electricity {net}"
    for gross, parts in GROSS.items():
        assert fen[gross] == sum(fen[k] for k in parts), f"{where}: {gross}"


def check_money_identities(result) -> None:
    s = result.summary
    check_statement(s.revenue, "summary")
    for r in s.by_site:
        check_statement(r.revenue, f"by_site {r.site}/{r.owner_class}")
    for k in DAILY_MONEY:
        assert sum(getattr(r.revenue, k) for r in s.by_site) == getattr(s.revenue, k), f"by_site {k} != summary"
        assert sum(_fen(getattr(d, f"{k}_cny")) for d in result.daily) == getattr(s.revenue, k), \
            f"daily {k} do not add up to the summary's"
    by_day: dict[int, list] = {}
    for r in result.daily_by_site:
        check_row(r, f"day {r.day} {r.site}/{r.owner_class}")
        by_day.setdefault(r.day, []).append(r)
    for d in result.daily:
        check_row(d, f"day {d.day}")
        for k in DAILY_MONEY:
            assert sum(_fen(getattr(r, f"{k}_cny")) for r in by_day.get(d.day, ())) == _fen(getattr(d, f"{k}_cny")), \
                f"day {d.day}: sites' {k} != the day's"
    assert sum(y.operator_revenue_fen for y in yearly(result)) == s.revenue.operator_revenue, \
        "the years' operator revenue does not add up to the summary's"
