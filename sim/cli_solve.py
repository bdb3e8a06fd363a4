"""`python -m sim solve`: the value of one parameter at which the mean of a metric reaches a target
(sim.experiment.solve); its own module so that sim/cli.py only registers it."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from sim.cli_args import whole_at_least
from sim.cli_shared import RESULTS_DIR, runs_bar, write_files
from sim.experiment.executor import make_executor
from sim.experiment.solve import DEFAULT_MAX_EVALS, DEFAULT_REPS, DEFAULT_SCAN, XTOL_FRACTION, solve
from sim.experiment.targets import ALIASES
from sim.interrupts import say
from sim.model.limits import MAX_RUNS
from sim.report.outdir import output_folder
from sim.scenario import ScenarioError, scenario_path

_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")

EPILOG = f"""\
METRIC is a dotted key of a run's results (as in replications.csv, e.g.
revenue_cny.operator_revenue) or a short name:
{chr(10).join(f"  {k:<22}{v}" for k, v in ALIASES.items())}

VALUE is a number in the metric's units (revenue in CNY over the horizon), or
`claimed`, `K*claimed`, `claimed*K`: K times the claim's own revenue, its P x its
price per P-year at 100 % busy per year (the audit's claimed revenue), times the
run's years (horizon_days / 365); only for revenue_cny.* metrics of a scenario
with [claim].

PARAM is any numeric scenario key --set takes (pricing.price_cny_per_pflops_year,
pricing.intermediary_fee, market.share_reaching_operator,
tenants.<name>.opt_in_fraction, ...). Every evaluation runs the scenario with
PARAM set and the same seeds (common random numbers: replication r runs with the
seed spawned from the scenario's seed on r), so the mean is a deterministic
function of PARAM. {DEFAULT_SCAN} evenly spaced values are run first; scipy's brentq
then finds the root of mean - target to a tolerance of {XTOL_FRACTION:g} x (HIGH - LOW),
and the interval is where the target lies inside the metric's 95 % t-interval.

Prints the value, its interval, the evaluations used and the mean there, and writes
results/solve/<scenario>-<PARAM>/ (evaluations.csv, solution.json, report.md,
solve.png). A target not reachable in [LOW, HIGH]: one line naming the closest
value, exit 2, nothing written. Bad input: one line, exit 2, nothing written."""


def add_solve_parser(sub, positive, executor_options) -> None:
    s = sub.add_parser("solve", help="find the parameter value at which a metric's mean reaches a target",
                       description="Find the value of one parameter in [LOW, HIGH] at which the mean of a metric "
                                   "over replications reaches a target, with the range over which the target "
                                   "lies inside the metric's 95 % interval.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("scenario", help="a name in scenarios/ (e.g. qingyang) or a path to a .toml file")
    s.add_argument("--target", required=True, metavar="METRIC=VALUE",
                   help="e.g. operator_revenue=claimed, operator_revenue=45e6, utilisation.overall=0.5")
    s.add_argument("--vary", required=True, metavar="PARAM=LOW:HIGH",
                   help="e.g. pricing.price_cny_per_pflops_year=40000:200000")
    s.add_argument("--reps", type=positive, default=DEFAULT_REPS, metavar="N",
                   help="replications at every value (default %(default)s; 1: no interval)")
    s.add_argument("--max-evals", type=whole_at_least(2, "the two ends", high=MAX_RUNS, name="--max-evals",
                                                          high_why="runs one command may queue"), default=DEFAULT_MAX_EVALS, metavar="N",
                   help="most values evaluated, each with all replications (default %(default)s); when it "
                        "runs out first, the best bracket is given and marked NOT converged")
    s.add_argument("--seed", type=str, help="root seed of the replications (overrides scenario.seed)")
    s.add_argument("--horizon", type=str, metavar="DAYS", help="days to simulate (overrides scenario.horizon_days)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override any other scenario key (repeatable)")
    executor_options(s)
    s.add_argument("--out", type=str, metavar="DIR", help="output folder (default results/solve/<scenario>-<PARAM>)")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    s.set_defaults(func=cmd_solve)


def parse_target(text: str) -> tuple[str, str]:
    metric, sep, value = text.partition("=")
    if not sep or not metric.strip() or not value.strip():
        raise ScenarioError([f"--target {text}: must be METRIC=VALUE, e.g. operator_revenue=claimed"])
    return metric.strip(), value.strip()


def parse_vary(text: str) -> tuple[str, float, float]:
    param, sep, span = text.partition("=")
    ends = span.split(":")
    bad = ScenarioError([f"--vary {text}: must be PARAM=LOW:HIGH with numbers, "
                         "e.g. pricing.price_cny_per_pflops_year=40000:200000"])
    if not sep or not param.strip() or len(ends) != 2:
        raise bad
    try:
        low, high = (float(e) for e in ends)
    except ValueError:
        raise bad from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise bad
    return param.strip(), low, high


def solve_folder(path: Path, param: str, out: Path | None) -> Path:
    """results/solve/<scenario file name>-<parameter>/, or --out."""
    return output_folder(RESULTS_DIR / "solve", f"{path.stem}-{_UNSAFE.sub('_', param)}", (), out)


def cmd_solve(args) -> int:
    from sim.report.solve import solve_files, solve_text, unreachable_line

    metric, target = parse_target(args.target)
    param, low, high = parse_vary(args.vary)
    if args.reps * args.max_evals > MAX_RUNS:
        raise ScenarioError([f"--max-evals: {args.max_evals:,} values x {args.reps:,} replications is more than "
                             f"{MAX_RUNS:,} runs (the most one command may queue)"])
    path = scenario_path(args.scenario)
    out = solve_folder(path, param, args.out)  # refused before a long run
    overrides = list(args.overrides)
    if args.seed is not None:
        overrides.append(f"scenario.seed={args.seed}")
    if args.horizon is not None:
        overrides.append(f"scenario.horizon_days={args.horizon}")
    executor = make_executor(args.workers, args.dask)
    try:
        with runs_bar(args.quiet) as progress:
            sol = solve(path, metric, target, param, low, high, reps=args.reps, max_evals=args.max_evals,
                        overrides=overrides, executor=executor, progress=progress)
    finally:
        executor.close()
    if not sol.reachable:
        say(unreachable_line(sol))
        return 2
    if not write_files(out, solve_files(sol, getattr(args, "argv", None))):
        return 1
    if not args.quiet:
        print(solve_text(sol))
        print(f"wrote {out}/{{evaluations.csv,solution.json,report.md,solve.png}}")
    return 0
