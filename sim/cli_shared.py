"""What the commands share (sim/cli.py and the command modules beside it, sim/cli_solve.py):
where results go, writing a result set, the progress bar over runs. Below them all, so that a
command module does not import the module that registers it."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from tqdm import tqdm

from sim.report.files import write_all

RESULTS_DIR = Path("results")


def write_files(out: Path, files: dict[str, bytes]) -> bool:
    try:
        write_all(out, files)
    except OSError as e:
        print(f"{out}: cannot write results: {e.strerror or e}", file=sys.stderr)
        return False
    return True


@contextlib.contextmanager
def runs_bar(quiet: bool):
    """A tqdm bar over runs with an ETA, on stderr, on a terminal only; yields progress(done, total)."""
    bars: list[tqdm] = []

    def progress(done: int, total: int) -> None:
        if not bars:  # runs saved by an earlier, interrupted sweep count as done, not as speed
            bars.append(tqdm(total=total, initial=done, unit="run", delay=1.0, leave=False, file=sys.stderr,
                             dynamic_ncols=True, disable=quiet or not sys.stderr.isatty()))
        bars[0].update(done - bars[0].n)

    try:
        yield progress
    finally:
        for bar in bars:
            bar.close()
