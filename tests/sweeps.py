"""Small sweep files over the shipped qingyang scenario, for the tests, and a workdir helper."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SMALL = """
[sweep]
scenario = "qingyang"
description = "two fees x two PUEs, 2 replications"
replications = 2
sampling = "grid"
set = { "scenario.horizon_days" = 20 }

[parameters]
"pricing.intermediary_fee" = { values = [0.1, 0.3] }
"sites.qingyang.pue" = { range = [1.1, 1.3], steps = 2 }
"""


def workdir(tmp_path: Path, **sweeps: str) -> Path:
    """A folder laid out like a clone: scenarios/ (with these sweep files) beside no results/."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    for name, text in sweeps.items():
        (tmp_path / "scenarios" / "sweeps" / f"{name}.toml").write_text(text)
    return tmp_path
