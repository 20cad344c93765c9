"""Template filters: money in the visitor's language, plain numbers, progress labels and percentages,
periods and moments (``regija.core.dates``)."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regija.core import countries, dates
from regija.core.money import format_eur, plain_number
from regija.core.validators import link_target

register = template.Library()

STATUS_LABELS = {
    "achieved": _("achieved"),
    "on_track": _("on track"),
    "at_risk": _("at risk"),
    "off_track": _("off track"),
    "no_schedule": _("no schedule"),
    "incomplete": _("incomplete"),
    "inconsistent": _("inconsistent"),
}
STATUS_SYMBOLS = {
    "achieved": "✔",
    "on_track": "↗",
    "at_risk": "!",
    "off_track": "✖",
    "no_schedule": "?",
    "incomplete": "…",
    "inconsistent": "⚠",
}
MISSING_LABELS = {
    "baseline": _("baseline"),
    "target": _("target"),
    "observations": _("observations"),
    "baseline_date": _("baseline date"),
    "target_date": _("target date"),
}


@register.filter
def eur(value):
    if value in (None, ""):
        return "–"
    return format_eur(value, get_language() or "sl")


@register.filter
def num(value):
    """A decimal without padding zeros, with the decimal comma in Slovenian."""
    text = plain_number(value)
    if text.startswith("-") and not text.strip("-0."):  # negative zero is zero
        text = text[1:]
    if text and (get_language() or "sl").startswith("sl"):
        whole, _sep, frac = text.partition(".")
        sign = "-" if whole.startswith("-") else ""
        whole = whole.lstrip("-")
        groups = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        text = sign + ".".join(groups or ["0"]) + ("," + frac if frac else "")
    return text


@register.filter
def percent(share):
    """A share (0..1) as a whole-number-and-one-decimal percentage."""
    if share is None:
        return "–"
    value = (Decimal(share) * 100).quantize(Decimal("0.1"))
    if value == 0:  # -0.0004 rounds to -0.0: shown as 0,0 %, not "-0,0 %"
        value = abs(value)
    text = format(value, "f")
    if (get_language() or "sl").startswith("sl"):
        text = text.replace(".", ",")
    return f"{text} %"


# Units that say only "a count of": the number alone says that ("20", not "20 število"). A unit that
# names what is counted ("število operacij") keeps the thing ("20 operacij").
COUNT_UNITS = frozenset({"število", "stevilo", "št.", "št", "count", "number"})
COUNT_PREFIXES = ("število ", "stevilo ", "št. ", "number of ")
EURO_UNITS = frozenset({"eur", "€", "evro", "evrov", "euro", "euros"})


@register.filter
def unit_label(unit) -> str:
    """The unit as shown after a number: "" for a bare count, the thing counted for "število X"."""
    text = (unit or "").strip()
    low = text.casefold()
    if low in COUNT_UNITS:
        return ""
    for prefix in COUNT_PREFIXES:
        if low.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@register.filter
def with_unit(value, unit=""):
    """A number and its unit ("26,5 %", "20 operacij", "1.200 €"; a bare count "20"), or "–" when there
    is no number – never the unit alone. The one place indicator values meet their unit."""
    if value is None or value == "":
        return "–"
    text = num(value)
    label = unit_label(unit)
    if not label:
        return text
    if label.casefold() in EURO_UNITS:
        return f"{text} €" if (get_language() or "sl").startswith("sl") else f"€{text}"
    return f"{text} {label}"


@register.filter
def period(start, end):
    """A period from two (partial) dates: "2021–2027", "from 2021", "until 2027" or "period not
    stated"."""
    return dates.period(start, end)


@register.filter
def partial_date(value):
    """A partial ISO date ("2021", "2021-10", "2021-10-01") in the page's language."""
    return dates.partial_date(value)


@register.filter
def exact_moment(value):
    """A moment to the second in local time ("1. 10. 2021 ob 14:30:05")."""
    return dates.exact_moment(value)


@register.filter
def status_label(status):
    return STATUS_LABELS.get(status, status)


@register.simple_tag
def status_badge(progress):
    """Progress status as text and symbol (never colour alone)."""
    status = progress.status
    return format_html(
        '<span class="badge status-{}"><span aria-hidden="true">{}</span> {}</span>',
        status,
        STATUS_SYMBOLS.get(status, ""),
        STATUS_LABELS.get(status, status),
    )


@register.filter
def missing_labels(missing):
    return ", ".join(str(MISSING_LABELS.get(m, m)) for m in missing)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def cell(cells, row, column):
    return cells.get((row.pk, column.pk))


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL with another page number, keeping every filter – the filters of ``page_query``
    (a QueryDict) where the context has it: a kept fragment has no request, and its links must not
    carry what one visitor happened to add to the address."""
    held = context.get("page_query")
    query = held.copy() if held is not None else context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag
def options(pairs, selected=None):
    """``<option value="…"[ selected]>label</option>`` for each (value, label) of a long list, escaped
    as templates escape (django.utils.html.escape is html.escape; calling it directly skips a wrapper
    per value, which made a list of a few thousand holders most of a page's render)."""
    return mark_safe(  # noqa: S308 – every value and label is escaped here
        "".join(
            f'<option value="{html.escape(value)}"{" selected" if value == selected else ""}>'
            f"{html.escape(label)}</option>"
            for value, label in pairs
        )
    )


@register.simple_tag
def web_link(address, text=None):
    """A stored web address as a link – only when it is http(s) (``core.validators.link_target``);
    any other value (``javascript:…`` stored before the rule) is shown as text, never as a link.

    ``{% web_link org.website %}`` shows the address; ``{% web_link s.source_url s.source_title %}``
    shows the title."""
    shown = address if text in (None, "") else text
    target = link_target(address)
    if not target:
        return format_html("{}", shown)
    return format_html('<a href="{}">{}</a>', target, shown)


@register.simple_tag
def static_text(path):
    """The text of one of our static files, for a document that must stand alone (the annual report's
    HTML file carries its style sheet inline); pages link the file instead, as the CSP allows no
    inline style there."""
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"no static file {path!r}")
    return mark_safe(Path(found).read_text(encoding="utf-8"))  # noqa: S308 - our own file, see above


@register.simple_tag
def country(code):
    """A foreign organisation's country: its flag (decoration, hidden from screen readers), its name in
    the page's language and the ISO code ("🇦🇹 Avstrija (AT)"); nothing for a domestic one (Slovenia)."""
    if not countries.is_foreign(code):
        return ""
    code = code.strip().upper()
    return format_html(
        '<span class="regija-country"><span aria-hidden="true">{}</span> {} ({})</span>',
        countries.flag(code),
        countries.country_name(code),
        code,
    )
