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
import re
from pathlib import Path

from sim.scenario.overrides import parse_value

MAX_OVERRIDES_CHARS = 120  # with the hidden siblings' suffixes, well inside 255-byte file names
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")


class OutputNameError(ValueError):
    """The output folder would not be a folder of its own inside results/ (one line)."""


def output_folder(results_root: Path, scenario_stem: str, overrides, out: Path | None) -> Path:
    """The folder for a run of the scenario file `<scenario_stem>.toml` with `overrides`
    ("key=value" strings); `out`, when given, is used as it is."""
    if out is not None:
        out = Path(out)
        if out.name in ("", ".."):  # pathlib has already dropped a trailing "/."
            raise OutputNameError(f"{out}: --out must end in a folder name, not '.', '..' or '/'")
        return out
    results_root = Path(results_root)
    if not scenario_stem or scenario_stem.startswith(".") or "/" in scenario_stem:
        raise OutputNameError(f"{results_root}/{scenario_stem}: a scenario file name that starts with '.' "
                              f"gives no folder of its own inside {results_root}/; rename the file "
                              "or give --out")
    if not overrides:
        return results_root / scenario_stem
    return results_root / f"{scenario_stem}@{overrides_label(overrides)}"


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
