"""Unit definitions. These are conventions, not assumptions about the world."""

HOURS_PER_DAY = 24
MINUTES_PER_HOUR = 60.0
SECONDS_PER_HOUR = 3600.0
DAYS_PER_YEAR = 365
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR  # 8,760 h, the convention of the seed's "per P per year"
FEN_PER_CNY = 100
PPM = 1_000_000  # fractions such as the intermediary fee are held as integer parts per million


def cny_per_pflops_year_to_cny_per_accelerator_hour(
    cny_per_pflops_year: float, pflops_per_accelerator: float
) -> float:
    """Price of one accelerator-hour from a price per P (PFLOPS) per year.

    An accelerator of `pflops_per_accelerator` P for one hour is that fraction of a P-year
    divided by the hours in a year.
    """
    return cny_per_pflops_year * pflops_per_accelerator / HOURS_PER_YEAR


def cny_per_accelerator_hour_to_cny_per_pflops_year(
    cny_per_accelerator_hour: float, pflops_per_accelerator: float
) -> float:
    return cny_per_accelerator_hour * HOURS_PER_YEAR / pflops_per_accelerator


def cny_to_fen(cny: float) -> int:
    """Round half to even, once, to whole fen."""
    return round(cny * FEN_PER_CNY)


def fen_to_cny(fen: int) -> float:
    return fen / FEN_PER_CNY


def fraction_to_ppm(fraction: float) -> int:
    return round(fraction * PPM)
