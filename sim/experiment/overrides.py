"""A mapping of scenario keys to values as the "key=value" strings the loader takes.

One small helper so that switching to the loader's own dict overrides is one line.
"""

from __future__ import annotations

import datetime as dt
import json
import math


def toml_value(v) -> str:
    """A TOML literal of `v`: booleans, integers, floats, strings, dates, arrays."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # TOML basic strings take JSON's escapes
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML literal for {type(v).__name__}")


def as_overrides(mapping) -> tuple[str, ...]:
    """{"pricing.intermediary_fee": 0.3} -> ("pricing.intermediary_fee=0.3",), in order."""
    return tuple(f"{k}={toml_value(v)}" for k, v in mapping.items())
