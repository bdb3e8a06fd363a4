"""The Python examples in docs/architecture.md run as written, in order, in one namespace."""

import os
import re
from pathlib import Path

from sim.economics.pricing import PRICE_MODELS
from sim.scheduling.registry import DISCIPLINES, PLACEMENTS, RECLAIMS
from sim.workload.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


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
