"""Outputs that read right: electricity with one sign in the run and compare tables, finance.png's
legend in distinct colours, utilisation.png saying when capacity is still being built, and a
sweep's report without a column that repeats the parameter or an interval from one run."""

import attrs
import numpy as np
from fin_tiny import FIN_TINY
from matplotlib.colors import to_rgba
from test_plots import synthetic

import sim
from sim.cli import table
from sim.report.finance import finance_figure
from sim.report.plots import utilisation_figure
from sim.scenario import loads

LONG = 65  # days: past the operator's first tranche (2025-03-01); before it nothing draws power


def test_electricity_is_a_cost_with_one_sign_in_the_run_table_and_the_compare_table():
    from sim.report.compare import compare_table

    result = sim.run("qingyang", horizon_days=LONG)
    s = result.summary_dict()
    row = next(x for x in table(s, 1.0).splitlines() if x.startswith("revenue (CNY)"))
    cost = s["revenue_cny"]["electricity_cost"] / 1e6
    assert f"electricity cost {cost:,.1f} M" in row and "-" not in row.split("electricity")[1]
    c = sim.compare(["qingyang", "qingyang@pricing.intermediary_fee=0.3"], 2, horizon_days=LONG, workers=1)
    line = next(x for x in compare_table(c).splitlines() if x.startswith("revenue_cny.electricity_cost"))
    assert float(line.split()[1]) > 0


def test_finance_legend_colours_are_distinct(tmp_path):
    fr = sim.finance(sim.run(loads(FIN_TINY, "fin.toml")))
    three = attrs.evolve(fr, sites=tuple(attrs.evolve(fr.sites[0], site=n) for n in ("a", "b", "c")))
    for f in (fr, three):
        legend = finance_figure(f).axes[0].get_legend()
        colours = []
        for h in legend.legend_handles:
            c = h.get_facecolor() if hasattr(h, "get_facecolor") and not hasattr(h, "get_xdata") else h.get_color()
            colours.append(tuple(np.round(to_rgba(c)[:3], 3)))
        assert len(set(colours)) == len(colours), colours
        # Every colour a bar has is in the legend, and no line has one (the old chart's third
        # site was as green as the years that bring cash in).
        ax = finance_figure(f).axes[0]
        bars = {tuple(np.round(to_rgba(p.get_facecolor())[:3], 3)) for p in ax.patches}
        lines = {tuple(np.round(to_rgba(ln.get_color())[:3], 3)) for ln in ax.lines}
        assert bars <= set(colours) and not bars & lines
    labels = [t.get_text() for t in finance_figure(three).axes[0].get_legend().get_texts()]
    assert {"cash flow in the year, all sites: net in", "cash flow in the year, all sites: net out"} <= set(labels)
    assert len(labels) == 2 + 1 + 3  # in, out, the total's line, a line per site


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_utilisation_says_when_capacity_is_still_being_built():
    daily = synthetic(30)  # commissioned 100 to 129 accelerators
    assert not any("being built" in t for t in texts(utilisation_figure(daily, "x")))
    still = texts(utilisation_figure(daily, "x", planned_accelerators=200))
    assert any("still being built" in t and "200" in t and "2025-01-31" in t for t in still)
    built = texts(utilisation_figure(daily, "x", planned_accelerators=110))  # reached on day 10
    assert any("(to 2025-01-10)" in t for t in built)
    assert not any("being built" in t for t in texts(utilisation_figure(daily, "x", planned_accelerators=100)))


def test_sweep_report_has_no_repeated_parameter_column_nor_an_interval_from_one_run(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text("""
[sweep]
scenario = "qingyang"
replications = 1
sampling = "grid"
metric = "revenue_cny.operator_revenue"
set = { "scenario.horizon_days" = 2 }

[parameters]
"pricing.intermediary_fee" = { values = [0.1, 0.2] }
""")
    from sim.report.experiments import sweep_files

    md = sweep_files(sim.sweep(str(path), workers=1))["report.md"].decode()
    assert "| parameter | values |" in md and "| pricing.intermediary_fee | 0.1, 0.2 |" in md
    assert "| parameter | sets |" not in md
    assert " to " not in md.split("| point |")[1] and "| mean | 95 % interval |" not in md
    assert "one run each, no interval" in md
