"""The one Altair theme of mlsysim: quiet axes, readable type, a colour-blind-safe palette."""

from __future__ import annotations

import altair as alt

__all__ = ["THEME", "PALETTE", "STATUS_COLORS", "use_theme"]

THEME = "mlsysim"

#: Okabe-Ito, safe for the common forms of colour blindness
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: colours of a lens or wall status
STATUS_COLORS = {"PASS": "#009E73", "FAIL": "#D55E00", "N/A": "#9E9E9E"}


def _config() -> dict:
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
    return {
        "config": {
            "font": font,
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 340},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal", "gridColor": "#e6e6e6",
                     "domainColor": "#888888", "tickColor": "#888888"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "right"},
            "title": {"fontSize": 15, "fontWeight": "normal", "anchor": "start", "subtitleColor": "#666666"},
            "range": {"category": PALETTE},
            "point": {"size": 70, "filled": True},
            "line": {"strokeWidth": 2},
            "text": {"fontSize": 11},
        }
    }


def use_theme() -> None:
    """Register the ``mlsysim`` theme (once) and make it the active Altair theme."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_config)
    alt.theme.enable(THEME)
