"""Finding and reading scenario files: names in scenarios/, regular files only, bounded size."""

from __future__ import annotations

import os
from pathlib import Path

from sim.durable import NotRegularFile, open_regular
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import did_you_mean, one_line
from sim.scenario.parse import MAX_FILE_BYTES

SCENARIO_DIR = Path("scenarios")
# The repository's own scenarios, next to the package: found from any working directory.
REPO_SCENARIO_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios"


def scenario_path(arg, folder: str = "") -> Path:
    """A path to a file, or the name of a file in scenarios/ ("qingyang"; in scenarios/<folder>/
    if given): the one under the current directory if it exists, else the repository's; the
    former if neither does."""
    p = Path(arg)
    if p.suffix == ".toml" or p.parent != Path("."):
        return p
    local = SCENARIO_DIR / folder / f"{p}.toml"
    repo = REPO_SCENARIO_DIR / folder / f"{p}.toml"
    if not local.exists() and repo.is_file():
        return repo
    return local


def _near_file(path: Path) -> str:
    """' (did you mean 'qingyang'?)' among the .toml files beside a missing one (and the
    repository's own, for a name in scenarios/)."""
    if path.suffix != ".toml":
        return ""
    folders = [path.parent]
    if path.parent.parts[:1] == SCENARIO_DIR.parts:
        folders.append(REPO_SCENARIO_DIR.joinpath(*path.parent.parts[1:]))
    names = set()
    for folder in folders:
        try:
            names |= {p.stem for p in folder.glob("*.toml")}
        except OSError:
            pass
    return did_you_mean(path.stem, names)


def _error(source: str, problem: str) -> ScenarioError:
    return ScenarioError([one_line(f"{source}: {problem}")])


def _too_big(size: str) -> str:
    return f"{size} bytes, over the {MAX_FILE_BYTES:,} a scenario file may have"


def read_scenario(path) -> bytes:
    """The bytes of a scenario file, checked to be UTF-8 text; a ScenarioError if not readable.

    Only a regular file of at most MAX_FILE_BYTES is read, and never more than one byte past
    that: a FIFO, a device or a huge file is refused at once, without blocking."""
    source = str(path)
    try:
        with open_regular(path, "scenario file") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise _error(source, _too_big(f"{size:,}")) from None
            data = f.read(MAX_FILE_BYTES + 1)  # one byte more tells a file that grew since the stat
        if len(data) > MAX_FILE_BYTES:
            raise _error(source, _too_big(f"more than {MAX_FILE_BYTES:,}")) from None
        data.decode("utf-8")
    except FileNotFoundError:
        raise _error(source, "no such file" + _near_file(Path(path))) from None
    except NotRegularFile as e:
        raise _error(source, str(e)) from None
    except IsADirectoryError:
        raise _error(source, "is a directory, not a scenario file") from None
    except UnicodeDecodeError:
        raise _error(source, "not UTF-8 text") from None
    except OSError as e:
        raise _error(source, f"cannot read: {e.strerror or e}") from None
    except ValueError as e:  # a path Python cannot pass to the system, e.g. with a NUL byte
        raise _error(source, f"cannot read: {e}") from None
    return data
