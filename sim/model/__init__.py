"""Entities of the model, as plain immutable attrs classes."""

from sim.model.demand import (
    ArrivalTimes,
    ClientClass,
    Exponential,
    Fixed,
    Lognormal,
    Market,
    MarketShare,
    OfferedLoad,
    RatePath,
    Sizes,
    Tenant,
    Work,
    WorkPath,
)
from sim.model.hardware import AcceleratorType, ServerModel
from sim.model.scenario import Policy, Pricing, Scenario
from sim.model.site import OPERATOR, RackGroup, Site, servers_within_power

__all__ = [
    "OPERATOR",
    "AcceleratorType",
    "ArrivalTimes",
    "ClientClass",
    "Exponential",
    "Fixed",
    "Lognormal",
    "Market",
    "MarketShare",
    "OfferedLoad",
    "Policy",
    "Pricing",
    "RackGroup",
    "RatePath",
    "Scenario",
    "ServerModel",
    "Site",
    "Sizes",
    "Tenant",
    "Work",
    "WorkPath",
    "servers_within_power",
]
