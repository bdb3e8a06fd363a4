"""Packaging and the outer surface: the version, bare `python -m sim`, the lock file, the
Makefile's quoting and the benchmarks' exit status."""

import ast
import importlib.metadata
import importlib.resources
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import sim
from benchmarks.__main__ import exit_status, failures
from benchmarks.report import verdict

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def python_m_sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


# --- version ----------------------------------------------------------------------------------
def test_version_flag_prints_the_installed_metadata_version(tmp_path):
    p = python_m_sim("--version", cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout == f"computesim {importlib.metadata.version('computesim')}\n"


def test_the_version_comes_from_pyproject_through_one_module():
    assert sim.__version__ == importlib.metadata.version("computesim") == PYPROJECT["project"]["version"]
    from sim.simulation import provenance, summary
    from sim.version import __version__
    assert sim.__version__ is __version__ and provenance.__version__ is __version__
    assert summary.__version__ is __version__


def test_version_module_imports_nothing_from_sim():
    tree = ast.parse((ROOT / "sim" / "version.py").read_text())
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert modules and not [m for m in modules if m == "sim" or m.startswith("sim.")]


def test_version_falls_back_when_the_package_is_not_installed(tmp_path):
    code = ("import importlib.metadata as m\n"
            "def missing(name):\n"
            "    raise m.PackageNotFoundError(name)\n"
            "m.version = missing\n"
            "import sim.version\n"
            "print(sim.version.__version__)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])))
    assert p.returncode == 0, p.stderr
    assert p.stdout == "0+unknown\n"


# --- bare command -----------------------------------------------------------------------------
def test_bare_python_m_sim_prints_the_help_and_exits_0(tmp_path):
    p = python_m_sim(cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout.startswith("usage: python -m sim [-h] [--version] COMMAND")
    assert "simulate one scenario and write its results" in p.stdout
    assert not list(tmp_path.iterdir())


def test_the_console_script_names_itself_computesim(tmp_path):
    script = Path(sys.executable).parent / "computesim"
    if not script.exists():
        pytest.skip("computesim is not installed as a console script in this environment")
    p = subprocess.run([str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.startswith("usage: computesim [-h] [--version] COMMAND")


# --- py.typed ---------------------------------------------------------------------------------
def test_the_installed_package_says_it_is_typed():
    assert importlib.resources.files("sim").joinpath("py.typed").is_file()


def test_the_built_wheel_ships_py_typed(tmp_path):
    """Users' type checkers read sim's annotations only with the PEP 561 marker in the wheel.
    Built from a copy of what the wheel is made of, in pip's isolated build environment."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "sim", src / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    p = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps", "-q",
                        "-w", str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=600)
    if p.returncode != 0 and "satisfies the requirement setuptools" in p.stderr:
        pytest.skip("no package index to build the wheel's build environment from")
    assert p.returncode == 0, p.stderr
    wheel, = (tmp_path / "dist").glob("computesim-*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert "sim/py.typed" in z.namelist()
        assert z.read("sim/py.typed") == (ROOT / "sim" / "py.typed").read_bytes()


# --- lock file --------------------------------------------------------------------------------
def lock_pins(file: str = "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (ROOT / file).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version and " " not in line, f"{file}: not an exact pin: {line!r}"
        pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_dependency_and_dev_extra_within_pyprojects_ranges():
    project = PYPROJECT["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    assert {"pandas", "tqdm", "pytest"} <= {canonicalize_name(r.name) for r in wanted}
    pins = lock_pins()
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"requirements.lock does not pin {req.name}"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} not in {req}"
    assert "computesim" not in pins  # installed from the tree, with --no-deps


def test_the_bench_lock_pins_the_bench_extra_exactly_and_nothing_the_main_lock_pins():
    wanted = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["bench"]]
    assert "ciw" in {canonicalize_name(r.name) for r in wanted}
    assert all(str(r.specifier).startswith("==") for r in wanted)  # a benchmark compares with one version
    bench = lock_pins("requirements-bench.lock")
    for req in wanted:
        assert req.specifier.contains(bench[canonicalize_name(req.name)])
    assert not set(bench) & set(lock_pins())  # added on top: make bench moves nothing make test uses


@pytest.mark.parametrize("locks", [("requirements.lock",), ("requirements.lock", "requirements-bench.lock")])
def test_the_lock_is_closed_under_the_installed_packages_requirements(locks):
    """Whatever a pinned package needs is pinned too (the Makefile installs with --no-deps),
    by the main lock alone and by both locks together (make bench). Checked against the
    packages installed here at the pinned version: all of them under make."""
    pins, checked = {k: v for f in locks for k, v in lock_pins(f).items()}, 0
    for name, version in pins.items():
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if dist.version != version:
            continue
        checked += 1
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                assert canonicalize_name(req.name) in pins, f"{name} needs {req}, not in requirements.lock"
    if not checked:
        pytest.skip("none of the pinned versions is installed here")


def make(*args, cwd):
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    # Under `make test` the outer make's variables (ARGS=...) would leak in through MAKEFLAGS.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_venv_is_reinstalled_when_the_lock_or_pyproject_changes(tmp_path):
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than both
    assert "up to date" in make("-n", f"STAMP={stamp}", str(stamp), cwd=tmp_path).stdout
    for changed in ("requirements.lock", "pyproject.toml"):
        out = make("-n", "-W", changed, f"STAMP={stamp}", str(stamp), cwd=tmp_path).stdout
        lines = [line.split(" -m pip ", 1)[-1] for line in out.splitlines() if " -m pip " in line]
        assert lines == ["--disable-pip-version-check install --progress-bar on --no-deps -r requirements.lock",
                         "--disable-pip-version-check install --no-deps -e .",
                         "--disable-pip-version-check check"]


def test_only_make_bench_installs_the_bench_lock(tmp_path):
    stamp, bench_stamp = tmp_path / "installed", tmp_path / "bench-installed"
    stamp.touch()
    bench_stamp.touch()
    stamps = (f"STAMP={stamp}", f"BENCH_STAMP={bench_stamp}", "-W", "requirements-bench.lock")
    out = make("-n", *stamps, "bench", cwd=tmp_path).stdout
    lines = [line.split(" -m pip ", 1)[-1] for line in out.splitlines() if " -m pip " in line]
    assert lines == ["--disable-pip-version-check install --progress-bar on --no-deps -r requirements-bench.lock",
                     "--disable-pip-version-check check"]
    assert "requirements-bench.lock" not in make("-n", *stamps, "test", "sim", cwd=tmp_path).stdout


# Skip the venv install: the stamp counts as made, and this interpreter stands in for .venv's.
USE_THIS_PYTHON = ("-o", ".venv/.installed", f"PY={sys.executable}")


@pytest.fixture
def bait(tmp_path):
    """The name of a file an injected command would create, in make's folder or the caller's."""
    name = f"injected-{os.getpid()}-{tmp_path.name}"
    yield name
    (ROOT / name).unlink(missing_ok=True)  # a failing test must not leave it in the checkout


@pytest.mark.parametrize("scenario", ["x; touch {f}", "x' ; touch {f}; echo '", "$(shell touch {f})",
                                      "`touch {f}`"])
def test_make_sim_passes_scenario_as_one_argument_and_fails_with_the_simulator(tmp_path, bait, scenario):
    value = scenario.format(f=bait)
    p = make(*USE_THIS_PYTHON, "sim", f"SCENARIO={value}", cwd=tmp_path)
    assert not (tmp_path / bait).exists() and not (ROOT / bait).exists()
    assert p.returncode != 0
    assert f"scenarios/{value}.toml: no such file\n" in p.stderr  # the simulator's own one line
    assert "Traceback" not in p.stderr


def test_make_args_split_like_a_shell_but_never_run_by_one(tmp_path, bait):
    p = make(*USE_THIS_PYTHON, "sim", "SCENARIO=nope", f"ARGS=--seed 1 \"--two words\" ; touch {bait}",
             cwd=tmp_path)
    assert not (tmp_path / bait).exists() and not (ROOT / bait).exists()
    assert p.returncode != 0
    assert f"unrecognized arguments: --two words ; touch {bait}\n" in p.stderr


def test_make_reports_unbalanced_quotes_in_args_in_one_line(tmp_path):
    p = make(*USE_THIS_PYTHON, "sim", "ARGS=--set \"a=b", cwd=tmp_path)
    assert p.returncode != 0
    assert p.stderr.splitlines()[0] == 'make: ARGS: No closing quotation: --set "a=b'
    assert "Traceback" not in p.stderr


# --- benchmarks' exit status ------------------------------------------------------------------
def bench_result(**changes) -> dict:
    res = {"rate": {"status": "ok"}, "scaling": [{"racks": 1000, "status": "ok"}],
           "three_sites": {"status": "ok"}, "qingyang_20y": {"status": "ok"},
           "targets": [verdict("overhead", 0.4), verdict("growth", 1.2), verdict("scale", 45.0),
                       verdict("memory", 120.0)]}
    res.update(changes)
    return res


def test_bench_exits_0_when_every_target_passes():
    assert failures(bench_result()) == [] and exit_status(bench_result()) == 0


@pytest.mark.parametrize("changes, expected", [
    ({"targets": [verdict("overhead", 0.2), verdict("memory", 120.0)]}, ["target overhead FAIL"]),
    ({"targets": [verdict("scale", None, "error")]}, ["target scale ERROR"]),
    ({"rate": {"status": "error"}}, ["stage rate crashed"]),
    ({"scaling": [{"racks": 4000, "status": "error"}]}, ["scaling 4000 racks crashed"]),
    ({"profile": {"rate": {"status": "error"}}}, ["profile rate crashed"]),
])
def test_bench_exits_1_on_a_missed_target_or_a_crashed_stage(changes, expected):
    res = bench_result(**changes)
    assert failures(res) == expected
    assert exit_status(res) == 1
