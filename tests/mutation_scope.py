"""Which fast test files may kill a mutant of which module, for `make mutate` (docs/testing.md).

mutmut first runs the selected tests once and records which tests call each function; a
mutant is then tested by those tests alone. A whole simulation calls nearly every function,
so every mutant would get most of the selection. This plugin keeps, of the tests mutmut
hands a mutant, those in the files mapped to the mutant's module, so a mutant costs seconds;
in mutmut's own runs (the recording, the clean run) it keeps the files any module maps to.
Loaded only by mutmut (pyproject.toml, [tool.mutmut] pytest_add_cli_args); `python
tests/mutation_scope.py` prints the scores per package from mutants/.
"""
import fnmatch
import os

import pytest

# Each list runs in its order; mutmut stops at the first failure (-x), which KILLS records. The
# tests written for the mutation pass (tests/test_mutants_*.py) run last, so KILLS tells which
# mutants the rest of the suite kills on its own (the "before" of docs/testing.md).
# Small simulations that check money to the fen, and the fee, rent and power lines by hand.
RUN_MONEY = ["tests/test_money.py", "tests/test_tiny_scenario.py", "tests/test_leasing.py"]
# Small runs of each policy, failures, build-out, leases (their take-or-pay ends in the scheduler).
SCHEDULING = [
    "tests/test_policies.py", "tests/test_tiny_scenario.py", "tests/test_prefer_sites.py",
    "tests/test_power_and_buildout.py", "tests/test_seams.py", "tests/test_failures.py",
    "tests/test_leases.py", "tests/test_calendar.py", "tests/test_mutants_scheduling.py",
]
KILLS = "mutation-kills.tsv"  # in mutants/: mutant, the test that failed first

# First matching pattern wins; a module that matches none is tested by nothing (no tests).
SCOPE = {
    "sim.economics.finance": ["tests/test_finance_maths.py", "tests/test_finance_run.py",
                              "tests/test_mutants_finance.py"],
    "sim.economics.market": ["tests/test_market.py", "tests/test_mutants_economics.py"],
    "sim.economics.billing": RUN_MONEY + ["tests/test_leases.py", "tests/test_mutants_economics.py"],
    "sim.economics.realtime": ["tests/test_sampling.py"],  # quotes on a sampled run's real calendar
    "sim.economics.*": RUN_MONEY + ["tests/test_mutants_economics.py"],
    # Arrivals answer prices: the market's tests too.
    "sim.scheduling.intake": SCHEDULING[:-1] + ["tests/test_market.py", "tests/test_mutants_scheduling.py"],
    # Shares of one card and fragmentation: their own tests first.
    "sim.scheduling.fractional": ["tests/test_fractions.py"] + SCHEDULING,
    "sim.scheduling.fragmentation": ["tests/test_fractions.py"],
    "sim.scheduling.placement.fragmentation_aware": ["tests/test_fractions.py"],
    "sim.scheduling.*": SCHEDULING,
    "sim.simulation.finance": ["tests/test_finance_run.py", "tests/test_mutants_finance.py"],
    "sim.simulation.*": RUN_MONEY + ["tests/test_finance_run.py", "tests/test_mutants_economics.py",
                                     "tests/test_mutants_finance.py"],
}


def module_of(mutant: str) -> str:
    """'sim.economics.ledger.xǁLedgerǁpost__mutmut_3' -> 'sim.economics.ledger'."""
    parts = mutant.partition("__mutmut_")[0].split(".")
    while parts and not parts[-1].startswith(("x_", "xǁ")):
        parts.pop()
    return ".".join(parts[:-1])


def files_for(module: str) -> list[str]:
    for pattern, files in SCOPE.items():
        if fnmatch.fnmatchcase(module, pattern):
            return files
    return []


def all_files() -> set[str]:
    return {f for files in SCOPE.values() for f in files}


def pytest_ignore_collect(collection_path, config):
    """Test files that no module maps to are not even imported (some need more than mutants/)."""
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        relative = collection_path.relative_to(config.rootpath).as_posix()
        if relative not in all_files():
            return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """While mutmut records which tests call which function, forget the calls from test files
    not mapped to that function's module, before mutmut's own teardown hook reads them: each
    mutant is then handed only its own tests, and pytest collects only their files. (mutmut
    3.8.1 keeps the calls of the running test in state()._stats; pinned in requirements.lock.)"""
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    from mutmut.state import state

    calls = state()._stats
    path = item.nodeid.split("::")[0]
    for name in [n for n in calls if path not in files_for(module_of(n + "__mutmut_"))]:
        calls.discard(name)


def pytest_runtest_logreport(report):
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if report.failed and "__mutmut_" in mutant:
        with open(KILLS, "a") as f:
            f.write(f"{mutant}\t{report.nodeid}\n")


def pytest_collection_modifyitems(config, items):
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" in mutant:
        allowed = set(files_for(module_of(mutant)))
    else:  # mutmut's own runs: recording which tests call what, the clean run, the forced fail
        allowed = all_files()
    keep = [item for item in items if item.nodeid.split("::")[0] in allowed]
    drop = [item for item in items if item.nodeid.split("::")[0] not in allowed]
    if drop:
        config.hook.pytest_deselected(items=drop)
    if "__mutmut_" in mutant:  # the mapped files in their order (a stable sort keeps each file's own)
        order = {f: i for i, f in enumerate(files_for(module_of(mutant)))}
        keep.sort(key=lambda item: order[item.nodeid.split("::")[0]])
    items[:] = keep


# Exit codes in mutmut's verdicts (mutmut/stats.py), grouped for the table.
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {24, -24, 152, 255, 36}
NEW = "tests/test_mutants_"  # the tests written for the mutation pass


def verdicts(mutants_dir="mutants"):
    """{mutant: verdict} from mutmut's .meta files, a killed one split by whether a test older
    than the mutation pass's (KILLS) failed first: "killed", "killed by new" or "killed (?)"."""
    import json
    from pathlib import Path

    first = {}
    kills = Path(mutants_dir) / KILLS
    if kills.exists():
        for line in kills.read_text().splitlines():
            mutant, _, nodeid = line.partition("\t")
            first[mutant] = nodeid  # the last run's
    out = {}
    for meta in sorted(Path(mutants_dir).glob("sim/**/*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code is None:
                v = "not checked"
            elif code in KILLED:
                v = ("killed (?)" if name not in first else
                     "killed by new" if first[name].startswith(NEW) else "killed")
            else:
                v = ("survived" if code in SURVIVED else "no tests" if code in NO_TESTS
                     else "timeout" if code in TIMEOUT else "other")
            out[name] = v
    return out


def package(name: str) -> str:
    return "sim.simulation (money)" if name.startswith("sim.simulation.") else ".".join(name.split(".")[:2])


def main() -> int:
    import collections

    table = collections.defaultdict(collections.Counter)
    marks = verdicts()
    for name, v in marks.items():
        table[package(name)][v] += 1
    if not table:
        print("no mutation results in mutants/: run make mutate")
        return 1
    cols = ["killed", "killed by new", "killed (?)", "survived", "timeout", "no tests", "other", "not checked"]
    print("killed: by the tests older than the mutation pass; killed by new: only by tests/test_mutants_*.py;")
    print("killed (?): before that was recorded. Score: (killed + timeout) / (total - no tests - not checked).")
    print(f"{'package':<24} {'total':>6} " + " ".join(f"{c:>13}" for c in cols) + "  score  before")
    for pkg, n in sorted(table.items()):
        total = sum(n.values())
        tested = total - n["no tests"] - n["not checked"]
        dead = n["killed"] + n["killed by new"] + n["killed (?)"] + n["timeout"]
        score = f"{100 * dead / tested:5.1f}%" if tested else "    -"
        known = tested - n["killed (?)"]
        before = f"{100 * (n['killed'] + n['timeout']) / known:5.1f}%" if known else "    -"
        print(f"{pkg:<24} {total:>6} " + " ".join(f"{n[c]:>13}" for c in cols) + f" {score} {before}")
    survivors = [name for name, v in marks.items() if v == "survived"]
    print(f"{len(survivors)} survivors (show one: .venv/bin/mutmut show NAME; "
          "the equivalent ones are listed in docs/testing.md)")
    for name in survivors:
        print("  ", name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
