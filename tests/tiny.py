"""A scenario small enough to work out by hand, as TOML text, and a helper to vary it.

1 CNY per accelerator-hour (tests/builder.py's defaults); the rented rack comes online on day
1 (hour 24); 744 CNY per kW-month is 1 CNY per kW-hour in January."""

from builder import accelerator, fixed, jobs, pricing, racks, scenario, server, site, tenant, toml

TINY = toml(
    scenario("tiny"),
    pricing(),
    accelerator(sparse=0.2),
    server(),
    site(),
    racks("own", "operator"),
    racks("rented", "t", online=1),
    tenant(),
    jobs("clients.c", {"at_hours": [0, 1, 30, 30]}, [4], fixed(10)),
)


def tiny(*overrides: str):
    from sim.scenario import loads

    return loads(TINY, "tiny.toml", overrides)
