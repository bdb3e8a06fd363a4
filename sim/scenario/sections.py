"""The optional sections that describe the verdict rather than the marketplace: `[finance]`,
`[claim]` and `[scenario] sampling`. Each reader collects its problems like the rest of the
loader (`file: key: problem`) and returns None when the section is absent or wrong."""

from __future__ import annotations

from sim.model.claim import Claim, Reported, Span
from sim.model.finance import (
    EXIT_METHODS,
    HAND_BACK,
    REFRESH_RULES,
    TERMINAL_WORDS,
    TIMINGS,
    Exit,
    Finance,
    ServerFinance,
    Timing,
    Vat,
)
from sim.model.sampling import Sampling
from sim.model.site import OPERATOR
from sim.scenario.fields import MISSING, Table, check_number, describe, did_you_mean, key_text
from sim.units import DAYS_PER_YEAR
from sim.workload.windows import compressed

MAX_YEARS = 100  # a concession or an asset life; the model limits a run to 100 years too


def read_sampling(meta: Table) -> Sampling | None:
    """`sampling = { windows_per_year = N, window_days = D, warmup_days = U, lead_in_days = L }`,
    or false (off)."""
    v = meta.raw("sampling", False)
    if v is MISSING or v is False:
        return None
    if not isinstance(v, dict):
        meta.error("sampling", f"must be a table {{ windows_per_year = N, window_days = D }} or false, got {describe(v)}")
        return None
    t = meta.table("sampling")
    per_year = t.number("windows_per_year", integer=True, ge=1, le=DAYS_PER_YEAR)
    days = t.number("window_days", integer=True, ge=1)
    warm = t.number("warmup_days", 0, integer=True, ge=0)
    lead = t.number("lead_in_days", 0, integer=True, ge=0, le=DAYS_PER_YEAR)
    t.done()
    if None in (per_year, days, warm, lead):
        return None
    period = DAYS_PER_YEAR // per_year
    if days + warm > period:
        t.error("window_days", f"a window of {days} day(s) after {warm} warm-up day(s) does not fit in a period of "
                f"{period} days ({per_year} per year)")
        return None
    return Sampling(per_year, days, warm, lead)


def budget_scenario(scenario):
    """The scenario whose jobs the work budget counts: the compressed one when sampled."""
    if scenario.sampling is None:
        return scenario
    return compressed(scenario, scenario.sampling)[0]


def read_finance(root: Table, declared_servers, sites, vat_included: bool = True) -> Finance | None:
    t = root.table("finance", required=False)
    if t is None:
        return None
    years = t.number("concession_years", integer=True, ge=1, le=MAX_YEARS)
    rate = t.number("discount_rate", ge=0, lt=1)
    tax = t.number("tax_rate", ge=0, lt=1)
    carry = t.number("loss_carry_forward_years", 0, integer=True, ge=0, le=MAX_YEARS)
    building = t.number("building_cny_per_mw_it", ge=0)
    building_life = t.number("building_life_years", integer=True, ge=1, le=MAX_YEARS)
    mep = t.number("mep_cny_per_mw_it", ge=0)
    mep_life = t.number("mep_life_years", integer=True, ge=1, le=MAX_YEARS)
    om_rack = t.number("om_cny_per_standard_rack_year", ge=0)
    exit_ = _exit(t)
    timing = _timing(t)
    vat = _vat(t)
    land = t.number("land_cny_per_mw_it", 0.0, ge=0)
    land_life = t.number("land_life_years", 50, integer=True, ge=1, le=MAX_YEARS)
    prop_tax = t.number("property_tax_rate", 0.0, ge=0, lt=1)
    insurance = t.number("insurance_rate", 0.0, ge=0, lt=1)
    overheads = t.number("overheads_cny_per_site_year", 0.0, ge=0)
    refresh = t.string("refresh", "always", choices=REFRESH_RULES)
    models = {}
    for name, st in t.tables("servers", required=False):
        if name not in declared_servers:
            st.error("", f"no server named {name!r} in [servers]" + did_you_mean(name, declared_servers))
        price = st.number("price_cny", ge=0)
        change = st.number("price_change_per_year", 0.0, gt=-1, le=10)
        life = st.number("life_years", integer=True, ge=1, le=MAX_YEARS)
        om = st.number("om_cny_per_year", ge=0)
        st.done()
        if None not in (price, change, life, om):
            models[name] = ServerFinance(price, change, life, om)
    t.done()
    declared = t.data.get("servers") if isinstance(t.data.get("servers"), dict) else {}
    ok = True
    missing: dict[str, str] = {}  # server -> where operator-owned racks hold it
    for site in sites:
        for g in site.rack_groups:
            if g.owner == OPERATOR and g.server.name not in models:
                ok = False  # bought by the operator, so it needs a price
                if g.server.name not in declared:
                    missing.setdefault(g.server.name, f"sites.{key_text(site.name)}.racks.{key_text(g.name)}")
    for name, where in missing.items():
        t.problems.add(f"{t.key('servers')}.{key_text(name)}", f"missing: operator-owned racks ({where}) hold this server, so the "
                "operator buys it and its price is needed")
    if vat is not None and not vat_included:
        t.error("vat", "[pricing] says prices exclude VAT (vat_included = false): there is no VAT in them to net; "
                "remove [finance] vat or set vat_included = true")
        ok = False
    if not ok or exit_ is None or timing is None or vat is False or None in (
            years, rate, tax, carry, building, building_life, mep, mep_life, om_rack, land, land_life, prop_tax,
            insurance, overheads, refresh):
        return None
    return Finance(years, rate, tax, carry, building, building_life, mep, mep_life, om_rack, exit_, models, timing,
                   vat or None, land, land_life, prop_tax, insurance, overheads, refresh)


VAT_KEYS = ("services", "rent", "power_resale", "electricity", "equipment", "construction", "om")


def _vat(t: Table):
    """`vat = { services = 0.06, rent = 0.06, ... }` (every rate given): net VAT out of prices
    that include it. None when absent; False when wrong."""
    if not t.has("vat"):
        t.raw("vat", False)
        return None
    v = t.table("vat", required=False)
    if v is None:
        return False
    rates = [v.number(k, ge=0, lt=1) for k in VAT_KEYS]
    v.done()
    return False if None in rates else Vat(*rates)


def _timing(t: Table) -> Timing | None:
    """`timing = { capex = "start", operations = "mid" }`, each optional (those the defaults)."""
    e = t.table("timing", required=False)
    if e is None:
        return None if t.has("timing") else Timing()
    capex = e.string("capex", Timing().capex, choices=TIMINGS)
    ops = e.string("operations", Timing().operations, choices=TIMINGS)
    e.done()
    return None if None in (capex, ops) else Timing(capex, ops)


def _exit(t: Table) -> Exit | None:
    """The terminal value: `exit = "hand-back"` (also when left out), `exit = "dcf"`,
    `exit = { cap_rate = 0.059 }` or `exit = { ev_ebitda = 16.9 }`."""
    v = t.raw("exit", False)
    if v is MISSING:
        return HAND_BACK
    if isinstance(v, str):
        if v not in TERMINAL_WORDS:
            t.error("exit", f"must be one of {', '.join(TERMINAL_WORDS)}, or a table with cap_rate or ev_ebitda, "
                            f"got {v!r}")
            return None
        return Exit(v)
    e = t.table("exit")
    if e is None:
        return None
    given = [k for k in EXIT_METHODS if e.has(k)]
    if len(given) != 1:
        for k in e.data:
            e.raw(k, False)
        e.error("", f"give exactly one of {' or '.join(EXIT_METHODS)}, got {', '.join(given) or 'neither'}")
        e.done()
        return None
    method = given[0]
    value = e.number(method, gt=0, le=1 if method == "cap_rate" else 1000)
    e.done()
    return None if value is None else Exit(method, value)


def _span(t: Table, k: str) -> Span | None:
    """A positive number, or [low, high] for one known only within a range."""
    v = t.raw(k)
    if v is MISSING:
        return None
    if isinstance(v, list):
        if len(v) != 2:
            t.error(k, f"must be a number or [low, high], got an array of {len(v)}")
            return None
        lo, hi = (check_number(t, f"{k}[{i}]", x, gt=0) for i, x in enumerate(v))
        if None in (lo, hi):
            return None
        if lo > hi:
            t.error(k, f"must be [low, high] with low <= high, got {v!r}")
            return None
        return Span(float(lo), float(hi))
    x = check_number(t, k, v, gt=0)
    return None if x is None else Span(float(x), float(x))


def read_claim(root: Table) -> Claim | None:
    t = root.table("claim", required=False)
    if t is None:
        return None
    source = t.string("source")
    sites = t.number("sites", integer=True, ge=1)
    racks = t.number("standard_racks_per_site", gt=0)
    per_rack = t.number("servers_per_rack", integer=True, ge=1)
    per_server = t.number("accelerators_per_server", integer=True, ge=1)
    p_card = t.number("pflops_per_accelerator", gt=0)
    p_server = t.number("pflops_per_server", gt=0)
    p_total = t.number("pflops_total", gt=0)
    dense, sparse, power, cap = (_span(t, k) for k in ("accelerator_pflops_dense", "accelerator_pflops_sparse",
                                                         "server_power_kw", "market_cap_cny"))
    built = t.number("built_rack_kw", gt=0)
    price = t.number("price_cny_per_pflops_year", gt=0)
    whole = t.string("whole_claim_scenario", "")  # a one-site share: the scenario of the whole claim
    reported = []
    ok = True
    if t.has("reported"):
        for r in t.array_of_tables("reported"):
            what, p = r.string("what"), r.number("pflops", gt=0)
            r.done()
            if None in (what, p):
                ok = False
            else:
                reported.append(Reported(what, p))
    t.done()
    values = (source, sites, racks, per_rack, per_server, p_card, p_server, p_total, built, price)
    if not ok or None in values or dense is None or sparse is None or power is None or cap is None:
        return None
    if sparse.lo < dense.lo or sparse.hi < dense.hi:
        t.error("accelerator_pflops_sparse", "must be >= accelerator_pflops_dense")
        return None
    return Claim(source, sites, racks, per_rack, per_server, p_card, p_server, p_total, dense, sparse, power,
                 built, cap, price, tuple(reported), whole or None)
