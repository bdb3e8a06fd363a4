"""The scenarios and sweeps that come with computesim (scenarios/ and scenarios/sweeps/ in the
repository), each with the one-line description its file gives."""

from __future__ import annotations

import tomllib
from pathlib import Path

from attrs import frozen

from sim.scenario.files import REPO_SCENARIO_DIR


@frozen
class Shipped:
    """A shipped scenario or sweep file: its name (as `run`, `sweep` and sim.run take it), kind
    ("scenario" or "sweep"), one-line description and path."""

    name: str
    kind: str
    description: str
    path: Path


def _description(path: Path, section: str) -> str:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    d = data.get(section, {}).get("description", "")
    return d if isinstance(d, str) else ""


def _stem(p: Path) -> str:
    return p.stem


def shipped(folder: Path = REPO_SCENARIO_DIR) -> list[Shipped]:
    """The shipped scenarios, then the sweeps, each by name."""
    out = [Shipped(p.stem, "scenario", _description(p, "scenario"), p) for p in sorted(folder.glob("*.toml"), key=_stem)]
    out += [Shipped(p.stem, "sweep", _description(p, "sweep"), p) for p in sorted((folder / "sweeps").glob("*.toml"), key=_stem)]
    return out
