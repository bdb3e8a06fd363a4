"""A scenario as the command line names it: a name in scenarios/ or a path, with overrides
after an `@` as results/ folders spell them (qingyang@policy.queue=fifo). compare, run and
replicate take it from Python too."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.model.scenario import Scenario
from sim.scenario.errors import ScenarioError
from sim.scenario.files import read_scenario, scenario_path
from sim.scenario.loader import loads


def split_argument(text: str) -> tuple[Path, list[str]]:
    """`qingyang@policy.queue=fifo,pricing.intermediary_fee=0.3` -> (the scenario's path,
    ["policy.queue=fifo", "pricing.intermediary_fee=0.3"]): the spelling of the
    results/<stem>@<overrides>/ folders. The `@` is the first one after which a scenario file
    exists (a path may hold an `@`); commas inside quotes, [] or {} belong to the value."""
    if "@" not in text or scenario_path(text).is_file():
        return scenario_path(text), []
    ats = [i for i, ch in enumerate(text) if ch == "@"]
    at = next((i for i in ats if scenario_path(text[:i]).is_file()), ats[0])
    head, tail = text[:at], text[at + 1:]
    items = _top_level_split(tail)
    if not head or any(not item.strip() for item in items):
        raise ScenarioError([f"{text}: write a scenario as name or name@key=value[,key=value...]"])
    return scenario_path(head), items


def _top_level_split(text: str) -> list[str]:
    items, depth, quote, escaped, start = [], 0, None, False, 0
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def load_argument(text: str, extra_overrides: Sequence[str] = ()) -> Scenario:
    """A scenario named as `compare` takes it, with `extra_overrides` after its own."""
    path, overrides = split_argument(text)
    return loads(read_scenario(path).decode("utf-8"), str(path), [*overrides, *extra_overrides])


def as_scenario(scenario) -> Scenario:
    """A Scenario as it is, or one loaded from a name or path (with @overrides)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return load_argument(str(scenario))
    raise TypeError(f"a Scenario, a scenario name or a path, not {type(scenario).__name__}")
