"""report.html: report.md for a browser, in one file that needs no network.

The page is report.md itself turned into HTML (so whatever report.md says, in its order, the
page says), with each `![name](name.png)` replaced by the same matplotlib figure as SVG, inline.
Plots answer hover: a transparent column per period (a box per cell or point on sweep plots)
carries its values in an SVG <title>, which a browser shows as a tooltip with no script at all;
a few lines of inline script show the same text at once in a box beside the pointer.

Why no plotting library for the browser (plotly, Vega): their JavaScript (plotly.min.js is
about 4.6 MB) would go into every report, and the lock would carry one more package and its
bundle; the figures would also differ from the PNGs beside them. matplotlib is already here,
its SVG is deterministic with a fixed hash salt and no date, and the pages stay small.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from typing import Any

import attrs
import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

SVG_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "computesim", "svg.image_inline": True}


@attrs.frozen
class Region:
    """A hover box on `ax` in data units; y0/y1 None: the axes' full height, or down to the
    bottom of `down_to` (another axes under it sharing x)."""

    ax: Axes
    x0: float
    x1: float
    text: str
    y0: float | None = None
    y1: float | None = None
    down_to: Axes | None = None


def figure_svg(fig: Figure, regions: Sequence[Region] = ()) -> str:
    """The figure as an <svg> element (no XML prolog) with the hover boxes drawn on top."""
    buf = io.StringIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    if regions:
        # Read the layout now: saving ran constrained layout, and positions are figure fractions.
        w_pt, h_pt = (v * 72 for v in fig.get_size_inches())
        boxes = [_box(fig, r, w_pt, h_pt) for r in regions]
        rects = "".join(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}">'
                        f"<title>{html.escape(text)}</title></rect>" for x, y, w, h, text in boxes)
        end = svg.rindex("</svg>")
        svg = f'{svg[:end]}<g class="hover">{rects}</g>\n{svg[end:]}'
    if fig.canvas.manager is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return svg


def _box(fig: Figure, r: Region, w_pt: float, h_pt: float):
    to_frac = fig.transFigure.inverted()
    pos = r.ax.get_position()
    if r.y0 is None or r.y1 is None:
        bottom = (r.down_to or r.ax).get_position().y0
        (fx0, _), (fx1, _) = to_frac.transform(r.ax.transData.transform([(r.x0, 0.0), (r.x1, 0.0)]))
        fy0, fy1 = bottom, pos.y1
    else:
        (fx0, fy0), (fx1, fy1) = to_frac.transform(r.ax.transData.transform([(r.x0, r.y0), (r.x1, r.y1)]))
    fx0, fx1 = sorted((fx0, fx1))
    fy0, fy1 = sorted((fy0, fy1))
    fx0, fx1 = max(fx0, pos.x0), min(fx1, pos.x1)  # never over the legend or the next panel
    return fx0 * w_pt, (1 - fy1) * h_pt, max(fx1 - fx0, 0.0) * w_pt, (fy1 - fy0) * h_pt, r.text


# --- markdown to HTML: the subset report.md uses -----------------------------------------------
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`|\*(\S(?:.*?\S)?)\*")


def _inline(text: str) -> str:
    out, at = [], 0
    for m in INLINE.finditer(text):
        out.append(html.escape(text[at:m.start()], quote=False))
        bold, code, em = m.groups()
        if bold is not None:
            out.append(f"<strong>{_inline(bold)}</strong>")
        elif code is not None:
            out.append(f"<code>{html.escape(code, quote=False)}</code>")
        else:
            out.append(f"<em>{_inline(em)}</em>")
        at = m.end()
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def _table(lines: list[str]) -> str:
    head = _cells(lines[0])
    aligns = ["right" if c.endswith(":") else "left" for c in _cells(lines[1])]

    def row(cells, tag):
        return "<tr>" + "".join(
            f'<{tag} class="{aligns[i] if i < len(aligns) else "left"}">{_inline(c)}</{tag}>'
            for i, c in enumerate(cells)) + "</tr>"

    body = "".join(row(_cells(line), "td") for line in lines[2:])
    return f'<div class="table"><table><thead>{row(head, "th")}</thead><tbody>{body}</tbody></table></div>'


def markdown_html(md: str, figures: dict[str, str]) -> str:
    """report.md's blocks as HTML: headings, paragraphs, pipe tables, lists, block quotes and
    images (replaced by `figures[name]`, inline SVG; an image with no figure keeps its alt
    text). Anything else is a paragraph of escaped text: nothing is dropped."""
    out: list[str] = []
    blocks = re.split(r"\n\s*\n", md.strip("\n"))
    for block in blocks:
        lines = block.split("\n")
        first = lines[0]
        if m := re.fullmatch(r"(#{1,6})\s+(.*)", first):
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            if len(lines) > 1:
                out.append(markdown_html("\n".join(lines[1:]), figures))
        elif len(lines) >= 2 and first.lstrip().startswith("|") and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[1]):
            out.append(_table(lines))
        elif m := IMAGE.fullmatch(block.strip()):
            alt, src = m.groups()
            svg = figures.get(src)
            out.append(f'<figure class="plot">{svg}</figure>' if svg is not None
                       else f"<p>[{html.escape(alt)}: {html.escape(src)}]</p>")
        elif re.match(r"[-*]\s", first) and all(re.match(r"\s*[-*]\s", ln) or ln.startswith("  ") for ln in lines):
            items: list[str] = []
            current: list[str] = []
            for line in lines:
                if re.match(r"\s*[-*]\s", line) and current:
                    items.append(" ".join(current))
                    current = []
                current.append(re.sub(r"^\s*[-*]\s", "", line).strip())
            items.append(" ".join(current))
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        elif all(line.startswith(">") for line in lines):
            inner = "\n".join(re.sub(r"^> ?", "", line) for line in lines)
            out.append(f"<blockquote>{markdown_html(inner, figures)}</blockquote>")
        else:
            out.append("<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>")
    return "\n".join(out)


STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:1100px;margin:0 auto;padding:1.2em 1.5em 3em}
h1{font-size:1.6em;margin:.4em 0 .6em}h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:1px solid #ddd}
h3{font-size:1.05em}
blockquote{margin:1em 0;padding:.6em 1em;background:#f3f6fb;border-left:4px solid #3b6db3}
.table{overflow-x:auto;margin:.6em 0}
table{border-collapse:collapse;font-size:.88em}
th,td{border:1px solid #d5d5d5;padding:.25em .55em;vertical-align:top}
th{background:#f4f4f4}.right{text-align:right;font-variant-numeric:tabular-nums}.left{text-align:left}
tbody tr:nth-child(even){background:#fafafa}
code{background:#f2f2f2;padding:0 .2em;border-radius:3px}
figure.plot{margin:1em 0}figure.plot svg{max-width:100%;height:auto}
.hover rect{fill:transparent;pointer-events:all}.hover rect:hover{fill:rgba(0,0,0,.07)}
#tip{position:fixed;display:none;pointer-events:none;background:rgba(255,255,255,.96);border:1px solid #888;
padding:.35em .6em;font-size:12px;white-space:pre;box-shadow:0 1px 4px rgba(0,0,0,.2);z-index:9}
footer{color:#666;font-size:.85em;margin-top:2em}
"""

# Shows a hover box's <title> at once beside the pointer (moved into data-tip so that the
# browser's own, slower tooltip does not show too); marks the page ready for the browser test.
SCRIPT = """
(function(){
  var tip=document.getElementById('tip'),n=0;
  document.querySelectorAll('.hover rect').forEach(function(r){
    var t=r.querySelector('title');if(!t)return;
    r.setAttribute('data-tip',t.textContent);r.removeChild(t);n++;
    r.addEventListener('mousemove',function(e){
      tip.textContent=r.getAttribute('data-tip');tip.style.display='block';
      var x=e.clientX+14,y=e.clientY+14,w=tip.offsetWidth,h=tip.offsetHeight;
      if(x+w>window.innerWidth)x=e.clientX-w-14;if(y+h>window.innerHeight)y=e.clientY-h-14;
      tip.style.left=Math.max(0,x)+'px';tip.style.top=Math.max(0,y)+'px';});
    r.addEventListener('mouseleave',function(){tip.style.display='none';});
  });
  document.documentElement.setAttribute('data-hover-boxes',String(n));
  document.documentElement.setAttribute('data-ready','1');
})();
"""


def page(title: str, md: str, figures: dict[str, str]) -> bytes:
    """The whole self-contained page: report.md's content with the figures inline."""
    body = markdown_html(md, figures)
    text = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
            '<footer>Written by computesim beside report.md: the same report, in one file that needs no '
            "network. Hover a plot for its values.</footer>\n</main>\n<div id=\"tip\"></div>\n"
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
    return text.encode("utf-8")
