"""Slovenian identifiers of organisations: the registration number (matična številka) and the tax
number (davčna številka), read as people type them and checked by their check digit.

- **Registration number** (matična številka poslovnega registra, AJPES): 7 digits – six and a check
  digit – or 10, the last three naming a unit of the business register (``000`` the main one). The
  check digit is the 7th: the first six weighted 7, 6, 5, 4, 3, 2, summed; 11 minus the remainder of
  the sum divided by 11, with 10 written as 0; a remainder of 0 is never given out (Uredba o
  vodenju in vzdrževanju poslovnega registra, URED7599).
- **Tax number** (davčna številka, FURS): 8 digits, the first not 0; the 8th is the check digit: the
  first seven weighted 8, 7, 6, 5, 4, 3, 2, summed; 11 minus the remainder of the sum divided by 11,
  with 10 written as 0; a remainder of 0 (which would give 11) is never given out. A VAT number is
  the tax number with ``SI`` before it, so ``SI 5022 3054`` is read as ``50223054``.

``read_registration_number`` and ``read_tax_number`` return the digits or raise ``ValidationError``
with a message for the form; ``same_organisation_numbers`` gives the stored forms one registration
number may have (7 digits or the same with ``000``).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s.\-/]")


def _digits(value: str, *, prefix: str = "") -> str:
    text = _SEPARATORS.sub("", value or "").upper()
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :]
    return text


def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    """11 minus the weighted sum's remainder, 10 read as 0; None when the remainder is 0 (never issued)."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    if remainder == 0:
        return None
    return (11 - remainder) % 10


def registration_check_digit(first_six: str) -> int | None:
    """The check digit of a registration number's first six digits (None: no number starts so)."""
    return _mod11(first_six, (7, 6, 5, 4, 3, 2))


def tax_check_digit(first_seven: str) -> int | None:
    """The check digit of a tax number's first seven digits (None: no number starts so)."""
    return _mod11(first_seven, (8, 7, 6, 5, 4, 3, 2))


def read_registration_number(value: str) -> str:
    """The registration number's digits (spaces and dots dropped), or ``ValidationError``."""
    number = _digits(value)
    if not number.isdigit() or len(number) not in (7, 10):
        raise ValidationError(
            _("A registration number (matična številka) has 7 or 10 digits, e.g. 5881447 or 5881447000."),
            code="registration_number_format",
        )
    if registration_check_digit(number[:6]) != int(number[6]):
        raise ValidationError(
            _("This is not a valid registration number: its check digit does not match. Check the number."),
            code="registration_number_check",
        )
    return number


def read_tax_number(value: str) -> str:
    """The tax number's 8 digits (an ``SI`` before them, spaces and dots dropped), or ``ValidationError``."""
    number = _digits(value, prefix="SI")
    if not number.isdigit() or len(number) != 8 or number[0] == "0":
        raise ValidationError(
            _("A tax number (davčna številka) has 8 digits and does not start with 0, e.g. 50223054."),
            code="tax_number_format",
        )
    if tax_check_digit(number[:7]) != int(number[7]):
        raise ValidationError(
            _("This is not a valid tax number: its check digit does not match. Check the number."),
            code="tax_number_check",
        )
    return number


def same_organisation_numbers(number: str) -> set[str]:
    """The forms under which the organisation of ``number`` may be stored: the main unit is written with 7
    digits or with ``000`` after them; any other unit only as it is."""
    if len(number) == 7:
        return {number, number + "000"}
    if len(number) == 10 and number.endswith("000"):
        return {number, number[:7]}
    return {number}
