"""The store behind resumable sweeps: whole chunks only, one writer, exact floats."""

import pytest

from sim.experiment.store import RunStore, StoreBusy


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
