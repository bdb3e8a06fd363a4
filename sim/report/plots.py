"""The two plots of a run: utilisation over time and revenue by stream (PNG bytes)."""

from __future__ import annotations

import datetime as dt
import io

import matplotlib
import numpy as np

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402

STREAMS = (
    ("compute_sales_operator_capacity_cny", "compute sales, operator capacity"),
    ("intermediary_fee_cny", "intermediary fee (third-party sales)"),
    ("colocation_rent_cny", "colocation rent"),
    ("tenant_payouts_cny", "paid out to tenants"),
    ("electricity_cost_cny", "electricity (cost)"),
)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _dates(rows):
    return [dt.date.fromisoformat(r["date"]) for r in rows]


def utilisation_png(rows: list[dict], title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = _dates(rows)
    op = [r["busy_operator"] for r in rows]
    market = [r["busy_third_party_marketplace"] for r in rows]
    private = [r["busy_third_party_private"] for r in rows]
    ax.stackplot(x, op, market, private, labels=[
        "busy: operator capacity", "busy: third-party, marketplace", "busy: third-party, tenant's own"],
        alpha=0.8)
    ax.plot(x, [r["commissioned_accelerators"] for r in rows], color="black", lw=1.2,
            label="commissioned accelerators")
    ax.set_ylabel("accelerators (daily mean)")
    ax2 = ax.twinx()
    ax2.plot(x, [r["utilisation"] * 100 for r in rows], color="tab:red", lw=0.8, ls="--",
             label="utilisation (%)")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("utilisation, %")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)


def revenue_png(rows: list[dict], title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = _dates(rows)
    def cumulative_millions(key):
        return np.cumsum([r[key] for r in rows]) / 1e6

    for key, label in STREAMS:
        ax.plot(x, cumulative_millions(key), label=label)
    ax.plot(x, cumulative_millions("operator_net_cny"), color="black", lw=2, label="operator net")
    ax.set_ylabel("cumulative, million CNY")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)
