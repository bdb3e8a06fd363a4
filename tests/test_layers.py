"""No module imports from a layer above its own, and no import cycle between modules of sim/
(docs/architecture.md lists the layers).

Every `import` and `from ... import` in sim/ is read with `ast`, including function-local
ones and those under `if TYPE_CHECKING:` (a dependency all the same)."""

import ast
import re
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

# Lowest first: (layer, package prefixes). A module may import its own rank and those below,
# never one above. Layer 2 is ordered inside: streaming statistics know nothing of demand or
# money, job streams nothing of money; prices, billing and the concession's finance may read
# both (2a < 2b < 2c).
LAYERS = (
    ("0", ("sim.units", "sim.version", "sim.durable", "sim.compiled")),
    ("1", ("sim.model",)),
    ("2a", ("sim.metrics",)),
    ("2b", ("sim.workload",)),
    ("2c", ("sim.economics",)),
    ("3", ("sim.scheduling",)),
    ("4", ("sim.scenario",)),
    ("5", ("sim.simulation",)),
    ("6", ("sim.experiment",)),
    ("7", ("sim.report",)),
    ("8", ("sim.cli", "sim.cli_args", "sim.cli_shared", "sim.cli_solve", "sim.interrupts", "sim.routes",
           "sim.__main__", "sim")),
)


def rank(module: str) -> int:
    best = None
    for r, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (r, len(p))
    assert best is not None, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best[0]


def label(module: str) -> str:
    return LAYERS[rank(module)][0]


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, package: str):
    """(line, module) of every import in `source`; relative ones resolved against `package`.
    `from p import name` is an import of p.name when that is a module of sim/ (`from sim import
    cli`), else of p."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}" if f"{base}.{alias.name}" in NAMES else base


def violations(path: Path, source: str | None = None) -> list[str]:
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    mine = rank(me)
    source = path.read_text(encoding="utf-8") if source is None else source
    return [f"{path.relative_to(SIM.parent)}:{line}: {me} (layer {label(me)}) imports {target} "
            f"(layer {label(target)})"
            for line, target in imports(source, package)
            if (target == "sim" or target.startswith("sim.")) and rank(target) > mine]


MODULES = sorted(SIM.rglob("*.py"))
NAMES = frozenset(module_name(p) for p in MODULES)


def graph(sources: dict[str, tuple[Path, str]]) -> dict[str, set[str]]:
    """module -> the modules of sim/ it imports."""
    out = {}
    for me, (path, source) in sources.items():
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        out[me] = {t for _, t in imports(source, package) if t in sources} - {me}
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(edges):
        if root in index:
            continue
        # iterative DFS: (node, iterator over its successors)
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def sources(replace: dict[str, str] | None = None) -> dict[str, tuple[Path, str]]:
    out = {module_name(p): (p, p.read_text(encoding="utf-8")) for p in MODULES}
    for name, text in (replace or {}).items():
        out[name] = (out[name][0], text)
    return out


def test_the_architecture_page_lists_these_layers():
    page = (SIM.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| ((?:`[\w.]+`(?:, )?)+) \|", page, flags=re.M)
    assert [(label, tuple(re.findall(r"`([\w.]+)`", names))) for label, names in rows] == list(LAYERS)


def test_every_module_is_in_a_layer():
    for path in MODULES:
        rank(module_name(path))


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
                "def f():\n    from ..cli import main", "from sim import cli"):
        assert violations(site, text + "\n" + bad + "\n"), bad


def test_the_order_inside_layer_2():
    stream = SIM / "workload" / "stream.py"
    text = stream.read_text(encoding="utf-8")
    assert violations(stream, text) == []
    assert violations(stream, text + "\nfrom sim.economics.pricing import PriceBook\n")  # 2b under 2c
    assert violations(SIM / "metrics" / "classes.py", "from sim.workload.demand import job_rate\n")
    assert not violations(SIM / "economics" / "market.py", "from sim.workload.demand import job_rate\n"
                                                           "from sim.metrics import LogHistogram\n")


def test_no_import_cycle():
    found = cycles(graph(sources()))
    assert not found, "import cycles between modules of sim/:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_check_finds_cycles_through_local_and_type_checking_imports():
    base = sources()
    assert cycles(graph(base)) == []
    kinds = base["sim.workload.kinds"][1]
    shaped = base["sim.workload.shaped"][1]
    local = shaped + "\n\ndef registry():\n    from sim.workload.kinds import KINDS\n    return KINDS\n"
    assert cycles(graph(sources({"sim.workload.shaped": local}))) == [["sim.workload.kinds", "sim.workload.shaped"]]
    typing = shaped + "\nif TYPE_CHECKING:\n    from .kinds import KINDS\n"
    assert cycles(graph(sources({"sim.workload.shaped": typing}))) == [["sim.workload.kinds", "sim.workload.shaped"]]
    assert "from sim.workload.shaped import ShapedArrivals" in kinds
    # a longer loop, through a module that names a submodule: cli -> cli_solve -> cli
    solve = base["sim.cli_solve"][1] + "\nfrom sim import cli\n"
    cli = base["sim.cli"][1] + "\ndef f():\n    import sim.cli_solve\n"
    assert ["sim.cli", "sim.cli_solve"] in cycles(graph(sources({"sim.cli_solve": solve, "sim.cli": cli})))
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
