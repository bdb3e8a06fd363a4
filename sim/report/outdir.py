"""Where a run's results go: always a folder directly inside results/, or the --out given.

    results/<scenario file name>                     the scenario as written
    results/<scenario file name>@<overrides>         a run with --set, --seed, --horizon, ...

so that a what-if run never replaces the baseline. The overrides are written in the order
given as `key=value`, joined by commas, with TOML quotes around plain words dropped
(`policy.queue="sjf"` and `policy.queue=sjf` mean the same); any other character outside
letters, digits and `._=+-` becomes `_`, and then, or when the text is longer than
MAX_OVERRIDES_CHARS, a hash of the overrides follows `~` so that different overrides never
share a folder: `results/qingyang@pricing.intermediary_fee=0.3,scenario.seed=7`,
`results/tiny@scenario.description=two_words~ab8e50e3`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sim.scenario.overrides import parse_value

MAX_OVERRIDES_CHARS = 120  # with the hidden siblings' suffixes, well inside 255-byte file names
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")


class OutputNameError(ValueError):
    """The output folder would not be a folder of its own inside results/ (one line)."""


def output_folder(results_root: Path, scenario_stem: str, overrides, out: str | Path | None) -> Path:
    """The folder for a run of the scenario file `<scenario_stem>.toml` with `overrides`
    ("key=value" strings); `out`, when given, is used as it is. Checked to be writable as a
    name before anything runs (see writable_name)."""
    if out is not None:
        text = os.fspath(out)
        # As typed: pathlib would drop a trailing "/" or "/." (a str keeps them).
        if text.endswith(("/", "/.")) or text in (".", "") or Path(text).name in ("", ".."):
            raise OutputNameError(f"{text}: --out must end in a folder name, not '.', '..' or '/'")
        return writable_name(Path(text))
    results_root = Path(results_root)
    if not scenario_stem or scenario_stem.startswith(".") or "/" in scenario_stem:
        raise OutputNameError(f"{results_root}/{scenario_stem}: a scenario file name that starts with '.' "
                              f"gives no folder of its own inside {results_root}/; rename the file "
                              "or give --out")
    if not overrides:
        return writable_name(results_root / scenario_stem)
    return writable_name(results_root / f"{scenario_stem}@{overrides_label(overrides)}")


# The writer puts hidden siblings beside the folder (`.<name>.<16 hex>.staging`: 26 bytes more
# than the name) and files inside those; these leave room for the longest file name.
SIBLING_EXTRA_BYTES = 26
FILE_NAME_ROOM_BYTES = 64
# Python makes missing parent folders recursively, a stack frame each (its limit is 1,000):
# deeper paths would fail after the run. 256 levels is far beyond any real layout.
MAX_DEPTH = 256


def _limit(name: str, default: int) -> int:
    try:
        return os.pathconf(".", name)
    except (OSError, ValueError, AttributeError):
        return default


def writable_name(out: Path) -> Path:
    """`out` if the system can hold the names the writer will make for it; else one line
    (OutputNameError) now, rather than a failure after the whole run."""
    name_max, path_max = _limit("PC_NAME_MAX", 255), _limit("PC_PATH_MAX", 4096)
    if len(out.parts) > MAX_DEPTH:
        raise OutputNameError(f"{_short(out)}: {len(out.parts):,} folders deep, over the {MAX_DEPTH} the writer "
                              "can make; give a shallower --out")
    raw = os.fsencode(out)
    longest = len(raw) + SIBLING_EXTRA_BYTES + 1 + FILE_NAME_ROOM_BYTES
    if longest >= path_max:
        raise OutputNameError(f"{_short(out)}: a path of {len(raw):,} bytes, too long for the files written in it "
                              f"(at most {path_max - 1 - SIBLING_EXTRA_BYTES - 1 - FILE_NAME_ROOM_BYTES:,} bytes "
                              "here); give a shorter --out")
    for part in out.parts[:-1]:
        if len(os.fsencode(part)) > name_max:
            raise OutputNameError(f"{_short(out)}: a folder name of {len(os.fsencode(part)):,} bytes, over the "
                                  f"{name_max} a name may have here")
    if len(os.fsencode(out.name)) + SIBLING_EXTRA_BYTES > name_max:
        raise OutputNameError(f"{_short(out)}: a folder name of {len(os.fsencode(out.name)):,} bytes, over the "
                              f"{name_max - SIBLING_EXTRA_BYTES} the writer's hidden siblings leave room for; "
                              "give a shorter --out or rename the file")
    return out


def _short(p: Path, most: int = 80) -> str:
    text = str(p)
    return text if len(text) <= most else f"{text[:most // 2]}...{text[-most // 2:]} ({len(text):,} characters)"


def overrides_label(overrides) -> str:
    items = []
    for item in overrides:
        key, sep, value = item.partition("=")
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"' and _bare_word(value[1:-1]):
            value = value[1:-1]  # a quoted plain word: the same value without quotes
        elif value[:1] in ("{", "["):
            value = "".join(value.split())  # a table or array: its blanks only make "_" runs
        items.append(f"{key.strip()}{sep}{value}")
    text = ",".join(_UNSAFE.sub("_", item) for item in items)
    if text == ",".join(items) and len(text) <= MAX_OVERRIDES_CHARS:
        return text
    digest = hashlib.sha256("\n".join(items).encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{text[:MAX_OVERRIDES_CHARS]}~{digest}"


def _bare_word(text: str) -> bool:
    try:
        return parse_value(text) == text
    except ValueError:  # e.g. too many digits: the loader will say so
        return False
