"""Argument types shared by the commands' parsers."""

from __future__ import annotations

import argparse
import sys


def count_problem(name: str, n: int, high: int, why: str) -> str | None:
    """A count over its upper bound, as one line; None if within it."""
    if n > high:
        return f"{name}: must be <= {high:,} ({why}), got {n:,}"
    return None


def whole_at_least(low: int, why: str = "", *, high: int | None = None, name: str = "", high_why: str = ""):
    """An argparse type: a whole number >= low (`why` says what the bound is for) and, if
    `high` is given, <= high. Over it, the option `name` is refused in one line and exit code 2
    (as argparse exits on a usage error), without the usage: the command line was well formed."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}{f' ({why})' if why else ''}, got {n}")
        problem = count_problem(name, n, high, high_why) if high is not None else None
        if problem:
            print(problem, file=sys.stderr)
            sys.exit(2)
        return n
    return parse
