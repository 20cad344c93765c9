"""The NGSI-LD query language (``q``, clause 4.9 of ETSI GS CIM 009): a parser and its translation to SQL.

Grammar (the spec's ABNF, with parentheses allowed at any depth)::

    Query      = Or
    Or         = And *("|" And)                     ; "|" or
    And        = Primary *(";" Primary)             ; ";" and – binds tighter than "|"
    Primary    = "(" Or ")" / QueryTerm
    QueryTerm  = Attribute [Operator Value]
    Attribute  = attrName *("." attrName) *("[" attrName "]")
    Operator   = "==" / "!=" / ">=" / ">" / "<=" / "<" / "~=" / "!~="
    Value      = ComparableValue / true / false / Range / ValueList / URI  ; the last three after == / !=
    Range      = ComparableValue ".." ComparableValue
    ValueList  = Value 1*("," Value)
    ComparableValue = Number / quotedStr / dateTime / date / time

``a.b`` is the sub-attribute ``b`` of the attribute ``a`` (or its ``observedAt``, ``unitCode``,
``datasetId``, ``createdAt``, ``modifiedAt``); ``a[b][c]`` the member ``c`` of the member ``b`` of the
value of ``a`` (a JSON object). The target of ``a`` is its value (a Property's) or its object (a
Relationship's). A term's names are expanded with the request's @context.

The whole query becomes one SQL condition on the entity's JSON document (Django's JSON key lookups,
which SQLite and PostgreSQL both run), so a page of results and its count are two queries whatever
the number of entities. Comparisons (< <= > >=) hold only between values of one JSON type – a number
with a number, a string (also a date-time) with a string – on both databases alike.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db.models import CharField, Expression, Q, Value
from django.db.models.lookups import Exact

from .errors import BadRequestData

OPERATORS = ("!~=", "==", "!=", ">=", "<=", "~=", ">", "<")
META = {"observedAt", "unitCode", "datasetId", "createdAt", "modifiedAt"}
NAME = re.compile(r"[A-Za-z0-9_]+")
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
MAX_LENGTH = 4000
MAX_TERMS = 100


@dataclasses.dataclass
class Term:
    path: list[str]  # attribute, then sub-attributes (or a meta name last)
    trail: list[str]  # members within the value
    op: str | None = None
    value: Any = None  # a value; ("range", lo, hi); ("list", [values])


@dataclasses.dataclass
class Node:
    op: str  # "and" | "or"
    parts: list[Any]


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0
        self.terms = 0

    def error(self, message: str) -> BadRequestData:
        return BadRequestData(f"q: {message} at position {self.i + 1} of {self.text!r}")

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.i)

    def parse(self) -> Any:
        if not self.text.strip():
            raise BadRequestData("q: the query is empty")
        node = self.or_()
        if self.i != len(self.text):
            raise self.error(f"unexpected {self.text[self.i]!r}")
        return node

    def or_(self) -> Any:
        parts = [self.and_()]
        while self.peek("|"):
            self.i += 1
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Node("or", parts)

    def and_(self) -> Any:
        parts = [self.primary()]
        while self.peek(";"):
            self.i += 1
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else Node("and", parts)

    def primary(self) -> Any:
        if self.peek("("):
            self.i += 1
            node = self.or_()
            if not self.peek(")"):
                raise self.error("a ')' is missing")
            self.i += 1
            return node
        return self.term()

    def name(self) -> str:
        m = NAME.match(self.text, self.i)
        if not m:
            raise self.error("an attribute name is expected")
        self.i = m.end()
        return m.group(0)

    def term(self) -> Term:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise BadRequestData(f"q: at most {MAX_TERMS} terms")
        path = [self.name()]
        while self.peek(".") and not self.peek(".."):
            self.i += 1
            path.append(self.name())
        trail = []
        while self.peek("["):
            self.i += 1
            trail.append(self.name())
            if not self.peek("]"):
                raise self.error("a ']' is missing")
            self.i += 1
        term = Term(path, trail)
        for op in OPERATORS:
            if self.peek(op):
                self.i += len(op)
                term.op = op
                term.value = self.value(op)
                break
        return term

    def item(self) -> tuple[Any, str]:
        """One value and its kind: number, string, datetime, boolean, uri."""
        start = self.i
        if self.peek('"') or self.peek("'"):
            quote = self.text[self.i]
            self.i += 1
            out = []
            while self.i < len(self.text) and self.text[self.i] != quote:
                if self.text[self.i] == "\\" and self.i + 1 < len(self.text):
                    self.i += 1
                out.append(self.text[self.i])
                self.i += 1
            if self.i >= len(self.text):
                self.i = start
                raise self.error("a quoted string is not closed")
            self.i += 1
            return "".join(out), "string"
        while self.i < len(self.text) and self.text[self.i] not in ";|),":
            if self.peek(".."):
                break
            self.i += 1
        raw = self.text[start : self.i]
        if not raw:
            self.i = start
            raise self.error("a value is expected")
        if NUMBER.match(raw):
            return (float(raw) if any(c in raw for c in ".eE") else int(raw)), "number"
        if raw in ("true", "false"):
            return raw == "true", "boolean"
        if DATETIME.match(raw) or DATE.match(raw) or TIME.match(raw):
            return raw, "datetime"
        if URI.match(raw):
            return raw, "uri"
        self.i = start
        raise self.error(
            f'{raw!r} is not a value (a number, a "quoted string", a date-time, true, false or a URI)'
        )

    def value(self, op: str) -> Any:
        if op in ("~=", "!~="):
            pattern, _ = self.item()
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise BadRequestData(f"q: {pattern!r} is not a regular expression: {exc}") from None
            return str(pattern)
        first, kind = self.item()
        if self.peek(".."):
            if op not in ("==", "!="):
                raise self.error("a range is only compared with == or !=")
            self.i += 2
            second, kind2 = self.item()
            if kind in ("boolean", "uri") or kind2 in ("boolean", "uri"):
                raise self.error("a range is between numbers, strings or date-times")
            return ("range", first, second)
        if self.peek(","):
            if op not in ("==", "!="):
                raise self.error("a list of values is only compared with == or !=")
            values = [first]
            while self.peek(","):
                self.i += 1
                values.append(self.item()[0])
            return ("list", values)
        if op not in ("==", "!=") and kind in ("boolean", "uri"):
            raise self.error(f"{op} compares numbers, strings and date-times only")
        return first


def parse(text: str) -> Any:
    """The query as a tree of ``Node`` and ``Term``; BadRequestData saying where it does not parse."""
    if len(text) > MAX_LENGTH:
        raise BadRequestData(f"q: a query may be at most {MAX_LENGTH} characters long")
    return _Parser(text).parse()


def names(tree: Any) -> list[str]:
    """The attribute and sub-attribute names of a query (to expand them in one call)."""
    if isinstance(tree, Node):
        return [n for part in tree.parts for n in names(part)]
    return tree.path[:-1] if len(tree.path) > 1 and tree.path[-1] in META else list(tree.path)


# -------------------------------------------------------------------------------------------------- to SQL


class JsonType(Expression):
    """The JSON type of a value in the document – number, string, boolean, object, array, null – alike
    on both databases (PostgreSQL's jsonb_typeof, SQLite's JSON_TYPE)."""

    output_field = CharField()

    def __init__(self, keys: list[str]):
        super().__init__()
        self.keys = keys

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        column = compiler.quote_name_unless_alias(compiler.query.get_initial_alias()) + ".doc"
        if connection.vendor == "postgresql":
            return f"jsonb_typeof({column} #> %s)", [self.keys]
        path = "$" + "".join('."' + k.replace('"', '\\"') + '"' for k in self.keys)
        return (
            f"(CASE JSON_TYPE({column}, %s) WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' "
            "WHEN 'text' THEN 'string' WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' "
            f"ELSE JSON_TYPE({column}, %s) END)"
        ), [path, path]


def _path(keys: list[str]) -> str | None:
    """Django's lookup path to a key of the document; None for a key it cannot spell (one with "__"),
    which then matches nothing."""
    if any("__" in k or not k for k in keys):
        return None
    return "doc__" + "__".join(keys)


def _lookup(keys: list[str], name: str, rhs: Any) -> Q:
    path = _path(keys)
    return Q(pk__in=[]) if path is None else Q(**{f"{path}__{name}": rhs})


def _of_type(keys: list[str], kind: str) -> Q:
    return Q(Exact(JsonType(keys), Value(kind)))


def _kind(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "string"


def _has(keys: list[str]) -> Q:
    if len(keys) == 1:
        return Q(doc__has_key=keys[0])
    path = _path(keys[:-1])
    return Q(pk__in=[]) if path is None else Q(**{f"{path}__has_key": keys[-1]})


def _compare(keys: list[str], op: str, value: Any) -> Q:
    if op in ("~=", "!~="):
        match = _lookup(keys, "regex", value) & _of_type(keys, "string")
        return match if op == "~=" else _has(keys) & ~match
    if isinstance(value, tuple) and value[0] == "range":
        inside = (
            _lookup(keys, "gte", value[1]) & _lookup(keys, "lte", value[2]) & _of_type(keys, _kind(value[1]))
        )
        return inside if op == "==" else _has(keys) & ~inside
    if isinstance(value, tuple) and value[0] == "list":
        anyof = Q(pk__in=[])
        for v in value[1]:
            anyof |= _lookup(keys, "exact", v)
        return anyof if op == "==" else _has(keys) & ~anyof
    if op == "==":
        return _lookup(keys, "exact", value)
    if op == "!=":
        return _has(keys) & ~_lookup(keys, "exact", value)
    name = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}[op]
    return _lookup(keys, name, value) & _of_type(keys, _kind(value))


def _term_q(term: Term, iris: dict[str, str]) -> Q:
    path = term.path
    meta = path[-1] if len(path) > 1 and path[-1] in META else None
    attrs = [iris[n] for n in (path[:-1] if meta else path)]
    if term.op is None:  # the attribute exists
        keys = attrs + ([meta] if meta else [])
        if term.trail:
            keys = attrs + ["value", *term.trail]
        return _has(keys)
    if meta:
        return _compare([*attrs, meta], term.op, term.value)
    if term.trail:
        return _compare([*attrs, "value", *term.trail], term.op, term.value)
    q = _compare([*attrs, "value"], term.op, term.value)
    if term.op in ("==", "!="):  # a Relationship's target is its object
        q |= _compare([*attrs, "object"], term.op, term.value)
    return q


# ------------------------------------------------------------------------------------ the value index

TEXT_MAX = 200  # as ContextValue.TEXT_MAX: a longer string is not indexed


def _cells(value: Any) -> list[tuple[str, float | None]]:
    """The (text, number) rows of one value: a string, a number, a boolean (both ``true``/``false`` and
    1/0, so that whatever a database's JSON comparison takes for it the index holds); nothing for an
    object, an array, null or a string longer than TEXT_MAX."""
    if isinstance(value, bool):
        return [("true" if value else "false", 1.0 if value else 0.0)]
    if isinstance(value, (int, float)):
        try:
            return [("", float(value))]
        except OverflowError:  # an integer beyond a float: compared by the JSON filter alone
            return []
    if isinstance(value, str) and len(value) <= TEXT_MAX:
        return [(value, None)]
    return []


def indexed(doc: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    """What the value index holds of an entity's document: (attribute, text, number) for the ``value``
    and the ``object`` (each item of a list of objects) of each top-level attribute – the targets of a
    ``q`` term without a trail or a sub-attribute."""
    out: list[tuple[str, str, float | None]] = []
    for iri, attr in doc.items():
        if not isinstance(attr, dict):
            continue
        found: list[tuple[str, float | None]] = []
        if "value" in attr:
            found += _cells(attr["value"])
        target = attr.get("object")
        for item in target if isinstance(target, list) else [target]:
            if isinstance(item, str):
                found += _cells(item)
        out += [(iri, text, number) for text, number in dict.fromkeys(found)]
    return out


def to_q(tree: Any, iris: dict[str, str]) -> Q:
    """The query as one filter on ``ContextEntity`` (names expanded by ``iris``)."""
    if isinstance(tree, Node):
        parts = [to_q(p, iris) for p in tree.parts]
        out = parts[0]
        for p in parts[1:]:
            out = out & p if tree.op == "and" else out | p
        return out
    return _term_q(tree, iris)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= TEXT_MAX


def _term_index(term: Term, iris: dict[str, str]) -> Q | None:
    """The rows of the value index (``ContextValue``) an entity the term keeps has – a condition that
    holds for every such entity, maybe for more – or None when the index cannot narrow the term: a
    trail, a sub-attribute or metadata, an existence test, ``!=``, a pattern, a boolean, a comparison
    or a range of strings, a string longer than TEXT_MAX (none of it is in the index or its order)."""
    if term.op is None or term.trail or len(term.path) != 1:
        return None
    value = term.value
    if term.op == "==":
        if isinstance(value, tuple) and value[0] == "range":
            if not (_is_number(value[1]) and _is_number(value[2])):
                return None
            cond = Q(number__gte=value[1], number__lte=value[2])
        elif isinstance(value, tuple) and value[0] == "list":
            if not all(_is_number(v) or _short_text(v) for v in value[1]):
                return None
            texts = [v for v in value[1] if isinstance(v, str)]
            numbers = [v for v in value[1] if not isinstance(v, str)]
            cond = Q(pk__in=[])
            if texts:
                cond |= Q(text__in=texts)
            if numbers:
                cond |= Q(number__in=numbers)
        elif _is_number(value):
            cond = Q(number=value)
        elif _short_text(value):
            cond = Q(text=value)
        else:
            return None
    elif term.op in ("<", "<=", ">", ">=") and _is_number(value):
        # never strict: a JSON number a float rounds onto the bound is still let through
        cond = Q(number__lte=value) if term.op in ("<", "<=") else Q(number__gte=value)
    else:
        return None
    return Q(attribute=iris[term.path[0]]) & cond


def prefilter(tree: Any, iris: dict[str, str]) -> list[Q]:
    """What the value index can say of the query: conditions on ``ContextValue`` rows, each of which an
    entity the query keeps has a row for (the selector turns each into ``pk IN (…)``); empty when the
    index cannot narrow the query. The exact filter (``to_q``) still decides: these only narrow.

    A term the index holds gives one condition; a conjunction the conditions of its terms (the others
    are left to the exact filter); a disjunction one condition – some condition of each branch – only
    when every branch has one (a branch without one could keep any entity)."""
    if isinstance(tree, Node):
        found = [prefilter(p, iris) for p in tree.parts]
        if tree.op == "and":
            return [c for part in found for c in part]
        if not all(found):
            return []
        either = found[0][0]
        for part in found[1:]:
            either |= part[0]
        return [either]
    one = _term_index(tree, iris)
    return [one] if one is not None else []
