"""`python -m sim ...`: a thin shell over sim.load_scenario, sim.run and sim.report.

Exit codes:
  0    done (also when stdout is closed early, e.g. `| head`, once the results are written)
  1    the results could not be written
  2    bad input (scenario, option, missing file, a scenario file name that gives no folder
       inside results/): one line per problem, nothing written
  130  interrupted (SIGINT, Ctrl-C); 143 terminated (SIGTERM). One line says what is on disk:
       the earlier results as they were, or this run's, if the signal came after they were
       switched into place. Further signals are ignored while the program cleans up and ends.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

from tqdm import tqdm

from sim.experiment.run import run
from sim.report import write_results
from sim.report.audit import audit_of, audit_text
from sim.report import files as result_files
from sim.report.outdir import OutputNameError, output_folder
from sim.scenario import ScenarioError, loads, read_scenario, scenario_path
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.units import HOURS_PER_DAY
from sim.version import __version__

RESULTS_DIR = Path("results")


def _parser() -> argparse.ArgumentParser:
    # The console script calls itself computesim; everything else is `python -m sim`.
    prog = "computesim" if Path(sys.argv[0]).name == "computesim" else "python -m sim"
    parser = argparse.ArgumentParser(
        prog=prog,
        description="computesim: simulate a GPU compute marketplace (racks, power, jobs, prices, fees).",
        epilog="Exit codes: 0 done, 1 results could not be written, 2 bad input, 130 interrupted, "
               "143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"computesim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")  # none: print this help
    r = sub.add_parser("run", help="simulate one scenario and write its results",
                       description="Simulate one scenario; write summary.json, timeseries.csv, report.md "
                                   "and plots under results/<scenario>/ (results/<scenario>@<overrides>/ for a run with overrides).")
    r.add_argument("scenario", help="a name in scenarios/ (e.g. qingyang) or a path to a .toml file")
    r.add_argument("--seed", type=str, help="random seed (overrides scenario.seed)")
    r.add_argument("--horizon", type=str, metavar="DAYS", help="days to simulate (overrides scenario.horizon_days)")
    r.add_argument("--placement", choices=sorted(PLACEMENTS), help="placement policy (overrides policy.placement)")
    r.add_argument("--queue", choices=sorted(DISCIPLINES), help="queue discipline (overrides policy.queue)")
    r.add_argument("--reclaim", choices=sorted(RECLAIMS), help="tenant reclaim policy (overrides policy.reclaim)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override any scenario key, e.g. --set sites.qingyang.pue=1.3 (repeatable); "
                        "validated like the file")
    r.add_argument("--out", type=Path, help="output folder (default results/<scenario>, or results/<scenario>@<overrides> with overrides)")
    r.add_argument("--sample", metavar="NxD[,lead=L][,warmup=U]",
                   help="representative periods: N windows of D days a year, after a lead-in of L days and U "
                        "warm-up days where racks came online (e.g. 4x3,lead=7,warmup=2); sets scenario.sampling")
    r.add_argument("--full", action="store_true", help="simulate every day, even if the scenario samples")
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")
    r.set_defaults(func=cmd_run)
    a = sub.add_parser("audit", help="the claim's arithmetic beside what the power budget allows",
                       description="Print the claim audit of a scenario with a [claim] section: the claim's own "
                                   "figures beside what power and specifications allow, with the simulated "
                                   "revenue when results/<scenario>/summary.json holds a run of this file.")
    a.add_argument("scenario", help="a name in scenarios/ (e.g. zhonghe-as-claimed) or a path to a .toml file")
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override any scenario key (repeatable)")
    a.set_defaults(func=cmd_audit)
    return parser


SAMPLE = re.compile(r"(\d+)x(\d+)((?:,(?:lead|warmup)=\d+)*)")


def sampling_override(text: str) -> str:
    """`4x3,lead=7,warmup=2` as the scenario.sampling override it stands for; a malformed one is
    left for the loader to refuse, with the key named."""
    m = SAMPLE.fullmatch(text.strip())
    if not m:
        return f"scenario.sampling={text!r}"
    extra = "".join(f", {'lead_in_days' if k == 'lead' else 'warmup_days'} = {v}"
                    for k, v in (part.split("=") for part in m.group(3).split(",")[1:]))
    return f"scenario.sampling={{ windows_per_year = {m.group(1)}, window_days = {m.group(2)}{extra} }}"


def cmd_run(args) -> int:
    path = scenario_path(args.scenario)
    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"scenario.seed={args.seed}")
    if args.horizon is not None:
        overrides.append(f"scenario.horizon_days={args.horizon}")
    for key in ("placement", "queue", "reclaim"):
        if getattr(args, key) is not None:
            overrides.append(f'policy.{key}="{getattr(args, key)}"')
    if args.sample is not None:
        overrides.append(sampling_override(args.sample))
    if args.full:
        overrides.append("scenario.sampling=false")
    out = output_folder(RESULTS_DIR, path.stem, overrides, args.out)  # refused before a long run
    scenario = loads(read_scenario(path).decode("utf-8"), str(path), overrides)
    t0 = time.perf_counter()
    with progress_bar(scenario.horizon_hours / HOURS_PER_DAY, args.quiet) as progress:
        result = run(scenario, progress=progress, argv=getattr(args, "argv", None))
    wall = time.perf_counter() - t0
    try:
        written = write_results(result, out)
    except OSError as e:
        print(f"{out}: cannot write results: {e.strerror or e}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(table(result.summary_dict(), wall))
        print(f"wrote {out}/{{{','.join(p.name for p in written)}}}")
    return 0


def cmd_audit(args) -> int:
    path = scenario_path(args.scenario)
    scenario = loads(read_scenario(path).decode("utf-8"), str(path), list(args.overrides))
    if scenario.claim is None:
        print(f"{path}: no stated claim (no [claim] section)")
        return 0
    summary, note = _earlier_run(path, scenario, args.overrides)
    print(audit_text(audit_of(scenario, summary), scenario.name))
    if note:
        print(f"\n{note}")
    return 0


def _earlier_run(path: Path, scenario, overrides) -> tuple[dict | None, str]:
    """The summary of the last `run` of exactly this file and these overrides, if there is one."""
    folder = output_folder(RESULTS_DIR, path.stem, list(overrides), None)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        made = summary["provenance"]["scenario_sha256"], tuple(summary["provenance"]["overrides"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, f"No run in {folder}/ yet: `python -m sim run {path.stem}` adds the simulated revenue."
    if made != (scenario.source_sha256, scenario.overrides):
        return None, f"{folder}/ holds a run of another version of the file: not used; run it again."
    return summary, f"Simulated revenue from {folder}/summary.json."


@contextlib.contextmanager
def progress_bar(days: float, quiet: bool):
    """A tqdm bar on stderr over simulated days, shown only on a terminal and only once a
    run has taken more than a couple of seconds; yields the run's `progress` callback."""
    bar = tqdm(total=round(days, 1), unit="day", delay=2.0, leave=False, file=sys.stderr,
               disable=quiet or not sys.stderr.isatty(), bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} days "
               "[{elapsed}<{remaining}]")

    def progress(now_h: float, horizon_h: float) -> None:
        bar.update(round(now_h / HOURS_PER_DAY, 1) - bar.n)

    try:
        yield progress
    finally:
        bar.close()


def table(s: dict, wall_s: float) -> str:
    cap, u, j = s["capacity"], s["utilisation"], s["jobs"]["total"]
    rev, w, per_p, sim_ = s["revenue_cny"], s["wait_hours"], s["revenue_per_pflops_year_cny"], s["simulation"]
    m = lambda x: f"{x / 1e6:,.1f} M"  # noqa: E731
    rows = [
        (s["scenario"], f"seed {s['seed']}, {s['horizon_days']:g} days from {s['start_date']}"),
        ("capacity online", f"{cap['at_horizon']['accelerators']:,} accelerators, "
                            f"{cap['at_horizon']['pflops_fp16_dense']:,.0f} P dense "
                            f"(planned {cap['planned']['accelerators']:,} / {cap['planned']['pflops_fp16_dense']:,.0f} P)"),
        ("utilisation", f"{u['overall']:.1%} overall; operator {u['operator']:.1%}, third-party "
                        f"{u['third_party']:.1%} (marketplace {u['third_party_marketplace']:.1%}, "
                        f"tenants' own {u['third_party_private']:.1%})"),
        ("jobs", f"{j['submitted']:,} submitted, {j['completed']:,} completed, {j['abandoned']:,} abandoned, "
                 f"{j['balked']:,} balked, {j['rejected']:,} rejected"),
        ("wait (hours)", f"mean {w['mean']:.3g}, p50 {w['p50']:.3g}, p90 {w['p90']:.3g}, p99 {w['p99']:.3g}"),
        ("revenue (CNY)", f"own-capacity sales {m(rev['compute_sales_operator_capacity'])}, "
                          f"fees {m(rev['intermediary_fee'])}, rent {m(rev['colocation_rent'])}, "
                          f"electricity -{m(rev['electricity_cost'])}"),
        ("operator net", f"{m(rev['operator_net'])} CNY, {per_p['operator_net']:,.0f} CNY per P-year"),
    ]
    if len({r["site"] for r in s["by_site"]}) > 1:
        for r in s["by_site"]:
            rows.append((f"  {r['site']}, {r['owner_class']}",
                         f"{r['at_horizon']['accelerators']:,} accelerators, {r['utilisation']:.1%} busy, "
                         f"operator net {m(r['revenue_cny']['operator_net'])}"))
    rows.append(("simulated", f"{sim_['jobs']:,} jobs, {sim_['events']:,} events in {wall_s:.1f} s "
                              f"({sim_['events'] / wall_s if wall_s else 0:,.0f} events/s)"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that a write in progress is undone."""


def _stop(signum, frame):
    # The first signal stops the run; later ones would interrupt the cleanup it starts.
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is _stop:
            signal.signal(sig, _ignore)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated


def _ignore(signum, frame):
    """A Python handler that does nothing: unlike SIG_IGN, it cannot race with a handler
    already pending and make Python print 'Signal ignored due to race condition'."""


def _install_handlers() -> dict:
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            old = signal.getsignal(sig)
            if old is signal.SIG_IGN:  # ignored by whoever started us (nohup, `&`): keep it so
                continue
            signal.signal(sig, _stop)
        except ValueError:  # not the main thread: leave signals alone
            break
        previous[sig] = old
    return previous


def _restore_handlers(previous: dict, program: bool) -> None:
    for sig in previous:
        signal.signal(sig, _ignore)
    if program:  # the process ends next: stay quiet until it has
        return
    for sig, old in previous.items():
        signal.signal(sig, signal.SIG_DFL if old is None else old)


def _say(line: str) -> None:
    """One line on stderr, unless stderr is gone."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _stdout_to_devnull() -> None:
    """Python's recipe for a closed pipe: later writes, and the flush at exit, go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _dispatch(args) -> int:
    try:
        return args.func(args)
    except ScenarioError as e:
        for line in e.messages:
            _say(line)
        return 2
    except OutputNameError as e:
        _say(str(e))
        return 2


def main(argv=None) -> int:
    previous = _install_handlers()
    switched_before = len(result_files.SWITCHED)
    try:
        try:
            parser = _parser()
            args = parser.parse_args(argv)
            if args.command is None:  # bare `python -m sim`: say what it can do, not a usage error
                parser.print_help()
                return 0
            args.argv = argv  # None: sys.argv, for the provenance
            code = _dispatch(args)
            if sys.stdout is not None:
                sys.stdout.flush()  # a closed pipe shows here rather than at exit
            return code
        except BrokenPipeError:
            _stdout_to_devnull()
            return 0 if len(result_files.SWITCHED) > switched_before else 1
    except (KeyboardInterrupt, Terminated) as e:
        code, word = (130, "interrupted") if isinstance(e, KeyboardInterrupt) else (143, "terminated")
        new = result_files.SWITCHED[switched_before:]
        _say(f"{word}: {new[-1]} already holds this run's results" if new
             else f"{word}: earlier results left as they were")
        return code
    finally:
        _restore_handlers(previous, program=argv is None)


if __name__ == "__main__":
    sys.exit(main())
