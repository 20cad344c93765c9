"""Countries of organisations: the name in the reader's language and the flag.

Names come from the Unicode CLDR through Babel – the same names a browser or an office suite uses
("Avstrija", "Italija", "Hrvaška", "Madžarska" in Slovenian) – rather than a list kept here. A domestic
organisation (Slovenia, the platform's home) shows no country at all.
"""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language

HOME = "SI"


@functools.cache
def _names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return dict(Locale("en").territories)


def country_name(code: str, language: str | None = None) -> str:
    """The country of an ISO 3166-1 alpha-2 code in ``language`` (the active one by default); the code
    itself when CLDR does not know it."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    lang = (language or get_language() or "sl").split("-")[0]
    return _names(lang).get(code, code)


def flag(code: str) -> str:
    """The flag emoji of a two-letter code (regional indicator symbols), or "" for anything else."""
    code = (code or "").strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def is_foreign(code: str) -> bool:
    """Whether an organisation's country is shown: set and not Slovenia."""
    code = (code or "").strip().upper()
    return bool(code) and code != HOME
