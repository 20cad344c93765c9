"""Reading a strategy file: YAML parsing, schema validation and reference checks, with line numbers.

Nothing here touches the database; the importer passes in what is already stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from regija.core import files
from regija.core.files import (
    InvalidFile,
    LineFinder,
    Locator,
    Problem,
    as_locator,
    load_mapping,
    path_text,
    read_text,
    validation_problems,
)

from .schema import Node, NodeRef, StrategyFile

__all__ = [  # Problem, InvalidFile and LineFinder live in regija.core.files; callers may take them from here
    "MISSING_STRATEGY",
    "InvalidFile",
    "Known",
    "LineFinder",
    "Problem",
    "check_references",
    "load_file",
    "load_yaml",
    "parse_text",
    "path_text",
    "read_file",
    "schema_errors",
    "validate_data",
    "walk_nodes",
]

MISSING_STRATEGY = "missing_strategy"  # a Problem's kind: the importer retries after the other files of a run

FORMAT_DOC = "docs/strategy-file.md"


def load_yaml(text: str, filename: str) -> dict:
    """Parse YAML text into plain data; raise InvalidFile with the line of a syntax error."""
    return load_mapping(
        text, filename, not_a_mapping="the file must be a YAML mapping with regija: 1 and strategy: …"
    )


def load_file(path: str) -> tuple[dict | None, Locator, list[Problem]]:
    """Read and parse one file; never raises: problems come back in the list.

    Returns the parsed data, a locator that places a field path in the file (its line, or its cell in
    a workbook), and the problems. An ``.xlsx`` workbook is read by ``workbook.read``."""
    from . import workbook

    if workbook.is_workbook(path):
        return workbook.read(path)
    try:
        text = read_text(Path(path))
        return load_yaml(text, str(path)), LineFinder(text), []
    except InvalidFile as exc:
        return None, LineFinder(""), exc.problems


def parse_text(text: str, filename: str) -> StrategyFile:
    """Parse and validate one file's text; raise InvalidFile naming file, line and field."""
    return validate_data(load_yaml(text, filename), filename, text)


def validate_data(data: dict, filename: str, text: str | Locator | None = None) -> StrategyFile:
    """Validate parsed data against the schema; the text (read again if not given) or a locator places
    errors by line or cell."""
    try:
        return StrategyFile.model_validate(data)
    except ValidationError as exc:
        text = text if text is not None else read_text(Path(filename))
        problems = validation_problems(exc, filename, text, format_doc=FORMAT_DOC, union_labels=("NodeRef",))
        raise InvalidFile(problems) from None


def schema_errors(exc: ValidationError) -> list[tuple[tuple, str]]:
    """The distinct errors of a strategy file's failed validation, as (field path, message)."""
    return files.schema_errors(exc, format_doc=FORMAT_DOC, union_labels=("NodeRef",))


def read_file(path: str | Path) -> tuple[StrategyFile, str | Locator]:
    """Read one file from disk; return the validated document and its text (kept for line look-ups), or
    for a workbook the locator of its cells."""
    from . import workbook

    if workbook.is_workbook(path):
        data, where, problems = workbook.read(path)
        if problems or data is None:
            raise InvalidFile(problems)
        return validate_data(data, str(path), where), where
    text = read_text(Path(path))
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


def check_references(
    doc: StrategyFile, filename: str, text: str | Callable[[], str] | Locator, known: Known
) -> None:
    """Raise InvalidFile for duplicate codes and references to things that do not exist; ``text`` is the
    file's text or a locator that places a field path (see ``regija.core.files.as_locator``)."""
    finder = as_locator(text)
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
    project_codes = unique(doc.projects, "code", "projects", "project code")

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
        for j, code in enumerate(s.scope.projects):
            if code not in project_codes:
                bad(("stated", i, "scope", "projects", j), f"no project with code {code!r} in this strategy")

    if problems:
        raise InvalidFile(problems)


def _ref_key(ref) -> tuple:
    return (ref.strategy, ref.code) if isinstance(ref, NodeRef) else (None, ref)
