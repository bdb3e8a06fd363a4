"""Shared base of reclaim policies (the interface is ReclaimPolicy in sim/scheduling/policy.py)."""

from __future__ import annotations

from typing import ClassVar


class Reclaim:
    name: ClassVar[str] = ""
    active: ClassVar[bool] = False  # the scheduler asks only active policies

    def __init__(self, context):
        self.context = context

    def reclaim(self, q) -> bool:
        return False
