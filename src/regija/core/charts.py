"""Charts: Vega-Lite specifications built here, rendered to SVG on the server (vl-convert).

One definition serves the page (inline SVG, no JavaScript needed) and printed reports. Every
chart is shown next to a table with the same numbers, so the SVG itself is hidden from screen
readers and described by a short text alternative instead.

Dates on the axes and in the marks' labels are written as the pages write them ("31. 12. 2023",
"31 December 2023": ``regija.formats``) and read as calendar days (UTC), never shifted by the server's
time zone; numbers with the language's decimal sign.
"""

from __future__ import annotations

import logging
import re

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from . import dates
from .templatetags.regija import num

log = logging.getLogger(__name__)
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Colours with at least 3:1 contrast on white (WCAG 1.4.11 non-text contrast); never the only cue.
BLUE, ORANGE, GREY, GREEN = "#0b4f9c", "#b35900", "#595959", "#1f6b35"
# A day as d3 writes it, the same as the language's DATE_FORMAT (regija/formats): "31. 12. 2023",
# "31 December 2023".
DAY_FORMAT = {"sl": "%-d. %-m. %Y", "en": "%-d %B %Y"}
# d3-format's locale: the decimal sign and the thousands separator of the language.
NUMBER_LOCALE = {
    "sl": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " €"]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]},
}


def _lang(language: str) -> str:
    return "en" if (language or "sl").startswith("en") else "sl"


def render_svg(spec: dict, language: str = "sl") -> str:
    """SVG markup of a Vega-Lite spec, numbers written the language's way; empty string if rendering
    fails (the table beside still has the data)."""
    try:
        import vl_convert

        svg = vl_convert.vegalite_to_svg(spec, format_locale=NUMBER_LOCALE[_lang(language)])
    except Exception:  # a chart must never take the page down
        log.exception("chart rendering failed")
        return ""
    # Keep the drawing scalable and out of the accessibility tree (the table carries the data).
    svg = re.sub(
        r"<svg ",
        '<svg aria-hidden="true" focusable="false" preserveAspectRatio="xMinYMin meet" ',
        svg,
        count=1,
    )
    # vl-convert escapes every text it draws (titles, labels, aria-labels from the data); the one
    # change above is our own constant attributes
    return mark_safe(svg)  # noqa: S308 - vl-convert's escaped SVG, see above


def _base(title: str, width: int = 640, height: int = 280, language: str = "sl") -> dict:
    return {
        "$schema": SCHEMA,
        "width": width,
        "height": height,
        "title": title,
        "config": {
            "font": "sans-serif",
            "timeFormat": DAY_FORMAT[_lang(language)],
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "view": {"stroke": None},
        },
    }


def indicator_spec(indicator, observations, language: str = "sl") -> dict | None:
    """Observations as a line with points, against the straight planned path from baseline to target."""
    values = [
        {"date": o.date.isoformat(), "value": float(o.value), "series": _("observed")} for o in observations
    ]
    path = []
    if indicator.baseline_value is not None and indicator.baseline_date is not None:
        path.append(
            {
                "date": indicator.baseline_date.isoformat(),
                "value": float(indicator.baseline_value),
                "series": _("planned path"),
            }
        )
    if indicator.target_value is not None and indicator.target_date is not None:
        path.append(
            {
                "date": indicator.target_date.isoformat(),
                "value": float(indicator.target_value),
                "series": _("planned path"),
            }
        )
    if not values and len(path) < 2:
        return None
    unit = indicator.unit or _("value")
    spec = _base(indicator.name[:80], language=language)
    # the dates are calendar days: read and shown as UTC, so no time zone moves them to "1 AM"
    x = {
        "field": "date",
        "type": "temporal",
        "title": _("date"),
        "scale": {"type": "utc"},
        "axis": {"format": DAY_FORMAT[_lang(language)], "labelOverlap": True},
    }
    y = {"field": "value", "type": "quantitative", "title": unit, "scale": {"zero": False}}
    color = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": [_("observed"), _("planned path")], "range": [BLUE, ORANGE]},
        "legend": {"orient": "bottom"},
    }
    layers = []
    if len(path) == 2:
        layers.append(
            {
                "data": {"values": path},
                "mark": {"type": "line", "strokeDash": [6, 4], "point": {"shape": "diamond", "size": 60}},
                "encoding": {"x": x, "y": y, "color": color},
            }
        )
    if values:
        layers.append(
            {
                "data": {"values": values},
                "mark": {"type": "line", "point": {"shape": "circle", "size": 50}},
                "encoding": {"x": x, "y": y, "color": color},
            }
        )
    spec["layer"] = layers
    return spec


def indicator_chart(indicator, observations, language: str = "sl") -> dict | None:
    spec = indicator_spec(indicator, observations, language)
    if spec is None:
        return None
    first = observations[0] if observations else None
    last = observations[-1] if observations else None
    parts = [_("Line chart of %(name)s.") % {"name": indicator.name}]
    if indicator.baseline_value is not None and indicator.target_value is not None:
        parts.append(
            _("Planned path from %(baseline)s to %(target)s.")
            % {
                "baseline": num(indicator.baseline_value),
                "target": num(indicator.target_value),
            }
        )
    if first is not None and len(observations) == 1:
        parts.append(
            _("One observation, on %(date)s (%(value)s).")
            % {"date": dates.day(first.date), "value": num(first.value)}
        )
    elif first is not None:
        parts.append(
            ngettext(
                "%(n)s observation from %(first)s (%(fv)s) to %(last)s (%(lv)s).",
                "%(n)s observations from %(first)s (%(fv)s) to %(last)s (%(lv)s).",
                len(observations),
            )
            % {
                "n": len(observations),
                "first": dates.day(first.date),
                "fv": num(first.value),
                "last": dates.day(last.date),
                "lv": num(last.value),
            }
        )
    return {"svg": render_svg(spec, language), "description": " ".join(parts)}


def funds_spec(rows, language: str = "sl") -> dict | None:
    """Per fund: allocation, approved and paid side by side (grouped bars)."""
    values = []
    # "money" context: as amounts these are neuter in Slovenian (odobreno), unlike a project's status
    labels = {
        "allocated": pgettext("money", "allocated"),
        "approved": pgettext("money", "approved"),
        "paid": pgettext("money", "paid"),
    }
    for r in rows:
        for key in ("allocated", "approved", "paid"):
            amount = getattr(r, key)
            if amount is not None:
                values.append({"fund": r.fund.code, "what": labels[key], "eur": float(amount)})
    if not values:
        return None
    spec = _base(_("Money by fund (EUR)"), width=640, height=300, language=language)
    spec["data"] = {"values": values}
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": {"field": "fund", "type": "nominal", "title": _("fund"), "sort": None},
        "yOffset": {"field": "what", "sort": [labels["allocated"], labels["approved"], labels["paid"]]},
        "x": {"field": "eur", "type": "quantitative", "title": "EUR", "axis": {"format": "~s"}},
        "color": {
            "field": "what",
            "type": "nominal",
            "title": None,
            "scale": {"domain": list(labels.values()), "range": [GREY, BLUE, GREEN]},
            "legend": {"orient": "bottom"},
        },
    }
    return spec


def funds_chart(rows, language: str = "sl") -> dict | None:
    spec = funds_spec(rows, language)
    if spec is None:
        return None
    return {
        "svg": render_svg(spec, language),
        "description": _(
            "Bar chart of allocated, approved and paid money for %(n)s funds; "
            "the table below gives the figures."
        )
        % {"n": len(rows)},
    }
