"""Queue disciplines, by name. A new one is one file plus one line here."""

from sim.scheduling.disciplines.easy_backfill import EasyBackfill
from sim.scheduling.disciplines.fifo import Fifo
from sim.scheduling.disciplines.fifo_backfill import FifoBackfill
from sim.scheduling.disciplines.sjf import ShortestJobFirst

DISCIPLINES = {d.name: d for d in (FifoBackfill, Fifo, EasyBackfill, ShortestJobFirst)}
