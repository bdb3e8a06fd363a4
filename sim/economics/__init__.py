"""Money: prices, fees and the ledger, all in integer fen."""

from sim.economics.ledger import Ledger, LedgerImbalance, Transaction
from sim.economics.pricing import PriceBook, charge_fen, split_fee

__all__ = ["Ledger", "LedgerImbalance", "PriceBook", "Transaction", "charge_fen", "split_fee"]
