"""Money: exact EUR amounts stored as whole cents, and their Slovenian formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable
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
        return forms.DecimalField(
            max_digits=15, decimal_places=2, required=not self.blank, label=self.verbose_name, **kwargs
        )


def plain_number(value) -> str:
    """A stored decimal without its padding zeros: Decimal('12.500000') → '12.5' (never exponent form)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text
