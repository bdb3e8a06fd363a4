"""A scenario's [failures] table: which server models fail, how often, and for how long.

    [failures]
    stopped_jobs = "requeue"            # or "lost": the jobs on a server that fails
    [failures.servers.atlas-800t-a2]
    mtbf_hours = 10000                  # mean time between failures of one server
    mttr_hours = 100                    # mean time to repair it
"""

from __future__ import annotations

from sim.model.failures import Failures, ServerFailures
from sim.model.limits import MIN_MTBF_HOURS, MIN_MTTR_HOURS
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
        # Bounds and why: sim/model/limits.py; the events they make are budgeted at load.
        for k, v, low, words in (
                ("mtbf_hours", mtbf, MIN_MTBF_HOURS, "one hour: a server that fails more often is not in service"),
                ("mttr_hours", mttr, MIN_MTTR_HOURS, "one minute (1/60 h): a repair is at least a restart")):
            if v is not None and v < low:
                st.error(k, f"must be at least {words} (minutes or seconds written as hours?), got {v!r}")
                ok = False
        if ok and name in servers:
            out[name] = ServerFailures(float(mtbf), float(mttr))
    t.done()
    return Failures(stopped, out) if stopped is not None else None
