"""What runs inside a worker (a local process or a Dask worker): a chunk of runs to rows.

Importable from the installed package alone; each row holds the run's key, point,
replication and seed and every numeric scalar of its summary under its dotted key.
"""

from __future__ import annotations

import functools

from sim.experiment.intervals import numeric
from sim.scenario.loader import loads
from sim.simulation.finance import finance_of
from sim.simulation.results import flat
from sim.simulation.run import run
from sim.units import FEN_PER_CNY

IDENTITY = ("point", "rep", "key", "seed")
LEFT_OUT = ("seed", "provenance.")  # the seed is a column already; provenance is not a result


def metrics(result) -> dict:
    """Every numeric scalar of the summary (money in CNY and in fen), by dotted key, and the
    concession's NPV and IRR when the scenario has [finance]."""
    return {**{k: v for k, v in flat(result.summary_dict()).items()
               if numeric(v) and not any(k == p or (p.endswith(".") and k.startswith(p)) for p in LEFT_OUT)},
            **finance_metrics(result)}


def finance_metrics(result) -> dict:
    """NPV (over the years the run covers) and IRR of the concession, all sites, when the
    scenario has [finance]; the IRR only where one exists."""
    fr = finance_of(result)
    if fr is None:
        return {}
    v = fr.total.verdict
    out = {"finance.years": fr.years, "finance.npv_fen": v.npv_fen, "finance.npv_cny": v.npv_fen / FEN_PER_CNY,
           "finance.npv_without_terminal_cny": v.npv_without_terminal_fen / FEN_PER_CNY}
    if v.irr is not None:
        out["finance.irr"] = v.irr
    out.update({f"finance.npv_by_line.{k}_cny": fen / FEN_PER_CNY for k, fen in fr.total.bridge.items()})
    return out


@functools.lru_cache(maxsize=8)
def _scenario(text: str, source: str, overrides: tuple[str, ...]):
    return loads(text, source, overrides)


def run_chunk(chunk) -> list[dict]:
    """One row per run: its key, point, replication, seed and metrics."""
    rows = []
    for spec in chunk.runs:
        scenario = chunk.base if chunk.base is not None else _scenario(chunk.text, chunk.source, spec.overrides)
        result = run(scenario, seed=spec.seed, horizon_days=chunk.horizon_days)
        rows.append({"point": spec.point, "rep": spec.rep, "key": spec.key, "seed": spec.seed,
                     **metrics(result)})
    return rows
