"""Where a result came from: scenario file hash, seed, version, git commit, command line."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from sim import __version__


def git_commit(where: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def provenance(scenario_path, seed: int, overrides=(), argv=None) -> dict:
    data = Path(scenario_path).read_bytes()
    return {
        "scenario_file": str(scenario_path),
        "scenario_sha256": hashlib.sha256(data).hexdigest(),
        "overrides": list(overrides),
        "seed": seed,
        "package_version": __version__,
        "git_commit": git_commit(Path(__file__).resolve().parent),
        "command": " ".join(sys.argv if argv is None else argv),
    }
