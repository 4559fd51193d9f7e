"""Embed an Altair chart (or a Vega-Lite spec) in a page of the web book: the one way charts
get into pages, for every generator (``tools/gen_*.py``) and hand-written include.

``embed(chart, "roofline-h100", page="index.qmd")`` returns a raw-HTML block (Quarto's
```` ```{=html} ```` fence, so Quarto and smalldocs both pass it through) holding

- a ``<div data-mlsysim-chart=ID>`` where the chart is drawn,
- the spec as ``<script type="application/json" id=ID>`` (the site tests validate these), and
- ``<script src=".../site/assets/charts.js">``, relative to the page, which loads the local
  vega, vega-lite and vega-embed once and draws every chart on the page.

A ``<noscript>`` line says what the chart shows when scripts are off.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

__all__ = ["embed", "spec_of", "prefix_for"]

ROOT = Path(__file__).resolve().parent.parent
_ID = re.compile(r"^[A-Za-z][\w-]*$")


def spec_of(chart) -> dict:
    """The Vega-Lite spec of an Altair chart (``to_dict()``), or the dict itself."""
    return chart if isinstance(chart, dict) else chart.to_dict()


def prefix_for(page: str | Path) -> str:
    """The relative path from a page (``site/math.qmd``, relative to the root) to the site root."""
    depth = len(Path(page).parts) - 1
    return "../" * depth


def embed(chart, chart_id: str, page: str | Path, *, caption: str | None = None, alt: str | None = None) -> str:
    """A raw-HTML block that draws ``chart`` on ``page`` (a path relative to the repository root).

    Parameters
    ----------
    chart
        An Altair chart or a Vega-Lite spec (dict).
    chart_id
        A page-unique id (letters, digits, ``-``, ``_``).
    page
        The page that will include the block; it sets the relative path to ``site/assets/``.
    caption
        A caption shown under the chart.
    alt
        What the chart shows, in words: the ``aria-label`` and the ``<noscript>`` text.
    """
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id {chart_id!r}: use letters, digits, '-' and '_', starting with a letter")
    spec = json.dumps(spec_of(chart), separators=(",", ":"), sort_keys=True, allow_nan=False)
    spec = spec.replace("</", "<\\/")  # never close the <script> early; still valid JSON
    src = f"{prefix_for(page)}site/assets/charts.js"
    label = html.escape(alt or caption or "chart", quote=True)
    lines = [
        "```{=html}",
        f'<figure class="mlsysim-figure">',
        f'<div class="mlsysim-chart" data-mlsysim-chart="{chart_id}-spec" role="img" aria-label="{label}"></div>',
        f'<noscript><p>This chart needs JavaScript: {label}.</p></noscript>',
    ]
    if caption:
        lines.append(f"<figcaption>{html.escape(caption)}</figcaption>")
    lines += [
        "</figure>",
        f'<script type="application/json" id="{chart_id}-spec">{spec}</script>',
        f'<script src="{src}" defer></script>',
        "```",
    ]
    return "\n".join(lines) + "\n"
