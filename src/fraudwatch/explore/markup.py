"""The small HTML toolkit both reports share: escaping, number formats, tables, the page.

Every value goes through `esc` before it reaches the page. Plotly's JavaScript is inlined once
per page (in <head>), so a report opens offline and from a file:// URL.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import plotly.graph_objects as go
import plotly.offline

DASH: Final = "—"

STYLE: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1d2430; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #dde3ea; padding-bottom: 0.2rem;
     margin-top: 2.2rem; }
.meta { color: #5b6675; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
th, td { border-bottom: 1px solid #e5e9ef; padding: 0.3rem 0.7rem; text-align: left;
         vertical-align: top; }
th { background: #f4f6f9; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.finding { background: #f2f7ff; border-left: 4px solid #3a6fd8; padding: 0.5rem 0.8rem; }
.empty { background: #fff7e6; border-left: 4px solid #e0a100; padding: 0.5rem 0.8rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 0.8rem; }
.tile { border: 1px solid #dde3ea; border-radius: 6px; padding: 0.6rem 0.8rem; }
.tile .label { color: #5b6675; font-size: 0.85rem; } .tile .value { font-size: 1.5rem; }
.ok { color: #1d7a3a; } .bad { color: #b3261e; }
"""


def esc(value: object) -> str:
    """Return `value` as text safe inside HTML elements and attributes."""
    return html.escape(str(value), quote=True)


def fmt_int(value: int | None) -> str:
    """Return an integer with thousands separators (1,234), or a dash for None."""
    return DASH if value is None else f"{value:,}"


def fmt_amount(value: float | None) -> str:
    """Return an amount with two decimals and thousands separators (1,234.50)."""
    return DASH if value is None else f"{value:,.2f}"


def fmt_share(value: float | None) -> str:
    """Return a share as a percentage with two decimals (12.34%)."""
    return DASH if value is None else f"{value:.2%}"


def fmt_time(value: datetime | None) -> str:
    """Return a UTC timestamp as 'YYYY-MM-DD HH:MM:SS UTC'."""
    return DASH if value is None else f"{value:%Y-%m-%d %H:%M:%S} UTC"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()
) -> str:
    """Return an HTML table of plain-text cells (escaped here); `numeric` columns align right."""

    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="num"' if i in numeric else ""
        return f"<{tag}{cls}>{esc(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, text) for i, text in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def paragraph(text: str, cls: str = "") -> str:
    """Return an escaped paragraph, optionally with a CSS class (finding, empty, meta)."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def section(title: str, *parts: str, anchor: str = "") -> str:
    """Return a <section> with an <h2> title and the given (already safe) HTML parts."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{''.join(parts)}</section>"


def figure(fig: go.Figure, div_id: str) -> str:
    """Return a Plotly figure as a <div> that uses the page's one inlined plotly.js."""
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
    )


def page(title: str, body: str, *, with_plotly: bool) -> str:
    """Return a complete, self-contained HTML document (plotly.js inlined when needed)."""
    script = (
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>'
        if with_plotly
        else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style>{script}</head>"
        f"<body>{body}</body></html>\n"
    )
