"""docs/tutorial.md cannot go stale: its commands run as written, in order, in a scratch copy of
the scenarios, and every output line it shows must still appear (numbers aside).

The page's conventions, which this test is the reader of:
- ```console blocks: `$ command` lines, each followed by an excerpt of its output; `...` stands
  for lines left out; `[exit N]` says the command ends with exit code N (default 0). Commands
  are `python -m sim ...`, `make sim|sweep|sensitivity|compare|solve VAR=...` (run as the
  Makefile runs them) or `cp FROM TO`.
- ```toml file=PATH blocks are written to PATH; ```diff file=PATH blocks replace each `-` line
  of PATH by the `+` line after it (so an edit of a line that has changed fails here).
- ```python blocks run in order in one namespace, in the same folder.
- Links to files of the repository, and to their headings (`../README.md#compare`), resolve.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)
NUMBER = re.compile(r"[-+]?(?:\d[\d,]*)?\.?\d+(?:e[-+]?\d+)?")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# What each make target runs (Makefile): target -> (variable holding the main argument(s), command)
MAKE = {"sim": ("SCENARIO", "run"), "sweep": ("SWEEP", "sweep"), "sensitivity": ("SWEEP", "sensitivity"),
        "compare": ("SCENARIOS", "compare"), "solve": ("SCENARIO", "solve")}


def shape(line: str) -> str:
    """A line with its numbers replaced by # and runs of blanks by one space."""
    return " ".join(NUMBER.sub("#", line).split())


def blocks(text: str):
    for m in FENCE.finditer(text):
        kind, info, body = m.group(1), m.group(2).strip(), m.group(3)
        target = dict(w.split("=", 1) for w in info.split() if "=" in w).get("file")
        yield kind, target, body, text[: m.start()].count("\n") + 1


def argv(command: str) -> list[str]:
    words = shlex.split(command)
    if words[:3] == ["python", "-m", "sim"]:
        return [sys.executable, "-m", "sim", *words[3:]]
    if words[0] == "make" and len(words) >= 2 and words[1] in MAKE:
        var, sub = MAKE[words[1]]
        env = dict(w.split("=", 1) for w in words[2:])
        assert set(env) <= {var, "ARGS", "REPS"}, f"{command}: a variable the Makefile does not take"
        main = env[var].split() if var == "SCENARIOS" else [env[var]]
        reps = ["--reps", env["REPS"]] if "REPS" in env else []
        return [sys.executable, "-m", "sim", sub, *main, *reps, *shlex.split(env.get("ARGS", ""))]
    raise AssertionError(f"{command}: the tutorial may only use python -m sim, make and cp")


def console(body: str):
    """(command, shown output lines, expected exit code) for each `$` line of a block."""
    steps = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append([line[2:], [], 0])
        elif steps and (m := re.fullmatch(r"\[exit (\d+)\]", line.strip())):
            steps[-1][2] = int(m.group(1))
        elif steps and line.strip() and line.strip() != "...":
            steps[-1][1].append(line)
    return steps


def apply_diff(path: Path, body: str, where: str) -> None:
    text = path.read_text(encoding="utf-8")
    lines = body.splitlines()
    pairs = [(a[1:], b[1:]) for a, b in zip(lines[::2], lines[1::2])]
    assert len(pairs) * 2 == len(lines) and all(a.startswith("-") and b.startswith("+")
                                                for a, b in zip(lines[::2], lines[1::2])), \
        f"{where}: a diff block is pairs of -old / +new lines"
    rows = text.split("\n")
    for old, new in pairs:  # whole lines: `name = "q"` must not match the end of `display_name = "q"`
        hits = [i for i, row in enumerate(rows) if row == old]
        assert len(hits) == 1, f"{where}: {path} has no single line {old!r}"
        rows[hits[0]] = new
    path.write_text("\n".join(rows), encoding="utf-8")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a page's headings (those outside code blocks)."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_the_pages_links_resolve():
    for target in LINK.findall(PAGE.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        file = PAGE.parent / path if path else PAGE
        assert file.is_file(), f"docs/tutorial.md: link {target}: no such file"
        assert not anchor or anchor in anchors(file), f"docs/tutorial.md: link {target}: no such heading"


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    text = PAGE.read_text(encoding="utf-8")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "agg", "COLUMNS": "120"}
    namespace: dict = {}
    ran = {"console": 0, "python": 0}
    for kind, target, body, line_no in blocks(text):
        where = f"docs/tutorial.md:{line_no}"
        if target and kind == "toml":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(body, encoding="utf-8")
        elif target and kind == "diff":
            apply_diff(Path(target), body, where)
        elif kind == "python":
            exec(compile(body, where, "exec"), namespace)
            ran["python"] += 1
        elif kind == "console":
            for command, shown, code in console(body):
                if command.startswith("cp "):
                    src, dst = shlex.split(command)[1:]
                    shutil.copyfile(src, dst)
                    continue
                done = subprocess.run(argv(command), capture_output=True, text=True, env=env, timeout=600)
                out = done.stdout + done.stderr
                assert done.returncode == code, f"{where}: `{command}` exited {done.returncode}:\n{out[-2000:]}"
                got = {shape(x) for x in out.splitlines()}
                for line in shown:
                    assert shape(line) in got, f"{where}: `{command}` no longer prints a line like\n{line}\n" \
                                               f"it printed:\n{out[-3000:]}"
                ran["console"] += 1
    assert ran["console"] >= 8 and ran["python"] >= 1, ran


def test_the_reader_checks_what_it_is_given(tmp_path):
    # The checks above can fail: a shown line that is not printed, a diff line not in the file.
    assert shape("operator net   1,234.5 M CNY [2.0, 3]") == shape("operator net 9 M CNY [10.25, -4]")
    assert shape("operator net 1 M CNY") != shape("operator revenue 1 M CNY")
    f = tmp_path / "a.toml"
    f.write_text("x = 1\ny = 2\n")
    apply_diff(f, "-x = 1\n+x = 5", "t")
    assert f.read_text() == "x = 5\ny = 2\n"
    with pytest.raises(AssertionError, match="no single line"):
        apply_diff(f, "-x = 1\n+x = 6", "t")
    with pytest.raises(AssertionError, match="no single line"):
        apply_diff(f, "- = 5\n+ = 6", "t")  # the end of a line is not a line
    assert console("$ python -m sim run a\nline one\n...\n[exit 2]\n$ cp a b\n") == [
        ["python -m sim run a", ["line one"], 2], ["cp a b", [], 0]]
    assert argv("make compare SCENARIOS='a b' ARGS='--reps 3'")[3:] == ["compare", "a", "b", "--reps", "3"]
    with pytest.raises(AssertionError):
        argv("rm -rf results")
    (tmp_path / "p.md").write_text("# Solve: what would have to be true\n```toml\n# not = a heading\n```\n")
    assert anchors(tmp_path / "p.md") == {"solve-what-would-have-to-be-true"}
