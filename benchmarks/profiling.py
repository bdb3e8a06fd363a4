"""cProfile of a benchmark run: the full listing to a text file, the top entries as data."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
from pathlib import Path

from benchmarks import scenarios
from sim.simulation.run import Model

ROOT = Path(__file__).resolve().parent.parent


def _scenario(target: str, horizon: float):
    if target == "mm64":
        return scenarios.mmc(64, 0.9, horizon, 1)  # horizon in hours
    if target == "racks-48k":
        return scenarios.single_site(48_000, horizon)  # horizon in hours
    if target == "rate":
        return scenarios.single_site(1000, horizon)  # horizon in hours
    if target == "three-sites":
        return scenarios.three_sites(horizon)  # horizon in days
    raise ValueError(f"no profile target {target!r}")


def _name(key) -> str:
    file, line, func = key
    if file.startswith("~") or file.startswith("<"):
        return func  # a builtin
    p = Path(file)
    try:
        p = p.relative_to(ROOT)
    except ValueError:
        p = Path(*p.parts[-2:])  # site-packages: keep the package and module
    return f"{p}:{line}({func})"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def profile(target: str, horizon: float, out: str, top: int = 15) -> dict:
    model = Model(_scenario(target, horizon))
    prof = cProfile.Profile()
    prof.runcall(model.run)
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    for key, (_cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append({"function": _name(key), "calls": nc, "own_s": tt, "cum_s": ct,
                     "own_share": tt / total, "cum_share": ct / total})
    by_own = sorted(rows, key=lambda r: -r["own_s"])[:top]
    by_cum = sorted(rows, key=lambda r: -r["cum_s"])[:top + 10]  # the top is SimPy's run loop
    text = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(prof, stream=text).strip_dirs().sort_stats(order).print_stats(40)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text.getvalue())
    os.replace(tmp, path)
    return {"target": target, "horizon": horizon, "jobs": model.sched.jobs, "profiled_s": total,
            "listing": _relative(path), "by_own_time": by_own, "by_cumulative_time": by_cum}
