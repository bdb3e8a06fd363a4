"""Worker processes die with the process that started them, and keep out of its signals.

The local pool forks its workers from a fork server (multiprocessing's forkserver). If the
command is killed with kill -9, nothing tells them: each worker holds the pool's queue, the
server waits for its workers, and all of them keep the dead command's stdout and stderr open
(so `python -m sim sweep x | tee log` never returns). So:

- the fork server asks the kernel for SIGKILL when the command dies (PR_SET_PDEATHSIG, Linux),
  and each worker for SIGKILL when the fork server dies; elsewhere a watchdog thread polls
  os.getppid() instead;
- the fork server leaves the command's process group, so Ctrl-C at a terminal reaches the
  command alone, which stops the workers itself (and says one line), not the workers
  (which would each print a KeyboardInterrupt traceback);
- the command starts the fork server with SIGINT and SIGTERM blocked (`spawning`), so that
  no signal reaches it before it has done the above.

This module is the fork server's first preload: importing it there does the above. Anywhere
else the import does nothing (the variable below is set only while the server starts).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

PARENT_ENV = "COMPUTESIM_POOL_PARENT"  # the command's pid, for the fork server to check
WATCH_INTERVAL_S = 0.5  # the watchdog's poll, where there is no PR_SET_PDEATHSIG
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_SIGNALS = {signal.SIGINT, signal.SIGTERM}

FORK_SERVER_PID: int | None = None  # set in the fork server, inherited by its workers


def _kernel_kills_us_with(parent: int) -> bool:
    """PR_SET_PDEATHSIG: SIGKILL when our parent dies. False where there is none."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError, ImportError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(WATCH_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with(parent: int) -> None:
    """This process ends (SIGKILL) when `parent`, its parent now, ends."""
    if not _kernel_kills_us_with(parent):
        threading.Thread(target=_watch, args=(parent,), name="die-with-parent", daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os.kill(os.getpid(), signal.SIGKILL)


def _unblock() -> None:
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _in_fork_server(parent: int) -> None:
    global FORK_SERVER_PID
    FORK_SERVER_PID = os.getpid()
    with contextlib.suppress(OSError, AttributeError):
        os.setpgid(0, 0)  # a process group of its own, and its workers with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the workers inherit it: the command decides
    die_with(parent)
    _unblock()  # what came before is dropped (SIGINT) or ends the server (SIGTERM), as it should


def worker_started() -> None:
    """The pool's initializer, in each worker: die with the fork server, ignore Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unblock()  # terminate() must reach a busy worker
    die_with(FORK_SERVER_PID if FORK_SERVER_PID is not None else os.getppid())


@contextlib.contextmanager
def spawning():
    """Around starting the fork server: SIGINT and SIGTERM wait (they are delivered on exit)
    and the server learns our pid."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()  # it blocks and unblocks signals itself: start it first
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS) if hasattr(signal, "pthread_sigmask") else None
    os.environ[PARENT_ENV] = str(os.getpid())
    try:
        yield
    finally:
        os.environ.pop(PARENT_ENV, None)
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


_parent = os.environ.pop(PARENT_ENV, None)
if _parent is not None and _parent.isdigit():  # imported by the fork server as it starts
    _in_fork_server(int(_parent))
