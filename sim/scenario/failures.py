"""A scenario's [failures] table: which server models fail, how often, and for how long.

    [failures]
    stopped_jobs = "requeue"            # or "lost": the jobs on a server that fails
    [failures.servers.atlas-800t-a2]
    mtbf_hours = 10000                  # mean time between failures of one server
    mttr_hours = 100                    # mean time to repair it
"""

from __future__ import annotations

from sim.model.failures import Failures, ServerFailures
from sim.model.limits import MIN_DURATION_HOURS
from sim.scenario.fields import Table, did_you_mean


def read_failures(t: Table | None, servers: dict, declared: set[str]) -> Failures | None:
    if t is None:
        return None
    stopped = t.string("stopped_jobs", "requeue", choices=("requeue", "lost"))
    out = {}
    for name, st in t.tables("servers", required=False):
        if name not in servers and name not in declared:
            st.error("", f"no server named {name!r} in [servers]" + did_you_mean(name, list(servers) + list(declared)))
        mtbf, mttr = (st.number(k, gt=0) for k in ("mtbf_hours", "mttr_hours"))
        st.done()
        ok = None not in (mtbf, mttr)
        for k, v in (("mtbf_hours", mtbf), ("mttr_hours", mttr)):
            if v is not None and v < MIN_DURATION_HOURS:
                st.error(k, f"must be at least one second (1/3600 h), got {v!r}")
                ok = False
        if ok and name in servers:
            out[name] = ServerFailures(float(mtbf), float(mttr))
    t.done()
    return Failures(stopped, out) if stopped is not None else None
