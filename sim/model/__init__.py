"""Entities of the model, as plain immutable attrs classes."""

from sim.model.client import ClientClass
from sim.model.demand import (
    ArrivalTimes,
    Exponential,
    Fixed,
    Lognormal,
    Market,
    MarketShare,
    OfferedLoad,
    OutsidePrice,
    RatePath,
    Sizes,
    Tenant,
    WillingnessToPay,
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
    "OutsidePrice",
    "Policy",
    "Pricing",
    "RackGroup",
    "RatePath",
    "Scenario",
    "ServerModel",
    "Site",
    "Sizes",
    "Tenant",
    "WillingnessToPay",
    "Work",
    "WorkPath",
    "servers_within_power",
]
