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
import shlex
import sys
import time
import warnings
from pathlib import Path

from tqdm import tqdm

from sim.cli_args import whole_at_least
from sim.cli_shared import RESULTS_DIR, runs_bar
from sim.cli_shared import write_files as _write
from sim.durable import open_regular
from sim.economics.money import SHORT
from sim.experiment import store as run_store
from sim.experiment.executor import ExecutorError, make_executor
from sim.experiment.openb_packing import ORDERS, POLICIES, pack
from sim.experiment.openb_packing import table as packing_table
from sim.experiment.store import StoreBusy, StoreError, StoreWarning
from sim.interrupts import Terminated, code_and_word
from sim.interrupts import install as install_handlers
from sim.interrupts import restore as restore_handlers
from sim.interrupts import say as _say
from sim.model.limits import MAX_RUNS, MAX_WORKERS
from sim.report import files as result_files
from sim.report import write_results
from sim.report.audit import audit_text, claim_audit
from sim.report.finance import finance_line  # noqa: F401  (the run table's finance line; tests import it here)
from sim.report.fitted import fragment
from sim.report.markdown import demand_line, demand_words, price_line
from sim.report.outdir import OutputNameError, output_folder
from sim.report.verdict import verdict_of, verdict_on
from sim.scenario import ScenarioError, loads, read_scenario, scenario_path
from sim.scenario.workload import MAX_MIXTURE_COMPONENTS
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.simulation.finance import finance_of
from sim.simulation.jobs import JobRecords
from sim.simulation.run import run
from sim.units import HOURS_PER_DAY
from sim.version import __version__
from sim.workload.fit import DEFAULT_BANDS, fit_trace
from sim.workload.formats import FORMATS as TRACE_FORMATS
from sim.workload.formats import read_trace
from sim.workload.openb import read_nodes, read_pods
from sim.workload.trace import TraceError


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
    r.add_argument("--out", type=str, help="output folder (default results/<scenario>, or results/<scenario>@<overrides> with overrides)")
    r.add_argument("--sample", metavar="NxD[,lead=L][,warmup=U]",
                   help="representative periods: N windows of D days a year, after a lead-in of L days and U "
                        "warm-up days where racks came online (e.g. 4x3,lead=7,warmup=2); sets scenario.sampling")
    r.add_argument("--full", action="store_true", help="simulate every day, even if the scenario samples")
    r.add_argument("--quiet", action="store_true", help="print nothing but errors")
    r.add_argument("--jobs", action="store_true",
                   help="also write jobs.parquet: one record per arriving job (class, size, submit, first "
                        "start, end, state, site, billed fen...); keeps every job in memory")
    r.add_argument("--reps", type=_reps, metavar="N",
                   help="N independent replications, seeds spawned from the scenario seed: means with 95 %% "
                        "t-intervals (results/<scenario>@reps=N/)")
    _executor_options(r)
    r.set_defaults(func=cmd_run)
    for name, func, what in (("sweep", cmd_sweep, "run a sweep file's points x replications: a tidy table "
                                                  "of every run, intervals by point, a plot"),
                             ("sensitivity", cmd_sensitivity, "Sobol and Morris indices of the sweep's "
                                                              "metric to its parameters (SALib)")):
        p = sub.add_parser(name, help=what, description=f"{what[0].upper()}{what[1:]}; results under "
                           f"results/sweeps/<name>/{name}/. Interrupted, it resumes when run again.")
        p.add_argument("sweep", help="a name in scenarios/sweeps/ (e.g. qingyang-price-fee) or a path to a .toml file")
        p.add_argument("--out", type=str, metavar="DIR", help="folder for this sweep's results (default results/sweeps/<name>)")
        p.add_argument("--quiet", action="store_true", help="print nothing but errors")
        _executor_options(p)
        p.add_argument("--chunk-runs", type=_chunk_runs, metavar="N", help=argparse.SUPPRESS)
        p.set_defaults(func=func)
    f = sub.add_parser("fit-trace", help="fit a client class to a job trace; print it as TOML",
                       description="Fit a client class to a job trace: the empirical size distribution, "
                                   "durations per size band (lognormal, Weibull, gamma or a lognormal mixture, "
                                   "by AIC), the arrival rate with hour-of-day and day-of-week profiles and "
                                   "a two-state MMPP for bursts. Writes a TOML fragment to paste into a scenario.")
    f.add_argument("trace", help="the trace file (.csv or .csv.gz), e.g. data/traces/philly_jobs.csv.gz")
    f.add_argument("--format", default="philly", choices=sorted(TRACE_FORMATS), help="the trace's format")
    f.add_argument("--name", help="the client class's name (default: the file's name up to its first dot)")
    f.add_argument("--bands", default=",".join(str(b) for b in DEFAULT_BANDS), metavar="N,N,...",
                   help="lower edges of the size bands whose durations are fitted apart (default %(default)s)")
    f.add_argument("--max-components", type=int, default=5, metavar="K",
                   help="the most lognormals a duration mixture may have (default %(default)s; 1: none)")
    f.add_argument("--out", type=Path, help="write the fragment to this file (default: print it)")
    f.set_defaults(func=cmd_fit_trace)
    o = sub.add_parser("validate-openb", help="the OpenB packing experiment of Weng et al. (ATC'23): GPUs left "
                                              "unallocated by best-fit and fragmentation-aware placement",
                       description="Pods of an OpenB pod list arrive, in trace order, on the nodes of an OpenB "
                                   "node list and never leave, until the GPU demand arrived reaches a share of the "
                                   "cluster's GPUs (the trace inflated by resampling); prints the share of GPUs "
                                   "left unallocated per policy over the seeds (docs/validation.md).")
    o.add_argument("--nodes", required=True, help="the node list, e.g. openb_node_list_gpu_node.csv")
    o.add_argument("--pods", required=True, help="the pod list, e.g. openb_pod_list_default.csv")
    o.add_argument("--seeds", type=whole_at_least(1), default=10, metavar="N", help="seeds 1..N (default %(default)s)")
    o.add_argument("--demand", type=float, default=1.0, metavar="SHARE",
                   help="arrived GPU demand at which arrivals stop, as a share of the GPUs (default %(default)s)")
    o.add_argument("--order", default="trace", choices=ORDERS, help="trace order or shuffled by the seed")
    o.add_argument("--policies", default=",".join(POLICIES), metavar="P,P", help="default %(default)s")
    o.set_defaults(func=cmd_validate_openb)
    a = sub.add_parser("audit", help="the claim's arithmetic beside what the power budget allows",
                       description="Print the claim audit of a scenario with a [claim] section: the claim's own "
                                   "figures beside what power and specifications allow, with the simulated "
                                   "revenue when results/<scenario>/summary.json holds a run of this file.")
    a.add_argument("scenario", help="a name in scenarios/ (e.g. zhonghe-as-claimed) or a path to a .toml file")
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override any scenario key (repeatable)")
    a.set_defaults(func=cmd_audit)
    ls = sub.add_parser("list", help="the shipped scenarios and sweeps, each with its description",
                        description="List the scenarios in scenarios/ and the sweeps in scenarios/sweeps/ that "
                                    "come with computesim, each with the one-line description its file gives.")
    ls.set_defaults(func=cmd_list)
    _compare_parser(sub)
    _uncertainty_parser(sub)
    # solve (issue 18): its parser and command live in sim/cli_solve.py
    from sim.cli_solve import add_solve_parser

    add_solve_parser(sub, _reps, _executor_options)
    return parser


def cmd_validate_openb(args) -> int:
    policies = [p for p in args.policies.split(",") if p]
    bad = [p for p in policies if p not in POLICIES] or ([] if policies else [""])
    if bad:
        raise ScenarioError([f"--policies: {bad[0]!r} is not one of {', '.join(POLICIES)}"])
    if not 0 < args.demand <= 10:
        raise ScenarioError([f"--demand: must be above 0 and at most 10 (a share of the GPUs), got {args.demand}"])
    try:
        nodes, _ = read_nodes(args.nodes)
        pods, _ = read_pods(args.pods)
    except TraceError as e:
        raise ScenarioError([str(e)]) from None
    if not any(n.gpus for n in nodes):
        raise ScenarioError([f"{args.nodes}: no node has a GPU"])
    if not any(p.num_gpu for p in pods):  # arrivals stop on GPU demand: there would be none
        raise ScenarioError([f"{args.pods}: no pod asks for a GPU"])
    results = [pack(nodes, pods, p, seed, args.demand, args.order) for p in policies for seed in range(1, args.seeds + 1)]
    sys.stdout.write(packing_table(results))
    return 0


def cmd_fit_trace(args) -> int:
    try:
        edges = tuple(int(x) for x in args.bands.split(","))
    except ValueError:
        edges = ()
    if not edges or any(e < 1 for e in edges) or list(edges) != sorted(set(edges)):
        raise ScenarioError([f"--bands: must be increasing whole numbers of accelerators, e.g. 1,2,8; "
                             f"got {args.bands!r}"])
    if not 1 <= args.max_components <= MAX_MIXTURE_COMPONENTS:
        raise ScenarioError([f"--max-components: must be 1 to {MAX_MIXTURE_COMPONENTS}, got {args.max_components}"])
    try:
        jobs, digest = read_trace(args.trace, args.format)
    except TraceError as e:
        raise ScenarioError([str(e)]) from None
    name = args.name or Path(args.trace).name.split(".")[0] or "trace"
    try:
        fit = fit_trace(jobs, edges, args.max_components)
    except ValueError as e:
        raise ScenarioError([f"{args.trace}: {e}"]) from None
    argv = getattr(args, "argv", None)
    command = "python -m sim " + shlex.join(sys.argv[1:] if argv is None else argv)
    text = fragment(fit, name, args.trace, digest, command)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"{args.out}: cannot write: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


_positive = whole_at_least(1)
# Upper bounds: sim/model/limits.py says why.
_reps = whole_at_least(1, high=MAX_RUNS, name="--reps", high_why="runs one command may queue")
_chunk_runs = whole_at_least(1, high=MAX_RUNS, name="--chunk-runs", high_why="runs one command may queue")
_workers = whole_at_least(1, high=MAX_WORKERS, name="--workers", high_why="processes of ~250 MB each")


def _executor_options(p) -> None:
    p.add_argument("--workers", type=_workers, metavar="N",
                   help="local worker processes (default: all cores; 1 runs in this process)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster: tcp://host:port, or 'local' to start a LocalCluster "
                        "(of --workers processes)")


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
    if args.reps is not None:
        if args.jobs:
            _say("--jobs goes with one run, not with --reps")
            return 2
        return cmd_replicate(args, path, overrides)
    if args.workers is not None or args.dask is not None:
        _say("--workers and --dask go with --reps: one run uses one process")
        return 2
    out = output_folder(RESULTS_DIR, path.stem, overrides, args.out)  # refused before a long run
    scenario = loads(read_scenario(path).decode("utf-8"), str(path), overrides)
    t0 = time.perf_counter()
    records = JobRecords() if args.jobs else None
    with progress_bar(scenario.horizon_hours / HOURS_PER_DAY, args.quiet) as progress:
        result = run(scenario, progress=progress, argv=getattr(args, "argv", None), trace=records)
    wall = time.perf_counter() - t0
    try:
        written = write_results(result, out, jobs=records)
    except OSError as e:
        print(f"{out}: cannot write results: {e.strerror or e}", file=sys.stderr)
        return 1
    if not args.quiet:
        fin = finance_of(result)
        summary = result.summary_dict()
        print(table(summary, wall, fin, verdict_of(result.scenario, summary, fin)))
        print(f"wrote {out}/{{{','.join(p.name for p in written)}}}")
    return 0


def cmd_replicate(args, path: Path, overrides: list[str]) -> int:
    from sim.experiment.replicate import replicate
    from sim.report.experiments import replications_files, replications_table

    out = output_folder(RESULTS_DIR, path.stem, [*overrides, f"reps={args.reps}"], args.out)
    scenario = loads(read_scenario(path).decode("utf-8"), str(path), overrides)
    executor = make_executor(args.workers, args.dask)
    with runs_bar(args.quiet) as progress:
        on_chunk = counting(progress, args.reps)
        try:
            reps = replicate(scenario, args.reps, executor=executor, on_chunk=on_chunk)
        finally:
            executor.close()
    if not _write(out, replications_files(reps)):
        return 1
    if not args.quiet:
        print(replications_table(reps))
        print(f"wrote {out}/{{replications.csv,intervals.csv,report.md}}")
    return 0


def cmd_sweep(args) -> int:
    return _study(args, "sweep")


def cmd_sensitivity(args) -> int:
    return _study(args, "sensitivity")


def _study(args, kind: str) -> int:
    """A sweep or a sensitivity study: check the file, run what is not saved yet (saving each
    chunk as it comes back), write the whole set, then drop the saved chunks."""
    from sim.experiment.sweep import discard_saved
    from sim.experiment.sweepfile import load_sweep, sweep_path

    path = sweep_path(args.sweep)
    folder = sweep_folder(path, args.out)  # refused before anything runs
    spec = load_sweep(path)
    out = folder / kind
    state = {"saved": None, "total": 0}

    def body(executor, progress):
        def first(done, total):
            if state["saved"] is None:
                state["saved"] = done
            progress(done, total)

        return _run_study(kind, spec, executor, folder, first, args.chunk_runs)

    result, code = _resumable(folder, args, body, state)
    if code is not None:
        return code
    files = _study_files(kind, result)
    if not _write(out, files):
        return 1
    discard_saved(kind, folder)
    if not args.quiet:
        print(_study_table(kind, result))
        if state["saved"]:
            print(f"resumed: {state['saved']} of {state['total']} runs came from an earlier, interrupted run")
        print(f"wrote {out}/{{{','.join(files)}}}")
    return 0


def _resumable(folder: Path, args, body, state: dict):
    """Run body(executor, progress) with a progress bar, the store's warnings as one line each, and
    an interruption reported as what is saved on disk. Returns (result, None) or (None, exit code)."""
    opened = len(run_store.OPENED)
    executor = make_executor(args.workers, args.dask)
    try:
        with runs_bar(args.quiet) as bar:
            def progress(done, total):
                state["total"] = total
                bar(done, total)

            with warnings.catch_warnings():  # a damaged or foreign file in the store: one line each
                warnings.simplefilter("always", StoreWarning)
                warnings.showwarning = lambda message, *_, **__: _say(str(message))
                return body(executor, progress), None
    except StoreBusy as e:
        _say(f"{folder}: {e.strerror}; wait for it or give another --out")
        return None, 1
    except StoreError as e:
        _say(str(e))
        return None, 2
    except (KeyboardInterrupt, Terminated) as e:
        code, word = code_and_word(e)
        stores = run_store.OPENED[opened:]
        saved = stores[-1].count() if stores else 0  # what is on disk, not what was counted
        _say(f"{word}: {saved} of {state['total']} runs saved in {folder}; "
             "run the same command again to go on from there")
        return None, code
    finally:
        executor.close()


def _run_study(kind, spec, executor, folder, progress, chunk_runs):
    if kind == "sweep":
        from sim.experiment.sweep import sweep

        return sweep(spec, executor=executor, store_dir=folder, progress=progress, chunk_runs=chunk_runs)
    from sim.experiment.sensitivity import sensitivity

    return sensitivity(spec, executor=executor, store_dir=folder, progress=progress, chunk_runs=chunk_runs)


def _study_files(kind, result) -> dict[str, bytes]:
    from sim.report.experiments import sensitivity_files, sweep_files

    return sweep_files(result) if kind == "sweep" else sensitivity_files(result)


def _study_table(kind, result) -> str:
    from sim.report.experiments import sensitivity_table

    if kind == "sensitivity":
        return sensitivity_table(result)
    s = result.sweep
    return (f"{s.name}: {len(result.points)} points x {s.replications} replications = {len(result.rows)} runs "
            f"of {s.scenario_source}")


def sweep_folder(path: Path, out: Path | None) -> Path:
    """results/sweeps/<sweep file name>/, or --out."""
    if out is not None:
        return output_folder(RESULTS_DIR, path.stem, (), out)
    if not path.stem or path.stem.startswith("."):
        raise OutputNameError(f"{RESULTS_DIR}/sweeps/{path.stem}: a sweep file name that starts with '.' "
                              f"gives no folder of its own inside {RESULTS_DIR}/sweeps/; rename the file "
                              "or give --out")
    return RESULTS_DIR / "sweeps" / path.stem


def counting(progress, total: int):
    """An on_chunk callback that reports the runs done so far to progress(done, total)."""
    progress(0, total)
    done = 0

    def on_chunk(rows):
        nonlocal done
        done += len(rows)
        progress(done, total)

    return on_chunk


# --- uncertainty ---------------------------------------------------------------------------------
def _uncertainty_parser(sub) -> None:
    u = sub.add_parser("uncertainty", help="what a scenario does not know; with --samples, the verdict as a distribution",
                       description="List the scenario's [uncertainty] (each input's distribution and source). With "
                                   "--samples N: draw them with the runs' own randomness, run them (sampled runs "
                                   "unless --full), and write P10/P50/P90, P(target), drivers (Sobol, Morris, "
                                   "P10-P90 swings) and PRIM boxes under results/uncertainty/<scenario>/distribution/. "
                                   "Interrupted, it resumes when run again.")
    u.add_argument("scenario", help="a name in scenarios/ (e.g. zhonghe) or a path to a .toml file")
    u.add_argument("--samples", type=whole_at_least(2), metavar="N", help="Monte Carlo samples (runs)")
    u.add_argument("--sampling", choices=("latin-hypercube", "sobol"), default="latin-hypercube")
    u.add_argument("--method", default="mc,sobol,morris,tornado", metavar="LIST",
                   help="which parts to run, comma-separated: mc, sobol, morris, tornado (default all)")
    u.add_argument("--sobol-base", type=whole_at_least(2), default=32, metavar="N",
                   help="Saltelli's N: N x (factors + 2) runs (a power of 2; default %(default)s)")
    u.add_argument("--morris-trajectories", type=whole_at_least(2), default=8, metavar="R",
                   help="Morris: R x (factors + 1) runs (default %(default)s)")
    u.add_argument("--metric", default=None, help="what the drivers rank (default finance.npv_cny with [finance], "
                                                  "else revenue_cny.operator_revenue)")
    u.add_argument("--target", default=None, metavar="METRIC>VALUE",
                   help="what PRIM looks for (default finance.npv_cny>0 with [finance], else the metric above its "
                        "median); VALUE may be `claimed`, the claim's revenue a year: "
                        "operator_revenue_cny_per_year>=claimed")
    u.add_argument("--seed", type=int, default=None, help="root of the design and of every run's seed (default the scenario's)")
    u.add_argument("--sample", metavar="NxD[,lead=L][,warmup=U]", default="4x2,lead=7,warmup=2",
                   help="representative periods for every run (default %(default)s)")
    u.add_argument("--full", action="store_true", help="simulate every day in every run")
    u.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="override a scenario key at every run (repeatable)")
    u.add_argument("--out", type=str, metavar="DIR", help="folder for the study (default results/uncertainty/<scenario>)")
    u.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _executor_options(u)
    u.add_argument("--chunk-runs", type=_chunk_runs, metavar="N", help=argparse.SUPPRESS)
    u.set_defaults(func=cmd_uncertainty)


def cmd_uncertainty(args) -> int:
    from sim.experiment.sweep import discard_saved
    from sim.experiment.uncertainty import PARTS, Config, Target, parse_target, study
    from sim.report.uncertainty import files as study_files
    from sim.report.uncertainty import headline, listing
    from sim.scenario.parse import parse_toml
    from sim.scenario.uncertainty import read_uncertainty

    path = scenario_path(args.scenario)
    text = read_scenario(path).decode("utf-8")
    overrides = list(args.overrides) + ["scenario.sampling=false" if args.full else sampling_override(args.sample)]
    if args.samples is None:
        loads(text, str(path), list(args.overrides))
        u = read_uncertainty(text, str(path))
        if not args.quiet:
            print(listing(u, parse_toml(text)))
        return 0
    methods = tuple(m.strip() for m in args.method.split(",") if m.strip())
    bad = [m for m in methods if m not in PARTS]
    if bad or not methods:
        _say(f"--method {args.method!r}: give some of {', '.join(PARTS)}, comma-separated")
        return 2
    if args.out is not None:
        folder = output_folder(RESULTS_DIR, path.stem, (), args.out)
    else:
        folder = output_folder(RESULTS_DIR / "uncertainty", path.stem, (), None)
    base = loads(text, str(path), overrides)
    money = base.finance is not None
    metric = args.metric or ("finance.npv_cny" if money else "revenue_cny.operator_revenue")
    claimed = None
    if base.claim is not None:
        from sim.economics.audit import claimed_revenue_cny_per_year

        claimed = claimed_revenue_cny_per_year(base.claim)
    target = parse_target(args.target, claimed) if args.target else (Target("finance.npv_cny", ">", 0.0) if money else None)
    config = Config(samples=args.samples, seed=base.seed if args.seed is None else args.seed, sampling=args.sampling,
                    methods=methods, sobol_base=args.sobol_base, morris_trajectories=args.morris_trajectories,
                    metric=metric, target=target or Target(metric, ">", float("-inf")))
    out = folder / "distribution"

    def body(executor, progress):
        return study(path, config, overrides=overrides, executor=executor, store_dir=folder,
                     progress=progress, chunk_runs=args.chunk_runs)

    result, code = _resumable(folder, args, body, {"total": 0})
    if code is not None:
        return code
    written = study_files(result)
    if not _write(out, written):
        return 1
    discard_saved("uncertainty", folder)
    if not args.quiet:
        print(headline(result))
        print(f"wrote {out}/{{{','.join(written)}}}")
    return 0


# --- compare -------------------------------------------------------------------------------------
def _compare_parser(sub) -> None:
    c = sub.add_parser("compare", help="scenarios side by side with common random numbers: paired "
                                       "differences and ratios with 95 %% intervals",
                       description="Run each scenario --reps times, replication r of every scenario with "
                                   "the same seed (common random numbers), and compare every headline metric "
                                   "to the first scenario's: means, paired differences and ratios with 95 % "
                                   "intervals. Writes results/compare/<A>-vs-<B>@reps=N/: comparison.csv, "
                                   "replications.csv, report.md, compare.png.")
    c.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="two or more: a name in scenarios/ or a path to a .toml file, with overrides after "
                        "an @ as results/ folders spell them: qingyang@policy.queue=fifo,pricing.intermediary_fee=0.3")
    c.add_argument("--reps", default="10", metavar="N", help="replications of each scenario (default %(default)s)")
    c.add_argument("--seed", type=str, help="root seed of the replications' seeds (default: the first scenario's)")
    c.add_argument("--horizon", type=str, metavar="DAYS", help="days to simulate, every scenario "
                                                               "(overrides scenario.horizon_days)")
    c.add_argument("--out", type=str, metavar="DIR", help="output folder (default results/compare/<A>-vs-<B>)")
    c.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _executor_options(c)
    c.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    from sim.experiment.compare import compare, split_argument
    from sim.report.compare import argument_label, compare_files, compare_folder, compare_table

    if len(args.scenarios) < 2:
        given = f" ({', '.join(args.scenarios)})" if args.scenarios else ""
        _say(f"compare: give at least two scenarios, got {len(args.scenarios)}{given}")
        return 2
    try:
        reps = _positive(args.reps)
    except argparse.ArgumentTypeError as e:
        _say(f"--reps: {e}")
        return 2
    if reps * len(args.scenarios) > MAX_RUNS:
        _say(f"--reps: {len(args.scenarios)} scenarios x {reps:,} replications is more than {MAX_RUNS:,} runs "
             "(the most one command may queue)")
        return 2
    options = []  # after each scenario's own overrides: the same for all
    if args.seed is not None:
        options.append(f"scenario.seed={args.seed}")
    if args.horizon is not None:
        options.append(f"scenario.horizon_days={args.horizon}")
    parsed = [split_argument(a) for a in args.scenarios]
    labels = [argument_label(RESULTS_DIR, path.stem, overrides) for path, overrides in parsed]
    out = compare_folder(RESULTS_DIR, labels, options, args.out, reps)  # refused before a long run
    scenarios = [loads(read_scenario(path).decode("utf-8"), str(path), [*overrides, *options])
                 for path, overrides in parsed]
    executor = make_executor(args.workers, args.dask)
    total = reps * len(scenarios)
    with runs_bar(args.quiet) as progress:
        on_chunk = counting(progress, total)
        try:
            result = compare(scenarios, reps, labels=labels, executor=executor, on_chunk=on_chunk)
        finally:
            executor.close()
    files = compare_files(result)
    if not _write(out, files):
        return 1
    if not args.quiet:
        print(compare_table(result))
        print(f"wrote {out}/{{{','.join(files)}}}")
    return 0


def cmd_list(args) -> int:
    from sim.scenario.shipped import shipped

    items = shipped()
    width = max((len(s.name) for s in items), default=0)
    for kind, title in (("scenario", "scenarios (python -m sim run NAME)"),
                        ("sweep", "sweeps (python -m sim sweep NAME, python -m sim sensitivity NAME)")):
        print(title)
        for s in items:
            if s.kind == kind:
                print(f"  {s.name:<{width}}  {s.description}".rstrip())
    return 0


def _unknown_command(parser, argv) -> str | None:
    """One line for a mistyped command (`python -m sim rn`), with the nearest one."""
    from sim.scenario.fields import did_you_mean

    args = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in args if not a.startswith("-")), None)
    if first is None or any(a in ("-h", "--help", "--version") for a in args[: args.index(first)]):
        return None
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    if first in commands:
        return None
    return (f"{parser.prog}: no command {first!r}{did_you_mean(first, commands)}; "
            f"commands: {', '.join(commands)}")


def cmd_audit(args) -> int:
    path = scenario_path(args.scenario)
    scenario = loads(read_scenario(path).decode("utf-8"), str(path), list(args.overrides))
    claim = scenario.claim
    if claim is None:
        print(f"{path}: no stated claim (no [claim] section)")
        return 0
    summary, note = _earlier_run(path, scenario, args.overrides)
    audit = claim_audit(claim, scenario.standard_rack_kw, summary)
    lines = verdict_on(audit, scenario, summary).lines()
    width = max(len(label) for label, _ in lines)
    print(f"{scenario.name}: the verdict on the claim")
    print("\n".join(f"  {label:<{width}}  {says}" for label, says in lines) + "\n")
    print(audit_text(audit, scenario.name))
    if note:
        print(f"\n{note}")
    return 0


def _earlier_run(path: Path, scenario, overrides) -> tuple[dict | None, str]:
    """The summary of the last `run` of exactly this file and these overrides, if there is one."""
    folder = output_folder(RESULTS_DIR, path.stem, list(overrides), None)
    try:
        with open_regular(folder / "summary.json") as f:  # a FIFO there would block
            summary = json.loads(f.read().decode("utf-8"))
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


def table(s: dict, wall_s: float, finance=None, verdict=None) -> str:
    """The run table; it ends with the verdict on the claim (with the finance headline in it)
    for a scenario with [claim], or the finance line alone."""
    cap, u, j = s["capacity"], s["utilisation"], s["jobs"]["total"]
    rev, w, per_p, sim_ = s["revenue_cny"], s["wait_hours"], s["revenue_per_pflops_year_cny"], s["simulation"]
    m = lambda x: f"{x / 1e6:,.1f} M"  # noqa: E731
    rows = [
        (s["scenario"], f"seed {s['seed']}, {s['horizon_days']:g} days from {s['start_date']}"),
        ("capacity online", f"{cap['at_horizon']['accelerators']:,} accelerators, "
                            f"{cap['at_horizon']['pflops_fp16_dense']:,.0f} P dense "
                            f"(planned {cap['planned']['accelerators']:,} / {cap['planned']['pflops_fp16_dense']:,.0f} P)"),
        ("demand", demand_words(s["demand_basis"])),
        ("marketplace", demand_line(s["market"])),
        ("utilisation", f"{u['overall']:.1%} overall; operator {u['operator']:.1%}, third-party "
                        f"{u['third_party']:.1%} (marketplace {u['third_party_marketplace']:.1%}, "
                        f"tenants' own {u['third_party_private']:.1%})"),
        ("jobs", f"{j['submitted']:,} submitted, {j['completed']:,} completed, {j['abandoned']:,} abandoned, "
                 f"{j['balked']:,} balked, {j['rejected']:,} rejected"),
        ("wait (hours)", f"mean {w['mean']:.3g}, p50 {w['p50']:.3g}, p90 {w['p90']:.3g}, p99 {w['p99']:.3g}"),
        ("prices", price_line(s["prices"])),
        ("revenue (CNY)", "; ".join(part for part in (
            ", ".join(f"{words} {m(rev[k])}" for k, words, cost in SHORT if not cost),
            ", ".join(f"{words} cost {m(rev[k])}" for k, words, cost in SHORT if cost)) if part)),
        ("operator net", f"{m(rev['operator_net'])} CNY, {per_p['operator_net']:,.0f} CNY per P-year"),
    ]
    if "contracts" in s:
        c = s["contracts"]
        rows.append(("contracts", f"{c['started']:,} leases started; sales {m(c['contract_sales_cny'])} CNY "
                                  f"under contract, {m(c['on_demand_sales_cny'])} on demand"))
    if len({r["site"] for r in s["by_site"]}) > 1:
        for r in s["by_site"]:
            rows.append((f"  {r['site']}, {r['owner_class']}",
                         f"{r['at_horizon']['accelerators']:,} accelerators, {r['utilisation']:.1%} busy, "
                         f"operator net {m(r['revenue_cny']['operator_net'])}"))
    if finance is not None and verdict is None:
        rows.append(("finance", finance_line(finance)))
    if "failures" in s:
        f = s["failures"]
        rows.append(("failures", f"availability {f['availability']:.2%}; {f['failures']:,} failures, "
                                 f"{f['jobs_stopped']:,} jobs stopped, {m(f['revenue_lost_cny'])} CNY lost"))
    rows.append(("simulated", f"{sim_['jobs']:,} jobs, {sim_['events']:,} events in {wall_s:.1f} s "
                              f"({sim_['events'] / wall_s if wall_s else 0:,.0f} events/s)"))
    if verdict is not None:
        rows.append(("the claim", f"{verdict.source}: the verdict (report.md has the audit)"))
        rows += [(f"  {label}", says) for label, says in verdict.lines()]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def late_line(word: str) -> str:
    """What a signal that came as the program ended leaves: this run's results, if written."""
    return _kept(word, result_files.SWITCHED)


def _kept(word: str, new) -> str:
    return (f"{word}: {new[-1]} already holds this run's results" if new
            else f"{word}: earlier results left as they were")


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
    except (OutputNameError, ExecutorError) as e:
        _say(str(e))
        return 2
    except MemoryError:
        pass  # said below: once out of the handler, the run's memory is free to say it with
    _say("out of memory: this run needs more than the machine has; lower [scenario] max_servers or max_jobs if "
         "raised, or give fewer racks, less demand or a shorter horizon")
    return 2


def main(argv=None) -> int:
    previous = install_handlers()
    switched_before = len(result_files.SWITCHED)
    try:
        try:
            parser = _parser()
            unknown = _unknown_command(parser, argv)
            if unknown:
                _say(unknown)
                return 2
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
        code, word = code_and_word(e)
        _say(_kept(word, result_files.SWITCHED[switched_before:]))
        return code
    finally:
        restore_handlers(previous, program=argv is None)


if __name__ == "__main__":  # python -m sim.cli; `python -m sim` also takes signals during the imports
    sys.exit(main())
