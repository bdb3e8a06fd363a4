import sys
from pathlib import Path

# Tests import their helpers (tests/tiny.py, tests/strategies.py) as plain modules.
sys.path.insert(0, str(Path(__file__).parent))
