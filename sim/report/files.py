"""Writing a result set so that a reader finds the whole old set or the whole new one, never a mix.

Layout, for out_dir = results/qingyang:

    results/qingyang -> .qingyang.<token>.set   a symlink: the name readers use
    results/.qingyang.<token>.set/               the current set, always complete
    results/.qingyang.lock                       locked while a run writes; kept

`write_all` takes the lock, removes what killed runs left behind (`.qingyang.<token>.staging`
folders, `.set` folders that are not current, `.link` symlinks), writes every file into a
new `.qingyang.<token>.staging/` with fsync, renames that to `.set` (so a `.set` folder is
never partial), makes a new symlink to it and renames the symlink over `results/qingyang`
with one os.replace: the switch. rename(2) replaces the old link in one step, so there is no
instant without a folder. Then the previous version is removed.

Why a symlink swap: renaming the old folder aside and the new one in is two renames, with an
instant (or, after a kill, a lasting state) with no folder at all. Readers that want one set
across several files should resolve the link once (os.path.realpath) and read from there;
the previous version is removed right after the switch.

Concurrent runs into one folder wait for each other (fcntl.flock): the lock is held only while
writing, not while simulating, so the wait is short, and the run that writes last leaves its
whole set.

Older layout: a plain folder results/qingyang that holds only files of a result set (and the
old writer's `.<file>.*.tmp` leftovers) is migrated, once: it is renamed to a `.set` folder and
the link takes its place. That is two renames, so there is one instant without a folder; an
exception between them puts the folder back, and a kill leaves the old set in the `.set`
folder until the next run. A folder holding anything else, a file, or a symlink this module
did not make is left alone: the write stops with NotResultsFolder (an OSError).

SWITCHED records the folders this process has switched to a new set, so that the command
line can say truthfully what an interrupted run left behind.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path

from sim.durable import sync_dir, write_synced

try:
    import fcntl
except ImportError:  # not POSIX (Windows): no lock between concurrent runs
    fcntl = None  # type: ignore[assignment]  # the module or None, checked where used

SWITCHED: list[Path] = []


class NotResultsFolder(FileExistsError):
    """The output path holds something this module did not write; it is left as it is."""


def write_all(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write rendered files (name -> bytes) as one set into `out_dir`, replacing the whole
    previous set in one step; return the paths of the files."""
    out_dir = Path(out_dir)
    if out_dir.name in ("", ".", ".."):
        raise ValueError(f"{out_dir}: not a folder name")
    for name in files:
        if name in ("", ".", "..") or "/" in name or os.sep in name:
            raise ValueError(f"{name!r}: not a file name")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out_dir.parent / f".{out_dir.name}.lock"):
        current = _current_version(out_dir, files)
        _remove_leftovers(out_dir, keep=current)
        _switch(out_dir, files, previous=current)
    return [out_dir / name for name in files]


# --- the steps ---------------------------------------------------------------------------------
def _sibling(out_dir: Path, token: str, kind: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{token}.{kind}"


def _ours(out_dir: Path) -> re.Pattern:
    """Names of siblings this module makes for `out_dir`. The fixed-length token and kind at
    the end keep them apart from those of another folder whose name starts the same."""
    return re.compile(re.escape(f".{out_dir.name}.") + r"[0-9a-f]{16}\.(staging|set|link)")


def _link_target(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _current_version(out_dir: Path, names) -> str | None:
    """The name of the `.set` folder `out_dir` links to, or None if it does not exist yet. A
    plain folder of the older layout is migrated first."""
    try:
        mode = os.lstat(out_dir).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        target = os.readlink(out_dir)
        match = _ours(out_dir).fullmatch(target)
        if match and match.group(1) == "set":
            return target
        raise NotResultsFolder(errno.EEXIST, f"a link to {target} that this program did not make; "
                                             "remove it or give another --out")
    if stat.S_ISDIR(mode):
        return _migrate(out_dir, names)
    raise NotResultsFolder(errno.EEXIST, "not a folder; remove it or give another --out")


def _old_temporary(name: str, names) -> bool:
    """A temporary file of the earlier writer: `.summary.json.k2j4x8_1.tmp`."""
    return name.endswith(".tmp") and any(name.startswith(f".{n}.") for n in names)


def _migrate(out_dir: Path, names) -> str:
    entries = list(os.scandir(out_dir))
    stale = [e for e in entries if _old_temporary(e.name, names) and e.is_file(follow_symlinks=False)]
    ours = {e.name for e in stale}
    ours |= {e.name for e in entries if e.name in names and e.is_file(follow_symlinks=False)}
    foreign = sorted(e.name for e in entries if e.name not in ours)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise NotResultsFolder(errno.EEXIST, f"holds files this program did not write ({shown}); "
                                             "move them or give another --out")
    for entry in stale:
        _remove(Path(entry.path))
    token = secrets.token_hex(8)
    version, link = _sibling(out_dir, token, "set"), _sibling(out_dir, token, "link")
    try:
        os.symlink(version.name, link)
        os.rename(out_dir, version)
        os.replace(link, out_dir)
    except BaseException:
        # Judge by what is on disk: the exception may come just after a rename succeeded.
        if not os.path.lexists(out_dir) and os.path.isdir(version):
            try:
                os.rename(version, out_dir)
            except OSError:
                pass
        _remove(link)
        raise
    sync_dir(out_dir.parent)
    return version.name


def _remove_leftovers(out_dir: Path, keep: str | None) -> None:
    """Staging folders, old versions and links of runs that were killed (we hold the lock, so
    no other run is using them)."""
    ours = _ours(out_dir)
    for entry in os.scandir(out_dir.parent):
        if entry.name != keep and ours.fullmatch(entry.name):
            _remove(Path(entry.path))


def _switch(out_dir: Path, files: dict[str, bytes], previous: str | None) -> None:
    token = secrets.token_hex(8)
    staging, version, link = (_sibling(out_dir, token, kind) for kind in ("staging", "set", "link"))
    try:
        os.mkdir(staging)
        for name, data in files.items():
            write_synced(staging / name, data, exclusive=True)
        sync_dir(staging)
        os.rename(staging, version)
        os.symlink(version.name, link)
        sync_dir(out_dir.parent)  # the new set is on disk before anyone can see it
        os.replace(link, out_dir)  # the switch
    except BaseException:
        if _link_target(out_dir) == version.name:  # interrupted just after the switch
            SWITCHED.append(out_dir)
        else:
            for path in (link, version, staging):
                _remove(path)
        raise
    SWITCHED.append(out_dir)
    sync_dir(out_dir.parent)
    if previous is not None:
        _remove(out_dir.parent / previous)


# --- helpers -----------------------------------------------------------------------------------
@contextmanager
def _locked(path: Path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits for another run writing the same folder
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, as removing it would race


def _remove(path: Path) -> None:
    """Remove a file, link or folder if it is there; what cannot be removed now is a leftover
    the next run removes."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError:
        pass
