"""`--set key=value` overrides, applied to the parsed file before validation."""

from __future__ import annotations

import tomllib


def parse_value(text: str):
    """A TOML value (number, boolean, date, string in quotes, array); bare words are strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict, overrides, problems) -> None:
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.add(f"--set {item}", "must be key=value, e.g. sites.qingyang.pue=1.3")
            continue
        parts = key.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.add(".".join(parts[: i + 1]), f"--set {key}: not a table")
                break
            node = nxt
        else:
            node[parts[-1]] = parse_value(value.strip())
