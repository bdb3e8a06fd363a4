"""SIGINT and SIGTERM for the command line: one line saying what was kept, exit 130 or 143.

The first signal raises where the program is (KeyboardInterrupt, or Terminated for SIGTERM),
so that a write in progress is undone; later ones are ignored, so that they cannot interrupt
the cleanup the first one started. A signal that comes once the command has finished (while
the interpreter shuts down) is noted, and the program still ends with its line and code.

Imports nothing heavy: `python -m sim` (sim/__main__.py) installs these before it imports
the simulation.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading

CODES: dict[int, tuple[int, str]] = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}
LATE: list[int] = []  # signals that came after the command had finished, in order


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that a write in progress is undone."""


def code_and_word(e: BaseException) -> tuple[int, str]:
    return CODES[signal.SIGINT if isinstance(e, KeyboardInterrupt) else signal.SIGTERM]


def _stop(signum, frame):
    # The first signal stops the run; later ones would interrupt the cleanup it starts.
    for sig in CODES:
        if signal.getsignal(sig) is _stop:
            signal.signal(sig, _ignore)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated


def _ignore(signum, frame):
    """A Python handler that does nothing: unlike SIG_IGN, it cannot race with a handler
    already pending and make Python print 'Signal ignored due to race condition'."""


def _note(signum, frame):
    LATE.append(signum)


def install() -> dict:
    """The first SIGINT or SIGTERM raises; returns the handlers it replaced."""
    previous = {}
    for sig in CODES:
        try:
            old = signal.getsignal(sig)
            if old is signal.SIG_IGN:  # ignored by whoever started us (nohup, `&`): keep it so
                continue
            signal.signal(sig, _stop)
        except ValueError:  # not the main thread: leave signals alone
            break
        previous[sig] = old
    return previous


def restore(previous: dict, program: bool) -> None:
    """After the command: the handlers it replaced; or, for a program about to end, handlers
    that note a late signal (those that had raised already stay ignored)."""
    for sig in previous:
        stopped = signal.getsignal(sig) is not _stop
        signal.signal(sig, _ignore if stopped or not program else _note)
    if program:
        return
    for sig, old in previous.items():
        signal.signal(sig, signal.SIG_DFL if old is None else old)


def say(line: str) -> None:
    """One line on stderr, unless stderr is gone."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def exit_process(code: int, late_line=None) -> None:
    """What the interpreter does at exit (join threads, atexit, flush), with signals noted,
    not deadly: after it Python would put the default handlers back and a SIGTERM in its
    remaining teardown would end the process with -15 and no word. Then os._exit."""
    for sig in CODES:
        if signal.getsignal(sig) is _stop:  # ended before the command ran: note, don't raise
            signal.signal(sig, _note)
    for step in (getattr(threading, "_shutdown", None), atexit._run_exitfuncs, _flush):
        try:
            if step is not None:
                step()
        except BaseException:  # noqa: BLE001 - whatever happens, the process ends with its code
            pass
    if LATE and code not in (130, 143):
        code, word = CODES[LATE[0]]
        say(late_line(word) if late_line is not None else f"{word}: nothing was run or written")
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
