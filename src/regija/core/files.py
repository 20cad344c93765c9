"""Reading input files (strategy files, governance files): text, YAML, and problems placed by line and field.

Every problem names the file, its line and the path of the field inside it, written with the codes
the file itself uses (``nodes › 3 › 3.1 › code``, ``projects › P-07 › budget › 2 › amount``), so that a
person can find and fix it. The messages are said in the active language (``regija.core.translate``:
Slovenian by default, English under ``en``); the path keeps the file's own keys. This module needs no
configured Django project, so a file can be checked without a database.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, Protocol

import yaml
import yaml_rs
from pydantic import ValidationError

from regija.core.translate import gettext, ngettext

try:  # the C parser is several times faster; fall back where libyaml is missing
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):
    """Safe loader that keeps dates as text, so an impossible date is reported by field, not by crash."""


# YAML 1.1 reads yes/no/on/off as booleans and 2023-12-31 as a date; we want `secured: yes` to stay
# text and dates to be checked by the schema, so only true/false remain implicit booleans.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", _BOOL_TAG)]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _no_duplicate_keys(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            message = gettext("duplicate key %(key)s") % {"key": repr(key)}
            raise yaml.constructor.ConstructorError(None, None, message, key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, said so that a person can find and fix it."""

    file: str
    line: int | str | None  # a line of a text file, or a place such as "Projekti!F14" in a workbook
    field: str
    message: str
    kind: str = ""  # lets an importer treat some problems apart (e.g. retry after the other files of a run)

    def __str__(self) -> str:
        if isinstance(self.line, str):
            where = f"{self.file} {self.line}"
        else:
            where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InvalidFile(Exception):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


PATH_SEPARATOR = " › "
# keys by which a list item names itself in a path, in order of preference
ID_KEYS = ("code", "slug", "label")
# keys left out of a path before an item: a node's children read as the tree (nodes › 3 › 3.1)
TRANSPARENT_KEYS = frozenset({"children"})


def item_name(item: Any, index: int, keys: Collection[str] = ID_KEYS) -> str:
    """How a person names the list item at ``index``: its code, slug or label, else its 1-based place."""
    if isinstance(item, dict):
        for key in keys:
            value = item.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
    return str(index + 1)


def path_text(path: Iterable[Any], data: Any = None, keys: Collection[str] = ID_KEYS) -> str:
    """A field path as a person reads it, computed from the file's parsed data (``data``), so it works
    also for an item that failed validation: ``("nodes", 0, "children", 2, "code")`` is
    ``nodes › 3 › 3.1 › code`` when those are the codes written there; a list item without a code,
    slug or label (``keys``) is named by its place counted from 1 (``budget › 2 › amount``)."""
    parts: list[str] = []
    node = data
    path = list(path)
    for i, part in enumerate(path):
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            parts.append(item_name(item, part, keys))
            node = item
        else:
            transparent = part in TRANSPARENT_KEYS and i + 1 < len(path) and isinstance(path[i + 1], int)
            if not (transparent and parts):
                parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return PATH_SEPARATOR.join(parts)


def place_text(line: int | str | None, path: Iterable[Any], data: Any = None) -> str:
    """Where a thing is, to name it in another problem's message: ``line 12``, a cell (``Projekti!B5``)
    or, when neither is known, its path."""
    if isinstance(line, str):
        return line
    if line:
        # Translators: a place named inside another message ("also at line 12"), as the locative "vrstici 12"
        return gettext("line %(line)s") % {"line": line}
    return path_text(path, data)


class Locator(Protocol):
    """Places a field path in its file: a line number (``LineFinder``) or a cell (a workbook's locator)."""

    def line(self, path: Iterable[Any]) -> int | str | None: ...


def as_locator(where: str | Callable[[], str] | Locator) -> Locator:
    """A locator for ``where``: the file's text (or a callable returning it), or a locator already."""
    if hasattr(where, "line"):
        return where  # type: ignore[return-value]
    return LineFinder(where)  # type: ignore[arg-type]


class LineFinder:
    """Maps a field path to its line, composing the YAML again only when there is an error to place.

    ``text`` may be a callable that returns the text, so it is read only when needed.
    """

    def __init__(self, text: str | Callable[[], str]):
        self._text = text
        self._root: yaml.Node | None = None

    def line(self, path: Iterable[Any]) -> int | None:
        if self._root is None:
            try:
                text = self._text() if callable(self._text) else self._text
                self._root = yaml.compose(text, Loader=_Loader)
            except yaml.YAMLError:
                return None
        node = self._root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        line = key.start_mark.line + 1
                        node = value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def read_text(path: Path) -> str:
    """The text of a UTF-8 file; raise InvalidFile when it is missing, a folder or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFile([Problem(str(path), None, "", gettext("file not found"))]) from None
    except IsADirectoryError:
        raise InvalidFile([Problem(str(path), None, "", gettext("this is a folder, not a file"))]) from None
    except UnicodeDecodeError:
        message = gettext("the file is not UTF-8 text; save it again as UTF-8")
        raise InvalidFile([Problem(str(path), None, "", message)]) from None


def load_mapping(text: str, filename: str, *, not_a_mapping: str) -> dict:
    """Parse YAML text that must be a mapping; raise InvalidFile with the line of a syntax error.

    yaml-rs (YAML 1.2, in Rust) parses about ten times faster than PyYAML and already reads yes/no
    as text; when it refuses a file, PyYAML parses it again to name the problem and its line.
    ``not_a_mapping`` is the message for a file whose top level is not a mapping.
    """
    try:
        data = yaml_rs.loads(text)
    except yaml_rs.YAMLDecodeError as fast_error:
        data = _load_slowly(text, filename, fast_error)
    if not isinstance(data, dict):
        raise InvalidFile([Problem(filename, 1, "", not_a_mapping)])
    return data


def _load_slowly(text: str, filename: str, fast_error: Exception) -> Any:
    try:
        yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = _yaml_problem(getattr(exc, "problem", None) or str(exc))
        message = gettext("not valid YAML: %(problem)s") % {"problem": problem}
        raise InvalidFile([Problem(filename, line, "", message)]) from None
    first_line = str(fast_error).strip().splitlines()[0]
    raise InvalidFile(
        [Problem(filename, None, "", gettext("not valid YAML: %(problem)s") % {"problem": first_line})]
    )


def _yaml_problem(problem: str) -> str:
    """PyYAML's account of a syntax error (its C parser's or its own) said for a person, for the common
    ones; others as PyYAML says them."""
    if problem.startswith("mapping values are not allowed"):
        return gettext("a colon cannot stand here (is a space missing after it, or quotes around the text?)")
    if problem == "could not find expected ':'":
        return gettext("a colon is missing after a key")
    if problem.startswith("found character '\\t'"):
        return gettext("a tab cannot start a value; indent with spaces")
    if problem == "found character that cannot start any token":
        return gettext(
            "a value cannot start with this character (a tab, @ or `); indent with spaces and put such a "
            "value in quotes"
        )
    if m := re.match(r"found character '(.+)' that cannot start any token", problem):
        return gettext("a value cannot start with %(char)s; put the value in quotes") % {"char": m[1]}
    if problem == "found unexpected end of stream":
        return gettext("the file ends in the middle of a value (is a closing quote missing?)")
    if problem.startswith("expected <block end>"):
        return gettext("this line is not indented like the lines above it")
    if problem.startswith("found undefined alias"):
        return gettext("an alias (*name) refers to an anchor (&name) that is not defined")
    if problem.startswith(("expected ',' or ']'", "did not find expected ',' or ']'")):
        return gettext("a list in brackets [ … ] is not closed with ] (or a comma is missing)")
    if problem.startswith(("expected ',' or '}'", "did not find expected ',' or '}'")):
        return gettext("a group of fields in braces { … } is not closed with } (or a comma is missing)")
    if problem.startswith("found unknown escape character"):
        return gettext(
            "a backslash in double quotes starts an unknown escape; use single quotes or write \\\\"
        )
    if problem.startswith(("did not find expected key", "did not find expected '-' indicator")):
        return gettext("a key or a list item was expected here (is the line indented wrongly?)")
    return problem


def _shown(value: Any) -> str:
    """A value of the file as a message quotes it: text in quotes, a number as written."""
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _allowed(expected: str) -> str:
    """The allowed values pydantic lists ("'yes', 'no' or 'partly'") as a list without an English "or"."""
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    return ", ".join(repr(v) for v in values) if values else expected


# patterns of the formats' fields and what a person should write instead
_PATTERNS: dict[str, Callable[[], str]] = {
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$": lambda: gettext(
        "a slug is written in lowercase letters without diacritics and digits, joined by single hyphens "
        "(e.g. obcina-primer)"
    ),
    r"^[A-Z]{2}$": lambda: gettext(
        "a country is written as its two-letter ISO code in capitals (e.g. SI, AT)"
    ),
    r"^[a-z][a-z0-9_]*$": lambda: gettext(
        "write lowercase letters without diacritics, digits and underscores, starting with a letter "
        "(e.g. goal)"
    ),
    r"^[a-z][a-z_]*$": lambda: gettext(
        "write lowercase letters without diacritics and underscores (e.g. lead_partner)"
    ),
    r"^\d{4}(-\d{4})?$": lambda: gettext("a period is written as a year or two years (e.g. 2021-2027)"),
}


def error_message(error: dict, *, format_doc: str) -> str:  # noqa: C901 - one case per kind of error
    """A pydantic error said for the person who wrote the file, in the active language; ``format_doc``
    is the page describing the format."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    plain = not isinstance(value, (dict, list))
    got = {"value": _shown(value)}
    if kind == "extra_forbidden":
        return gettext("unknown field; check its spelling against %(doc)s") % {"doc": format_doc}
    if kind == "missing":
        return gettext("required field is missing")
    if kind in ("value_error", "assertion_error"):
        # our validators raise their messages in the active language already
        msg = str(ctx["error"]) if "error" in ctx else error["msg"]
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("enum", "literal_error") and "expected" in ctx:
        return gettext("%(value)s is not allowed; use one of: %(allowed)s") % {
            **got,
            "allowed": _allowed(str(ctx["expected"])),
        }
    if kind == "string_type":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return gettext("text is needed; YAML read %(value)s as a number, put it in quotes") % got
        if plain:
            return gettext("text is needed, not %(value)s") % got
        return gettext("text is needed here, not a list or a mapping")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return gettext("a whole number is needed, not %(value)s") % got
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing", "finite_number"):
        return gettext("a number is needed, not %(value)s") % got
    if kind in ("bool_type", "bool_parsing"):
        return gettext("true or false is needed, not %(value)s") % got
    if kind.startswith("date") and not kind.startswith("datetime"):
        return gettext("a date is needed, written YYYY-MM-DD (e.g. 2023-12-31), not %(value)s") % got
    if kind.startswith("datetime"):
        return gettext("a date and time is needed, written YYYY-MM-DDTHH:MM, not %(value)s") % got
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = _shown(
            ctx.get(
                {"greater_than_equal": "ge", "greater_than": "gt"}.get(
                    kind, "le" if kind == "less_than_equal" else "lt"
                )
            )
        )
        messages = {
            "greater_than_equal": gettext("must be at least %(limit)s, not %(value)s"),
            "greater_than": gettext("must be more than %(limit)s, not %(value)s"),
            "less_than_equal": gettext("must be at most %(limit)s, not %(value)s"),
            "less_than": gettext("must be less than %(limit)s, not %(value)s"),
        }
        return messages[kind] % {**got, "limit": limit}
    if kind == "too_short":
        n = int(ctx.get("min_length", 1))
        return ngettext("at least %(n)s item is needed", "at least %(n)s items are needed", n) % {"n": n}
    if kind == "too_long":
        n = int(ctx.get("max_length", 0))
        return ngettext("at most %(n)s item is allowed", "at most %(n)s items are allowed", n) % {"n": n}
    if kind == "string_too_short":
        n = int(ctx.get("min_length", 1))
        if n <= 1:
            return gettext("must not be empty")
        return ngettext("at least %(n)s character is needed", "at least %(n)s characters are needed", n) % {
            "n": n
        }
    if kind == "string_too_long":
        n = int(ctx.get("max_length", 0))
        length = len(value) if isinstance(value, str) else 0
        return ngettext(
            "at most %(n)s character is allowed (this text has %(length)s)",
            "at most %(n)s characters are allowed (this text has %(length)s)",
            n,
        ) % {"n": n, "length": length}
    if kind == "string_pattern_mismatch":
        explain = _PATTERNS.get(str(ctx.get("pattern", "")))
        if explain is not None:
            return gettext("%(value)s is not written as required: %(how)s") % {**got, "how": explain()}
        return gettext("%(value)s is not written as required (pattern %(pattern)s)") % {
            **got,
            "pattern": ctx.get("pattern", ""),
        }
    if kind.startswith("url"):
        return gettext("%(value)s is not a valid web address") % got
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return gettext("a list is needed here (items each on a line starting with -)")
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return gettext("fields with their values are needed here (a mapping), not %(value)s") % got
    if kind == "none_required":
        return gettext("no value is allowed here")
    # a kind the formats do not produce today: pydantic's own words, with the value
    detail = error["msg"] + (f" ({got['value']})" if plain and "input" in error else "")
    return gettext("the value is not valid: %(detail)s") % {"detail": detail}


def clean_loc(loc: tuple, union_labels: Collection[str] = ()) -> tuple:
    """A pydantic error location as a path in the file: without union-branch labels.

    pydantic names the branch of a union it tried ('str', 'function-before[…]', or a model's class
    name, which the format passes in ``union_labels``); the file has no such level.
    """
    out = []
    for part in loc:
        if isinstance(part, str) and (
            part in union_labels or part.startswith("function-") or part in ("str", "constrained-str")
        ):
            continue
        out.append(part)
    return tuple(out)


def schema_errors(
    exc: ValidationError,
    *,
    format_doc: str,
    union_labels: Collection[str] = (),
    explain: Callable[[tuple, dict], str | None] | None = None,
) -> list[tuple[tuple, str]]:
    """The distinct errors of a failed validation, each as (field path, message for a person), one per
    place and kind. ``explain(path, error)`` may return a message of the format's own instead of the
    general one."""
    out: list[tuple[tuple, str]] = []
    seen: set = set()
    for error in exc.errors():
        loc = clean_loc(error["loc"], union_labels)
        key = (loc, error["type"])
        if key in seen:
            continue
        seen.add(key)
        out.append(
            (loc, (explain(loc, error) if explain else None) or error_message(error, format_doc=format_doc))
        )
    return out


def validation_problems(
    exc: ValidationError,
    filename: str,
    text: str | Callable[[], str] | Locator,
    *,
    format_doc: str,
    union_labels: Collection[str] = (),
    explain: Callable[[tuple, dict], str | None] | None = None,
    data: Any = None,
    keys: Collection[str] = ID_KEYS,
) -> list[Problem]:
    """The problems of a failed validation (``schema_errors``), each with its line and field path;
    ``text`` is the file's text or a locator (see ``as_locator``); ``data``, the parsed file, lets the
    path name items by their codes (see ``path_text``)."""
    finder = as_locator(text)
    return [
        Problem(filename, finder.line(loc), path_text(loc, data, keys), message)
        for loc, message in schema_errors(
            exc, format_doc=format_doc, union_labels=union_labels, explain=explain
        )
    ]


# --- reading parsed data that may not be valid ----------------------------------------------------
# Reference checks run on the parsed data beside the schema's validation, so that one run reports every
# problem: a field of the wrong type is simply not read (the schema reports it).


def text_of(value: Any) -> str | None:
    """A slug or a text as the formats read it (stripped); None if it is not text or is empty."""
    return value.strip() or None if isinstance(value, str) else None


def code_of(value: Any) -> str | None:
    """A code or a label as the formats read it (text, or a whole number taken as text); None if it is
    not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text_of(value)


def items_of(data: Any, key: str) -> list[tuple[int, dict]]:
    """The mappings listed under ``key`` of ``data``, with their places; nothing if it is not a list."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def list_of(value: Any) -> list:
    """``value`` if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by their line, when every one is placed by a line (or not at all)."""
    if all(p.line is None or isinstance(p.line, int) for p in problems):
        return sorted(problems, key=lambda p: p.line or 0)
    return problems
