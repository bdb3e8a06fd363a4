"""No module imports from a layer above its own (docs/architecture.md lists the layers).

Every `import` and `from ... import` in sim/ is read with `ast`, including function-local
ones and those under `if TYPE_CHECKING:` (a dependency all the same)."""

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

# Lowest first. A module may import its own layer and those below, never one above.
LAYERS = (
    ("sim.units", "sim.version", "sim.durable"),
    ("sim.model",),
    ("sim.metrics", "sim.workload", "sim.economics"),
    ("sim.scheduling",),
    ("sim.scenario",),
    ("sim.simulation",),
    ("sim.experiment",),
    ("sim.report",),
    ("sim.cli", "sim.__main__", "sim"),
)


def layer(module: str) -> int:
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (rank, len(p))
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best[0]


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, package: str):
    """(line, module) of every import in `source`; relative ones resolved against `package`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.lineno, node.module


def violations(path: Path, source: str | None = None) -> list[str]:
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    mine = layer(me)
    source = path.read_text(encoding="utf-8") if source is None else source
    return [f"{path.relative_to(SIM.parent)}:{line}: {me} (layer {mine}) imports {target} (layer {layer(target)})"
            for line, target in imports(source, package)
            if (target == "sim" or target.startswith("sim.")) and layer(target) > mine]


MODULES = sorted(SIM.rglob("*.py"))


def test_every_module_is_in_a_layer():
    for path in MODULES:
        layer(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM.parent)))
def test_no_import_runs_up_the_layers(path):
    found = violations(path)
    assert not found, "\n".join(found)


def test_the_check_catches_imports_up_the_layers():
    site = SIM / "model" / "site.py"
    text = site.read_text(encoding="utf-8")
    assert violations(site, text) == []
    for bad in ("from sim.scheduling.scheduler import Scheduler", "import sim.report",
                "if TYPE_CHECKING:\n    from sim.simulation.results import Summary",
                "def f():\n    from ..cli import main"):
        assert violations(site, text + "\n" + bad + "\n"), bad
