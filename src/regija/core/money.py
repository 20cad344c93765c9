"""Money: exact EUR amounts stored as whole cents, and their Slovenian formatting."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
# The largest amount taken anywhere – forms (15 digits, two of them cents), strategy files and the API:
# 13 digits before the point. The cents column (a 64-bit integer) would hold about 92 quadrillion €.
MAX_AMOUNT = Decimal("9999999999999.99")


def to_money(value) -> Decimal | None:
    """Parse a value into a two-place Decimal, refusing floats' hidden binary noise and sub-cent amounts."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("“%(value)s” is not an amount of money."), params={"value": value}) from None
    if not amount.is_finite():
        raise ValidationError(_("An amount of money must be a finite number."))
    if amount != amount.quantize(CENT):
        raise ValidationError(_("An amount of money has at most two decimals (cents)."))
    return amount.quantize(CENT)


def format_eur(amount: Decimal | None, language: str = "sl") -> str:
    """1758500 → '1.758.500,00 €' in Slovenian, '€1,758,500.00' in English."""
    if amount is None:
        return "–"
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    if language.startswith("en"):
        return f"{sign}€{','.join(groups)}.{cents}"
    return f"{sign}{'.'.join(groups)},{cents} €"


# How people type amounts (docs/calls.md, "Amounts as people type them"): the cents after a comma
# ("12345,67") or a point ("12345.67"); thousands grouped by points when a comma gives the cents or
# there are two groups or more ("12.345,67", "1.234.567"), by spaces ("12 345,67"), or by commas when
# a point gives the cents or there are two groups or more ("12,345.67", "1,234,567"). One group with
# three digits after a single point or comma ("12.345", "12,345") is refused: the Slovenian and the
# English reading differ by a factor of a thousand.
_SPACES = re.compile(r"[ \u00a0\u202f]")
_AMOUNT_FORMS = (
    (re.compile(r"[0-9]+(?:[.,][0-9]{1,2})?"), None, None),
    (re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]{1,2})?"), " ", None),
    (re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]{1,2}"), ".", ","),
    (re.compile(r"[0-9]{1,3}(?:\.[0-9]{3}){2,}"), ".", None),
    (re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]{1,2}"), ",", "."),
    (re.compile(r"[0-9]{1,3}(?:,[0-9]{3}){2,}"), ",", None),
)


def read_amount(text: str) -> Decimal | None:
    """An amount typed by a person (see the forms above, with an optional minus), or None for an empty
    field; anything else – an ambiguous "12.345", letters, more than two decimals – is a
    ValidationError that says how to write it."""
    value = _SPACES.sub(" ", text.strip())
    if not value:
        return None
    # a minus is read (a correction may be negative); whether it is allowed is the field's or the
    # service's to say, with their own message
    sign, value = ("-", value[1:].lstrip()) if value.startswith(("-", "\u2212")) else ("", value)
    for pattern, group, decimal_sign in _AMOUNT_FORMS:
        if pattern.fullmatch(value):
            if group:
                value = value.replace(group, "")
            value = value.replace(decimal_sign or ",", ".")
            amount = to_money(sign + value)
            if amount is not None and abs(amount) > MAX_AMOUNT:
                raise ValidationError(
                    _("An amount is at most %(max)s."),
                    params={"max": format_eur(MAX_AMOUNT)},
                    code="max_value",
                )
            return amount
    raise ValidationError(
        _(
            "“%(value)s” is not an amount we can read for certain. "
            "Write it as 12.345,67 or 12345,67 (a comma before the cents)."
        ),
        params={"value": text.strip()},
        code="invalid",
    )


def show_amount(amount: Decimal | None, language: str | None = None) -> str:
    """An amount as a form shows it back: "12.345,67" in Slovenian, "12,345.67" in English."""
    if amount is None:
        return ""
    english = f"{to_money(amount):,.2f}"
    if (language or get_language() or "sl").startswith("en"):
        return english
    return english.replace(",", " ").replace(".", ",").replace(" ", ".")


class AmountField(forms.DecimalField):
    """A form's amount of money: typed as text (``inputmode="decimal"`` brings up a phone's number pad,
    but no browser rewrites what was typed, as a number input does with "12345,67"), read by
    ``read_amount`` and shown back as it was understood (``show_amount``)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            return read_amount(value)
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return show_amount(Decimal(str(value)))
        return value

    def widget_attrs(self, widget):
        # no min/max/step: those belong to number inputs and would ask the browser to check the text
        return {}


class MoneyField(models.BigIntegerField):
    """An EUR amount kept as integer cents, so sums are exact on SQLite and PostgreSQL alike."""

    # For django-stubs: what the field takes and gives (a Decimal in euros, not the integer it stores).
    _pyi_private_set_type: Decimal | int | str | float | Combinable
    _pyi_private_get_type: Decimal
    _pyi_lookup_exact_type: Decimal | int | str

    description = _("Amount in EUR")

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(CENT)

    def to_python(self, value):
        return to_money(value)

    def get_prep_value(self, value):
        amount = to_money(value)
        if amount is None:
            return None
        return int(amount * 100)

    def formfield(self, **kwargs):
        # the back office gives a BigIntegerField its number input; an amount is typed as text
        widget = kwargs.get("widget")
        widget_class = widget if isinstance(widget, type) else type(widget)
        if widget is not None and issubclass(widget_class, forms.NumberInput):
            del kwargs["widget"]
        return AmountField(required=not self.blank, label=self.verbose_name, **kwargs)


def plain_number(value) -> str:
    """A stored decimal without its padding zeros: Decimal('12.500000') → '12.5' (never exponent form)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text
