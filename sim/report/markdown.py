"""report.md: the key table of one run, in words an analyst can check."""

from __future__ import annotations


def _n(x, digits=0) -> str:
    return f"{x:,.{digits}f}"


def _pct(x) -> str:
    return f"{x * 100:.1f} %"


def _m(cny) -> str:
    return f"{cny / 1e6:,.2f}"


def sampling_md(sampling: dict) -> str:
    """What a sampled run is: said at the top of its report."""
    return (f"**Sampled run**: {sampling['windows']:,} windows, {sampling['simulated_days']:,.0f} of "
            f"{sampling['horizon_days']:,.0f} days simulated ({sampling['method']}). Money and utilisation are "
            f"estimates for the whole horizon, each simulated day standing for about "
            f"{sampling['days_per_simulated_day']:.1f}; job counts and waits are those of the simulated days.")


def report_md(s: dict, sections=()) -> str:
    """The report; `sections` (markdown) go after the by-site table, before the plots."""
    cap, util, jobs = s["capacity"], s["utilisation"], s["jobs"]["total"]
    queued, running = s["jobs"]["queued_at_horizon"], s["jobs"]["running_at_horizon"]
    rev, per_p, w = s["revenue_cny"], s["revenue_per_pflops_year_cny"], s["wait_hours"]
    waiting = s["jobs"]["waiting_at_horizon"]
    planned, now = cap["planned"], cap["at_horizon"]
    lines = [
        f"# {s['scenario']}: {s['horizon_days']:g} days from {s['start_date']}",
        "",
        s["description"],
        "",
        f"Seed {s['seed']}; policy {s['policy']['placement']} / {s['policy']['queue']} / "
        f"{s['policy']['reclaim']}. Every figure comes from one simulated run; see summary.json."
        + (f" Wait, queue and utilisation figures leave out a {s['warmup_days']:g}-day warm-up; money never does."
           if s["warmup_days"] else ""),
        "",
        *([sampling_md(s["sampling"]), ""] if s.get("sampling") else []),
        "## Capacity",
        "",
        "| | planned (full build-out) | online at the horizon |",
        "|---|---:|---:|",
        f"| racks (physical) | {_n(planned['racks'])} | {_n(now['racks'])} |",
        f"| standard racks ({cap['standard_rack_kw']:g} kW each) | {_n(planned['standard_racks'])} | "
        f"{_n(now['standard_racks'])} |",
        f"| rack power budget, kW | {_n(planned['rack_power_kw'])} | {_n(now['rack_power_kw'])} |",
        f"| servers | {_n(planned['servers'])} | {_n(now['servers'])} |",
        f"| accelerators | {_n(planned['accelerators'])} | {_n(now['accelerators'])} |",
        f"| P, FP16 dense | {_n(planned['pflops_fp16_dense'], 1)} | {_n(now['pflops_fp16_dense'], 1)} |",
        f"| P, FP16 sparse | {_n(planned['pflops_fp16_sparse'], 1)} | {_n(now['pflops_fp16_sparse'], 1)} |",
    ]
    if planned.get("pflops_as_stated") is not None:
        lines.append(f"| P, as the claim states it | {_n(planned['pflops_as_stated'], 1)} | "
                     f"{_n(now['pflops_as_stated'], 1)} |")
    over = cap["power"]["rack_groups_over_budget"]
    if over:
        lines += ["", "**Over the power budget** (enforce_power = false): these racks hold more servers "
                  "than their power allows."]
        lines += ["", "| site | rack group | budget kW | servers per rack | allowed by power | needs kW |",
                  "|---|---|---:|---:|---:|---:|"]
        lines += [f"| {g['site']} | {g['rack_group']} | {g['rack_power_kw']:g} | {g['servers_per_rack']} | "
                  f"{g['servers_per_rack_within_power']} | {g['needed_rack_power_kw']:g} |" for g in over]
    lines += [
        "",
        "## Utilisation (busy accelerator-hours / commissioned accelerator-hours)",
        "",
        "| overall | operator capacity | third-party | of which marketplace | of which tenants' own |",
        "|---:|---:|---:|---:|---:|",
        f"| {_pct(util['overall'])} | {_pct(util['operator'])} | {_pct(util['third_party'])} | "
        f"{_pct(util['third_party_marketplace'])} | {_pct(util['third_party_private'])} |",
        "",
        "## Jobs",
        "",
        "| submitted | completed | running at horizon | queued at horizon | abandoned | balked | rejected | "
        "preempted (lost) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {_n(jobs['submitted'])} | {_n(jobs['completed'])} | {_n(running)} | "
        f"{_n(queued)} | {_n(jobs['abandoned'])} | {_n(jobs['balked'])} | "
        f"{_n(jobs['rejected'])} | {_n(jobs['preemptions'])} ({_n(jobs['preempted_lost'])}) |",
        "",
        f"Wait before start, hours (jobs that started): mean {w['mean']:.3g}, p50 {w['p50']:.3g}, "
        f"p90 {w['p90']:.3g}, p99 {w['p99']:.3g}, max {w['max']:.3g}. "
        f"Still waiting at the horizon, never started: {_n(waiting['jobs'])} jobs, their waits so far "
        f"mean {waiting['mean']:.3g} h, max {waiting['max']:.3g} h.",
        "",
        "## Money (million CNY over the horizon)",
        "",
        "| stream | amount |",
        "|---|---:|",
        f"| compute sales on operator capacity | {_m(rev['compute_sales_operator_capacity'])} |",
        f"| compute sales on third-party capacity (gross) | {_m(rev['compute_sales_third_party_capacity'])} |",
        f"| of which intermediary fee, kept by the operator | {_m(rev['intermediary_fee'])} |",
        f"| of which paid out to tenants | {_m(rev['tenant_payouts'])} |",
        f"| colocation rent from tenants | {_m(rev['colocation_rent'])} |",
        f"| electricity, paid by the operator | -{_m(rev['electricity_cost'])} |",
        f"| **operator revenue** | **{_m(rev['operator_revenue'])}** |",
        f"| **operator net (before capex, O&M, tax)** | **{_m(rev['operator_net'])}** |",
        "",
        f"Per P-year ({per_p['basis']}, {_n(per_p['commissioned_pflops_years'], 1)} P-years): marketplace "
        f"sales {_n(per_p['marketplace_sales'])} CNY, operator revenue {_n(per_p['operator_revenue'])} CNY, "
        f"operator net {_n(per_p['operator_net'])} CNY. The seed's price anchor is 120,000 CNY per P-year.",
        "",
        "## By site and owner class",
        "",
        "| site | owner class | accelerators (planned / online) | P dense online | utilisation | own-capacity "
        "sales | fees | rent | electricity | operator net |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in s["by_site"]:
        m = r["revenue_cny"]
        lines.append(
            f"| {r['site']} | {r['owner_class']} | {_n(r['planned']['accelerators'])} / "
            f"{_n(r['at_horizon']['accelerators'])} | {_n(r['at_horizon']['pflops_fp16_dense'], 1)} | "
            f"{_pct(r['utilisation'])} | {_m(m['compute_sales_operator_capacity'])} | {_m(m['intermediary_fee'])} | "
            f"{_m(m['colocation_rent'])} | -{_m(m['electricity_cost'])} | {_m(m['operator_net'])} |")
    for section in sections:
        lines += ["", section.rstrip("\n")]
    lines += [
        "",
        "## Plots",
        "",
        "![utilisation](utilisation.png)",
        "",
        "![revenue](revenue.png)",
        "",
    ]
    return "\n".join(lines)
