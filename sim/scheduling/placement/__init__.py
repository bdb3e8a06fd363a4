"""Placement policies, one per file; registered by name in sim/scheduling/registry.py."""
