"""`python -m sim`: signal handlers first, then the imports (sim.interrupts.program)."""

from sim.interrupts import program

program()
