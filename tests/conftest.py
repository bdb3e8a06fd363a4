import signal
import sys
from pathlib import Path

# Tests import their helpers (tests/tiny.py, tests/strategies.py) as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

# A suite started in the background by a non-interactive shell (`make test &`) inherits SIGINT
# ignored, and so would every program it starts: the tests of what Ctrl-C does need it delivered.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
