"""A client class's `gpu_milli`: a share of one card per job (sim/scheduling/fractional.py)."""

from __future__ import annotations

from sim.scheduling.fragmentation import MILLI


def read_gpu_milli(t, sizes) -> int | None:
    """Milli-cards per job, 0 for whole cards (also when gpu_milli = 1000, one whole card);
    None if wrong (the problem is recorded on `t`)."""
    if not t.has("gpu_milli"):
        return 0
    milli = t.number("gpu_milli", integer=True, gt=0, le=MILLI)
    if milli is None:
        return None
    if sizes is not None and set(sizes.values) != {1}:
        t.error("gpu_milli", f"a share of one card needs jobs of one accelerator (sizes.values = [1]), "
                             f"got sizes {list(sizes.values)}")
        return None
    return 0 if milli == MILLI else milli
