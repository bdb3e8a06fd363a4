"""How many examples the property and fuzz tests draw.

`make test` runs each with `examples(n)`: n at depth 1, the default, sized so the whole suite
stays under ten minutes on two cores. `make test-deep` (TEST_DEPTH=5) looks five times as hard
before a release or after a change to the scheduler or the loader. Hypothesis draws new examples
on every run, so the default depth still covers more ground run after run."""

from __future__ import annotations

import os


def depth() -> float:
    raw = os.environ.get("TEST_DEPTH", "1")
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"TEST_DEPTH={raw!r}: give a positive number (1 is make test's)") from None
    if not value > 0:
        raise SystemExit(f"TEST_DEPTH={raw!r}: give a positive number (1 is make test's)")
    return value


def examples(n: int) -> int:
    """n examples at make test's depth, scaled by TEST_DEPTH; never fewer than one."""
    return max(1, round(n * depth()))
