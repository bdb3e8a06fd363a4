# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # computesim from Python: an analyst's session
#
# A jupytext notebook (percent format): open it in Jupyter with jupytext installed
# (`make` installs the dev extra, which has it), or run it as a script. The tests execute it
# in a kernel (`tests/test_notebook.py`), so every cell here runs as written. Runs are kept
# short (60 days, a few replications) so that the whole session takes well under a minute;
# the README says how long the full-size runs take.
#
# The session: load a scenario, run it, look at its frames and plots, write a result set,
# replicate for intervals, compare two policies with common random numbers, a small sweep,
# the concession's finance and the claim audit.

# %%
import tempfile
from pathlib import Path

from IPython.display import Image, Markdown, display

import sim
from sim.report.plots import figure_png, revenue_figure, utilisation_figure

work = Path(tempfile.mkdtemp(prefix="computesim-notebook-"))  # results of this session go here
sim.__version__

# %% [markdown]
# ## Load and run
#
# A bare name is a file in `scenarios/`; overrides take the same dotted keys as `--set`.

# %%
scenario = sim.load_scenario("qingyang", {"scenario.horizon_days": 60})
result = sim.run(scenario)
s = result.summary
print(f"{scenario.name}: {s.jobs.total.submitted:,} jobs, utilisation {s.utilisation.overall:.1%}, "
      f"operator revenue {s.revenue.operator_revenue / 100 / 1e6:.2f} M CNY")  # money is in fen

# %% [markdown]
# ## Frames
#
# The daily rows, by site and owner class, by client class, and the whole summary flattened
# to one row: pandas frames, the same numbers as the CSV files and summary.json.

# %%
daily = result.daily_frame()
daily[["date", "commissioned_accelerators", "utilisation", "operator_net_cny"]].tail()

# %%
result.by_class_frame()[["name", "tenant", "counts.submitted", "counts.completed", "demand.limited_by"]]

# %%
weekly = daily.set_index("date")[["compute_sales_operator_capacity_cny", "intermediary_fee_cny",
                                  "colocation_rent_cny", "electricity_cost_cny"]].resample("W").sum() / 1e6
weekly.round(3).head()

# %% [markdown]
# ## Plots
#
# The figures of the result set are matplotlib Figures: show them, or draw your own from the
# frames.

# %%
display(Image(figure_png(utilisation_figure(daily, "qingyang, 60 days: accelerators busy"))))
display(Image(figure_png(revenue_figure(daily, "qingyang, 60 days: cumulative revenue"))))

# %% [markdown]
# ## A result set on disk
#
# What `python -m sim run` writes: summary.json, the series as CSV and Parquet, report.md,
# report.html (one file to open in a browser) and the plots, swapped in as one set.

# %%
from sim.report import write_results

written = write_results(result, work / "qingyang-60d")
print(sorted(p.name for p in written))

# %%
import pandas as pd

pq = pd.read_parquet(work / "qingyang-60d" / "timeseries.parquet")
csv = pd.read_csv(work / "qingyang-60d" / "timeseries.csv")
print(pq.dtypes.value_counts().to_dict())
(pq["operator_net_cny"] - csv["operator_net_cny"]).abs().max()  # the CSV rounds to 6 decimals

# %% [markdown]
# Per-job records, ciw style, come from a trace that watches the run (`run --jobs` writes them
# as jobs.parquet); watching changes nothing in the run.

# %%
from sim.simulation.jobs import JobRecords

records = JobRecords()
traced = sim.run(scenario, trace=records)
jobs = records.frame()
assert traced.summary.jobs.total == result.summary.jobs.total
jobs.groupby("state")["billed_cny"].agg(["count", "sum"]).round(0)

# %% [markdown]
# ## Replications: how sure is a figure?
#
# Each replication runs with its own spawned seed; intervals are 95 % t-intervals.
# `workers=1` runs here, in this process (the default uses every core).

# %%
reps = sim.replicate(scenario, 4, workers=1)
reps.intervals_frame().set_index("metric").loc[["revenue_cny.operator_revenue", "utilisation.overall"]]

# %% [markdown]
# ## Compare: a policy change, with common random numbers
#
# Scenarios as the command line spells them, overrides after an `@`; replication r of each
# sees the same random stream, so the paired difference is much tighter than either mean.

# %%
both = sim.compare(["qingyang", "qingyang@policy.queue=fifo"], 3, horizon_days=30, workers=1)
pd.DataFrame(both.table_rows()).head(8)

# %% [markdown]
# ## A small sweep
#
# A sweep file names a scenario, what to vary and how; here two fees, one replication each,
# 30 days (scenarios/sweeps/ has full-size ones).

# %%
sweep_file = work / "fee.toml"
sweep_file.write_text("""
[sweep]
scenario = "qingyang"
description = "two intermediary fees"
replications = 1
sampling = "grid"
metric = "revenue_cny.operator_revenue"
set = { "scenario.horizon_days" = 30 }

[parameters]
"pricing.intermediary_fee" = { values = [0.05, 0.40] }
""")
fees = sim.sweep(sweep_file, workers=1)
fees.points_frame()

# %% [markdown]
# ## The concession's finance
#
# A scenario with `[finance]` (the three-hub `zhonghe` and its sites) carries NPV, IRR and
# payback. `shaoguan` runs its 20 years here in representative periods: 2 windows of 2 days
# a year, each standing for its half-year (README, "Representative periods").

# %%
from sim.simulation.finance import finance_of

hub = sim.run(sim.load_scenario("shaoguan", ["scenario.sampling={ windows_per_year = 2, window_days = 2 }"]))
fin = finance_of(hub)
v = fin.total.verdict
print(f"NPV {v.npv_fen / 100 / 1e6:,.0f} M CNY at {fin.discount_rate:.1%}, IRR {'none' if v.irr is None else f'{v.irr:.1%}'}, "
      f"discounted payback: {v.discounted_payback_year or 'not within the concession'}")

# %% [markdown]
# ## The claim audit
#
# A scenario with `[claim]` sets what was claimed beside what the power budget and the cards
# allow, every number from the file (`python -m sim audit` prints the same).

# %%
from sim.report.audit import audit_md, audit_of

claimed = sim.load_scenario("qingyang-as-claimed")
display(Markdown(audit_md(audit_of(claimed))))
