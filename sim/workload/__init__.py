"""Demand: arrival processes and job size, duration and patience distributions."""
