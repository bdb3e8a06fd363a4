"""Run scenarios and print, as JSON, which of sim/compiled.py's modules ran compiled and the
SHA-256 of each scenario's result files (as tests/golden.py renders them: summary.json without
provenance and version, the daily tables). tests/test_compiled.py runs it with and without a
mypyc build and compares:

    python tests/compiled_outputs.py qingyang qingyang-spot@policy.queue=sjf
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import sys


def main(scenarios: list[str]) -> int:
    import sim
    from sim import compiled
    from sim.report import summary_of
    from sim.report.tables import summary_json, timeseries_by_site_csv, timeseries_csv

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    modules = {m: importlib.import_module(m).__file__ or "" for m in compiled.MODULES}
    outputs = {}
    for name in scenarios:
        result = sim.run(name)
        summary = summary_of(result)
        del summary["provenance"]
        del summary["simulation"]["version"]
        for file, data in (("summary.json", summary_json(summary)),
                           ("timeseries.csv", timeseries_csv(result.daily)),
                           ("timeseries_by_site.csv", timeseries_by_site_csv(result.daily_by_site))):
            outputs[f"{name}/{file}"] = hashlib.sha256(data).hexdigest()
    print(json.dumps({"sim": sim.__file__, "compiled": sorted(m for m, f in modules.items() if f.endswith(suffixes)),
                      "outputs": outputs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
