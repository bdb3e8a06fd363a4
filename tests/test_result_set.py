"""A result set is replaced as a whole: a reader finds the whole old set or the whole new one.

These tests call write_all in this process with small byte strings. The failure tests make
the k-th file-system call of a write raise, for every k, and check what is on disk after it,
what the module says it switched, and that the next write leaves nothing of it behind.
"""

import errno
import fcntl
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from sim.report import files
from sim.report.files import NotResultsFolder, write_all

NAMES = ("timeseries.csv", "utilisation.png", "revenue.png", "report.md", "summary.json")
OLD = {n: f"old {n}\n".encode() for n in NAMES}
NEW = {n: f"new {n}\n".encode() * 3 for n in NAMES}
NEWER = {n: f"newer {n}\n".encode() for n in NAMES}


def snapshot(folder: Path) -> dict[str, bytes] | None:
    if not os.path.lexists(folder):
        return None
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}


def siblings(out: Path) -> list[str]:
    """What sits beside `out` in its parent, other than `out`."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def assert_clean(out: Path) -> None:
    """The layout after a completed write: the link, its lock and the one version it names."""
    assert out.is_symlink()
    target = os.readlink(out)
    assert siblings(out) == sorted([f".{out.name}.lock", target])
    assert target.startswith(f".{out.name}.") and target.endswith(".set")


# --- layouts to start from -----------------------------------------------------------------------
def start_empty(out: Path) -> None:
    out.parent.mkdir(parents=True)


def start_versioned(out: Path) -> None:
    """The old set in the current layout, with what two killed runs left beside it."""
    write_all(out, OLD)
    staging = out.parent / f".{out.name}.0123456789abcdef.staging"
    staging.mkdir()
    (staging / "timeseries.csv").write_bytes(b"half")
    (out.parent / f".{out.name}.fedcba9876543210.set").mkdir()
    os.symlink(f".{out.name}.fedcba9876543210.set", out.parent / f".{out.name}.fedcba9876543210.link")


def start_plain(out: Path) -> None:
    """The older layout: a plain folder, with a temporary file of the earlier writer."""
    out.mkdir(parents=True)
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    (out / ".summary.json.k2j4x8_1.tmp").write_bytes(b"{")


STARTS = {"empty": start_empty, "versioned": start_versioned, "plain": start_plain}


# --- in process ----------------------------------------------------------------------------------
def test_a_write_switches_a_link_to_a_complete_version(tmp_path):
    out = tmp_path / "results" / "tiny"
    assert write_all(out, OLD) == [out / n for n in NAMES]
    assert snapshot(out) == OLD
    assert_clean(out)
    first = os.readlink(out)
    write_all(out, NEW)
    assert snapshot(out) == NEW
    assert_clean(out)
    assert os.readlink(out) != first  # a new version; the old one is gone (assert_clean)
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "summary.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert (out.parent / os.readlink(out)).stat().st_mode & 0o777 == 0o777 & ~mask


@pytest.mark.parametrize("start", sorted(STARTS))
def test_a_write_from_any_layout_ends_clean(tmp_path, start):
    out = tmp_path / "results" / "tiny"
    STARTS[start](out)
    write_all(out, NEW)
    assert snapshot(out) == NEW
    assert_clean(out)


def test_leftovers_of_another_folder_with_a_similar_name_are_not_touched(tmp_path):
    out = tmp_path / "tiny"
    write_all(tmp_path / "tiny.x", OLD)  # its version: .tiny.x.<token>.set
    other = siblings(tmp_path / "tiny.x")
    foreign = tmp_path / ".tiny.0123456789abcdef.set.keep"
    foreign.mkdir()
    write_all(out, NEW)
    assert snapshot(tmp_path / "tiny.x") == OLD
    assert all((tmp_path / name).exists() for name in other)
    assert foreign.is_dir()


@pytest.mark.parametrize("make, words", [
    (lambda out: (out.mkdir(), (out / "notes.txt").write_text("mine")), "did not write (notes.txt)"),
    (lambda out: (out.mkdir(), (out / "plots").mkdir()), "did not write (plots)"),
    (lambda out: out.write_text("a file"), "not a folder"),
    (lambda out: os.symlink("/", out), "a link to / that this program did not make"),
])
def test_a_folder_that_holds_anything_else_is_left_alone(tmp_path, make, words):
    out = tmp_path / "out"
    make(out)
    before = {p.name: os.path.islink(p) for p in tmp_path.iterdir()}
    with pytest.raises(NotResultsFolder) as e:
        write_all(out, NEW)
    assert e.value.errno == errno.EEXIST and words in e.value.strerror
    assert isinstance(e.value, OSError)  # the command line reports it as "cannot write results"
    assert {p.name: os.path.islink(p) for p in tmp_path.iterdir() if p.name != ".out.lock"} == before


@pytest.mark.parametrize("out", [".", "..", "/", "x/.."])
def test_write_all_refuses_a_path_without_a_folder_name(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        write_all(Path(out), NEW)
    assert not tmp_path.is_symlink() and list(tmp_path.iterdir()) == []


def test_a_second_writer_waits_for_the_lock(tmp_path):
    out = tmp_path / "tiny"
    write_all(out, OLD)
    lock = os.open(tmp_path / ".tiny.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as if another run were writing
    writer = threading.Thread(target=write_all, args=(out, NEW))
    writer.start()
    time.sleep(0.3)
    assert writer.is_alive() and snapshot(out) == OLD
    os.close(lock)
    writer.join(timeout=10)
    assert not writer.is_alive() and snapshot(out) == NEW
    assert_clean(out)


# --- a failure at every step ---------------------------------------------------------------------
CALLS = ("open", "write", "fsync", "mkdir", "rename", "replace", "symlink", "readlink", "unlink", "rmdir",
         "scandir", "stat", "lstat")


class FailAt:
    """Count calls of the os functions above (and fcntl.flock) and make the k-th one raise;
    `after`: raise once it has done its work, as a signal handler does, which Python runs
    when the call returns."""

    def __init__(self, monkeypatch, k: int | None, failure: BaseException, after: bool = False):
        self.k, self.failure, self.after, self.calls = k, failure, after, []
        for name in CALLS:
            monkeypatch.setattr(os, name, self.wrap(name, getattr(os, name)))
        monkeypatch.setattr(fcntl, "flock", self.wrap("flock", fcntl.flock))

    def wrap(self, name, real):
        def call(*args, **kwargs):
            self.calls.append(name)
            if len(self.calls) == self.k and not self.after:
                raise self.failure
            # Durability is not what these tests check: skip fsync, to keep them fast.
            result = None if name == "fsync" else real(*args, **kwargs)
            if len(self.calls) == self.k:
                raise self.failure
            return result
        return call


def count_calls(tmp_path, monkeypatch, start) -> list[str]:
    out = tmp_path / "count" / "tiny"
    STARTS[start](out)
    with monkeypatch.context() as m:
        counter = FailAt(m, None, OSError())
        write_all(out, NEW)
    return counter.calls


@pytest.mark.parametrize("failure, after", [(OSError(errno.EIO, "Input/output error"), False),
                                            (KeyboardInterrupt(), False), (KeyboardInterrupt(), True)],
                         ids=["OSError", "KeyboardInterrupt-before", "KeyboardInterrupt-after"])
@pytest.mark.parametrize("start", sorted(STARTS))
def test_a_failure_at_any_call_leaves_a_whole_set_and_the_next_write_cleans_up(tmp_path, monkeypatch,
                                                                              start, failure, after):
    calls = count_calls(tmp_path, monkeypatch, start)
    assert {"write", "fsync", "rename", "symlink", "replace", "flock"} <= set(calls)
    outcomes = set()
    for k in range(1, len(calls) + 1):
        out = tmp_path / f"k{k}" / "tiny"
        STARTS[start](out)
        before = snapshot(out)
        old = (before, OLD)  # from the older layout, its temporary file may be gone
        switched = len(files.SWITCHED)
        raised = None
        with monkeypatch.context() as m:
            FailAt(m, k, failure, after)
            try:
                write_all(out, NEW)
            except (OSError, KeyboardInterrupt) as e:
                raised = e
        found = snapshot(out)
        said_switched = files.SWITCHED[switched:] == [out]
        where = f"failure {'after' if after else 'at'} call {k} ({calls[k - 1]})"
        assert found in (*old, NEW), where
        assert said_switched == (found == NEW), where  # what the command line will say is true
        if raised is None:
            assert found == NEW, where  # only cleanup after the switch may fail quietly
        elif isinstance(raised, OSError):
            assert found in old, where  # an error that stops the write comes before the switch
        outcomes.add("new" if found == NEW else "old")
        write_all(out, NEWER)
        assert snapshot(out) == NEWER, where
        assert_clean(out)
    assert outcomes == {"old", "new"}  # failures both before and after the switch were tried


def test_a_failure_while_migrating_puts_the_plain_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "tiny"
    start_plain(out)
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == out:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_all(out, NEW)
    monkeypatch.undo()
    assert not out.is_symlink() and snapshot(out) == OLD  # old temporaries were removed first
    assert siblings(out) == [".tiny.lock"]


def test_removing_the_link_by_hand_is_recovered(tmp_path):
    out = tmp_path / "tiny"
    write_all(out, OLD)
    os.unlink(out)  # rm results/tiny: the version folder stays until the next run
    write_all(out, NEW)
    assert snapshot(out) == NEW
    assert_clean(out)


def test_a_results_tree_can_be_moved(tmp_path):
    write_all(tmp_path / "a" / "tiny", OLD)
    shutil.move(tmp_path / "a", tmp_path / "b")
    assert snapshot(tmp_path / "b" / "tiny") == OLD  # the link is relative
