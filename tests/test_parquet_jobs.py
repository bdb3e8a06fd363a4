"""Parquet beside the CSVs, and run --jobs records (sim/simulation/jobs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.report import JOBS_FILE, write_results
from sim.simulation.jobs import COLUMNS, JobRecords
from sim.simulation.results import COLUMNS as DAILY_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet") / "qingyang"
    result = sim.run(sim.load_scenario("qingyang"), horizon_days=45)
    write_results(result, out)
    return result, out


@pytest.mark.parametrize("name", ["timeseries", "timeseries_by_site"])
def test_the_parquet_frames_are_the_csv_frames(written, name):
    _, out = written
    pq, csv = pd.read_parquet(out / f"{name}.parquet"), pd.read_csv(out / f"{name}.csv")
    assert list(pq.columns) == list(csv.columns) and len(pq) == len(csv) > 0
    for col in pq.columns:
        p, c = pq[col], csv[col]
        if col == "date":
            assert [d.isoformat() for d in p] == list(c)
        elif p.dtype == np.float64:  # the CSV rounds to 6 decimals; Parquet keeps every digit
            assert np.allclose(p, c, rtol=0, atol=5.000001e-7), col
            assert (p.round(6) - c).abs().max() < 1e-9, col
        else:
            assert list(p) == list(c), col


def test_the_parquet_series_are_the_runs_frames_at_full_precision(written):
    result, out = written
    pq = pd.read_parquet(out / "timeseries.parquet")
    frame = result.daily_frame()
    pq["date"] = pd.to_datetime(pq["date"]).astype(frame["date"].dtype)
    pd.testing.assert_frame_equal(pq, frame, check_exact=True)
    assert list(pq.columns) == list(DAILY_COLUMNS)


@pytest.fixture(scope="module")
def jobs_run(tmp_path_factory):
    """qingyang with preemption and lost preempted jobs, so that every common state shows up (240
    days: demand grows with the racks built, and only by then does marketplace work run on the
    tenants' leased servers often enough for their owners to reclaim some)."""
    out = tmp_path_factory.mktemp("jobs") / "out"
    code = main(["run", "qingyang", "--horizon", "240", "--set", 'policy.reclaim="preempt"',
                 "--set", 'policy.preempted="lost"', "--jobs", "--quiet", "--out", str(out)])
    assert code == 0
    return json.loads((out / "summary.json").read_text()), pd.read_parquet(out / JOBS_FILE)


def test_job_records_count_what_the_summary_counts(jobs_run):
    s, jobs = jobs_run
    assert list(jobs.columns) == [name for name, _, _ in COLUMNS]
    total, by_state = s["jobs"]["total"], jobs["state"].value_counts().to_dict()
    assert len(jobs) == total["submitted"] and list(jobs["job_id"]) == list(range(1, len(jobs) + 1))
    for state, key in (("completed", "completed"), ("abandoned", "abandoned"), ("balked", "balked"),
                       ("rejected", "rejected"), ("preempted-lost", "preempted_lost")):
        assert by_state.get(state, 0) == total[key], state
    assert by_state["running"] == s["jobs"]["running_at_horizon"] > 0
    assert by_state["queued"] == s["jobs"]["queued_at_horizon"] > 0
    assert total["preempted_lost"] > 0 and jobs["preemptions"].sum() == total["preemptions"]
    assert jobs["first_start_hours"].notna().sum() == total["started"]
    for c in s["jobs"]["by_class"]:
        mine = jobs[jobs["class"] == (f"{c['tenant']}/{c['name']}" if c["tenant"] else c["name"])]
        assert len(mine) == c["counts"]["submitted"] and (mine["state"] == "completed").sum() == c["counts"]["completed"]
        assert mine["billed_accelerator_hours"].sum() == pytest.approx(c["accelerator_hours"], abs=1e-6)  # the summary keeps 6 decimals


def test_job_records_bill_what_the_statement_says(jobs_run):
    s, jobs = jobs_run
    fen = s["revenue_fen"]
    market = jobs[jobs["tenant"] == ""]
    assert market.loc[market["owner"] == "operator", "billed_fen"].sum() == fen["compute_sales_operator_capacity"]
    assert market.loc[market["owner"] != "operator", "billed_fen"].sum() == fen["compute_sales_third_party_capacity"]
    assert jobs.loc[jobs["tenant"] != "", "billed_fen"].sum() == 0  # a tenant's own work is not charged


def test_job_times_hang_together(jobs_run):
    _, jobs = jobs_run
    started = jobs[jobs["first_start_hours"].notna()]
    assert (started["wait_hours"] == started["first_start_hours"] - started["submit_hours"]).all()
    assert (started["wait_hours"] >= 0).all() and started["site"].notna().all()
    done = jobs[jobs["state"] == "completed"]
    assert (done["end_hours"] >= done["first_start_hours"] + done["duration_hours"] - 1e-9).all()
    gone = jobs[jobs["state"] == "abandoned"]
    assert np.allclose(gone["end_hours"] - gone["submit_hours"] >= 0, True) and gone["first_start_hours"].isna().all()
    open_ = jobs[jobs["state"].isin(["queued", "running", "balked", "rejected"])]
    assert open_["end_hours"].isna().all()
    never = jobs[jobs["state"].isin(["balked", "queued"])]
    assert (never["billed_fen"] == 0).all() and never["site"].isna().all()


def test_records_do_not_change_the_run():
    scenario = sim.load_scenario("qingyang", ['policy.reclaim="preempt"'])
    plain, traced = sim.run(scenario, horizon_days=20), sim.run(scenario, horizon_days=20, trace=JobRecords())
    a, b = plain.summary_dict(), traced.summary_dict()
    a.pop("provenance"), b.pop("provenance")
    assert a == b and plain.daily == traced.daily


def test_jobs_go_with_one_run_not_with_reps(capsys):
    assert main(["run", "qingyang", "--reps", "2", "--jobs"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--jobs" in err and "Traceback" not in err


def test_no_jobs_file_without_jobs(written):
    _, out = written
    assert not (out / JOBS_FILE).exists()
