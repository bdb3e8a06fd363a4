"""report.html: report.md's content in one self-contained page, checked as text and in a real
browser (headless Chromium over the DevTools protocol, tests/browser.py)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from browser import Browser, chromium

import sim
from sim.report import render
from sim.report.html import markdown_html
from sim.report.plots import periods

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def claimed():
    """qingyang-as-claimed (it has [claim], so its report carries the audit), 40 days."""
    result = sim.run(sim.load_scenario(ROOT / "scenarios" / "qingyang-as-claimed.toml"), horizon_days=40)
    return result, render(result)


def _text(page: str) -> str:
    """What a reader reads: no script, style, SVG or tags."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _words(text: str) -> Counter:
    return Counter(re.findall(r"[^\s|*#`]+", text))


def test_every_word_of_report_md_is_in_the_page(claimed):
    _, files = claimed
    md, page = files["report.md"].decode(), files["report.html"].decode()
    md_words = _words(re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md).replace("|---", " ").replace("---:", " "))
    md_words = Counter({w: n for w, n in md_words.items() if set(w) - set("-:")})
    missing = md_words - _words(_text(page))
    assert not missing, f"report.md words missing from report.html: {list(missing)[:10]}"
    for heading in re.findall(r"^#+ (.*)$", md, flags=re.M):
        assert f">{html.escape(heading, quote=False)}</h" in page


def test_the_page_needs_nothing_from_outside(claimed):
    _, files = claimed
    page = files["report.html"].decode()
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page, flags=re.I)
    assert all(r.startswith(("#", "data:")) for r in refs), refs
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    # Each plot of report.md is there as SVG, with one hover box per plotted period.
    result, _ = claimed
    assert page.count('<figure class="plot"><svg') == files["report.md"].decode().count("![")
    n_periods = len(periods(result.daily_frame())[0])
    assert page.count("<rect x=") >= 2 * n_periods  # matplotlib draws its own rects as paths


def test_the_page_is_the_same_for_the_same_run(claimed):
    result, files = claimed
    assert render(result)["report.html"] == files["report.html"]


def test_markdown_blocks():
    out = markdown_html("# T\n\nA **b** `c` x < y.\n\n| a | b |\n|---|---:|\n| 1 | 2 |\n\n- one\n- two\n\n> said\n\n"
                        "![p](p.png)\n\n![q](q.png)", {"p.png": "<svg>P</svg>"})
    assert "<h1>T</h1>" in out and "<p>A <strong>b</strong> <code>c</code> x &lt; y.</p>" in out
    assert '<th class="left">a</th><th class="right">b</th>' in out and '<td class="right">2</td>' in out
    assert "<ul><li>one</li><li>two</li></ul>" in out and "<blockquote><p>said</p></blockquote>" in out
    assert '<figure class="plot"><svg>P</svg></figure>' in out and "<p>[q: q.png]</p>" in out


# --- in a browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; .ci/run installs it "
                    "when run as root)")
    b = Browser(exe)
    yield b
    b.close()


def test_the_page_loads_in_chromium_without_errors_and_shows_the_report(claimed, browser, tmp_path):
    _, files = claimed
    path = tmp_path / "report.html"
    path.write_bytes(files["report.html"])
    browser.open(path.as_uri())
    assert browser.problems() == []
    assert browser.requests() == [path.as_uri()]  # nothing fetched but the page itself
    assert browser.eval("document.documentElement.dataset.ready") == "1"  # its script ran to the end
    shown = browser.eval("document.body.innerText")
    md = files["report.md"].decode()
    # The report's opening lines (title, and the verdict once report.md starts with it) and the audit.
    opening = [ln.strip("# ") for ln in md.splitlines() if ln.strip() and not ln.startswith("|")][:4]
    flat = "".join(shown.split())  # tags become spaces in _text: compare the text, not its spacing
    for line in opening:
        assert "".join(_text(markdown_html(line, {})).split()) in flat
    assert any("The claim in brief" in ln for ln in opening)  # the verdict comes first
    assert "The claim audit" in shown
    summary = json.loads(files["summary.json"])
    assert browser.eval("document.title") == f"{summary['scenario']}: computesim report"


def test_hovering_a_plot_shows_that_days_values(claimed, browser, tmp_path):
    result, files = claimed
    path = tmp_path / "report.html"
    path.write_bytes(files["report.html"])
    browser.open(path.as_uri())
    n = int(browser.eval("document.documentElement.dataset.hoverBoxes"))
    days = result.daily_frame()
    assert n == 2 * len(days)  # a column per day on utilisation and revenue (no finance here)
    day = 17
    x, y = browser.eval(f"""(function(){{var r=document.querySelectorAll('.hover')[0].children[{day}];
        r.scrollIntoView({{block:'center'}});var q=r.getBoundingClientRect();return [q.x+q.width/2,q.y+q.height/2]}})()""")
    browser.mouse_move(x, y)
    display, tip = browser.eval("[document.getElementById('tip').style.display, document.getElementById('tip').textContent]")
    row = days.iloc[day]
    assert display == "block" and tip.startswith(f"{row['date']:%Y-%m-%d}, daily mean")
    assert f"commissioned: {row['commissioned_accelerators']:,.0f} accelerators" in tip
    browser.mouse_move(1, 1)
    assert browser.eval("document.getElementById('tip').style.display") == "none"


SWEEP = """
[sweep]
scenario = "qingyang"
description = "a test sweep"
replications = 1
sampling = "grid"
metric = "revenue_cny.operator_revenue"
set = {{ "scenario.horizon_days" = 10 }}
[parameters]
{parameters}
"""


@pytest.mark.parametrize("parameters, plot", [
    ('"pricing.intermediary_fee" = { values = [0.05, 0.2, 0.4] }', "line.png"),
    ('"pricing.intermediary_fee" = { values = [0.05, 0.4] }\n'
     '"pricing.price_cny_per_pflops_year" = { values = [60000, 140000] }', "heatmap.png"),
])
def test_hovering_a_sweep_plot_shows_that_points_mean(browser, tmp_path, parameters, plot):
    from sim.report.experiments import sweep_files

    path = tmp_path / "s.toml"
    path.write_text(SWEEP.format(parameters=parameters))
    result = sim.sweep(path, workers=1)
    files = sweep_files(result)
    assert plot in files
    (tmp_path / "report.html").write_bytes(files["report.html"])
    browser.open((tmp_path / "report.html").as_uri())
    assert browser.problems() == [] and browser.eval("document.documentElement.dataset.ready") == "1"
    points = [r for r in result.point_rows() if r["metric"] == "revenue_cny.operator_revenue"]
    assert int(browser.eval("document.documentElement.dataset.hoverBoxes")) == len(points)
    for i, p in enumerate(points):
        x, y = browser.eval(f"""(function(){{var r=document.querySelectorAll('.hover')[0].children[{i}];
            r.scrollIntoView({{block:'center'}});var q=r.getBoundingClientRect();return [q.x+q.width/2,q.y+q.height/2]}})()""")
        browser.mouse_move(x, y)
        tip = browser.eval("document.getElementById('tip').textContent")
        assert tip.startswith(f"point {p['point']}: pricing.intermediary_fee = {p['pricing.intermediary_fee']:,.4g}")
        assert f"mean {p['mean'] / 1e6:,.4g}" in tip
