"""Golden files: the shipped scenarios' results, kept in tests/golden/ and compared byte for byte.

A change that is meant to change simulated numbers regenerates them, and the diff shows what
moved:

    .venv/bin/python tests/golden.py          # rewrite tests/golden/*
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLDEN = HERE / "golden"
SCENARIOS = ("qingyang", "qingyang-as-claimed")
FILES = ("summary.json", "timeseries.csv", "timeseries_by_site.csv")


def outputs(name: str) -> dict[str, bytes]:
    """The golden files of one shipped scenario, rendered now. Provenance and the package
    version say where a result came from, not what it is: they are left out."""
    import sim
    from sim.report import summary_of
    from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv

    result = sim.run(sim.load_scenario(ROOT / "scenarios" / f"{name}.toml"))
    summary = summary_of(result)  # as summary.json holds it, with the verdict on the claim
    del summary["provenance"]
    del summary["simulation"]["version"]
    return {
        "summary.json": summary_json(summary),
        "timeseries.csv": timeseries_csv(result.daily),
        "timeseries_by_site.csv": timeseries_by_site_csv(result.daily_by_site),
    }


def main() -> int:
    for name in SCENARIOS:
        folder = GOLDEN / name
        folder.mkdir(parents=True, exist_ok=True)
        for file, data in outputs(name).items():
            (folder / file).write_bytes(data)
        print(f"wrote {folder.relative_to(ROOT)}/{{{','.join(FILES)}}}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
