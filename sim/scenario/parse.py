"""TOML text to a plain dict, with limits that keep the parser itself cheap.

tomllib spends memory quadratic in the number of parts of a dotted key (`a.a.a...`: an
80 KB key takes gigabytes), so keys are measured in the text before it is parsed.
"""

from __future__ import annotations

import re
import sys
import tomllib

MAX_FILE_BYTES = 1 << 20  # 1 MiB: the annotated Qingyang scenario is 9 KB
MAX_KEY_PARTS = 32  # parts of one dotted key (`tenants.t.demand.d.arrivals.offered_load` has 6)
MAX_KEY_CHARS = 256  # characters of one part of a key: a name

# One part of a key: bare, "basic" or 'literal'. Possessive quantifiers keep the search linear.
_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
# A dotted key of too many parts; strings and comments are matched whole so that their
# contents are never read as keys.
_SCAN = re.compile(
    rf"""(?P<deep>(?<![A-Za-z0-9_-]){_PART}(?:[ \t]*\.[ \t]*{_PART}){{{MAX_KEY_PARTS},}})"""
    r"""|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+'|#[^\n]*+"""
)


def short(text: str, n: int = 40) -> str:
    """`text`, cut to `n` characters with its length said if it is longer (for messages)."""
    return text if len(text) <= n else f"{text[:n]}... ({len(text):,} characters)"


def text_problem(text: str) -> str | None:
    """What makes `text` too big for the parser, or None."""
    if len(text) > MAX_FILE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return f"more than {MAX_FILE_BYTES:,} bytes, the most a scenario may have"
    deep = deep_key(text)
    if deep:
        return f"a dotted key of more than {MAX_KEY_PARTS} parts: {short(deep)}"
    return None


def deep_key(text: str) -> str | None:
    """The first dotted key in `text` of more than MAX_KEY_PARTS parts, or None."""
    for m in _SCAN.finditer(text):
        if m.group("deep"):
            return m.group("deep")
    return None


def key_problem(doc: dict) -> str | None:
    """A key in `doc` (at any depth) longer than MAX_KEY_CHARS, or None."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if len(k) > MAX_KEY_CHARS:
                    return f"a key of {len(k):,} characters, over {MAX_KEY_CHARS}: {short(k)}"
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return None


def parse_toml(text: str) -> dict:
    """The document in `text`; ValueError with a one-line reason if it is not one we read."""
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"invalid TOML: {e}") from None
    except RecursionError:
        raise ValueError("invalid TOML: arrays or tables nested too deeply") from None
    except ValueError:  # tomllib lets Python's limit on integer digits through
        raise ValueError(f"invalid TOML: an integer of more than {sys.get_int_max_str_digits()} digits") from None
    problem = key_problem(doc)
    if problem:
        raise ValueError(problem)
    return doc
