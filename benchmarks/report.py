"""Targets, verdicts, the printed table and bench.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

DEFINITIONS = {
    "customers_per_s": "M/M/64 at rho 0.9 (single-accelerator jobs, one site, prices on; FIFO in the peers): "
                       "customers completed / CPU seconds of the simulation alone, from empty, same rates "
                       "and horizon for every engine, each drawing its own numbers, best of the repeats "
                       "(alternated); model = Model(scenario).run() of benchmarks.scenarios.mmc, ciw = "
                       "Simulation.simulate_until_max_time, simpy-resource = a source process and one "
                       "process per customer on a simpy.Resource, heapq = a bare event loop on a heap",
    "seconds": "CPU seconds of the measuring process (time.process_time, pinned to one CPU), not wall "
               "seconds: time spent waiting for the CPU behind other jobs is not counted (contention for "
               "caches still is); wall seconds are kept in bench.json",
    "raw_events_per_s": "bare SimPy: env.timeout events with one callback each (no processes) per second, "
                        "with as many timeouts pending as the model has (its running jobs + 3)",
    "model_jobs_per_s": "completed jobs / seconds of Model(scenario) + .run() (build, simulate, close, "
                        "summary) on the single-site benchmark scenario",
    "model_job_events_per_s": "3 x completed jobs / the same seconds: one arrival, one start and one "
                              "finish per job (placement and billing are inside those)",
    "overhead_ratio": "model job-events/s / raw SimPy events/s, best of the repeats of each, one process",
    "s_per_job": "seconds between two markers inside the run / jobs completed between them; the first "
                 "marker comes after a warm-up of 3 mean job durations (2 with --quick), so the cluster "
                 "is at its steady load; the best of 3 rounds (1 with --quick) that each run every size "
                 "in turn, bare SimPy's per event likewise",
    "growth_ratio": "s_per_job at 48,000 racks / s_per_job at 1,000 racks (same workload shape, load "
                    "proportional to racks); beside it bare SimPy's own growth (raw s/event at the same "
                    "pending counts, same run) and the model's growth over it",
    "as_claimed_s": "seconds of Model(scenario) + .run() in one child process, 3 sites x 16,000 racks "
                    "x 10 servers x 8 accelerators, 365 simulated days",
    "sweep": "a fixed small sweep (Qingyang, fees x replications) with the executor already started "
             "(its start is reported apart), wall seconds; overhead per run: CPU = (CPU seconds of this "
             "process and every worker - the bare sim.run loop's) / runs, what loading, summary rows and "
             "transport cost, unaffected by other jobs; wall = (wall x workers - bare wall) / runs, which "
             "also counts idle workers and, on a busy machine, waiting for a CPU",
    "peak_rss_mib": "ru_maxrss of the child process that ran the scenario (includes the interpreter, "
                    "numpy and scipy)",
    "zhonghe_s": "seconds of sim.run(zhonghe) over 20 years (3 sites, 144,000 accelerators, ~2.9 M jobs), "
                 "every day simulated; with --quick one year, x 20",
    "sampled_speedup": "seconds of the full zhonghe run / seconds of the same run in representative periods "
                       "(4 windows of 2 days a year, lead-in 7 days, warm-up 2 days; not judged with --quick, whose one "
                       "year is mostly build-out)",
}

# name: (what, comparison, limit, unit)
TARGETS = {
    "peers-ciw": ("M/M/64 customers/s, model / ciw", ">=", 4.0, ""),
    "peers-simpy": ("M/M/64 customers/s, model / SimPy Resource", ">=", 2.0, ""),
    "overhead": ("model job-events/s / raw SimPy events/s", ">=", 1 / 3, ""),
    "scale": ("as-claimed 3 sites, 1 year: CPU time", "<=", 60.0, "s"),
    "growth": ("time per job, 48k racks / 1k racks", "<=", 1.5, ""),
    "qingyang-time": ("Qingyang 20 years: CPU time", "<=", 60.0, "s"),
    "memory": ("Qingyang 20 years: peak RSS", "<", 1024.0, "MiB"),
    "sweep-2x": ("sweep runs/s, 2 local workers / 1", ">=", 1.8, ""),
    "sweep-dask": ("sweep runs/s, Dask 2 workers / local 2", ">=", 0.9, ""),
    "zhonghe": ("zhonghe 20 years, every day: CPU time", "<=", 600.0, "s"),
    "sampled": ("zhonghe 20 years: full / sampled CPU time", ">=", 20.0, ""),
}


def verdict(name: str, value, note: str = "") -> dict:
    what, op, limit, unit = TARGETS[name]
    if value is None:
        return {"target": name, "what": what, "value": None, "limit": limit, "op": op, "unit": unit,
                "result": "ERROR", "of_limit": None, "note": note}
    ok = {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]
    return {"target": name, "what": what, "value": value, "limit": limit, "op": op, "unit": unit,
            "result": "PASS" if ok else "FAIL", "of_limit": value / limit, "note": note}


def best_round(runs: list[dict]) -> dict:
    """One size's point from its rounds: the run with the least time per job, with bare SimPy's
    least time per event beside it (each is the least disturbed by the machine), and every
    round's figures kept. A size that failed in any round is reported as that failure."""
    failed = [r for r in runs if r.get("status") != "ok"]
    if failed:
        return failed[0]
    best = dict(min(runs, key=lambda r: r["s_per_job"]))
    best["raw_s_per_event"] = min(r["raw_s_per_event"] for r in runs)
    best["rounds"] = len(runs)
    best["s_per_job_rounds"] = [r["s_per_job"] for r in runs]
    best["raw_s_per_event_rounds"] = [r["raw_s_per_event"] for r in runs]
    return best


def growth(scaling: list[dict], key: str = "s_per_job") -> dict:
    """Time per job (or, key="raw_s_per_event", bare SimPy's time per event at the same
    pending count) of each larger point over the 1,000-rack one: {"16k/1k": 1.4, ...}."""
    by = {p["racks"]: p[key] for p in scaling if p.get("status") == "ok"}
    if 1000 not in by:
        return {}
    return {f"{r // 1000}k/1k": t / by[1000] for r, t in sorted(by.items()) if r != 1000}


def relative_growth(scaling: list[dict]) -> dict:
    """The model's growth over bare SimPy's on the same machine in the same run: what the
    model adds to the cost of a bigger heap and colder memory that any SimPy model pays."""
    model, raw = growth(scaling), growth(scaling, "raw_s_per_event")
    return {k: model[k] / raw[k] for k in model if k in raw}


def judge(res: dict, quick: bool) -> list[dict]:
    out = []
    peers = res.get("peers")
    if peers is not None:
        over = peers.get("model_over", {})
        note = "quick sample" if quick else ""
        out.append(verdict("peers-ciw", over.get("ciw"), note))
        out.append(verdict("peers-simpy", over.get("simpy-resource"), note))
    rate = res.get("rate")
    if rate is not None:
        out.append(verdict("overhead", rate.get("ratio"), "quick sample" if quick else ""))
    scaling = res.get("scaling")
    if scaling is not None:
        value = growth(scaling).get("48k/1k")
        rel = relative_growth(scaling).get("48k/1k")
        note = f"bare SimPy's own: x{growth(scaling, 'raw_s_per_event')['48k/1k']:.2f}, the model's over it " \
               f"x{rel:.2f}" if rel is not None else ""
        out.append(verdict("growth", value, "; ".join(n for n in ("quick sample" if quick else "", note) if n)))
    three = res.get("three_sites")
    if three is not None:
        value, note = _run_seconds(three, 365)
        out.append(verdict("scale", value, note))
    sw = res.get("sweep")
    if sw is not None:
        ok = sw.get("status") == "ok"
        note = "quick sample" if quick else ""
        out.append(verdict("sweep-2x", sw.get("speedup") if ok else None, note))
        out.append(verdict("sweep-dask", sw.get("dask_vs_local") if ok else None, note))
    mem = res.get("qingyang_20y")
    if mem is not None:
        value, note = _run_seconds(mem, 7300)
        out.append(verdict("qingyang-time", value, note))
        note = f"{mem['horizon_days']:g}-day run (quick)" if quick and mem.get("status") == "ok" else ""
        out.append(verdict("memory", mem.get("peak_rss_mib"), note))
    full, sampled = res.get("zhonghe_full"), res.get("zhonghe_sampled")
    if full is not None:
        value, note = _zhonghe_seconds(full)
        out.append(verdict("zhonghe", value, note))
        if not quick and sampled is not None:
            ok = full.get("status") == "ok" and sampled.get("status") == "ok"
            out.append(verdict("sampled", full["cpu_s"] / sampled["cpu_s"] if ok else None,
                               f"sampled: {sampled['cpu_s']:.1f} s, {sampled['jobs']:,} jobs" if ok else "error"))
    return out


def _zhonghe_seconds(r: dict):
    """As _run_seconds over 20 years, saying how many jobs a full run took."""
    value, note = _run_seconds(r, 7305)
    if r.get("status") == "ok":
        note = (f"projected from {r['horizon_days']:g} days (quick; the first year is the lightest)"
                if r["horizon_days"] < 7305 else f"wall {r['wall_s']:.0f} s, {r['jobs']:,} jobs")
    return value, note


def _run_seconds(r: dict, days: float):
    """CPU seconds of a run of `days` simulated days (projected from a shorter one)."""
    if r.get("status") == "aborted":
        if r.get("projected_s"):
            return r["projected_s"], f"stopped at {r['fraction_done']:.0%}, wall projected"
        return None, f"stopped after {r['elapsed_s']:.0f} s"
    if r.get("status") != "ok":
        return None, "error"
    if r["horizon_days"] < days:
        return r["cpu_s"] * days / r["horizon_days"], f"projected from {r['horizon_days']:g} days (quick)"
    return r["cpu_s"], f"wall {r['wall_s']:.0f} s"


def _n(x, digits=0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _limit(v: dict) -> str:
    lim = v["limit"]
    s = f"{lim:.3f}" if lim < 1 else f"{lim:g}"
    return f"{v['op']} {s}{' ' + v['unit'] if v['unit'] else ''}"


def _value(v: dict) -> str:
    x = v["value"]
    if x is None:
        return "-"
    s = f"{x:.3f}" if x < 10 and not v["unit"] else f"{x:,.1f}"
    return f"{s}{' ' + v['unit'] if v['unit'] else ''}"


def _status(r: dict | None) -> str:
    if r is None:
        return "not run"
    if r.get("status") == "aborted":
        return f"stopped after {r['elapsed_s']:.0f} s (limit {r['limit_s']:.0f} s)"
    last = (r.get("stderr_tail") or "").strip().splitlines()
    return f"error (exit {r.get('exit_code')}): {last[-1] if last else 'no message'}"


def peers_table(p: dict) -> list[str]:
    lines = [f"Peers: M/M/{p['c']}, rho {p['rho']:g}, {p['horizon_h']:,.0f} simulated hours (about "
             f"{p['customers']:,} customers), best of {p['repeats']}",
             "  engine            customers/s  completed  model / engine"]
    model = p["best"]["model"]["per_s"]
    for name, b in p["best"].items():
        lines.append(f"  {name:<16} {b['per_s']:>12,.0f}  {b['completed']:>9,}  {model / b['per_s']:>14.2f}")
    return lines


def table(res: dict) -> str:
    m = res["machine"]
    lines = [f"computesim benchmarks, {res['mode']} run, {res['started']}: {m['cpu']} x{m['cpus']}, "
             f"Python {m['python']}, SimPy {m['simpy']}, load average {m['load_before']:.1f} -> "
             f"{m['load_after']:.1f}"]
    g = res.get("git") or {}
    if g.get("commit"):
        dirty = " + uncommitted changes in sim/" if g.get("sim_uncommitted_changes") else ""
        lines.append(f"  code: {g['commit'][:12]}{dirty}")
    if max(m["load_before"], m["load_after"]) > 0.5 * m["cpus"]:
        lines.append("  note: the machine was busy with other work; timings are noisier than usual")
    peers = res.get("peers")
    if peers is not None:
        lines.append("")
        lines += peers_table(peers) if peers.get("status") == "ok" else [f"Peers: {_status(peers)}"]
    rate = res.get("rate")
    if rate is not None:
        if rate.get("status") == "ok":
            raw, mod = rate["raw"], rate["model"]
            lines += [
                "",
                f"Model overhead: 1 site, {rate['racks']:,} racks ({rate['accelerators']:,} accelerators), "
                f"{raw['pending']:,} pending events, best of {rate['repeats']}",
                f"  raw SimPy events/s           {_n(raw['events_per_s']):>10}",
                f"  model jobs/s                 {_n(mod['jobs_per_s']):>10}   ({mod['jobs_completed']:,} jobs "
                f"in {mod['cpu_s']:.2f} s, utilisation {mod['utilisation']:.1%})",
                f"  model job-events/s           {_n(mod['job_events_per_s']):>10}   (3 x jobs/s)",
                f"  job-events/s / raw events/s  {rate['ratio']:>10.3f}",
            ]
        else:
            lines += ["", f"Model overhead: {_status(rate)}"]
    scaling = res.get("scaling")
    if scaling is not None:
        ok = [p for p in scaling if p.get("status") == "ok"]
        base = next((p["s_per_job"] for p in ok if p["racks"] == 1000), None)
        rounds = max((p.get("rounds", 1) for p in ok), default=1)
        lines += ["", "Scaling: same workload shape, load proportional to racks, steady state"
                  + (f"; best of {rounds} rounds" if rounds > 1 else ""),
                  "   racks  accelerators  running  timed jobs  us/job  vs 1k  raw SimPy us/event  vs 1k"]
        raw_base = next((p["raw_s_per_event"] for p in ok if p["racks"] == 1000), None)
        for p in scaling:
            if p.get("status") != "ok":
                lines.append(f"  {p['racks']:>6,}  {_status(p)}")
                continue
            rel = f"{p['s_per_job'] / base:5.2f}" if base else "    -"
            raw_rel = f"{p['raw_s_per_event'] / raw_base:5.2f}" if raw_base else "    -"
            lines.append(f"  {p['racks']:>6,}  {p['accelerators']:>12,}  {p['running']:>7,}  "
                         f"{p['jobs_completed']:>10,}  {p['s_per_job'] * 1e6:6.1f}  {rel}  "
                         f"{p['raw_s_per_event'] * 1e6:18.2f}  {raw_rel}")
        ratios = growth(scaling)
        if ratios:
            lines.append("  time per job: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()))
            raw = growth(scaling, "raw_s_per_event")
            lines.append("  bare SimPy per event: " + ", ".join(f"{k} = {v:.2f}" for k, v in raw.items()))
            lines.append("  the model's growth over bare SimPy's: "
                         + ", ".join(f"{k} = {v:.2f}" for k, v in relative_growth(scaling).items()))
    for key, title in (("three_sites", "As claimed: 3 sites x 16,000 racks"),
                       ("qingyang_20y", "Qingyang, heavy what-if (scenarios/qingyang.toml, 10x its market share)"),
                       ("zhonghe_full", "Zhonghe (scenarios/zhonghe.toml), every day"),
                       ("zhonghe_sampled", "Zhonghe (scenarios/zhonghe.toml), representative periods")):
        r = res.get(key)
        if r is None:
            continue
        if r.get("status") != "ok":
            lines += ["", f"{title}: {_status(r)}"]
            continue
        lines += ["", f"{title}, {r['accelerators']:,} accelerators, {r['horizon_days']:,g} days",
                  f"  {r['cpu_s']:.1f} s (wall {r['wall_s']:.1f} s), {r['jobs']:,} jobs, {r['model_events']:,} "
                  f"model events, utilisation {r['utilisation']:.1%}, peak RSS {r['peak_rss_mib']:.0f} MiB"]
    sw = res.get("sweep")
    if sw is not None:
        if sw.get("status") != "ok":
            lines += ["", f"Sweep executors: {_status(sw)}"]
        else:
            lines += ["", f"Sweep executors: {sw['runs']} runs of Qingyang, {sw['horizon_days']:g} days; bare "
                          f"sim.run loop {sw['bare_s']:.1f} s ({sw['bare_s_per_run'] * 1e3:.0f} ms/run)",
                      "  executor        start s  wall s  runs/s  overhead ms/run: CPU   wall  same rows"]
            for name in (k for k in sw if isinstance(sw[k], dict) and "wall_s" in sw[k]):
                e = sw[name]
                lines.append(f"  {name:<14} {e['start_s']:8.2f} {e['wall_s']:7.2f} {e['runs_per_s']:7.2f} "
                             f"{e['overhead_cpu_ms_per_run']:21.1f} {e['overhead_wall_ms_per_run']:6.0f}  "
                             f"{e['same_rows']}")
    lines += ["", f"  {'target':<44} {'value':>12}  {'limit':>12}  result"]
    for v in res["targets"]:
        of = f" ({v['of_limit']:.2f} of limit)" if v["of_limit"] is not None else ""
        note = f"  [{v['note']}]" if v["note"] else ""
        lines.append(f"  {v['what']:<44} {_value(v):>12}  {_limit(v):>12}  {v['result']}{of}{note}")
    lines += ["", "Definitions:"] + [f"  {k}: {d}" for k, d in DEFINITIONS.items()]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write(res: dict, out_dir: Path) -> None:
    write_atomic(out_dir / "bench.json", json.dumps(res, indent=2) + "\n")
    write_atomic(out_dir / "bench.txt", table(res) + "\n")
