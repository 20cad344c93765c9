"""Small pieces of the design system the public pages share: status tags, progress bars, short amounts
for headline figures, breadcrumbs' and pagination's data.

    {% load regija_ui %}
    {% status_tag strategy.status strategy.get_status_display %}   – a tag coloured by the status
    {% progress_bar share %}                                       – the bar of a regija-progress
    {{ money.total|eur_short }}                                    – "8,2 mio €" for a figure card
    {% page_items page as items %}                                 – numbers and gaps for pagination
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.core.paginator import Page
from django.utils.html import format_html
from django.utils.translation import get_language

from regija.core.money import format_eur

register = template.Library()


@register.simple_tag
def status_tag(value, label):
    """A status as a GOV.UK tag (``<strong class="govuk-tag status-…">``); the stylesheet colours it by
    the status (frontend/scss/_patterns.scss and _portal.scss). The label is the text – never colour
    alone."""
    return format_html('<strong class="govuk-tag status-{}">{}</strong>', value, label)


def bar_step(share) -> int:
    """A share (0..1, may lie outside) as a width in steps of 5 %, for the ``regija-w-N`` classes: the
    page's style sheet has no inline style (CSP). Anything above nothing shows at least one step."""
    if share is None:
        return 0
    value = min(max(Decimal(share), Decimal(0)), Decimal(1)) * 20
    steps = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if steps == 0 and value > 0:
        steps = 1
    return steps * 5


@register.simple_tag
def progress_bar(share):
    """The bar of a ``regija-progress``: decoration only (aria-hidden); the number beside it is the
    content."""
    return format_html(
        '<span class="regija-progress__bar" aria-hidden="true">'
        '<span class="regija-progress__done regija-w-{}"></span></span>',
        bar_step(share),
    )


@register.filter
def share_of(part, whole):
    """``part / whole`` as a Decimal share, or None when the whole is nothing."""
    if not whole:
        return None
    return Decimal(part or 0) / Decimal(whole)


@register.filter
def whole_percent(share) -> str:
    """A share (0..1) as a whole percentage for a progress bar's number: "17 %" (Slovenian), "17%"."""
    if share is None:
        return "–"
    value = int((Decimal(share) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if (get_language() or "sl").startswith("sl"):
        return f"{value}\u00a0%"
    return f"{value}%"


@register.filter
def eur_short(value) -> str:
    """An amount short enough for a headline figure: millions with one decimal ("8,2 mio €",
    "€8.2 million"), smaller amounts in whole euros ("523.000 €"). The exact amount belongs nearby."""
    if value in (None, ""):
        return "–"
    amount = Decimal(value)
    english = (get_language() or "sl").startswith("en")
    if abs(amount) >= 1_000_000:
        millions = (amount / 1_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if english:
            return f"€{millions} million"
        return f"{str(millions).replace('.', ',')}\u00a0mio\u00a0€"
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    text = format_eur(whole, "en" if english else "sl")
    return text.removesuffix(".00") if english else text.replace(",00 €", " €")


@register.simple_tag
def page_items(page: Page) -> list[int | None]:
    """The page numbers a pagination shows – the first, the last and those around the current one –
    with None where numbers are left out (an ellipsis)."""
    paginator = page.paginator
    return [
        None if n == paginator.ELLIPSIS else n
        for n in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
