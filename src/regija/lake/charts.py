"""The dataset page's chart: a numeric column summed per period, drawn the way the indicator pages draw
theirs (``core.charts``: a Vega-Lite spec rendered to SVG on the server, a table with the same figures
next to it, the SVG hidden from screen readers and described in words)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from regija.core import charts
from regija.core.templatetags.regija import num

from .selectors import Series

PERIOD_FORMAT = {"year": "%Y", "month": "%m/%Y"}


def spec(series: Series, title: str, language: str = "sl") -> dict:
    temporal = series.period != "year" or not all(p[0].isdigit() for p in series.points)
    values = [{"period": p, "value": v} for p, v in series.points]
    x: dict = {"field": "period", "title": series.by}
    if temporal:
        x |= {
            "type": "temporal",
            "scale": {"type": "utc"},
            "axis": {"format": PERIOD_FORMAT.get(series.period, "%Y"), "labelOverlap": True},
        }
    else:
        x |= {"type": "ordinal", "axis": {"labelOverlap": True, "labelAngle": 0}}
    lang = "en" if language.startswith("en") else "sl"
    return {
        "$schema": charts.SCHEMA,
        "width": 640,
        "height": 280,
        "title": title[:80],
        "config": {
            "font": "sans-serif",
            "timeFormat": charts.DAY_FORMAT[lang],
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "view": {"stroke": None},
        },
        "data": {"values": values},
        "mark": {"type": "line", "point": {"shape": "circle", "size": 50}, "color": charts.BLUE},
        "encoding": {
            "x": x,
            "y": {"field": "value", "type": "quantitative", "title": series.value, "scale": {"zero": False}},
        },
    }


def chart(series: Series, language: str = "sl") -> dict:
    """{"svg", "description"} of a series, for the page."""
    per = {"year": _("per year"), "month": _("per month")}.get(series.period, "")
    title = _("Sum of %(value)s %(per)s") % {"value": series.value, "per": per}
    first, last = series.points[0], series.points[-1]
    description = _(
        "Line chart of the sum of %(value)s by %(by)s, %(per)s: %(n)s points from %(first)s (%(fv)s) "
        "to %(last)s (%(lv)s)."
    ) % {
        "value": series.value,
        "by": series.by,
        "per": per,
        "n": len(series.points),
        "first": first[0],
        "fv": num(first[1]),
        "last": last[0],
        "lv": num(last[1]),
    }
    return {"svg": charts.render_svg(spec(series, title, language), language), "description": description}
