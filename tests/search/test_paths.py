"""Documents' URL paths (indexing._path): exactly what reverse() gives, less the script prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix

from regija.search import indexing


def _reversed(name: str, *args: object) -> str:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    prefix = get_script_prefix()
    if prefix != "/" and url.startswith(prefix):
        url = "/" + url[len(prefix) :]
    return url


ARGUMENTS = [
    "jp1-01",
    "5.1",
    "A1_b~2",
    "RRP-U8.2.2-D1",
    "a/b",  # a slash: no path for a code, a page for a path
    "a b",  # quoted
    "čaša",  # quoted; a slug rejects it
    "a%20b",
    "x?y#z",
    "",
    "..",
    "{}",
    "007",
    7,
    True,
]
ROUTES = [
    ("strategy", 1),
    ("node", 2),
    ("indicator", 2),
    ("project", 2),
    ("organisation", 1),
    ("lake:dataset", 1),
    ("budgeting:proposal", 2),
    ("participation:proposal", 1),
    ("node", 1),  # no such pattern: ""
    ("no-such-page", 1),
]


@pytest.fixture
def prefix() -> Iterator[Callable[[str], None]]:
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


@pytest.mark.parametrize("script_prefix", ["/", "/regija/", "/č/", "/a%b/"])
def test_path_is_what_reverse_gives(prefix: Callable[[str], None], script_prefix: str) -> None:
    prefix(script_prefix)
    for name, count in ROUTES:
        for first in ARGUMENTS:
            for last in ARGUMENTS[:: 1 if count > 1 else len(ARGUMENTS)]:
                args = (first, last)[:count] if count > 1 else (first,)
                # twice: the first call may learn the path's shape, the second uses it
                assert indexing._path(name, *args) == _reversed(name, *args), (script_prefix, name, args)
                assert indexing._path(name, *args) == _reversed(name, *args), (script_prefix, name, args)


def test_path_of_plain_and_odd_codes() -> None:
    assert indexing._path("node", "strategija", "JP1-01") == "/strategije/strategija/JP1-01/"
    assert indexing._path("node", "strategija", "a b") == "/strategije/strategija/a%20b/"
    assert indexing._path("node", "strategija", "č") == "/strategije/strategija/%C4%8D/"
    assert indexing._path("node", "strategija", "a/b") == ""
    assert indexing._path("strategy", "šola") == ""
    assert indexing.page_path("participation:proposal", 12) == reverse("participation:proposal", args=[12])
