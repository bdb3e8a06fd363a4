"""The plots: built without pyplot or a backend, deterministic PNGs, monthly points on long runs,
legends off the data, tenant payouts apart from the operator's streams."""

import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.report.plots import (
    OPERATOR_STREAMS,
    PAYOUTS,
    figure_png,
    revenue_figure,
    utilisation_figure,
)
from sim.simulation.results import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
START = pd.Timestamp("2025-01-01")
FIGURES = (utilisation_figure, revenue_figure)


def synthetic(days: int, last_hours: float = 24.0) -> pd.DataFrame:
    """A daily frame with every recorder column; the last day may be partial."""
    rows = []
    for i in range(days):
        row = dict.fromkeys(COLUMNS, 0.0)
        busy = (10.0, 20.0 + i % 7, 5.0)
        row.update(
            day=i, date=(START + pd.Timedelta(days=i)).date().isoformat(),
            hours=24.0 if i < days - 1 else last_hours,
            commissioned_accelerators=100.0 + i, busy_operator=busy[0],
            busy_third_party_marketplace=busy[1], busy_third_party_private=busy[2],
            utilisation=sum(busy) / (100.0 + i),
            compute_sales_operator_capacity_cny=7.0, tenant_payouts_cny=2.0 + i % 3,
            electricity_cost_cny=1.5, operator_net_cny=5.5,
        )
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def line(fig: Figure, label: str):
    found = [ln for ax in fig.axes for ln in ax.lines if ln.get_label() == label]
    assert len(found) == 1, label
    return found[0]


def xs(ln) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ln.get_xdata())


# --- backend ---------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["pdf", "svg"])
def test_importing_and_rendering_leave_the_backend_and_pyplot_alone(backend):
    script = textwrap.dedent(f"""
        import sys
        import matplotlib
        import sim, sim.report
        from sim.report.plots import figure_png
        from tiny import tiny

        def check(when):
            assert matplotlib.get_backend() == "{backend}", (when, matplotlib.get_backend())
            assert "matplotlib.pyplot" not in sys.modules, when

        check("after import")
        result = sim.run(tiny())
        files = sim.report.render(result)
        assert files["utilisation.png"][:8] == files["revenue.png"][:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        check("after render")

        import matplotlib.pyplot as plt  # a user's own pyplot figure is closed after rendering
        fig = plt.figure()
        figure_png(fig)
        assert not plt.fignum_exists(fig.number)
        assert matplotlib.get_backend() == "{backend}"
        print("ok")
    """)
    env = {**os.environ, "MPLBACKEND": backend,
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# --- figures and PNG bytes -------------------------------------------------------------------
def png_chunk_types(png: bytes) -> list[bytes]:
    types, at = [], 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        types.append(kind)
        at += 12 + length
    return types


@pytest.mark.parametrize("make", FIGURES)
def test_a_figure_renders_to_the_same_png_bytes_every_time(make):
    daily = synthetic(40)
    first, second = figure_png(make(daily, "t")), figure_png(make(daily, "t"))
    assert first == second
    assert first != figure_png(make(synthetic(41), "t"))
    # No text chunks at all: no software version, no creation time.
    assert set(png_chunk_types(first)) <= {b"IHDR", b"pHYs", b"IDAT", b"IEND"}


@pytest.mark.parametrize("make", FIGURES)
def test_figures_are_figures_with_a_date_axis_and_leave_the_frame_alone(make):
    daily = synthetic(800)
    before = daily.copy()
    fig = make(daily, "a title")
    assert isinstance(fig, Figure)
    assert fig.axes[-1].get_xlabel() == "date"
    assert fig.get_suptitle() == "a title"
    assert make(daily).get_suptitle() == ""
    pd.testing.assert_frame_equal(daily, before)


# --- resolution ------------------------------------------------------------------------------
def test_up_to_two_years_every_day_is_a_point():
    daily = synthetic(730)  # ends 2027-01-01 00:00, exactly two years
    util, rev = utilisation_figure(daily), revenue_figure(daily)
    assert len(line(util, "commissioned").get_xdata()) == 730
    assert len(line(rev, "operator net").get_xdata()) == 1 + 730  # from zero at the start
    assert "daily mean" in util.axes[0].get_ylabel()


def test_beyond_two_years_points_are_calendar_months():
    daily = synthetic(732, last_hours=12.0)  # into 2027-01-02, which is half a day
    months = pd.period_range("2025-01", "2027-01", freq="M")
    util, rev = utilisation_figure(daily), revenue_figure(daily)

    commissioned = line(util, "commissioned")
    assert len(commissioned.get_xdata()) == len(months) == 25
    assert "monthly mean" in util.axes[0].get_ylabel()
    y = commissioned.get_ydata()
    assert y[0] == pytest.approx(np.mean(100.0 + np.arange(31)))  # January 2025
    # The last month: day 730 for 24 h and day 731 for 12 h, weighted by hours.
    assert y[-1] == pytest.approx((830.0 * 24 + 831.0 * 12) / 36)
    assert list(xs(commissioned).to_period("M")) == list(months)  # each point inside its month

    # Utilisation over a month is busy over commissioned accelerator-hours.
    jan = daily.iloc[:31]
    busy = jan[["busy_operator", "busy_third_party_marketplace", "busy_third_party_private"]]
    expected = busy.sum(axis=1).sum() / jan["commissioned_accelerators"].sum() * 100
    assert line(util, "utilisation").get_ydata()[0] == pytest.approx(expected)

    # Money is summed per month and plotted cumulatively at each month's end, from zero.
    net = line(rev, "operator net")
    assert len(net.get_xdata()) == 1 + 25
    assert list(net.get_ydata()[:2]) == pytest.approx([0.0, 5.5 * 31 / 1e6])
    assert net.get_ydata()[-1] == pytest.approx(daily["operator_net_cny"].sum() / 1e6)
    assert list(xs(net)[:2]) == [START, pd.Timestamp("2025-02-01")]
    assert xs(net)[-1] == pd.Timestamp("2027-01-02 12:00")
    payouts = line(rev, PAYOUTS[1])
    assert payouts.get_ydata()[-1] == pytest.approx(daily["tenant_payouts_cny"].sum() / 1e6)


# --- layout ----------------------------------------------------------------------------------
def disjoint(a, b) -> bool:
    return a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


@pytest.mark.parametrize("days", [365, 800])
@pytest.mark.parametrize("make, legends", [(utilisation_figure, 1), (revenue_figure, 2)])
def test_legends_sit_inside_the_figure_and_off_every_axes(make, legends, days):
    fig = make(synthetic(days), "a title long enough to matter: cumulative revenue by stream")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + fig.legends
    assert len(found) == legends
    page = fig.bbox
    for legend in found:
        box = legend.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
        for ax in fig.axes:
            assert disjoint(box, ax.get_window_extent(renderer)), (legend, ax)


def test_tenant_payouts_are_on_their_own_axes_apart_from_the_operator_streams():
    fig = revenue_figure(synthetic(60))
    payouts_ax = line(fig, PAYOUTS[1]).axes
    operator = [label for _, label, _ in OPERATOR_STREAMS] + ["operator net"]
    operator_axes = {line(fig, label).axes for label in operator}
    assert payouts_ax not in operator_axes
    assert [ln.get_label() for ln in payouts_ax.lines] == [PAYOUTS[1]]
    assert "not the operator's revenue or cost" in payouts_ax.get_title(loc="left")
