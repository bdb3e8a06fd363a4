"""Placement policies, by name. A new policy is one file plus one line here."""

from sim.scheduling.placement.best_fit import BestFit
from sim.scheduling.placement.cheapest_first import CheapestFirst
from sim.scheduling.placement.owned_first import OwnedFirst
from sim.scheduling.placement.spread import Spread

PLACEMENTS = {p.name: p for p in (OwnedFirst, CheapestFirst, BestFit, Spread)}
