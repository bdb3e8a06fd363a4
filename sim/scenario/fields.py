"""Reading TOML tables with checks that collect every problem instead of stopping at one.

Each check names the full key (`sites.qingyang.pue`) and what was wrong with what value.
A value that fails comes back as None, so loading goes on and reports the rest too.
"""

from __future__ import annotations

import datetime as dt
import math
import re

MISSING = object()

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+(\[\d+\])*")


def key_text(k: str) -> str:
    """A key as it would be written in TOML: bare if it can be, else in quotes with escapes."""
    if _PLAIN_KEY.fullmatch(k):
        return k
    out = []
    for ch in k:
        if ch in '"\\':
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def one_line(text: str) -> str:
    """`text` with anything that could break or garble a line escaped, so a message stays one line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def nearest(word, names) -> str | None:
    """The name closest to a mistyped one (difflib), or None."""
    import difflib

    if not isinstance(word, str):
        return None
    near = difflib.get_close_matches(word, sorted({n for n in names if isinstance(n, str)}), n=1, cutoff=0.6)
    return near[0] if near else None


def did_you_mean(word, names) -> str:
    """' (did you mean 'x'?)' for the name closest to a mistyped one, or ''."""
    near = nearest(word, names)
    return f" (did you mean {near!r}?)" if near else ""


INT64 = (-(2**63), 2**63 - 1)  # TOML integers are 64-bit; tomllib reads longer ones anyway
MAX_REAL = 1e15  # no quantity in a scenario comes near; beyond it, sums and products overflow
MAX_DAYS = 36500  # build-out and rate dates must lie within 100 years of the start date


def describe(v) -> str:
    if isinstance(v, bool):
        return f"boolean {str(v).lower()}"
    if isinstance(v, int) and abs(v) >= 10**20:
        return f"an integer of {len(str(abs(v)))} digits"
    if isinstance(v, str):
        return f"string {v!r}" if len(v) <= 60 else f"string {v[:40]!r}... ({len(v)} characters)"
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "an array" if v else "an empty array"
    if isinstance(v, dt.datetime):
        return f"date-time {v.isoformat()}"
    if isinstance(v, dt.date):
        return f"date {v.isoformat()}"
    if isinstance(v, dt.time):
        return f"time {v.isoformat()}"
    return repr(v)


class Problems:
    def __init__(self, source: str):
        self.source = source
        self.messages: list[str] = []

    def add(self, path: str, problem: str) -> None:
        self.messages.append(one_line(f"{self.source}: {path}: {problem}"))

    def add_line(self, text: str) -> None:
        """A problem already written as `key: problem` (or one about the whole file)."""
        self.messages.append(one_line(f"{self.source}: {text}"))


class Table:
    def __init__(self, problems: Problems, data: dict, path: str = ""):
        self.problems = problems
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def key(self, k: str) -> str:
        """The full dotted key of `k` in this table ("" names the table itself)."""
        if k == "":
            return self.path
        k = key_text(k)
        return f"{self.path}.{k}" if self.path else k

    def error(self, k: str, problem: str) -> None:
        self.problems.add(self.key(k), problem)

    def has(self, k: str) -> bool:
        return k in self.data

    def raw(self, k: str, required: bool = True):
        self.seen.add(k)
        if k not in self.data:
            if required:
                self.error(k, "missing")
            return MISSING
        return self.data[k]

    def number(self, k: str, default=MISSING, *, integer: bool = False, ge=None, gt=None, le=None, lt=None):
        v = self.raw(k, default is MISSING)
        if v is MISSING:
            return None if default is MISSING else default
        return check_number(self, k, v, integer=integer, ge=ge, gt=gt, le=le, lt=lt)

    def string(self, k: str, default=MISSING, *, choices=None):
        v = self.raw(k, default is MISSING)
        if v is MISSING:
            return None if default is MISSING else default
        if not isinstance(v, str):
            self.error(k, f"must be a string, got {describe(v)}")
            return None
        if choices is not None and v not in choices:
            self.error(k, f"must be one of {', '.join(sorted(choices))}, got {v!r}")
            return None
        return v

    def boolean(self, k: str, default=MISSING):
        v = self.raw(k, default is MISSING)
        if v is MISSING:
            return None if default is MISSING else default
        if not isinstance(v, bool):
            self.error(k, f"must be true or false, got {describe(v)}")
            return None
        return v

    def strings(self, k: str, default=MISSING):
        v = self.raw(k, default is MISSING)
        if v is MISSING:
            return None if default is MISSING else default
        if not isinstance(v, list) or not v:
            self.error(k, f"must be a non-empty array of strings, got {describe(v)}")
            return None
        bad = [(i, x) for i, x in enumerate(v) if not isinstance(x, str)]
        for i, x in bad:
            self.error(f"{k}[{i}]", f"must be a string, got {describe(x)}")
        return None if bad else tuple(v)

    def day(self, k: str, start: dt.date | None, default=MISSING):
        """A date, or a number of days after the start date; returned as days after the start."""
        v = self.raw(k, default is MISSING)
        if v is MISSING:
            return None if default is MISSING else default
        if isinstance(v, dt.datetime) or not isinstance(v, (dt.date, int, float)) or isinstance(v, bool):
            self.error(k, f"must be a date (YYYY-MM-DD) or a number of days, got {describe(v)}")
            return None
        if isinstance(v, dt.date):
            if start is None:
                return None
            d: int | float = (v - start).days
        elif isinstance(v, float) and not math.isfinite(v):
            self.error(k, f"must be finite, got {v!r}")
            return None
        else:
            d = v
        if abs(d) > MAX_DAYS:
            self.error(k, f"must be within {MAX_DAYS} days of start_date, got {describe(v)}")
            return None
        return d

    def table(self, k: str, required: bool = True):
        v = self.raw(k, required)
        if v is MISSING:
            return None
        if not isinstance(v, dict):
            self.error(k, f"must be a table, got {describe(v)}")
            return None
        return Table(self.problems, v, self.key(k))

    def tables(self, k: str, required: bool = True) -> list[tuple[str, Table]]:
        """A table of named tables, e.g. [sites.NAME]: (name, table) in file order."""
        outer = self.table(k, required)
        if outer is None:
            return []
        out = []
        for name in list(outer.data):
            problem = name_problem(name)
            if problem:
                outer.seen.add(name)
                outer.problems.add(f"{outer.path}.{key_text(name)}", problem)  # "" is a name here, not the table
                continue
            t = outer.table(name)
            if t is not None:
                out.append((name, t))
        if required and not out and not outer.data:
            self.error(k, "must name at least one entry")
        return out

    def array_of_tables(self, k: str, required: bool = True) -> list[Table]:
        v = self.raw(k, required)
        if v is MISSING:
            return []
        if not isinstance(v, list):
            self.error(k, f"must be an array of tables, got {describe(v)}")
            return []
        bad = [(i, x) for i, x in enumerate(v) if not isinstance(x, dict)]
        for i, x in bad:
            self.error(f"{k}[{i}]", f"must be a table, got {describe(x)}")
        if bad:
            return []
        return [Table(self.problems, x, f"{self.key(k)}[{i}]") for i, x in enumerate(v)]

    def done(self) -> None:
        for k in self.data:
            if k not in self.seen:
                self.error(k, "unknown key" + did_you_mean(k, self.seen))


def name_problem(name: str) -> str | None:
    """Names label rows, report lines, folders and plots: one must be something to read."""
    if not name.strip():
        return "a name must not be empty or blank"
    if not name.isprintable():
        return "a name must not hold control characters or line breaks"
    return None


def check_number(t: Table, k: str, v, *, integer=False, ge=None, gt=None, le=None, lt=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        t.error(k, f"must be {'an integer' if integer else 'a number'}, got {describe(v)}")
        return None
    if integer and not isinstance(v, int):
        t.error(k, f"must be an integer, got {v!r}")
        return None
    if isinstance(v, int) and not INT64[0] <= v <= INT64[1]:
        t.error(k, f"must be a 64-bit integer, got {describe(v)}")
        return None
    if not math.isfinite(v):
        t.error(k, f"must be finite, got {v!r}")
        return None
    for bound, ok, word in ((ge, lambda: v >= ge, ">="), (gt, lambda: v > gt, ">"),
                            (le, lambda: v <= le, "<="), (lt, lambda: v < lt, "<")):
        if bound is not None and not ok():
            t.error(k, f"must be {word} {bound}, got {describe(v)}")
            return None
    if not integer and abs(v) > MAX_REAL:
        t.error(k, f"must be <= {MAX_REAL:g}, got {describe(v)}")
        return None
    return v


def at_least(t: Table, k: str, v, minimum: float, words: str):
    """`v` if it is None or at least `minimum`; else an error saying so, and None."""
    if v is not None and v < minimum:
        t.error(k, f"must be at least {minimum:g} ({words}), got {describe(v)}")
        return None
    return v
