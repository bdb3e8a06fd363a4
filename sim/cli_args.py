"""Argument types shared by the commands' parsers."""

from __future__ import annotations

import argparse


def whole_at_least(low: int, why: str = ""):
    """An argparse type: a whole number >= low (`why` says what the bound is for)."""
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}{f' ({why})' if why else ''}, got {n}")
        return n
    return parse
