"""Reading a strategy file: YAML parsing, schema validation and reference checks, with line numbers.

Nothing here touches the database; the importer passes in what is already stored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
import yaml_rs
from pydantic import ValidationError

from .schema import Node, NodeRef, StrategyFile

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


MISSING_STRATEGY = "missing_strategy"


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, said so that a person can find and fix it."""

    file: str
    line: int | None
    field: str
    message: str
    kind: str = ""  # MISSING_STRATEGY lets the importer retry after the other files of a run

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InvalidFile(Exception):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def path_text(path: Iterable[Any]) -> str:
    """A field path as a person reads it: ("projects", 0, "amount") → projects[0].amount."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_path_text = path_text  # the earlier private name, still imported by governance.loader


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


_HINTS = {
    "extra_forbidden": "unknown field; check its spelling against docs/strategy-file.md",
    "missing": "required field is missing",
}


def _message(error: dict) -> str:
    kind = error["type"]
    if kind in _HINTS:
        return _HINTS[kind]
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


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union-branch labels (e.g. 'str', 'NodeRef') from an error location."""
    out = []
    for part in loc:
        if isinstance(part, str) and (
            part in ("NodeRef",) or part.startswith("function-") or part in ("str", "constrained-str")
        ):
            continue
        out.append(part)
    return tuple(out)


def load_yaml(text: str, filename: str) -> dict:
    """Parse YAML text into plain data; raise InvalidFile with the line of a syntax error.

    yaml-rs (YAML 1.2, in Rust) parses about ten times faster than PyYAML and already reads yes/no
    as text; when it refuses a file, PyYAML parses it again to name the problem and its line.
    """
    try:
        data = yaml_rs.loads(text)
    except yaml_rs.YAMLDecodeError as fast_error:
        data = _load_slowly(text, filename, fast_error)
    if not isinstance(data, dict):
        raise InvalidFile(
            [Problem(filename, 1, "", "the file must be a YAML mapping with regija: 1 and strategy: …")]
        )
    return data


def _load_slowly(text: str, filename: str, fast_error: Exception) -> Any:
    try:
        yaml.load(text, Loader=_Loader)  # noqa: S506 – _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidFile([Problem(filename, line, "", f"not valid YAML: {problem}")]) from None
    first_line = str(fast_error).strip().splitlines()[0]
    raise InvalidFile([Problem(filename, None, "", f"not valid YAML: {first_line}")])


def load_file(path: str) -> tuple[dict | None, list[Problem]]:
    """Read and parse one file; never raises: problems come back in the list."""
    try:
        return load_yaml(_read_text(Path(path)), str(path)), []
    except InvalidFile as exc:
        return None, exc.problems


def parse_text(text: str, filename: str) -> StrategyFile:
    """Parse and validate one file's text; raise InvalidFile naming file, line and field."""
    return validate_data(load_yaml(text, filename), filename, text)


def validate_data(data: dict, filename: str, text: str | None = None) -> StrategyFile:
    """Validate parsed data against the schema; the text (read again if not given) places errors by line."""
    try:
        return StrategyFile.model_validate(data)
    except ValidationError as exc:
        finder = LineFinder(text if text is not None else _read_text(Path(filename)))
        problems = [
            Problem(filename, finder.line(loc), path_text(loc), message)
            for loc, message in schema_errors(exc)
        ]
        raise InvalidFile(problems) from None


def schema_errors(exc: ValidationError) -> list[tuple[tuple, str]]:
    """The distinct errors of a failed schema validation, each as (field path, message for a person)."""
    out = []
    seen = set()
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        key = (loc, error["type"])
        if key in seen:
            continue
        seen.add(key)
        out.append((loc, _message(error)))
    return out


def _read_text(path: Path) -> str:
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


def read_file(path: str | Path) -> tuple[StrategyFile, str]:
    """Read one file from disk; return the validated document and its text (kept for line look-ups)."""
    text = _read_text(Path(path))
    return parse_text(text, str(path)), text


def walk_nodes(nodes: list[Node], prefix: tuple = ("nodes",)):
    """Yield (node, parent, field path) for every node of the tree, depth first, in file order."""
    stack = [(n, None, prefix + (i,)) for i, n in enumerate(nodes)][::-1]
    while stack:
        node, parent, path = stack.pop()
        yield node, parent, path
        stack.extend([(c, node, path + ("children", i)) for i, c in enumerate(node.children)][::-1])


@dataclasses.dataclass
class Known:
    """What the references of a file may point at besides the file itself."""

    organisations: set[str] = dataclasses.field(default_factory=set)
    funds: set[str] = dataclasses.field(default_factory=set)
    # strategy slug -> its node codes; a callable lets the importer ask the database lazily
    strategy_nodes: Callable[[str], set[str] | None] = lambda slug: None


def check_references(doc: StrategyFile, filename: str, text: str | Callable[[], str], known: Known) -> None:
    """Raise InvalidFile for duplicate codes and references to things that do not exist."""
    finder = LineFinder(text)
    problems: list[Problem] = []

    def bad(path: tuple, message: str, kind: str = "") -> None:
        problems.append(Problem(filename, finder.line(path), path_text(path), message, kind))

    def unique(items, attr: str, section: str, what: str) -> set[str]:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                bad(
                    (section, i, attr), f"duplicate {what} {value!r} (first used at {section}[{seen[value]}])"
                )
            else:
                seen[value] = i
        return set(seen)

    orgs = unique(doc.organisations, "slug", "organisations", "organisation slug") | known.organisations
    funds = unique(doc.funds, "code", "funds", "fund code") | known.funds
    unique(doc.indicators, "code", "indicators", "indicator code")
    unique(doc.projects, "code", "projects", "project code")

    nodes: dict[str, tuple] = {}
    for node, _parent, path in walk_nodes(doc.nodes):
        if node.code in nodes:
            bad(
                path + ("code",),
                f"duplicate node code {node.code!r} (first used at {path_text(nodes[node.code])})",
            )
        else:
            nodes[node.code] = path
        for j, org in enumerate(node.responsible):
            if org not in orgs:
                bad(path + ("responsible", j), f"unknown organisation {org!r}; define it under organisations")

    def org(path: tuple, slug: str | None) -> None:
        if slug is not None and slug not in orgs:
            bad(path, f"unknown organisation {slug!r}; define it under organisations")

    def fund(path: tuple, code: str | None) -> None:
        if code is not None and code not in funds:
            bad(path, f"unknown fund {code!r}; define it under funds")

    def node_ref(path: tuple, ref) -> None:
        if isinstance(ref, NodeRef):
            if ref.strategy == doc.strategy.slug:
                codes = set(nodes)
            else:
                codes = known.strategy_nodes(ref.strategy)
                if codes is None:
                    bad(
                        path + ("strategy",),
                        f"strategy {ref.strategy!r} is not loaded; import its file first or in the same run",
                        MISSING_STRATEGY,
                    )
                    return
            if ref.code not in codes:
                bad(path + ("code",), f"strategy {ref.strategy!r} has no node {ref.code!r}")
        elif ref not in nodes:
            bad(path, f"no node with code {ref!r} in this strategy")

    for i, owner in enumerate(doc.strategy.owners):
        org(("strategy", "owners", i), owner)
    for i, o in enumerate(doc.organisations):
        org(("organisations", i, "parent"), o.parent)
        if o.parent == o.slug:
            bad(("organisations", i, "parent"), "an organisation cannot be its own parent")
    for i, f in enumerate(doc.funds):
        for j, a in enumerate(f.allocations):
            org(("funds", i, "allocations", j, "owner"), a.owner)

    seen_links: dict[tuple, int] = {}
    for i, a in enumerate(doc.alignments):
        node_ref(("alignments", i, "from"), a.from_)
        node_ref(("alignments", i, "to"), a.to)
        key = (_ref_key(a.from_), _ref_key(a.to), a.type)
        if key in seen_links:
            bad(
                ("alignments", i),
                f"duplicate alignment (same as alignments[{seen_links[key]}]); "
                "list both sources on one entry",
            )
        else:
            seen_links[key] = i
        if _ref_key(a.from_) == _ref_key(a.to) and not isinstance(a.from_, NodeRef):
            bad(("alignments", i, "to"), "a node cannot be aligned with itself")

    for i, ind in enumerate(doc.indicators):
        if ind.node not in nodes:
            bad(("indicators", i, "node"), f"no node with code {ind.node!r} in this strategy")
        dates = set()
        for j, obs in enumerate(ind.observations):
            if obs.date in dates:
                bad(
                    ("indicators", i, "observations", j, "date"),
                    f"two observations on {obs.date.isoformat()}",
                )
            dates.add(obs.date)

    for i, p in enumerate(doc.projects):
        base = ("projects", i)
        org(base + ("holder",), p.holder)
        for j, ref in enumerate(p.nodes):
            node_ref(base + ("nodes", j), ref)
        partner_orgs = set()
        for j, partner in enumerate(p.partners):
            org(base + ("partners", j, "organisation"), partner.organisation)
            if partner.organisation in partner_orgs:
                bad(
                    base + ("partners", j, "organisation"),
                    f"partner {partner.organisation!r} is listed twice",
                )
            partner_orgs.add(partner.organisation)
        budget_funds = []
        for j, line in enumerate(p.budget):
            fund(base + ("budget", j, "fund"), line.fund)
            budget_funds.append(line.fund)
        for j, pay in enumerate(p.payments):
            if pay.fund is not None:
                if pay.fund not in budget_funds:
                    bad(
                        base + ("payments", j, "fund"),
                        f"fund {pay.fund!r} has no budget line in this project",
                    )
            elif len(set(budget_funds)) != 1:
                bad(
                    base + ("payments", j),
                    "this payment must name its fund: the project has "
                    + (
                        "no budget line"
                        if not budget_funds
                        else f"several funds ({', '.join(sorted(set(budget_funds)))})"
                    ),
                )

    for i, s in enumerate(doc.stated):
        if s.scope.node is not None and s.scope.node not in nodes:
            bad(("stated", i, "scope", "node"), f"no node with code {s.scope.node!r} in this strategy")
        fund(("stated", i, "scope", "fund"), s.scope.fund)

    if problems:
        raise InvalidFile(problems)


def _ref_key(ref) -> tuple:
    return (ref.strategy, ref.code) if isinstance(ref, NodeRef) else (None, ref)
