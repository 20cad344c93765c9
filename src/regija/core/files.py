"""Reading input files (strategy files, governance files): text, YAML, and problems placed by line and field.

Every problem names the file, its line and the path of the field inside it, written with the codes
the file itself uses (``nodes › 3 › 3.1 › code``, ``projects › P-07 › budget › 2 › amount``), so that a
person can find and fix it. This module does not import Django, so a file can be checked without a
database.
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
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
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
        return f"line {line}"
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
        raise InvalidFile([Problem(str(path), None, "", "file not found")]) from None
    except IsADirectoryError:
        raise InvalidFile([Problem(str(path), None, "", "this is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise InvalidFile(
            [Problem(str(path), None, "", f"the file is not UTF-8 text ({exc.reason})")]
        ) from None


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
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidFile([Problem(filename, line, "", f"not valid YAML: {problem}")]) from None
    first_line = str(fast_error).strip().splitlines()[0]
    raise InvalidFile([Problem(filename, None, "", f"not valid YAML: {first_line}")])


def error_message(error: dict, *, format_doc: str) -> str:
    """A pydantic error said for the person who wrote the file; ``format_doc`` is the page describing it."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field; check its spelling against {format_doc}"
    if kind == "missing":
        return "required field is missing"
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in ("string_type",) and isinstance(error.get("input"), (int, float)):
        msg += f"; YAML read {error['input']!r} as a number, put it in quotes"
    elif kind == "enum" and "expected" in error.get("ctx", {}):
        msg = f"{error['input']!r} is not allowed; use one of {error['ctx']['expected']}"
    elif kind != "value_error" and "input" in error and not isinstance(error["input"], (dict, list)):
        msg += f" (got {error['input']!r})"
    return msg


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
