"""Web addresses that Regija publishes as links: one rule for every door.

A stored address becomes ``<a href="…">`` on public pages, so an address in another scheme
(``javascript:``, ``data:``, ``vbscript:`` …) would run in the visitor's browser. Every field that holds
one accepts only ``http`` and ``https`` – ``mailto`` too where the field is an e-mail address (no field
is one today) – and the same check decides, when a page is rendered, whether a stored value is linked
at all (``{% web_link %}`` in ``core/templatetags/regija.py``): a value stored before this rule, or
written to the database directly, is shown as text, never as a link.

- ``url_problem(value)`` – the check, with a reason in English (in the active language with
  ``translated=True``, as the file formats give it); the file formats (``core/filetypes.py``
  ``WebURL``) and the API's input schemas use it;
- ``link_target(value)`` – a stored value as pages and the API publish it: the address, or the empty
  text when it is not a safe one (the database, the back office and ``regija export`` keep the value);
- ``safe_url`` – the validator of the model fields (so the back office and every ModelForm refuse with
  the message next to the field, and ``core.services.validate`` refuses on the API);
- ``WebAddressField`` – a ``CharField`` with that validator.

Importing this module needs no configured Django project (the file formats are checked without one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from regija.core.translate import gettext_noop

WEB_SCHEMES: frozenset[str] = frozenset({"http", "https"})
# for a field that holds an address a visitor writes to (none does yet)
ADDRESS_SCHEMES: frozenset[str] = WEB_SCHEMES | {"mailto"}

# Browsers drop tabs and line breaks anywhere in a URL and ignore leading control characters, so
# "java\tscript:" is a javascript: URL to them; an address with any of these (or a space) is refused.
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_web = URLValidator(schemes=sorted(WEB_SCHEMES))
_email = EmailValidator()


def _schemes_text(schemes: Iterable[str]) -> str:
    return ", ".join(f"{s}://" if s in WEB_SCHEMES else f"{s}:" for s in sorted(schemes))


_WEB_SCHEMES_TEXT = gettext_noop("http:// or https://")


def url_problem(value: str, schemes: Iterable[str] = WEB_SCHEMES, *, translated: bool = False) -> str | None:
    """Why ``value`` is not an address Regija may publish as a link, in English (in the active language
    when ``translated``), or None if it may.

    The empty text is no address and no problem (fields that need one say so themselves)."""
    problem = _url_problem(value, frozenset(schemes))
    if problem is None:
        return None
    message, params = problem
    if translated:
        from regija.core.translate import gettext

        message = gettext(message)
        if params.get("allowed") == _WEB_SCHEMES_TEXT:
            params["allowed"] = gettext(_WEB_SCHEMES_TEXT)
    return message % params


def _url_problem(value: str, schemes: frozenset[str]) -> tuple[str, dict[str, str]] | None:
    text = value.strip()
    if not text:
        return None
    if _SPACE_OR_CONTROL.search(text):
        return gettext_noop("a web address must not contain spaces, tabs or line breaks"), {}
    scheme = urlsplit(text).scheme.lower() if ":" in text else ""
    if scheme not in schemes:
        allowed = _WEB_SCHEMES_TEXT if schemes == WEB_SCHEMES else _schemes_text(schemes)
        if not scheme:
            return gettext_noop(
                "write the whole address, starting with %(allowed)s (e.g. https://www.example.si/)"
            ), {"allowed": allowed}
        return gettext_noop("only addresses starting with %(allowed)s are accepted, not %(scheme)s:"), {
            "allowed": allowed,
            "scheme": scheme,
        }
    try:
        if scheme == "mailto":
            _email(text.split(":", 1)[1].split("?", 1)[0])
        else:
            _web(text)
    except ValidationError:
        return gettext_noop("%(value)s is not a valid address"), {"value": repr(text)}
    return None


def is_safe_url(value: object, schemes: Iterable[str] = WEB_SCHEMES) -> bool:
    """Whether ``value`` may be the target of a link on a page (the check of ``url_problem``)."""
    return isinstance(value, str) and bool(value.strip()) and url_problem(value, schemes) is None


def link_target(value: object, schemes: Iterable[str] = WEB_SCHEMES) -> str:
    """A stored address as it may be published – the target of a link on a page, a URL in the API – or
    the empty text when it is not one (a value stored before the rule, or written around it)."""
    return value.strip() if isinstance(value, str) and is_safe_url(value, schemes) else ""


@deconstructible
class SafeURLValidator:
    """Refuses an address that ``url_problem`` refuses, with a message a form shows next to its field."""

    code = "unsafe_url"

    def __init__(self, schemes: Iterable[str] = WEB_SCHEMES):
        self.schemes = frozenset(schemes)

    def __call__(self, value: str) -> None:
        if url_problem(value, self.schemes) is not None:
            if self.schemes == WEB_SCHEMES:
                message = _("Enter a web address that starts with http:// or https://.")
            else:
                message = _("Enter an address that starts with http://, https:// or mailto:.")
            raise ValidationError(message, code=self.code, params={"value": value})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SafeURLValidator) and other.schemes == self.schemes

    def __hash__(self) -> int:
        return hash(self.schemes)


safe_url = SafeURLValidator()


class WebAddressField(models.CharField):
    """A CharField that accepts only http(s) addresses (``safe_url``) on every model validation.

    It is a CharField to the database and to migrations (``deconstruct``): the rule is Python only, so
    adding it needed no migration, and values stored before it are kept (and shown as text)."""

    default_validators = [safe_url]

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
