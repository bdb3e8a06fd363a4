"""`python -m benchmarks [--quick] [--only NAME ...] [--profile]`: see benchmarks/__init__.py."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks import report, scenarios
from benchmarks.runner import ROOT, run_child

STAGES = ("peers", "rate", "scaling", "as-claimed", "memory", "zhonghe", "sweep")
RACKS = (1000, 4000, 16000, 48000)
WARMUP_H = 3 * scenarios.MEAN_HOURS  # exponential durations: ~95 % of steady-state load

# Horizons and sample sizes. Full: about 15 minutes here, most of it the three long runs the
# targets name (as-claimed year, Qingyang 20 years). Quick: a smoke run of about a minute.
FULL = {
    "peers": {"c": 64, "rho": 0.9, "customers": 300_000, "repeats": 3},
    "rate": {"racks": 1000, "horizon_h": 160.0, "raw_events": 1_000_000, "repeats": 3},
    "scaling": {"warmup_h": WARMUP_H, "jobs": 100_000, "raw_events": 300_000}, "scaling_rounds": 3,
    "as_claimed_days": 365, "qingyang_days": 7300, "zhonghe_days": 7305,
    "sweep": {"horizon_days": 180, "points": 8, "reps": 4},
    "profile": {"mm64": 3000.0, "racks-48k": 8.0, "three-sites": 30.0},
}
QUICK = {
    "peers": {"c": 64, "rho": 0.9, "customers": 40_000, "repeats": 1},
    "rate": {"racks": 1000, "horizon_h": 24.0, "raw_events": 200_000, "repeats": 1},
    "scaling": {"warmup_h": 2 * scenarios.MEAN_HOURS, "jobs": 15_000, "raw_events": 100_000}, "scaling_rounds": 1,
    "as_claimed_days": 5, "qingyang_days": 365, "zhonghe_days": 365,
    "sweep": {"horizon_days": 120, "points": 4, "reps": 4},
    "profile": {"mm64": 500.0, "racks-48k": 1.0, "three-sites": 2.0},
}
# The memory stage's what-if: Qingyang meeting ten times its market share with no cheaper
# centre to go to, so the site runs full with long queues for 20 years (~9 M jobs, as heavy as
# the stage was before demand came from the market; the market's own ~1 M stress nothing).
HEAVY_QINGYANG = ("market.share_reaching_operator=0.4", "market.outside_price_cny_per_pflops_year=1000000")
# zhonghe over 20 years, every day and sampled (what the scenario file's comment recommends).
# With its three markets: 2.92 M jobs in 26-28 s every day, 106,451 in 1.3-1.4 s sampled (19.7-20.1x).
ZHONGHE_SAMPLING = "scenario.sampling={ windows_per_year = 4, window_days = 2, lead_in_days = 7, warmup_days = 2 }"
# Stop a run projected past these (seconds): far beyond any target, so it is reported, not waited for.
LIMITS = {"peers": 300, "rate": 300, "scaling": 300, "as-claimed": 300, "memory": 900, "sweep": 300, "zhonghe": 1200, "profile": 600}


def _machine(load_before) -> dict:
    import simpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "simpy": simpy.__version__, "platform": platform.platform(), "load_before": load_before}


def _git() -> dict:
    """Which code was measured: sim/ may hold uncommitted edits."""
    import subprocess

    def git(*args):
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    status = git("status", "--porcelain", "--", "sim")
    return {"commit": git("rev-parse", "HEAD"),
            "sim_uncommitted_changes": None if status is None else bool(status)}


def _stage(title: str, kind: str, args: dict, limit: float) -> dict:
    print(f"  {title} ...", flush=True)
    t0 = time.monotonic()
    r = run_child(kind, args, limit, title)
    print(f"  {title}: {r['status']} in {time.monotonic() - t0:.0f} s", flush=True)
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="shrink every horizon: a smoke run of about a minute")
    ap.add_argument("--only", nargs="+", choices=STAGES, default=STAGES, metavar="NAME",
                    help=f"run only these ({', '.join(STAGES)})")
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile M/M/64, 48,000 racks and a short as-claimed run "
                         "(listings in results/bench/profile-*.txt)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "bench", help="output folder")
    args = ap.parse_args(argv)
    plan = QUICK if args.quick else FULL
    load0 = os.getloadavg()[0]
    res = {"mode": "quick" if args.quick else "full",
           "started": dt.datetime.now().isoformat(timespec="seconds"), "git": _git(), "plan": plan,
           "definitions": report.DEFINITIONS}
    print(f"computesim benchmarks ({res['mode']}; full is about 15 minutes, --quick about 2)", flush=True)

    if "peers" in args.only:
        p = plan["peers"]
        res["peers"] = _stage(f"M/M/{p['c']} against peers", "peers", p, LIMITS["peers"])
    if "rate" in args.only:
        res["rate"] = _stage("model rate", "rate", plan["rate"], LIMITS["rate"])
    if "scaling" in args.only:
        # Rounds over every size in turn, the best of each size kept: a slow spell of the
        # machine (this one's can cost 20-30 % for a minute) then costs one round, not the ratio.
        rounds: dict[int, list[dict]] = {racks: [] for racks in RACKS}
        n = plan["scaling_rounds"]
        for i in range(n):
            for racks in RACKS:
                label = f"scaling {racks:,} racks" + (f", round {i + 1} of {n}" if n > 1 else "")
                rounds[racks].append(_stage(label, "scale", {"racks": racks, **plan["scaling"]}, LIMITS["scaling"]))
        res["scaling"] = [{"racks": racks, **report.best_round(runs)} for racks, runs in rounds.items()]
    if "as-claimed" in args.only:
        res["three_sites"] = _stage("as-claimed 3 sites", "three-sites",
                                    {"horizon_days": plan["as_claimed_days"]}, LIMITS["as-claimed"])
    if "memory" in args.only:
        days = plan["qingyang_days"]
        res["qingyang_20y"] = _stage(f"Qingyang {days:,} days", "scenario", {
            "path": str(ROOT / "scenarios" / "qingyang.toml"),
            "overrides": [f"scenario.horizon_days={days}", *HEAVY_QINGYANG]}, LIMITS["memory"])
    if "sweep" in args.only:
        res["sweep"] = _stage("sweep executors", "sweep", plan["sweep"], LIMITS["sweep"])
    if "zhonghe" in args.only:
        days = plan["zhonghe_days"]
        path = str(ROOT / "scenarios" / "zhonghe.toml")
        res["zhonghe_full"] = _stage(f"zhonghe {days:,} days, every day", "run", {
            "path": path, "overrides": [f"scenario.horizon_days={days}"]}, LIMITS["zhonghe"])
        res["zhonghe_sampled"] = _stage(f"zhonghe {days:,} days, sampled", "run", {
            "path": path, "overrides": [f"scenario.horizon_days={days}", ZHONGHE_SAMPLING]}, LIMITS["zhonghe"])
    if args.profile:
        res["profile"] = {
            target: _stage(f"profile {target}", "profile", {
                "target": target, "horizon": horizon,
                "out": str(args.out / f"profile-{target}.txt")}, LIMITS["profile"])
            for target, horizon in plan["profile"].items()
        }

    res["machine"] = _machine(load0)
    res["machine"]["load_after"] = os.getloadavg()[0]
    res["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    if "scaling" in res:
        res["growth"] = report.growth(res["scaling"])
        res["growth_bare_simpy"] = report.growth(res["scaling"], "raw_s_per_event")
        res["growth_over_bare_simpy"] = report.relative_growth(res["scaling"])
    res["targets"] = report.judge(res, args.quick)
    report.write(res, args.out)
    print()
    print(report.table(res))
    if args.profile:
        print()
        print(profile_table(res["profile"]))
    print(f"\nwrote {args.out / 'bench.json'} and {args.out / 'bench.txt'}")
    failed = failures(res)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
    return exit_status(res)


def failures(res: dict) -> list[str]:
    """What went wrong: a stage that crashed, a target missed (FAIL) or not measured (ERROR)."""
    out = [f"stage {k} crashed" for k, v in res.items() if isinstance(v, dict) and v.get("status") == "error"]
    out += [f"scaling {p['racks']} racks crashed" for p in res.get("scaling", []) if p.get("status") == "error"]
    out += [f"profile {t} crashed" for t, p in res.get("profile", {}).items() if p.get("status") == "error"]
    out += [f"target {v['target']} {v['result']}" for v in res.get("targets", []) if v["result"] != "PASS"]
    return out


def exit_status(res: dict) -> int:
    """1 when anything in failures(), so `make bench` and CI stop on a missed target; else 0."""
    return 1 if failures(res) else 0


def profile_table(profiles: dict, top: int = 12) -> str:
    lines = []
    for target, p in profiles.items():
        if p.get("status") != "ok":
            lines.append(f"profile {target}: {p.get('status')}")
            continue
        lines.append(f"profile {target} ({p['jobs']:,} jobs, {p['profiled_s']:.1f} s under cProfile; "
                     f"full listing {p['listing']})")
        lines.append(f"  {'own %':>6} {'cum %':>6} {'calls':>10}  function")
        for r in p["by_own_time"][:top]:
            lines.append(f"  {r['own_share']:6.1%} {r['cum_share']:6.1%} {r['calls']:>10,}  {r['function']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
