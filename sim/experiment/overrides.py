"""A mapping of scenario keys to values as the "key=value" strings the loader takes."""

from __future__ import annotations

from sim.scenario.overrides import toml_value

__all__ = ["as_overrides", "toml_value"]


def as_overrides(mapping) -> tuple[str, ...]:
    """{"pricing.intermediary_fee": 0.3} -> ("pricing.intermediary_fee=0.3",), in order."""
    return tuple(f"{k}={toml_value(v)}" for k, v in mapping.items())
