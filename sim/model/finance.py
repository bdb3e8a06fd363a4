"""The concession's finance inputs, as a scenario's `[finance]` section states them.

Money is in CNY here, as written in the file; sim.economics.finance works in integer fen.
"""

from __future__ import annotations

from attrs import field, frozen

from sim.model.frozen import FrozenDict, freeze

EXIT_METHODS = ("cap_rate", "ev_ebitda")


@frozen
class ServerFinance:
    """What an operator-owned server of one model costs: bought when its racks come online,
    replaced at the end of its life while the concession runs."""

    price_cny: float  # at the scenario's start date
    price_change_per_year: float  # compound: -0.1 is 10 % cheaper each year
    life_years: int
    om_cny_per_year: float  # O&M per server, power excluded

    def price_at(self, years_after_start: float) -> float:
        return self.price_cny * (1.0 + self.price_change_per_year) ** years_after_start


@frozen
class Exit:
    """The REIT sale at the end of the concession: NOI / cap rate or EV / EBITDA x multiple.
    NOI is the last year's EBITDA (the model has no other operating lines)."""

    method: str  # "cap_rate" or "ev_ebitda"
    value: float  # the cap rate (a fraction) or the multiple

    def of(self, ebitda_fen: int) -> int:
        if ebitda_fen <= 0:
            return 0  # nobody buys a loss at a multiple
        x = ebitda_fen / self.value if self.method == "cap_rate" else ebitda_fen * self.value
        return round(x)


@frozen
class Finance:
    concession_years: int
    discount_rate: float
    tax_rate: float
    loss_carry_forward_years: int  # 0: losses are lost; China allows 5
    building_cny_per_mw_it: float
    building_life_years: int
    mep_cny_per_mw_it: float  # mechanical and electrical plant
    mep_life_years: int
    om_cny_per_standard_rack_year: float  # facility O&M, power excluded, per standard rack of IT
    exit: Exit
    servers: FrozenDict[str, ServerFinance] = field(converter=freeze)  # by server model, operator-owned
