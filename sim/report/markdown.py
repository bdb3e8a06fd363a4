"""report.md: the key table of one run, in words an analyst can check."""

from __future__ import annotations

from sim.economics.money import COST_STREAMS, IDENTITIES, LINES, OPERATOR_NET, OPERATOR_REVENUE, REPORT_LABELS, SHORT
from sim.model.demand import class_label
from sim.units import HOURS_PER_YEAR


def _n(x, digits=0) -> str:
    return f"{x:,.{digits}f}"


def _pct(x) -> str:
    return f"{x * 100:.1f} %"


def _m(cny) -> str:
    return f"{cny / 1e6:,.2f}"


def _money_rows(rev: dict) -> list[str]:
    """report.md's money table: every line of the statement (a cost as a negative amount, the
    identities in bold)."""
    bold = {i.name for i in IDENTITIES}
    out = []
    for k in LINES:
        if k in bold:
            out.append(f"| **{REPORT_LABELS[k]}** | **{_m(rev[k])}** |")
        else:
            out.append(f"| {REPORT_LABELS[k]} | {'-' if k in COST_STREAMS else ''}{_m(rev[k])} |")
        if k == OPERATOR_REVENUE.name:  # tenants' power over allowance is billed at cost: revenue without it
            out.append(f"| operator revenue less tenants' power billed at cost (pass-through) | "
                       f"{_m(rev[k] - rev['power_over_allowance'])} |")
    return out


def _site_money(m: dict) -> str:
    """The by-site table's money cells: the streams with short words (costs negative), then net."""
    cells = [f"{'-' if cost else ''}{_m(m[k])}" for k, _, cost in SHORT] + [_m(m[OPERATOR_NET.name])]
    return "".join(f"{c} | " for c in cells).rstrip()


def demand_words(basis: str) -> str:
    """The summary's demand basis in a sentence."""
    if basis == "absolute":
        return ("absolute: every class states its demand (jobs or P-hours per year, or a share of the "
                "market), whatever capacity is built")
    if basis == "follows capacity (what-if)":
        return ("follows capacity (what-if): every class's demand is a fraction of the capacity commissioned, "
                "so more capacity brings more demand by construction")
    return (f"{basis} (those classes' demand is a fraction of the capacity commissioned, so more capacity "
            "brings them more demand by construction; the others state theirs)")


def vat_words(p: dict) -> str:
    words = "VAT included" if p["vat_included"] else "without VAT"
    return words if p["vat_stated"] else f"{words} (the default: the scenario does not say)"


def price_line(p: dict) -> str:
    """The operator's price path, per dense P-year, in one sentence."""
    def show(d):
        return ", ".join(f"{_n(v)} ({k})" for k, v in d.items()) if len(d) > 1 else _n(next(iter(d.values()), 0))

    anchor = (f"{_n(p['cny_per_pflops_year_at_anchor'])} CNY per dense P-year on {p['anchor_date']}, "
              if p["cny_per_pflops_year_at_anchor"] is not None else f"anchored on {p['anchor_date']}, ")
    course = (f"on the market price path {p['path']!r}" + (f" (falling {_pct(p['annual_decline'])} a year)"
                                                           if p["annual_decline"] else "")
              if p.get("path") else f"falling {_pct(p['annual_decline'])} a year")
    idle = [f"{k} {h / HOURS_PER_YEAR:.1f} years below its marginal cost of {p['marginal_cost_cny_per_accelerator_hour'][k]:.3f} "
            f"CNY per card-hour (offered to nobody then: it idles)"
            for k, h in (p.get("hours_below_marginal_cost") or {}).items() if h]
    return (f"{anchor}{course}: {show(p['cny_per_pflops_year_at_start'])} at "
            f"the start, {show(p['cny_per_pflops_year_at_end'])} at the horizon; {vat_words(p)}"
            + ("; " + "; ".join(idle) if idle else ""))


def demand_line(m: dict) -> str:
    """The marketplace's demand and where it went, in one sentence."""
    d = m["marketplace"]
    off = d["offered"]
    limited = ", ".join(m["capacity_limited_classes"]) or "none"
    return (f"{_n(off['pflops_hours'])} dense P-hours offered ({_n(off['jobs'])} jobs), "
            f"{_pct(d['accepted']['pflops_hours'] / off['pflops_hours'] if off['pflops_hours'] else 0)} accepted; "
            f"lost to price {_pct(d['share_lost_to_price'])}, to waiting {_pct(d['share_lost_to_waiting'])}, "
            f"to no capacity {_pct(d['share_lost_to_no_capacity'])}; capacity-limited: {limited}")


def _demand_table(s: dict) -> list[str]:
    m = s["market"]
    lines = [
        "## Demand and where it went",
        "",
        f"Demand: {demand_words(s['demand_basis'])}. Marketplace: {demand_line(m)}.",
        "",
        "P-hours are dense FP16 (a job's accelerators x hours x its class's P per accelerator); CNY is each job's "
        "worth at the quote in force when it arrived. Lost to waiting: abandoned, or never started by the horizon. "
        f"A class is capacity-limited when more than {_pct(m['capacity_limited_above'])} of its offered P-hours "
        "were lost to waiting or no capacity, demand-limited otherwise.",
        "",
        "| class | basis | offered P-h | accepted P-h | lost to price | lost to waiting | lost to no capacity | "
        "offered, M CNY | accepted, M CNY | billed, M CNY | limited by |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in s["jobs"]["by_class"]:
        d = c["demand"]
        label = class_label(c["tenant"], c["name"])
        basis = "absolute" if c["demand_basis"] == "absolute" else "follows capacity (what-if)"
        lines.append(
            f"| {label} | {basis} | {_n(d['offered']['pflops_hours'])} | {_n(d['accepted']['pflops_hours'])} | "
            f"{_pct(d['share_lost_to_price'])} | {_pct(d['share_lost_to_waiting'])} | "
            f"{_pct(d['share_lost_to_no_capacity'])} | {_m(d['offered']['value_cny'])} | "
            f"{_m(d['accepted']['value_cny'])} | {_m(d['billed_cny'])} | {d['limited_by']} |")
    if m["outside_price_cny_per_pflops_year_at_start"] is not None:
        lines += ["", f"Competing centres' price (the outside option), CNY per dense P-year: "
                  f"{_n(m['outside_price_cny_per_pflops_year_at_start'])} at the start, "
                  f"{_n(m['outside_price_cny_per_pflops_year_at_end'])} at the horizon."]
    return lines + _markets_table(m.get("by_market")) + [""]


def _markets_table(rows) -> list[str]:
    """One row per named market: the demand of the classes that take a share of it."""
    if not rows:
        return []
    lines = ["", "By market (the classes that take a share of each; offered and accepted in dense P-hours):", "",
             "| market | reaching the operator | marketplace offered | accepted | tenants' own offered | accepted | "
             "outside price at start / horizon, CNY per P-year |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        mp, own = r["marketplace"], r["tenants_own"]
        out = r["outside_price_cny_per_pflops_year_at_start"]
        outside = (f"{_n(out)} / {_n(r['outside_price_cny_per_pflops_year_at_end'])}" if out is not None else "none")
        share = f"{r['share_reaching_operator'] * 100:.3g} %"  # shares below 1 % (0.75 %) keep their digits
        lines.append(f"| {r['name']} | {share} | {_n(mp['offered']['pflops_hours'])} | "
                     f"{_n(mp['accepted']['pflops_hours'])} | {_n(own['offered']['pflops_hours'])} | "
                     f"{_n(own['accepted']['pflops_hours'])} | {outside} |")
    return lines


def sampling_md(sampling: dict) -> str:
    """What a sampled run is: said at the top of its report."""
    return (f"**Sampled run**: {sampling['windows']:,} windows, {sampling['simulated_days']:,.0f} of "
            f"{sampling['horizon_days']:,.0f} days simulated ({sampling['method']}). Money and utilisation are "
            f"estimates for the whole horizon, each simulated day standing for about "
            f"{sampling['days_per_simulated_day']:.1f}; job counts and waits are those of the simulated days.")


def report_md(s: dict, sections=(), top=()) -> str:
    """The report; `top` (markdown: the verdict on the claim) goes under the title and the
    description, `sections` after the by-site table, before the plots."""
    lines = _head(s, top) + _capacity(s["capacity"]) + _utilisation(s["utilisation"])
    lines += _demand_table(s)
    lines += _jobs(s["jobs"], s["wait_hours"]) + _money(s)
    if s.get("leasing"):
        lines += _leasing(s["leasing"], s["by_site"])
    if s.get("contracts"):
        lines += _contracts(s["contracts"])
    if s.get("failures"):
        lines += _failures(s["failures"])
    if s.get("fractions"):
        lines += _fractions(s["fractions"])
    if s.get("services"):
        lines += _services(s["services"])
    lines += _by_site(s["by_site"])
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


def _head(s: dict, top) -> list[str]:
    """Title, description, the verdict (`top`), seed and policy, sampling, the demand basis."""
    return [
        f"# {s['scenario']}: {s['horizon_days']:g} days from {s['start_date']}",
        "",
        s["description"],
        "",
        *(part for t in top for part in (t.rstrip("\n"), "")),
        f"Seed {s['seed']}; policy {s['policy']['placement']} / {s['policy']['queue']} / "
        f"{s['policy']['reclaim']}. Every figure comes from one simulated run; see summary.json."
        + (f" Wait, queue and utilisation figures leave out a {s['warmup_days']:g}-day warm-up; money never does."
           if s["warmup_days"] else ""),
        "",
        *([sampling_md(s["sampling"]), ""] if s.get("sampling") else []),
        f"Demand: {demand_words(s['demand_basis'])}.",
        "",
    ]


def _capacity(cap: dict) -> list[str]:
    planned, now = cap["planned"], cap["at_horizon"]
    lines = [
        "## Capacity",
        "",
        "| | planned (full build-out) | online at the horizon |",
        "|---|---:|---:|",
        f"| racks (physical), built | {_n(planned['racks'])} | {_n(now['racks'])} |",
        f"| racks in use (operator's; tenants' under lease) | {_n(planned['racks_in_use'])} | "
        f"{_n(now['racks_in_use'])} |",
        f"| standard racks ({cap['standard_rack_kw']:g} kW each) | {_n(planned['standard_racks'])} | "
        f"{_n(now['standard_racks'])} |",
        f"| rack power budget, kW | {_n(planned['rack_power_kw'])} | {_n(now['rack_power_kw'])} |",
        f"| servers | {_n(planned['servers'])} | {_n(now['servers'])} |",
        f"| accelerators | {_n(planned['accelerators'])} | {_n(now['accelerators'])} |",
        f"| P, FP16 dense | {_n(planned['pflops_fp16_dense'], 1)} | {_n(now['pflops_fp16_dense'], 1)} |",
        f"| P, FP16 sparse | {_n(planned['pflops_fp16_sparse'], 1)} | {_n(now['pflops_fp16_sparse'], 1)} |",
    ]
    if planned.get("pflops_as_stated_per_card") is not None:
        lines.append(f"| P, as the claim states it per card (never priced) | "
                     f"{_n(planned['pflops_as_stated_per_card'], 1)} | {_n(now['pflops_as_stated_per_card'], 1)} |")
    if planned.get("pflops_as_stated_per_server") is not None:
        lines.append(f"| P, as the claim states it per server (never priced) | "
                     f"{_n(planned['pflops_as_stated_per_server'], 1)} | {_n(now['pflops_as_stated_per_server'], 1)} |")
    over = cap["power"]["rack_groups_over_budget"]
    if over:
        lines += ["", "**Over the power budget** (enforce_power = false): these racks hold more servers "
                  "than their power allows."]
        lines += ["", "| site | rack group | budget kW | servers per rack | allowed by power | needs kW |",
                  "|---|---|---:|---:|---:|---:|"]
        lines += [f"| {g['site']} | {g['rack_group']} | {g['rack_power_kw']:g} | {g['servers_per_rack']} | "
                  f"{g['servers_per_rack_within_power']} | {g['needed_rack_power_kw']:g} |" for g in over]
    return lines


def _utilisation(util: dict) -> list[str]:
    return [
        "",
        "## Utilisation (busy accelerator-hours / commissioned accelerator-hours)",
        "",
        "| overall | operator capacity | third-party | of which marketplace | of which tenants' own |",
        "|---:|---:|---:|---:|---:|",
        f"| {_pct(util['overall'])} | {_pct(util['operator'])} | {_pct(util['third_party'])} | "
        f"{_pct(util['third_party_marketplace'])} | {_pct(util['third_party_private'])} |",
        "",
    ]


def _jobs(all_jobs: dict, w: dict) -> list[str]:
    jobs, waiting = all_jobs["total"], all_jobs["waiting_at_horizon"]
    queued, running = all_jobs["queued_at_horizon"], all_jobs["running_at_horizon"]
    return [
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
    ]


def _money(s: dict) -> list[str]:
    rev, per_p = s["revenue_cny"], s["revenue_per_pflops_year_cny"]
    return [
        "## Money (million CNY over the horizon)",
        "",
        f"Prices: {price_line(s['prices'])}. Every money figure is {vat_words(s['prices'])}.",
        "",
        "| stream | amount |",
        "|---|---:|",
        *_money_rows(rev),
        "",
        f"Per P-year ({per_p['basis']}, {_n(per_p['commissioned_pflops_years'], 1)} P-years): marketplace "
        f"sales {_n(per_p['marketplace_sales'])} CNY, operator revenue {_n(per_p['operator_revenue'])} CNY, "
        f"operator net {_n(per_p['operator_net'])} CNY. The seed's price anchor is 120,000 CNY per P-year.",
        "",
    ]


def _failures(f: dict) -> list[str]:
    return [
        "## Server failures",
        "",
        f"Availability {_pct(f['availability'])} (configured {_pct(f['configured_availability'])}): "
        f"{_n(f['failures'])} failures, {_n(f['servers_down_at_horizon'])} servers down at the horizon. "
        f"{_n(f['jobs_stopped'])} jobs stopped ({f['stopped_jobs']}; {_n(f['jobs_lost'])} lost), "
        f"{_n(f['accelerator_hours_lost'])} accelerator-hours thrown away, "
        f"{_m(f['revenue_lost_cny'])} M CNY not charged for them.",
        "",
    ]


def _fractions(f: dict) -> list[str]:
    return [
        "## Shares of one card",
        "",
        f"Allocation rate {_pct(f['allocation_rate'])} of the accelerator-hours commissioned (shares pro rata; "
        f"cards held, a shared card whole: {_pct(f['busy_rate'])}). {_n(f['fractional_accelerator_hours'])} "
        f"accelerator-hours of shares on {_n(f['shared_card_hours'])} shared card-hours. Fragmented: "
        f"{_pct(f['fragmentation_rate_daily_mean'])} of the free capacity on average over "
        f"{_n(f['fragmentation_daily_samples'])} daily samples; at the horizon "
        f"{_n(f['free_accelerators_at_horizon'], 1)} accelerators free, {_pct(f['fragmentation_rate_at_horizon'])} "
        "of them fragmented (unusable by a job drawn from the joined jobs' shapes; Weng et al., ATC'23).",
        "",
    ]


def _services(v: dict) -> list[str]:
    rows = [f"| {name} | {_n(x['requests'])} | {_pct(x['goodput_rate'])} | {_pct(x['violation_rate'])} | "
            f"{_n(x['replica_hours'])} | {_n(x['busy_accelerator_hours'])} | {x['token_sales_cny'] / 1e6:,.2f} | "
            f"{x['revenue_per_busy_accelerator_hour_cny']:,.2f} |" for name, x in v["by_service"].items()]
    return [
        "## Inference services",
        "",
        "Requests within the replicas' capacity are served within the objective (goodput); the rest violate it.",
        "",
        "| service | requests | goodput | violations | replica-hours | busy accelerator-hours | token sales, M CNY "
        "| CNY per busy accelerator-hour |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        f"| work billed by the hour | | | | | {_n(v['hourly_work_busy_accelerator_hours'])} | "
        f"{v['hourly_work_sales_cny'] / 1e6:,.2f} | {v['hourly_work_revenue_per_busy_accelerator_hour_cny']:,.2f} |",
        "",
    ]


def _by_site(rows) -> list[str]:
    lines = [
        "## By site and owner class",
        "",
        "| site | owner class | racks built / in use, online | accelerators (planned / online) | P dense online | "
        f"utilisation | {''.join(f'{words} | ' for _, words, _ in SHORT)}{OPERATOR_NET.label} |",
        "|---|---|---:|---:|---:|---:|" + "---:|" * (len(SHORT) + 1),
    ]
    for r in rows:
        m = r["revenue_cny"]
        lines.append(
            f"| {r['site']} | {r['owner_class']} | {_n(r['at_horizon']['racks'])} / "
            f"{_n(r['at_horizon']['racks_in_use'])} | {_n(r['planned']['accelerators'])} / "
            f"{_n(r['at_horizon']['accelerators'])} | {_n(r['at_horizon']['pflops_fp16_dense'], 1)} | "
            f"{_pct(r['utilisation'])} | {_site_money(m)}")
    return lines


def _leasing(le: dict, by_site: list) -> list[str]:
    """Tenants' racks leased against built: an output when leasing follows demand."""
    total = le["total"]
    third = [r["revenue_cny"] for r in by_site if r["owner_class"] == "third-party"]
    power = sum(m["electricity_cost"] for m in third)
    over = sum(m["power_over_allowance"] for m in third)
    check = (f" Check beside it (not an input): {_pct(le['check_share'])}, {le['check_source']}."
             if le.get("check_share") is not None else "")
    lines = [
        "## Tenants' leasing",
        "",
        f"Leased share of tenants' racks built: {_pct(total['share_at_horizon'])} at the horizon, "
        f"{_pct(total['mean_share'])} of rack-hours built over the run.{check}",
        "",
        f"Rent includes power: the operator paid {_m(power)} M CNY for tenants' servers' power (their own and "
        f"marketplace work, idle draw included) and billed {_m(over)} M of it on above their allowance: "
        f"{_m(power - over)} M is a cost of the rent, and grows with their demand.",
        "",
        "| tenant | leasing | rent includes power | racks built | leased at horizon | share at horizon | "
        "share of rack-hours |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for t in le["tenants"]:
        r = t["racks"]
        lines.append(f"| {t['tenant']} | {t['basis']} | {t['rent_includes_power']} | {_n(r['racks_built'])} | "
                     f"{_n(r['racks_leased'])} | {_pct(r['share_at_horizon'])} | {_pct(r['mean_share'])} |")
    lines += [f"| site {r['name']} | | | {_n(r['racks_built'])} | {_n(r['racks_leased'])} | "
              f"{_pct(r['share_at_horizon'])} | {_pct(r['mean_share'])} |" for r in le["by_site"]]
    kept = [t for t in le["tenants"] if t["kept_past_term"]]
    if kept:
        lines += ["", "Kept past their term (demand would have let them go; racks never leave service "
                  "in this model, so rent runs on): " + "; ".join(
                      f"{t['tenant']} up to {_n(t['kept_past_term'])} racks from {t['kept_from']}" for t in kept) + "."]
    return lines + [""]


def _contracts(c: dict) -> list[str]:
    cap = c["commissioned_accelerator_hours"]
    share = (lambda h: _pct(h / cap)) if cap else (lambda h: "-")
    return [
        "## Lease contracts and on-demand sales",
        "",
        f"Lease classes: {', '.join(c['classes'])}. Contracts signed {_n(c['signed'])}, started {_n(c['started'])}, "
        f"ended {_n(c['ended'])}, running at the horizon {_n(c['running_at_horizon'])}.",
        "",
        "| | sales, million CNY | accelerator-hours | share of commissioned capacity |",
        "|---|---:|---:|---:|",
        f"| contracts | {_m(c['contract_sales_cny'])} | {_n(c['contract_accelerator_hours'])} | "
        f"{share(c['contract_accelerator_hours'])} |",
        f"| on demand | {_m(c['on_demand_sales_cny'])} | {_n(c['on_demand_accelerator_hours'])} | "
        f"{share(c['on_demand_accelerator_hours'])} |",
        "",
        f"Contract sales: {_m(c['contract_sales_operator_capacity_fen'] / 100)} M CNY on operator capacity, "
        f"{_m(c['contract_sales_third_party_capacity_fen'] / 100)} M on tenants' (gross); of all, "
        f"{_m(c['take_or_pay_fen'] / 100)} M take-or-pay for terms left early.",
        "",
    ]
