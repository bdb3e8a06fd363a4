"""`python -m sim` and the `computesim` script (pyproject.toml): signal handlers first, then the
imports (sim/interrupts.py), then the command line."""

from __future__ import annotations

from sim.interrupts import Terminated, code_and_word, exit_process, install, say


def program() -> None:
    """The command line, then an exit that a signal cannot turn into a bare -15 or a traceback."""
    install()
    try:
        from sim import cli  # after the handlers: the imports take a second or two
    except (KeyboardInterrupt, Terminated) as e:
        code, word = code_and_word(e)
        say(f"{word}: nothing was run or written")
        exit_process(code)
    try:
        code = cli.main()
    except SystemExit as e:  # argparse: --help, --version, a usage error
        code = _code_of(e)
    exit_process(code, cli.late_line)


def _code_of(e: SystemExit) -> int:
    if e.code is None or isinstance(e.code, int):
        return e.code or 0
    say(str(e.code))
    return 1


if __name__ == "__main__":
    program()
