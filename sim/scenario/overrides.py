"""`--set key=value` overrides, applied to the parsed file before validation."""

from __future__ import annotations

import sys
import tomllib

from sim.scenario.fields import key_text


def parse_value(text: str):
    """A TOML value (number, boolean, date, string in quotes, array); bare words are strings.

    Raises ValueError, with a message for the user, for a value no scenario could hold."""
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise ValueError("value nested too deeply") from None
    except ValueError:  # tomllib lets Python's limit on integer digits through
        raise ValueError(f"an integer of more than {sys.get_int_max_str_digits()} digits") from None
    if list(doc) != ["v"]:  # "1\nother = 2": not one value
        return text
    return doc["v"]


def key_path(key: str) -> list[str]:
    """`sites.qingyang.pue` -> [sites, qingyang, pue]; TOML quoting works: `sites."my site".pue`."""
    try:
        node = tomllib.loads(f"{key} = 0")
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return key.split(".")
    parts = []
    while isinstance(node, dict) and len(node) == 1:
        (k, node), = node.items()
        parts.append(k)
    return parts if node == 0 and parts else key.split(".")


def apply_overrides(data: dict, overrides, problems) -> None:
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.add(f"--set {item}", "must be key=value, e.g. sites.qingyang.pue=1.3")
            continue
        parts = key_path(key)
        node = data
        for i, part in enumerate(parts[:-1]):
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.add(".".join(key_text(p) for p in parts[: i + 1]), f"--set {key}: not a table")
                break
            node = nxt
        else:
            try:
                node[parts[-1]] = parse_value(value.strip())
            except ValueError as e:
                problems.add(".".join(key_text(p) for p in parts), f"--set {key}: {e}")
