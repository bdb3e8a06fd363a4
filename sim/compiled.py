"""The optional compiled core: the modules `make compiled` builds with mypyc, and the check, made
when `sim` is imported, that no build older than its sources runs.

`build()` (make compiled) compiles MODULES into extension files next to their .py (one
mypyc group, so that they call each other natively) and then writes MANIFEST: the SHA-256 of
each compiled source and of every sim module it imports (mypyc may inline their constants).
`clean()` (make clean-compiled) removes them. Without a build nothing here costs more than a
listing of sim's folders.

On import, `sim` finds the extension files under sim/; if the manifest is missing, does not
list one of them, or any hash it holds no longer matches its file, every one of them is
imported from its .py instead (all or none: compiled modules call each other's compiled code
directly, so one rebuilt from source beside a stale one would still run the stale one's code),
with one line on stderr saying so. SIM_INTERPRETED=1 does the same without the line: for
measuring one against the other.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

# The hot path of a run, by module. One group: calls between them skip the interpreter.
MODULES = (
    "sim.scheduling.calendar",
    "sim.scheduling.pool",
    "sim.scheduling.running",
    "sim.scheduling.scheduler",
    "sim.scheduling.intake",
    "sim.scheduling.queue",
    "sim.scheduling.dispatch",
    "sim.economics.billing",
    "sim.economics.ledger",
    "sim.economics.pricing",
    "sim.economics.market",
    "sim.metrics.classes",
    "sim.metrics.streaming",
    "sim.scheduling.job",
    "sim.scheduling.placement.base",
    "sim.scheduling.placement.best_fit",
    "sim.scheduling.placement.fragmentation_aware",
    "sim.scheduling.placement.owned_first",
    "sim.scheduling.placement.spread",
    "sim.scheduling.disciplines.base",
    "sim.scheduling.disciplines.easy_backfill",
    "sim.scheduling.disciplines.fifo",
    "sim.scheduling.disciplines.fifo_backfill",
    "sim.scheduling.disciplines.sjf",
    "sim.workload.poisson_stream",
    "sim.scheduling.cluster",
    "sim.scheduling.priority",
)
GROUP = "sim._compiled"  # mypyc's shared library: sim/_compiled__mypyc.<suffix>
MANIFEST = "compiled-sources.json"  # in sim/, beside the extension files
PACKAGE = Path(__file__).resolve().parent

# The mypyc build proper, run by a child Python in the folder above sim/ (setuptools keeps its
# own state in the process). argv: the group, then the source paths. What setup() does, less
# reading the project's pyproject.toml and setup.cfg: this build needs nothing from them, and
# the setuptools a fresh venv brings (older than the one pip builds the package with) refuses
# the pyproject's PEP 639 licence.
_SETUP = """\
import sys
from setuptools import Distribution
from mypyc.build import mypycify
group, paths = sys.argv[1], sys.argv[2:]
dist = Distribution({"name": "sim-compiled",
                     "ext_modules": mypycify(paths, group_name=group, target_dir="build/mypyc")})
dist.script_name = "setup.py"
dist.script_args = ["build_ext", "--inplace", "--build-temp", "build/mypyc/temp", "--build-lib", "build/mypyc/lib"]
dist.parse_command_line()
dist.run_commands()
"""


def source_path(module: str, package: Path = PACKAGE) -> Path:
    return package.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _module_of(path: Path, package: Path) -> str:
    return ".".join(["sim", *path.relative_to(package).with_suffix("").parts])


def _sim_imports(path: Path, package: Path) -> set[str]:
    """The sim modules `path` imports by name (at any depth in the file, type-only ones too)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found.update(n for n in names if n.startswith("sim.") and source_path(n, package).is_file())
    return found


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extensions(package: Path) -> dict[str, Path]:
    """Every extension module under `package` (but the group's library): module -> file."""
    suffixes = sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)
    found: dict[str, Path] = {}
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            suffix = next((s for s in suffixes if name.endswith(s)), None)
            if suffix:
                path = Path(folder, name[: -len(suffix)] + ".py")
                module = _module_of(path, package)
                if not module.endswith("__mypyc"):
                    found[module] = path
    return found


def stale(package: Path = PACKAGE) -> tuple[dict[str, Path], str]:
    """The compiled modules under `package` that must not run, and why ("" when none)."""
    compiled = _extensions(package)
    if not compiled:
        return {}, ""
    import json

    try:
        manifest = json.loads((package / MANIFEST).read_text(encoding="utf-8"))
        modules, hashes = set(manifest["modules"]), manifest["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return compiled, f"sim/{MANIFEST} is missing or unreadable"
    if not modules >= set(compiled):
        return compiled, f"{', '.join(sorted(set(compiled) - modules))} not in sim/{MANIFEST}"
    for rel, digest in sorted(hashes.items()):
        path = package.parent / rel
        if not path.is_file() or _digest(path) != digest:
            return compiled, f"{rel} changed since they were built"
    return {}, ""


def in_use(package: Path = PACKAGE) -> bool:
    """Whether a process importing sim from `package` now runs compiled code."""
    return os.environ.get("SIM_INTERPRETED") != "1" and bool(_extensions(package)) and not stale(package)[0]


def running_compiled(module: str) -> bool:
    """Whether `module` (imported) runs from an extension file in this process."""
    return str(getattr(sys.modules[module], "__file__", "")).endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


class _FromSource:  # a meta path finder: these modules from their .py, the rest as usual
    def __init__(self, modules: dict[str, Path]):
        self.modules = modules

    def find_spec(self, fullname, path=None, target=None):
        source = self.modules.get(fullname)
        return importlib.util.spec_from_file_location(fullname, source) if source else None


def guard() -> None:
    """Called by sim/__init__.py before any other sim module is imported."""
    if os.environ.get("SIM_INTERPRETED") == "1":
        modules, why = _extensions(PACKAGE), ""
    else:
        modules, why = stale()
    if modules:
        sys.meta_path.insert(0, _FromSource(modules))
    if why:
        print(f"sim: compiled modules not used ({why}): running from source; "
              "`make compiled` rebuilds them, `make clean-compiled` removes them", file=sys.stderr)


def clean(package: Path = PACKAGE) -> list[Path]:
    """Remove every extension file under `package` and the manifest; what was removed."""
    gone = []
    for path in [*package.rglob("*.so"), *package.rglob("*.pyd"), package / MANIFEST]:
        if path.is_file() and "__pycache__" not in path.parts:
            path.unlink()
            gone.append(path)
    return gone


def write_manifest(package: Path, modules: tuple[str, ...]) -> None:
    """Record the hashes of `modules`' sources and of the sim modules they import (atomically)."""
    import json

    watched = set(modules).union(*(_sim_imports(source_path(m, package), package) for m in modules))
    hashes = {str(source_path(m, package).relative_to(package.parent)): _digest(source_path(m, package))
              for m in sorted(watched)}
    tmp = package / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps({"modules": sorted(modules), "sha256": hashes}, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, package / MANIFEST)


def build(package: Path = PACKAGE, modules: tuple[str, ...] = MODULES) -> None:
    """Compile `modules` in place under `package` and record what they were built from.
    The old build goes first, and a failed one is removed: either a whole build or only sources.
    The manifest is written before compiling: a source edited meanwhile makes the build stale."""
    import subprocess

    clean(package)
    write_manifest(package, modules)
    rels = [str(source_path(m, package).relative_to(package.parent)) for m in modules]
    try:
        subprocess.run([sys.executable, "-c", _SETUP, GROUP, *rels], cwd=package.parent, check=True)
    except BaseException:
        clean(package)
        raise


def main(argv: list[str]) -> int:
    """make compiled / make clean-compiled: `python -c "...compiled.main(...)" build|clean`."""
    import subprocess

    if argv == ["build"]:
        try:
            build()
        except subprocess.CalledProcessError as e:
            print(f"make compiled: mypyc failed (exit {e.returncode}); nothing compiled is left in sim/",
                  file=sys.stderr)
            return 1
        print(f"compiled {len(MODULES)} modules into sim/; `make clean-compiled` removes them")
    elif argv == ["clean"]:
        print(f"removed {len(clean())} compiled files from sim/")
    else:
        print("usage: main(['build']) or main(['clean'])", file=sys.stderr)
        return 2
    return 0
