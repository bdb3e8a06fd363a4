"""The optional compiled core (sim/compiled.py, `make compiled`): a build gives the same bytes
as the interpreted code, and a build older than its sources never runs.

Everything happens in a temporary copy of sim/ and scenarios/, never in the working tree; the
copy is imported through PYTHONPATH, ahead of the editable install."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim import compiled

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
# Every queue discipline, placement and reclaim policy, price tiers, leases, shares of a card.
SCENARIOS = (
    "qingyang",
    "qingyang-inference",
    "qingyang@policy.queue=easy-backfill,policy.placement=spread,policy.reclaim=preempt",
    "qingyang-spot@policy.queue=sjf,policy.placement=fragmentation-aware",
    "qingyang-as-claimed@policy.queue=fifo,policy.placement=cheapest-first",
    "qingyang-leases@policy.placement=best-fit",
)


def copy_tree(tmp: Path) -> Path:
    """sim/, scenarios/ and data/ (which scenarios read) copied into tmp without any build, and
    pyproject.toml (mypy's settings, which mypyc type-checks with)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", compiled.MANIFEST)
    for name in ("sim", "scenarios", "data"):
        shutil.copytree(ROOT / name, tmp / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp)
    return tmp / "sim"


def python(tmp: Path, code_or_args: list[str], **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "SIM_INTERPRETED"}
    environ.update(PYTHONPATH=str(tmp), **env)
    return subprocess.run([sys.executable, *code_or_args], cwd=tmp, env=environ, capture_output=True, text=True,
                          timeout=600)


WHICH = ["-c", "import sim, sim.scheduling.pool as p; print(sim.__file__); print(p.__file__)"]


def test_a_build_runs_only_while_its_sources_are_unchanged(tmp_path):
    """Without a compiler: a stand-in extension file (not loadable) shows which file is imported."""
    package = copy_tree(tmp_path)
    fake = package / "scheduling" / f"pool{SUFFIX}"
    fake.write_bytes(b"not an extension module")

    # No manifest: the build is not trusted; pool comes from its .py, with one line on stderr.
    p = python(tmp_path, WHICH)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(package / "__init__.py"), str(package / "scheduling" / "pool.py")]
    assert "compiled modules not used" in p.stderr and compiled.MANIFEST in p.stderr
    assert compiled.stale(package) == ({"sim.scheduling.pool": package / "scheduling" / "pool.py"},
                                       f"sim/{compiled.MANIFEST} is missing or unreadable")

    # A manifest matching the sources: the extension file is what Python imports (and fails on).
    compiled.write_manifest(package, compiled.MODULES)
    assert compiled.stale(package) == ({}, "")
    p = python(tmp_path, WHICH)
    assert p.returncode != 0 and "ImportError" in p.stderr and str(fake) in p.stderr

    # SIM_INTERPRETED=1: from source, silently.
    p = python(tmp_path, WHICH, SIM_INTERPRETED="1")
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.split()[1] == str(package / "scheduling" / "pool.py")

    # A module the compiled ones import changes (a constant mypyc may have inlined): from source.
    assert "sim.scheduling.fragmentation" not in compiled.MODULES
    frag = package / "scheduling" / "fragmentation.py"
    frag.write_text(frag.read_text(encoding="utf-8").replace("MILLI = 1000", "MILLI = 100"), encoding="utf-8")
    p = python(tmp_path, WHICH)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[1] == str(package / "scheduling" / "pool.py")
    assert "sim/scheduling/fragmentation.py changed" in p.stderr
    compiled.write_manifest(package, compiled.MODULES)

    # An extension file for a module the manifest does not list: not trusted either.
    assert "sim.scheduling.fractional" not in compiled.MODULES
    other = package / "scheduling" / f"fractional{SUFFIX}"
    other.write_bytes(b"not an extension module")
    assert compiled.stale(package)[1] == f"sim.scheduling.fractional not in sim/{compiled.MANIFEST}"
    assert sorted(compiled.stale(package)[0]) == ["sim.scheduling.fractional", "sim.scheduling.pool"]

    # clean removes every extension file and the manifest, nothing else.
    before = sorted(p for p in package.rglob("*") if p.suffix == ".py")
    assert sorted(compiled.clean(package)) == sorted([fake, other, package / compiled.MANIFEST])
    assert sorted(p for p in package.rglob("*") if p.suffix == ".py") == before
    assert compiled.stale(package) == ({}, "")


def test_the_manifest_watches_what_the_compiled_modules_import(tmp_path):
    package = copy_tree(tmp_path)
    compiled.write_manifest(package, ("sim.scheduling.scheduler",))
    manifest = json.loads((package / compiled.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["modules"] == ["sim.scheduling.scheduler"]
    watched = manifest["sha256"]
    assert {"sim/scheduling/scheduler.py", "sim/scheduling/job.py", "sim/scheduling/pool.py"} <= set(watched)
    assert "sim/report/html.py" not in watched and "sim/cli.py" not in watched


def have_compiler() -> bool:
    try:
        import mypyc  # noqa: F401
        import setuptools  # noqa: F401
    except ImportError:
        return False
    return shutil.which(os.environ.get("CC", "cc")) is not None or shutil.which("gcc") is not None


@pytest.mark.slow
@pytest.mark.skipif(not have_compiler(), reason="needs mypyc, setuptools and a C compiler")
def test_compiled_and_interpreted_give_the_same_bytes(tmp_path):
    package = copy_tree(tmp_path)
    shutil.copy(ROOT / "tests" / "compiled_outputs.py", tmp_path)
    interpreted = python(tmp_path, ["compiled_outputs.py", *SCENARIOS])
    assert interpreted.returncode == 0, interpreted.stderr

    build = python(tmp_path, ["-c", "import sys; from sim import compiled; sys.exit(compiled.main(['build']))"])
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert compiled.stale(package) == ({}, "")
    with_build = python(tmp_path, ["compiled_outputs.py", *SCENARIOS])
    assert with_build.returncode == 0, with_build.stderr
    assert with_build.stderr == ""

    before, after = json.loads(interpreted.stdout), json.loads(with_build.stdout)
    assert before["sim"] == after["sim"] == str(package / "__init__.py")
    assert before["compiled"] == [] and after["compiled"] == sorted(compiled.MODULES)
    differ = [k for k in before["outputs"] if before["outputs"][k] != after["outputs"].get(k)]
    assert not differ, f"compiled code gives other bytes in {differ}"
    assert len(after["outputs"]) == 3 * len(SCENARIOS)
