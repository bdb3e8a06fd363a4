"""The store behind resumable sweeps: whole chunks only, one writer, exact floats; every
damaged chunk found and run again, every foreign file ignored, never a traceback or a wrong
table (issue 24)."""

import hashlib
import json
import os
import subprocess
import sys
import warnings

import pytest
from sweeps import ROOT, SMALL, workdir

from sim.experiment.store import RunStore, StoreBusy, StoreError, StoreWarning


def rows(point, reps, value=0.1):
    return [{"point": point, "rep": r, "key": f"p{point}/r{r}", "seed": 2**62 + r, "x": value * (r + 1) / 3}
            for r in range(reps)]


def test_saved_chunks_come_back_exactly_and_half_written_ones_do_not(tmp_path):
    with RunStore(tmp_path, "sweep", "abc") as store:
        store.save(rows(0, 2))
        store.save(rows(1, 2))
        (store.path / "p2-r0.jsonl.tmp").write_text('{"point": 2, "rep": 0, "key": "p2/r0", "se')  # a kill mid-write
    with RunStore(tmp_path, "sweep", "abc") as store:
        back = sorted(store.rows(), key=lambda r: r["key"])
        assert back == rows(0, 2) + rows(1, 2)  # floats and 64-bit seeds exact
        assert not list(store.path.glob("*.tmp"))
    with RunStore(tmp_path, "sweep", "other") as store:
        assert store.rows() == []  # another plan's chunks are never mixed in


def test_one_writer_at_a_time(tmp_path):
    with RunStore(tmp_path, "sweep", "abc"):
        with pytest.raises(StoreBusy):
            RunStore(tmp_path, "sweep", "abc").open()
        with RunStore(tmp_path, "sensitivity", "abc"):  # another kind in the same folder is fine
            pass


def test_discard_removes_every_plan_of_its_kind_only(tmp_path):
    for kind, digest in (("sweep", "a"), ("sweep", "b"), ("sensitivity", "a")):
        with RunStore(tmp_path, kind, digest) as s:
            s.save(rows(0, 1))
    RunStore(tmp_path, "sweep", "").discard()
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [".sensitivity-runs-a"]


# --- damage, one chunk at a time ---------------------------------------------------------------
PLAN = {f"p{p}/r{r}": (p, r, 2**62 + r) for p in range(3) for r in range(2)}


def saved(tmp_path, identity="id-1"):
    with RunStore(tmp_path, "sweep", identity, PLAN) as store:
        for p in range(3):
            store.save(rows(p, 2))
    return store.path


def load(tmp_path, identity="id-1"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with RunStore(tmp_path, "sweep", identity, PLAN) as store:
            back = store.load()
    return sorted(r["key"] for r in back), [str(w.message) for w in caught if w.category is StoreWarning]


def rewrite(path, edit, checksum=True):
    """Change a chunk's rows with `edit(text)`; with `checksum`, make its header match again."""
    head, body = path.read_bytes().split(b"\n", 1)
    body = edit(body.decode()).encode()
    header = json.loads(head)
    if checksum:
        header["sha256"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)


ALL = sorted(PLAN)
WITHOUT_P1 = [k for k in ALL if not k.startswith("p1/")]


@pytest.mark.parametrize("damage, why", [
    (lambda p: rewrite(p, lambda t: t.replace("0.0666", "0.0667"), checksum=False), "checksum does not match"),
    (lambda p: p.write_bytes(p.read_bytes()[:-7]), "checksum does not match"),
    (lambda p: p.write_bytes(p.read_bytes()[:40]), "not a whole chunk"),
    (lambda p: p.write_bytes(b""), "not a whole chunk"),
    (lambda p: p.write_bytes(b"\xff\xfe\n"), "not a whole chunk"),
    (lambda p: rewrite(p, lambda t: t.replace('"point":1', '"point":"x"')), "must be whole numbers"),
    (lambda p: rewrite(p, lambda t: t.replace('"point":1', '"point":2')), "not a run of this plan"),
    (lambda p: rewrite(p, lambda t: t.replace('"x":', '"x":"1","y":')), "is not a number"),
    (lambda p: rewrite(p, lambda t: t.replace("p1/r1", "p7/r1")), "not a run of this plan"),
    (lambda p: rewrite(p, lambda t: t + "[]\n"), "another number of rows"),
], ids=["digit", "truncated", "header-cut", "empty", "not-utf8", "point-type", "point-value", "metric-type",
        "foreign-key", "extra-row"])
def test_a_damaged_chunk_is_said_removed_and_its_runs_missing(tmp_path, damage, why):
    chunk = saved(tmp_path) / "p1-r0.jsonl"
    damage(chunk)
    keys, said = load(tmp_path)
    assert keys == WITHOUT_P1  # so they are run again
    [line] = said
    assert line.startswith(f"{chunk}: ") and why in line and line.endswith("removed, its runs are run again")
    assert not chunk.exists()
    assert load(tmp_path) == (WITHOUT_P1, [])  # said once: the next run finds nothing wrong


def test_a_chunk_of_another_plan_is_not_used(tmp_path):
    path = saved(tmp_path)
    other = saved(tmp_path / "other", identity="id-2") / "p1-r0.jsonl"
    (path / "p1-r0.jsonl").write_bytes(other.read_bytes())  # right name and rows, another sweep's
    keys, [line] = load(tmp_path)
    assert keys == WITHOUT_P1 and "saved by another version" in line


def test_two_whole_chunks_that_disagree_on_a_run_are_both_dropped(tmp_path):
    saved(tmp_path)
    again = rows(2, 2)[1]
    with RunStore(tmp_path, "sweep", "id-1", PLAN) as store:
        store.save([again])  # p2-r1.jsonl: the same run, the same numbers
    assert load(tmp_path) == (ALL, [])
    with RunStore(tmp_path, "sweep", "id-1", PLAN) as store:
        store.save([{**again, "x": 9.0}])  # now other numbers
    keys, said = load(tmp_path)
    assert keys == [k for k in ALL if not k.startswith("p2/")]
    assert [line.split(": ", 1)[1] for line in said] == [
        "disagrees with another saved chunk on run p2/r1; removed, its runs are run again"] * 2


def test_foreign_files_are_ignored_and_left_alone(tmp_path):
    path = saved(tmp_path)
    copy = path / "0-first.jsonl"  # sorts first, holds other numbers
    copy.write_text((path / "p1-r0.jsonl").read_text().replace("0.0666", "0.9999"))
    (path / "notes.txt").write_text("mine")
    (path / "p2-r0.jsonl").unlink()
    (path / "p2-r0.jsonl").mkdir()  # not a file, though named like a chunk
    keys, said = load(tmp_path)
    assert keys == [k for k in ALL if not k.startswith("p2/")]
    assert said == [f"{path / n}: not a chunk this sweep saved; ignored" for n in ("0-first.jsonl", "notes.txt",
                                                                                   "p2-r0.jsonl")]
    assert copy.exists() and (path / "notes.txt").exists()


def test_a_store_that_cannot_be_used_is_one_line(tmp_path):
    with RunStore(tmp_path, "sweep", "id-1", PLAN) as store:
        pass
    os.rmdir(store.path)
    store.path.write_text("a file where the saved runs go")
    with pytest.raises(StoreError, match=r"\.sweep-runs-id-1: not a folder"):
        RunStore(tmp_path, "sweep", "id-1", PLAN).open()
    store.path.unlink()
    store.path.symlink_to(tmp_path)
    with pytest.raises(StoreError, match="not a folder"):
        RunStore(tmp_path, "sweep", "id-1", PLAN).open()
    RunStore(tmp_path, "sweep", "id-1", PLAN).discard()  # leaves a symlink it did not make
    assert store.path.is_symlink()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(StoreError, match="plain/.sweep-runs.lock: cannot keep"):
        RunStore(tmp_path / "plain", "sweep", "id-1", PLAN).open()
    with RunStore(tmp_path / "ok", "sweep", "id-1", PLAN) as store:
        (store.path / "p0-r0.jsonl").mkdir()
        with pytest.raises(StoreError, match="p0-r0.jsonl: cannot save finished runs"):
            store.save(rows(0, 2))


# --- the command line: a sweep over a damaged store ---------------------------------------------
def sim_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def tables(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted sweep's tables, and a store holding all its chunks (as a sweep killed
    just before writing its tables leaves it)."""
    import sim

    wd = workdir(tmp_path_factory.mktemp("ref"), small=SMALL)
    done = sim_cli("sweep", "small", "--workers", "1", "--out", "results/ref", cwd=wd)
    assert done.returncode == 0, done.stderr
    cwd = os.getcwd()
    os.chdir(wd)
    try:
        sim.sweep("small", workers=1, store_dir="results/sweeps/small", chunk_runs=1)
    finally:
        os.chdir(cwd)
    [store] = (wd / "results/sweeps/small").glob(".sweep-runs-*")
    return wd, tables(wd / "results/ref/sweep"), tables(store)


def damaged_store(tmp_path, reference):
    wd, ref, chunks = reference
    wd2 = workdir(tmp_path, small=SMALL)
    folder = wd2 / "results/sweeps/small"
    [name] = {p.parent.name for p in (wd / "results/sweeps/small").glob(".sweep-runs-*/*")}
    store = folder / name
    store.mkdir(parents=True)
    for n, data in chunks.items():
        (store / n).write_bytes(data)
    return wd2, ref, store


def flip_a_digit(store):
    p = store / "p1-r1.jsonl"
    head, body = p.read_bytes().split(b"\n", 1)
    i = body.index(b"utilisation.overall\":0.") + len(b"utilisation.overall\":0.")
    digit = body[i:i + 1]
    p.write_bytes(head + b"\n" + body[:i] + (b"1" if digit != b"1" else b"2") + body[i + 1:])
    return [p]


def truncate(store):
    p = store / "p2-r0.jsonl"
    p.write_bytes(p.read_bytes()[:-100])
    return [p]


def foreign_first(store):
    p = store / "0000.jsonl"  # sorts before every chunk; another run's numbers under p0/r0's key
    p.write_bytes((store / "p0-r0.jsonl").read_bytes().replace(b"utilisation.overall\":0.", b"utilisation.overall\":0.9"))
    return [p]


@pytest.mark.parametrize("damage, said", [
    (flip_a_digit, ["checksum does not match (the file was cut short or changed); removed, its runs are run again"]),
    (truncate, ["checksum does not match (the file was cut short or changed); removed, its runs are run again"]),
    (foreign_first, ["not a chunk this sweep saved; ignored"]),
], ids=["digit", "truncated", "foreign"])
def test_a_sweep_over_a_damaged_store_gives_the_uninterrupted_tables(tmp_path, reference, damage, said):
    wd, ref, store = damaged_store(tmp_path, reference)
    paths = damage(store)
    p = sim_cli("sweep", "small", "--workers", "2", cwd=wd)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == [f"results/sweeps/small/{store.name}/{q.name}: {s}" for q, s in zip(paths, said)]
    assert tables(wd / "results/sweeps/small/sweep") == ref
    resumed = int(p.stdout.split("resumed: ")[1].split()[0])
    assert resumed == 8 - (damage is not foreign_first)  # chunks of one run each: only the damaged one ran again


def test_a_store_replaced_by_a_file_is_one_line_exit_2_and_then_resumes(tmp_path, reference):
    wd, ref, store = damaged_store(tmp_path, reference)
    saved = tables(store)
    for p in store.iterdir():
        p.unlink()
    store.rmdir()
    store.write_text("not a folder")
    p = sim_cli("sweep", "small", "--workers", "1", cwd=wd)
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == (f"results/sweeps/small/{store.name}: not a folder, so this sweep's runs cannot be saved "
                        "there; remove it and run the same command again\n")
    assert not (wd / "results/sweeps/small/sweep").exists()
    store.unlink()
    store.mkdir()
    for n, data in saved.items():
        (store / n).write_bytes(data)
    p = sim_cli("sweep", "small", "--workers", "1", cwd=wd)
    assert p.returncode == 0 and p.stderr == "" and "resumed: 8 of 8 runs" in p.stdout
    assert tables(wd / "results/sweeps/small/sweep") == ref
