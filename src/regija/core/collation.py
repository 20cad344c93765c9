"""Names in the order a Slovenian reader expects: c, č, ć, d, đ, … s, š, … z, ž; case only breaks ties.

Databases sort text by its bytes unless told otherwise, which puts "ANEA" before "Aleš" and "Šolski
center" after "Zavod". ``slovenian("name")`` is an expression for ``order_by`` that sorts by the
Slovenian alphabet on both databases Regija runs on:

- PostgreSQL: the ICU collation ``sl-x-icu`` that PostgreSQL built with ICU provides (Debian's and the
  official images are); see docs/deployment.md.
- SQLite: a function registered on every new connection gives each value a key (``sort_key``) whose
  byte order follows the same rules as ICU's Slovenian order for the letters names use: č, ć, đ, š
  and ž are letters of their own after their base letter, other accents (é, ö) only break ties, then
  lower case before upper case; spaces and punctuation come before digits, digits before letters.

``sort_key`` also sorts lists built in Python (``sorted(names, key=sort_key)``).
"""

from __future__ import annotations

import functools
import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import Func

COLLATION = "sl-x-icu"
_SQLITE_FUNCTION = "REGIJA_SL_KEY"

# letters of their own, placed right after their base letter (c < č < ć < d < đ < e …)
_OWN_LETTERS = {"č": ("c", 1), "ć": ("c", 2), "đ": ("d", 1), "š": ("s", 1), "ž": ("z", 1)}
# groups of a character's first weight, each above the zero byte that ends a level of the key
_SPACE, _PUNCTUATION, _DIGIT, _LATIN, _OTHER = range(1, 6)


class Slovenian(Func):
    """A text column in Slovenian alphabetical order, for ``order_by``: ``slovenian("name")``.

    PostgreSQL compares the column under the ICU collation; SQLite orders by ``sort_key`` of each
    value, which the connection computes once per row (a Python collation would be called for every
    comparison of a sort)."""

    function = _SQLITE_FUNCTION
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template=f'%(expressions)s COLLATE "{COLLATION}"', **extra_context
        )


def slovenian(field: str) -> Slovenian:
    """``field`` (a name or a path like ``strategy__title``) in Slovenian alphabetical order."""
    return Slovenian(field)


@functools.lru_cache(maxsize=4096)
def sort_key(text: str) -> bytes:
    """A key whose byte order is ICU's Slovenian order: by letters first (č after c, case ignored),
    then by accents, then lower case before upper case; the text itself last, so no two differ."""
    primary = bytearray()
    secondary = bytearray()
    tertiary = bytearray()
    for char in text:
        lower = char.lower()
        if lower in _OWN_LETTERS:
            base, step = _OWN_LETTERS[lower]
            group, rank, marks = _LATIN, ord(base) * 4 + step, ()
        else:
            decomposed = unicodedata.normalize("NFD", lower) or lower
            group, rank = _weight(decomposed[0])
            marks = tuple(ord(m) for m in decomposed[1:] if unicodedata.combining(m))
        primary += (group << 24 | rank).to_bytes(4, "big")
        secondary += b"\x01" if not marks else b"\x02" + b"".join(m.to_bytes(3, "big") for m in marks)
        tertiary += b"\x01" if char == lower else b"\x02"
    return bytes(primary) + b"\x00" + bytes(secondary) + b"\x00" + bytes(tertiary) + b"\x00" + text.encode()


def _weight(char: str) -> tuple[int, int]:
    if char.isspace():
        return _SPACE, 0
    if "a" <= char <= "z":
        return _LATIN, ord(char) * 4
    if char.isdigit():
        return _DIGIT, unicodedata.digit(char, 0)
    if char.isalpha():
        return _OTHER, ord(char)
    return _PUNCTUATION, ord(char)


def _sqlite_key(text: str | None) -> bytes | None:
    return None if text is None else sort_key(text)


def _register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(_SQLITE_FUNCTION, 1, _sqlite_key, deterministic=True)


def connect() -> None:
    """Give every new SQLite connection the key function (PostgreSQL has the collation)."""
    connection_created.connect(_register, dispatch_uid="regija.core.collation")
