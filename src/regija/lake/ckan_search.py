"""CKAN's ``package_search`` over the catalogue: the Solr filter query (``fq``) subset harvesters and
clients send, the sort orders, and the facets – evaluated on each dataset's ``selectors.Facts``.

The grammar (Solr's standard query parser, as far as a catalogue's clients use it)::

    query  := or
    or     := and ("OR" and)*
    and    := unary (["AND"] unary)*           -- terms side by side must all hold (CKAN's q.op=AND)
    unary  := ("-" | "+" | "NOT") unary | atom
    atom   := "(" query ")" | "*:*" | field ":" value | word
    value  := "(" values ")" | range | '"quoted"' | word     -- word may end in * (prefix) or be *
    values := value (["OR" | "AND"] value)*                  -- field:(a OR b)
    range  := ("[" | "{") bound "TO" bound ("]" | "}")      -- bound: *, NOW, NOW-7DAYS, 2024-01-01[T…Z]

Fields: organization (owner_org), tags, groups, res_format, license_id, name, id, private, state,
metadata_modified, metadata_created; title, notes and text search words with ``q``'s engine (over all
of a dataset's text), as does a word without a field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import Facts
from .vocabularies import CKAN_LICENCE_IDS, FileType, Licence

Predicate = Callable[[Facts], bool]

FIELDS = (
    "organization",
    "owner_org",
    "tags",
    "groups",
    "res_format",
    "license_id",
    "name",
    "id",
    "private",
    "state",
    "metadata_modified",
    "metadata_created",
    "title",
    "notes",
    "text",
)
# Searched as words (the q engine, over all of a dataset's text), not compared as values.
TEXT_FIELDS = ("title", "notes", "text")
DATE_FIELDS = ("metadata_modified", "metadata_created")
FACET_FIELDS = ("organization", "tags", "groups", "res_format", "license_id")
SORT_FIELDS = ("score", "metadata_modified", "metadata_created", "name", "title_string", "title", "id")
MAX_QUERY = 2000  # characters of one fq or q
MAX_DEPTH = 20


class SearchQueryError(Exception):
    """The query cannot be read; the message says where (CKAN's "Search Query Error", status 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_label(code: str) -> str:
    """CKAN's resource format as people write it ("CSV", "Parquet", "GeoJSON")."""
    return str(FileType(code).label) if code in FileType.values else code


def licence_id(code: str) -> str:
    return CKAN_LICENCE_IDS.get(Licence(code), code.lower()) if code in Licence.values else code.lower()


def values_of(facts: Facts, field: str) -> tuple[str, ...]:
    """What a dataset has for a field, as CKAN's search index would hold it."""
    if field in ("organization", "owner_org"):
        return (facts.publisher,)
    if field == "tags":
        return facts.keywords
    if field == "groups":
        return tuple(t.lower() for t in facts.themes)
    if field == "res_format":
        return tuple(sorted(format_label(f) for f in facts.formats))
    if field == "license_id":
        return (licence_id(facts.licence),)
    if field == "name":
        return (facts.slug,)
    if field == "id":
        return (facts.uuid,)
    if field == "private":
        return ("true" if facts.private else "false",)
    if field == "state":
        return ("draft" if facts.draft else "active",)
    raise AssertionError(field)


# ------------------------------------------------------------------------------------------ tokens

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<quoted>"(?:[^"\\]|\\.)*")
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<neg>[-+!])(?=[^\s)\]}])
    | (?P<field>[A-Za-z_][\w.]*):(?=\S)
    | (?P<word>[^\s()\[\]{}"]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # quoted | open | close | neg | field | word
    text: str
    at: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SearchQueryError(
                _("Cannot read the query at character %(at)d: %(rest)s")
                % {"at": position + 1, "rest": text[position : position + 20]}
            )
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


# ------------------------------------------------------------------------------------------ parser


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


_NOW = re.compile(r"NOW(?:(?P<sign>[-+])(?P<n>\d+)(?P<unit>YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?)?(?:/DAY)?$")
_UNIT_SECONDS = {
    "YEAR": 365 * 86400,
    "MONTH": 30 * 86400,
    "DAY": 86400,
    "HOUR": 3600,
    "MINUTE": 60,
    "SECOND": 1,
}


def parse_moment(text: str, field: str) -> dt.datetime | None:
    """A range bound: ``*`` (open), ``NOW`` / ``NOW-7DAYS``, or an ISO date or date-time (UTC unless it
    says otherwise, as Solr reads it)."""
    if text == "*":
        return None
    now = _NOW.match(text)
    if now:
        moment = timezone.now()
        if now.group("n"):
            seconds = int(now.group("n")) * _UNIT_SECONDS[now.group("unit")]
            moment += dt.timedelta(seconds=seconds if now.group("sign") == "+" else -seconds)
        if text.endswith("/DAY"):
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return moment
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(
            _("%(field)s: %(value)s is not a date (write 2024-01-31 or 2024-01-31T00:00:00Z).")
            % {"field": field, "value": text}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


class Parser:
    def __init__(self, text: str, text_match: Callable[[str], set[int]]) -> None:
        if len(text) > MAX_QUERY:
            raise SearchQueryError(_("The query is too long (at most %(n)d characters).") % {"n": MAX_QUERY})
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.text_match = text_match
        self.text_words: list[str] = []

    # -- helpers
    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SearchQueryError(_("The query ends too early: %(query)s") % {"query": self.text})
        self.i += 1
        return token

    def expect_close(self, closing: str) -> Token:
        if self.peek() is None:
            raise SearchQueryError(
                _("The query ends before the closing %(what)s: %(query)s")
                % {"what": closing, "query": self.text}
            )
        token = self.take()
        if token.kind != "close" or token.text not in closing:
            raise SearchQueryError(
                _("Expected %(what)s at character %(at)d of the query.")
                % {"what": closing, "at": token.at + 1}
            )
        return token

    def is_word(self, token: Token | None, *words: str) -> bool:
        return token is not None and token.kind == "word" and token.text in words

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SearchQueryError(_("The query nests too deep."))

    # -- grammar
    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda facts: True
        predicate = self.or_()
        token = self.peek()
        if token is not None:
            raise SearchQueryError(
                _("Unexpected %(token)s at character %(at)d of the query.")
                % {"token": token.text, "at": token.at + 1}
            )
        return predicate

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.is_word(self.peek(), "OR", "||"):
            self.take()
            parts.append(self.and_())
        if len(parts) == 1:
            return parts[0]
        return lambda facts: any(p(facts) for p in parts)

    def and_(self) -> Predicate:
        parts = [self.unary()]
        while True:
            token = self.peek()
            if token is None or token.kind == "close" or self.is_word(token, "OR", "||"):
                break
            if self.is_word(token, "AND", "&&"):
                self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return lambda facts: all(p(facts) for p in parts)

    def unary(self) -> Predicate:
        token = self.peek()
        if token is not None and (token.kind == "neg" or self.is_word(token, "NOT")):
            self.take()
            self.nest()
            inner = self.unary()
            self.depth -= 1
            if token.text == "+":
                return inner
            return lambda facts: not inner(facts)
        return self.atom()

    def atom(self) -> Predicate:
        token = self.take()
        if token.kind == "open" and token.text == "(":
            self.nest()
            inner = self.or_()
            self.expect_close(")")
            self.depth -= 1
            return inner
        if token.kind == "word" and token.text == "*:*":
            return lambda facts: True
        if token.kind == "field":
            return self.field_value(token)
        if token.kind in ("word", "quoted"):
            if token.kind == "word" and token.text in ("AND", "OR", "&&", "||"):
                raise SearchQueryError(
                    _("%(word)s at character %(at)d needs a term before it.")
                    % {"word": token.text, "at": token.at + 1}
                )
            text = _unquote(token.text) if token.kind == "quoted" else token.text
            self.text_words.append(text)
            ids = self.text_match(text)
            return lambda facts: facts.pk in ids
        raise SearchQueryError(
            _("Unexpected %(token)s at character %(at)d of the query.")
            % {"token": token.text, "at": token.at + 1}
        )

    def field_value(self, token: Token) -> Predicate:
        field = token.text
        if field not in FIELDS:
            raise SearchQueryError(
                _("Cannot search by %(field)s; the fields are: %(fields)s.")
                % {"field": field, "fields": ", ".join(FIELDS)}
            )
        value = self.peek()
        if value is None:
            raise SearchQueryError(_("%(field)s: needs a value.") % {"field": field})
        if value.kind == "open" and value.text in "[{":
            return self.range_(field)

        if field in DATE_FIELDS:
            moment = parse_moment(
                _unquote(self.take().text) if value.kind == "quoted" else self.take().text, field
            )
            return lambda facts: moment is None or _moment_of(facts, field) == moment
        if value.kind == "open":  # field:(a OR b)
            self.take()
            self.nest()
            inner = self.values(field)
            self.expect_close(")")
            self.depth -= 1
            return inner
        return self.single(field)

    def values(self, field: str) -> Predicate:
        groups: list[list[Predicate]] = [[self.single(field)]]
        while True:
            token = self.peek()
            if token is None or token.kind == "close":
                break
            if self.is_word(token, "OR", "||"):
                self.take()
                groups.append([])
            elif self.is_word(token, "AND", "&&"):
                self.take()
            negate = False
            token = self.peek()
            if token is not None and (token.kind == "neg" or self.is_word(token, "NOT")):
                self.take()
                negate = token.text != "+"
            single = self.single(field)
            groups[-1].append((lambda p: lambda facts: not p(facts))(single) if negate else single)
        return lambda facts: any(all(p(facts) for p in group) for group in groups)

    def single(self, field: str) -> Predicate:
        token = self.take()
        if token.kind == "quoted":
            wanted = _unquote(token.text)
            prefix = False
        elif token.kind == "word":
            wanted = token.text
            if wanted == "*":
                return lambda facts: field in TEXT_FIELDS or bool(values_of(facts, field))
            prefix = wanted.endswith("*")
            wanted = wanted.rstrip("*")
        else:
            raise SearchQueryError(
                _("%(field)s: expected a value at character %(at)d.") % {"field": field, "at": token.at + 1}
            )
        if field in TEXT_FIELDS:
            self.text_words.append(wanted)
            ids = self.text_match(wanted)
            return lambda facts: facts.pk in ids
        wanted = wanted.casefold()
        if prefix:
            return lambda facts: any(v.casefold().startswith(wanted) for v in values_of(facts, field))
        return lambda facts: any(v.casefold() == wanted for v in values_of(facts, field))

    def range_(self, field: str) -> Predicate:
        opening = self.take().text
        low_token = self.take()
        if not self.is_word(self.take(), "TO"):
            raise SearchQueryError(_("%(field)s: write a range as [from TO to].") % {"field": field})
        high_token = self.take()
        closing = self.expect_close("]}").text
        if field not in DATE_FIELDS:
            raise SearchQueryError(_("%(field)s: a range is only for dates.") % {"field": field})
        low = parse_moment(low_token.text, field)
        high = parse_moment(high_token.text, field)
        low_open, high_open = opening == "{", closing == "}"

        def inside(facts: Facts) -> bool:
            moment = _moment_of(facts, field)
            if low is not None and (moment < low or (low_open and moment == low)):
                return False
            return not (high is not None and (moment > high or (high_open and moment == high)))

        return inside


def _moment_of(facts: Facts, field: str) -> dt.datetime:
    return facts.modified if field == "metadata_modified" else facts.created


def parse(text: str, text_match: Callable[[str], set[int]]) -> Predicate:
    """A predicate over ``Facts`` for a filter query; ``SearchQueryError`` says where it cannot be read."""
    return Parser(text, text_match).parse()


def has_fields(text: str) -> bool:
    """Whether a ``q`` uses the filter syntax (``field:value``, ``*:*``) rather than plain words."""
    return bool(re.search(r"(?:^|[\s(+-])(?:[A-Za-z_][\w.]*:\S|\*:\*)", text))


# -------------------------------------------------------------------------------------------- sort


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """``"metadata_modified desc, name asc"`` → [(field, descending)]; CKAN's 'Invalid "sort" parameter'."""
    order: list[tuple[str, bool]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        words = part.split()
        if (
            len(words) > 2
            or words[0] not in SORT_FIELDS
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise SearchQueryError(
                _('Invalid "sort" parameter: %(part)s (sort by %(fields)s, each asc or desc).')
                % {"part": part, "fields": ", ".join(SORT_FIELDS)}
            )
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order


def sort_facts(
    facts: list[Facts], order: Sequence[tuple[str, bool]], scores: Mapping[int, int]
) -> list[Facts]:
    """Sorted by each key in turn, the identifier last so that pages never overlap nor skip."""
    keys: dict[str, Callable[[Facts], Any]] = {
        "score": lambda f: scores.get(f.pk, 0),
        "metadata_modified": lambda f: f.modified,
        "metadata_created": lambda f: f.created,
        "name": lambda f: f.slug,
        "title_string": lambda f: f.title.casefold(),
        "title": lambda f: f.title.casefold(),
        "id": lambda f: f.uuid,
    }
    result = sorted(facts, key=lambda f: f.uuid)
    for field, descending in reversed(order):
        result.sort(key=keys[field], reverse=descending)
    return result


# ------------------------------------------------------------------------------------------ facets


def facet_counts(facts: Iterable[Facts], fields: Sequence[str]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {field: {} for field in fields}
    for item in facts:
        for field in fields:
            for value in set(values_of(item, field)):
                counts[field][value] = counts[field].get(value, 0) + 1
    return counts
