"""Overrides applied to the parsed file before validation: `--set key=value` strings from the
command line (TOML values), or a dict {dotted key: Python value} from a notebook."""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import sys
import tomllib
from collections.abc import Mapping
from typing import Any

from sim.scenario.fields import key_text, nearest
from sim.scenario.parse import MAX_FILE_BYTES, MAX_KEY_CHARS, MAX_KEY_PARTS, deep_key, short, text_problem


def parse_value(text: str):
    """A TOML value (number, boolean, date, string in quotes, array); bare words are strings.

    Raises ValueError, with a message for the user, for a value no scenario could hold."""
    problem = text_problem(f"v = {text}")
    if problem:
        raise ValueError(problem)
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
    """`sites.qingyang.pue` -> [sites, qingyang, pue]; TOML quoting works: `sites."my site".pue`.

    Raises ValueError for a key too deep or too long to be one of a scenario's."""
    if len(key) > MAX_FILE_BYTES or deep_key(key):
        raise ValueError(f"a key of more than {MAX_KEY_PARTS} parts")
    try:
        node: object = tomllib.loads(f"{key} = 0")
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        parts = key.split(".")
    else:
        parts = []
        while isinstance(node, dict) and len(node) == 1:
            (k, node), = node.items()
            parts.append(k)
        if node != 0 or not parts:
            parts = key.split(".")
    if any(len(p) > MAX_KEY_CHARS for p in parts):
        raise ValueError(f"a key part of more than {MAX_KEY_CHARS} characters")
    return parts


def plain(value):
    """A Python value as the TOML reader would give it: numpy scalars become int or float,
    tuples become lists. Other values are left for validation to name; ValueError for a
    table key that is not a string."""
    if isinstance(value, (bool, str, dt.date, dt.time)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise ValueError(f"table keys must be strings, got {short(repr(bad[0]))}")
        return {k: plain(v) for k, v in value.items()}
    return value


def apply_overrides(data: dict, overrides, problems) -> dict[str, str]:
    """Set each override in `data`. `overrides` is a dict {dotted key: value} (messages name
    keys) or an iterable of "key=value" strings (messages name the --set option). Returns the
    tables an override made that the file did not have, where the file has one of a close
    name (clients.trainig -> training), for messages to name."""
    made = {}
    # key, value (a mapping's are whatever the caller gave: checked below), the --set it came from
    items: list[tuple[Any, Any, str | None]]
    if isinstance(overrides, Mapping):
        items = [(k, v, None) for k, v in overrides.items()]
    else:
        if isinstance(overrides, str):
            overrides = [overrides]
        items = []
        for item in overrides:
            key, sep, value = str(item).partition("=")
            key = key.strip()
            if not sep or not key:
                problems.add(f"--set {short(str(item))}", "must be key=value, e.g. sites.qingyang.pue=1.3")
                continue
            items.append((key, value.strip(), f"--set {short(key)}: "))
    for key, value, option in items:
        where = option or ""
        if not isinstance(key, str) or not key:
            problems.add(short(repr(key)), "an override key must be a dotted key such as sites.qingyang.pue")
            continue
        try:
            parts = key_path(key)
        except ValueError as e:
            problems.add(option.rstrip(": ") if option else short(key), str(e))
            continue
        node = data
        for i, part in enumerate(parts[:-1]):
            if i > 0 and part not in node:
                near = nearest(part, node)
                if near is not None:
                    made[".".join(key_text(p) for p in parts[: i + 1])] = near
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.add(".".join(key_text(p) for p in parts[: i + 1]),
                             f"{where}not a table" if option else f"not a table, so {short(key)} cannot be set")
                break
            node = nxt
        else:
            try:
                node[parts[-1]] = plain(value) if option is None else parse_value(value)
            except (ValueError, RecursionError) as e:
                problem = "value nested too deeply" if isinstance(e, RecursionError) else str(e)
                problems.add(".".join(key_text(p) for p in parts), f"{where}{problem}")
    return made


def hinted(messages: list[str], made: dict[str, str]) -> list[str]:
    """Messages about a table an override made, with the name the file has that is close to it."""
    out = []
    for m in messages:
        for path, near in made.items():
            if f": {path}." in m or f": {path}:" in m:
                m += f" ({path} is not in the file; did you mean {near!r}?)"
                break
        out.append(m)
    return out


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
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML literal for {type(v).__name__}")


def override_texts(overrides) -> tuple[str, ...]:
    """Overrides as "key=value" lines for provenance, a dict's values as TOML literals (a value
    no literal spells, left for validation to name, as its repr)."""
    if isinstance(overrides, str):
        return (overrides,)
    if not isinstance(overrides, Mapping):
        return tuple(str(o) for o in overrides)

    def text(v):
        try:
            return toml_value(plain(v))
        except (TypeError, ValueError):
            return repr(v)

    return tuple(f"{k}={text(v)}" for k, v in overrides.items())
