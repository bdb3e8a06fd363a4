"""One way for tests and benchmarks to write a scenario: TOML tables composed by one helper.

    text = toml(scenario("tiny"), pricing(), accelerator(sparse=0.2), server(), site(),
                racks("own", "operator"), table("clients.c", arrivals={"at_hours": [0]}, ...))

Each part is one table: its header, then its keys in the order given, each value written as a
TOML literal (a dict is an inline table, `raw(...)` goes in as written). The defaults are the
small hand-worked hardware most tests use (1 CNY per accelerator-hour, 0.1 P cards, 1 kW
servers, one site); a module states only what differs. The result is a scenario file's text,
loaded by `sim.scenario.loads` like any file, so that tests still vary it by overrides (or by
replacing a line).

The literals are written here, not by `sim`'s own writer (`sim.scenario.overrides.toml_value`):
a test's scenario must not depend on the code under test, and the loader fuzz test
(tests/test_loader_fuzz.py) uses this writer as its oracle, checked there against tomllib.
"""

from __future__ import annotations

import datetime as dt
import math
import re

JAN_1 = dt.date(2025, 1, 1)
_BARE = re.compile(r"[A-Za-z0-9_-]+")
# Inside a basic string: the quote and the backslash escaped, every control character as \uXXXX.
_ESCAPE = {**{c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}, ord('"'): '\\"', ord("\\"): "\\\\"}


class raw(str):
    """TOML text put in as written (a value spelt by hand, or a fragment a test varies)."""


def key(k: str) -> str:
    return k if _BARE.fullmatch(k) else '"' + k.translate(_ESCAPE) + '"'


def literal(v) -> str:
    """`v` as a TOML value: bool, int, float (nan, inf too), str, date, time, datetime, list or
    tuple, dict (an inline table), raw."""
    if isinstance(v, raw):
        return str(v)
    if isinstance(v, str):
        return '"' + v.translate(_ESCAPE) + '"'
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v):
            return repr(v)  # the shortest text that reads back as the same float
        return "nan" if math.isnan(v) else ("-inf" if v < 0 else "inf")
    if isinstance(v, (dt.date, dt.time)):  # datetime is a date
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(literal, v)) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(k)} = {literal(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise TypeError(f"no TOML literal for {type(v).__name__}")


def table(header: str, **keys) -> str:
    """One table: `[header]` (a dotted path of bare keys) and its keys in order."""
    return "".join([f"[{header}]\n", *(f"{key(k)} = {literal(v)}\n" for k, v in keys.items())])


def toml(*parts: str) -> str:
    """The scenario's text: its tables in order, a blank line between them."""
    return "\n" + "\n".join(parts)


# --- the parts, with the small hand-worked defaults ----------------------------------------
def scenario(name: str, *, seed: int = 1, start_date=JAN_1, horizon_days=2, standard_rack_kw=2.5, **more) -> str:
    return table("scenario", name=name, seed=seed, start_date=start_date, horizon_days=horizon_days,
                 standard_rack_kw=standard_rack_kw, **more)


def pricing(price_cny_per_pflops_year=87600, **more) -> str:
    """87,600 CNY per P-year x 0.1 P / 8,760 h = 1 CNY per accelerator-hour."""
    return table("pricing", price_cny_per_pflops_year=price_cny_per_pflops_year,
                 **({"intermediary_fee": 0.15} | more))


def accelerator(name: str = "x", *, dense=0.1, sparse=0.1, power_w=100) -> str:
    return table(f"accelerators.{name}", pflops_fp16_dense=dense, pflops_fp16_sparse=sparse, power_w=power_w)


def server(name: str = "s", *, accelerator: str = "x", cards: int = 4, power_kw=1.0, idle=0.5, busy=1.0) -> str:
    return table(f"servers.{name}", accelerator=accelerator, accelerators_per_server=cards, power_kw=power_kw,
                 idle_power_fraction=idle, busy_power_fraction=busy)


def site(name: str = "a", *, pue=1.5, electricity=0.4) -> str:
    return table(f"sites.{name}", pue=pue, electricity_cny_per_kwh=electricity)


def racks(name: str, owner: str, *, site: str = "a", count=1, power_kw=1.0, server: str = "s", **more) -> str:
    """A rack group; `more` after the power (servers_per_rack goes before the server)."""
    spr = {"servers_per_rack": more.pop("servers_per_rack")} if "servers_per_rack" in more else {}
    return table(f"sites.{site}.racks.{name}", owner=owner, count=count, power_kw=power_kw, **spr, server=server,
                 **more)


def tenant(name: str = "t", *, opt_in=1.0, colocation=744, **more) -> str:
    """744 CNY per kW-month is 1 CNY per kW-hour in January (744 h)."""
    return table(f"tenants.{name}", opt_in_fraction=opt_in, colocation_cny_per_kw_month=colocation, **more)


def jobs(header: str, arrivals: dict, sizes, duration: dict, **more) -> str:
    """A client class (`clients.c`) or a tenant's own demand (`tenants.t.demand.own`).
    `sizes`: a list of sizes, or (sizes, weights)."""
    values = {"values": sizes} if isinstance(sizes, list) else {"values": sizes[0], "weights": sizes[1]}
    return table(header, arrivals=arrivals, sizes=values, duration=duration, **more)


def fixed(hours) -> dict:
    return {"dist": "fixed", "hours": hours}


def exponential(mean_hours) -> dict:
    return {"dist": "exponential", "mean_hours": mean_hours}


def lognormal(median_hours, sigma) -> dict:
    return {"dist": "lognormal", "median_hours": median_hours, "sigma": sigma}
