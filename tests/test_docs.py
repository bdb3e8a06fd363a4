"""The Python examples in docs/architecture.md run as written, in order, in one namespace."""

import os
import re
import subprocess
import sys
from pathlib import Path

from sim.economics.pricing import PRICE_MODELS
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.workload.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
FRESH = re.compile(r"```python new-process\n(.*?)```", re.S)  # each in an interpreter of its own


def test_the_architecture_page_examples_run(monkeypatch):
    blocks = BLOCK.findall((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    registries = [PLACEMENTS, DISCIPLINES, RECLAIMS, PRICE_MODELS, KINDS]
    saved = [dict(r) for r in registries]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    try:
        for i, code in enumerate(blocks):
            exec(compile(code, f"docs/architecture.md, python block {i + 1}", "exec"), namespace)
    finally:
        for r, s in zip(registries, saved):
            r.clear()
            r.update(s)
    assert os.getcwd() == str(ROOT)


def test_the_architecture_page_new_process_examples_run():
    """Blocks that change what is fixed at import (a money stream registered before the
    modules that derive from the money model) run each in a fresh interpreter."""
    blocks = FRESH.findall((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    assert blocks
    for i, code in enumerate(blocks):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"docs/architecture.md, new-process block {i + 1}:\n{done.stderr[-3000:]}"
