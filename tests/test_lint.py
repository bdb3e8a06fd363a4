"""Types and lint: `make test` runs ruff (on sim/, tests/ and benchmarks/) and mypy (on sim/) first (pyproject.toml configures
both), and the suite itself fails on a finding, so that `pytest` alone catches one too (a
mypy finding was a real bug once: the audit command handed `Audit | None` on as an Audit)."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.metrics.classes import COUNTERS, DEMAND, ClassStats

ROOT = Path(__file__).resolve().parent.parent


def tool(module: str, *args: str) -> subprocess.CompletedProcess:
    pytest.importorskip(module)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)


def test_mypy_finds_nothing_in_sim():
    p = tool("mypy", "sim")  # incremental: its cache in .mypy_cache/ is warm after make lint
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("Success: no issues found")


def test_ruff_finds_nothing_in_sim_tests_or_benchmarks():
    p = tool("ruff", "check", "--no-fix", "sim", "tests", "benchmarks")
    assert p.returncode == 0, p.stdout + p.stderr


def test_make_test_runs_ruff_then_mypy_before_the_suite():
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = subprocess.run(["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "test"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    ruff = next(i for i, x in enumerate(lines) if " -m ruff check sim tests benchmarks" in x)
    mypy = next(i for i, x in enumerate(lines) if " -m mypy sim" in x)
    suite = next(i for i, x in enumerate(lines) if "pytest" in x)
    assert ruff < mypy < suite


def test_the_class_stats_declare_every_attribute_their_lists_name():
    """ClassStats sets its counters by name from COUNTERS and DEMAND; its annotations tell the
    type checker about them, and must name the same attributes."""
    # Read from the source: compiled (make compiled), the class keeps no __annotations__.
    tree = ast.parse((ROOT / "sim" / "metrics" / "classes.py").read_text(encoding="utf-8"))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ClassStats").body
    declared = {n.target.id for n in body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    assert declared == set(COUNTERS) | {f"{d}_{u}" for d in DEMAND for u in ("pflops_hours", "fen")}
    stats = ClassStats()
    assert all(getattr(stats, name) == 0 for name in declared)
