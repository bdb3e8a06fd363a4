"""The concession's finance inputs, as a scenario's `[finance]` section states them.

Money is in CNY here, as written in the file; sim.economics.finance works in integer fen.
"""

from __future__ import annotations

from attrs import field, frozen

from sim.model.frozen import FrozenDict, freeze

EXIT_METHODS = ("cap_rate", "ev_ebitda")  # a sale at a stated yield or multiple
TERMINAL_WORDS = ("hand-back", "dcf")  # the assets revert for nothing; or the rest of their life, discounted
# When in its year a flow falls, as the fraction of a year before the year's end it is discounted from.
TIMINGS = {"start": 1.0, "mid": 0.5, "end": 0.0}


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
    """What the assets are worth when the concession ends (the terminal value):
    - "hand-back": nothing; they revert to the grantor (the default: a concession ends);
    - "dcf": the last year's EBITDA over the buildings' remaining life, less the plant and
      servers that fall due again within it, at the scenario's rate (sim/simulation/finance.py);
    - "cap_rate" / "ev_ebitda": a sale at NOI / cap rate or EBITDA x multiple, NOI being the last
      year's EBITDA (the model has no other operating lines)."""

    method: str  # "hand-back", "dcf", "cap_rate" or "ev_ebitda"
    value: float | None = None  # the cap rate (a fraction) or the multiple; None for the others

    @property
    def multiple_years(self) -> float | None:
        """Years of EBITDA a buyer pays at a stated yield or multiple; None otherwise."""
        if self.method == "cap_rate":
            return 1.0 / self._stated()
        return self._stated() if self.method == "ev_ebitda" else None

    def of(self, ebitda_fen: int) -> int:
        """A sale's value (fen) at the stated yield or multiple; 0 when handed back."""
        if self.method not in EXIT_METHODS or ebitda_fen <= 0:
            return 0  # handed back, or nobody buys a loss at a multiple
        x = ebitda_fen / self._stated() if self.method == "cap_rate" else ebitda_fen * self._stated()
        return round(x)

    def _stated(self) -> float:
        """The yield or multiple of a sale (the loader requires one for those methods)."""
        if self.value is None:
            raise ValueError(f"exit {self.method!r} without its value")
        return self.value


HAND_BACK = Exit("hand-back")


@frozen
class Timing:
    """When in a year its capex and its operating flows (EBITDA less tax) are discounted from:
    by default capex at the year's start (bought before it earns) and operations mid-year
    (earned through it); the exit at the concession's end."""

    capex: str = "start"
    operations: str = "mid"

    def before_end(self, kind: str) -> float:
        return TIMINGS[self.capex if kind == "capex" else self.operations]


@frozen
class Vat:
    """VAT rates for netting prices that include it (China's general scheme): output VAT on
    what the operator sells, input VAT on what it buys; output less input is paid, an excess
    of input is carried forward as a credit (never refunded here)."""

    services: float  # compute sales and marketplace fees (cloud / value-added telecom)
    rent: float  # colocation rent (IDC service; 9 % if read as leasing real estate)
    power_resale: float  # tenants' power over allowance, billed on
    electricity: float  # power bought
    equipment: float  # servers, M&E
    construction: float  # buildings
    om: float  # O&M services


REFRESH_RULES = ("always", "when-it-pays")


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
    timing: Timing = Timing()
    vat: Vat | None = None  # None: money as given (gross when [pricing] vat_included), not netted
    land_cny_per_mw_it: float = 0.0  # land use rights, bought with the racks built, never replaced
    land_life_years: int = 50  # amortised over the grant's term
    property_tax_rate: float = 0.0  # a year, of the buildings' and land's original value in service
    insurance_rate: float = 0.0  # a year, of the buildings', M&E's and servers' original value in service
    overheads_cny_per_site_year: float = 0.0  # management, sales and administration, from the first rack built
    refresh: str = "always"  # "when-it-pays": a refresh is bought only if its projected operating cash covers it
