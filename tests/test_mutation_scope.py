"""The map behind `make mutate` (tests/mutation_scope.py): a renamed test file or a new module
to mutate must not quietly leave mutants with no tests, or with the slow ones."""
import tomllib
from pathlib import Path

import mutation_scope

ROOT = Path(__file__).resolve().parent.parent


def test_every_mapped_test_file_exists():
    missing = sorted(f for f in mutation_scope.all_files() if not (ROOT / f).is_file())
    assert not missing


def test_every_mutated_module_maps_to_test_files():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    mutated = [p for pattern in config["only_mutate"] for p in ROOT.glob(pattern) if p.suffix == ".py"]
    assert mutated
    for path in mutated:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        assert mutation_scope.files_for(module), module


def test_the_slow_and_tutorial_tests_are_never_run_per_mutant():
    assert not {"tests/test_tutorial.py", "tests/test_queueing_theory.py",
                "tests/test_invariants.py"} & mutation_scope.all_files()


def test_a_mutant_name_gives_its_module_and_the_first_matching_pattern_wins():
    assert mutation_scope.module_of("sim.economics.ledger.xǁLedgerǁpost__mutmut_3") == "sim.economics.ledger"
    assert mutation_scope.module_of("sim.economics.finance.x_taxes__mutmut_12") == "sim.economics.finance"
    assert "tests/test_finance_maths.py" in mutation_scope.files_for("sim.economics.finance")
    assert "tests/test_finance_maths.py" not in mutation_scope.files_for("sim.economics.ledger")
    assert mutation_scope.files_for("sim.report.tables") == []
