"""Where a result came from: scenario file hash, overrides, seed, version, git commit, command."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from sim.simulation.results import Provenance
from sim.version import __version__

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def git_commit(package_dir: Path = PACKAGE_DIR) -> str | None:
    """The commit checked out where the package's code lives, or None: not a git checkout (an
    installed copy, even one inside some other repository), or no git."""
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=package_dir,
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split("\n")
    if out.returncode != 0 or len(lines) < 2:
        return None
    top, commit = lines[0].strip(), lines[1].strip()
    try:
        ours = (Path(top) / package_dir.name).resolve() == package_dir.resolve()
    except OSError:
        return None
    return commit or None if ours else None


def command_line(argv=None) -> str:
    """The command as a user would type it again: `python -m sim run qingyang --seed 7`."""
    if argv is None:
        prog = Path(sys.argv[0]).name
        prog = "python -m sim" if prog == "__main__.py" else prog
        argv = sys.argv[1:]
    else:
        prog = "python -m sim"
    return " ".join([prog, shlex.join(argv)]) if argv else prog


def provenance(scenario, argv=None) -> Provenance:
    """For a run of `scenario` (as loaded, with its overrides and the seed actually used)."""
    return Provenance(
        scenario_file=scenario.source,
        scenario_sha256=scenario.source_sha256,
        overrides=tuple(scenario.overrides),
        seed=scenario.seed,
        package_version=__version__,
        git_commit=git_commit(),
        command=command_line(argv),
    )
