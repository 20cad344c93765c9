"""Reading a strategy file: YAML parsing, schema validation and reference checks, with line numbers.

Format and references are checked in one pass (``check_file``), so that every problem of a file is
reported at once. Nothing here touches the database; the importer passes in what is already stored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from regija.core import files
from regija.core.files import (
    InvalidFile,
    LineFinder,
    Locator,
    Problem,
    code_of,
    in_file_order,
    items_of,
    list_of,
    load_mapping,
    path_text,
    place_text,
    read_text,
    text_of,
    validation_problems,
)
from regija.core.filetypes import parse_date
from regija.core.translate import gettext

from .schema import Node, StrategyFile

__all__ = [  # Problem, InvalidFile and LineFinder live in regija.core.files; callers may take them from here
    "UNRESOLVED",
    "Defined",
    "InvalidFile",
    "Known",
    "LineFinder",
    "Problem",
    "check_file",
    "defined",
    "load_file",
    "load_yaml",
    "parse_text",
    "path_text",
    "reference_problems",
    "read_file",
    "schema_errors",
    "validate_data",
    "walk_nodes",
    "walk_raw_nodes",
]

# a Problem's kind: a reference the checker could not resolve (it is not an error; see Known.complete)
UNRESOLVED = "unresolved"

FORMAT_DOC = "docs/strategy-file.md"


def load_yaml(text: str, filename: str) -> dict:
    """Parse YAML text into plain data; raise InvalidFile with the line of a syntax error."""
    return load_mapping(
        text,
        filename,
        not_a_mapping=gettext("the file must be a YAML mapping with regija: 1 and strategy: …"),
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
        problems = validation_problems(
            exc, filename, text, format_doc=FORMAT_DOC, union_labels=("NodeRef",), data=data
        )
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
    """What the references of a file may point at besides the file itself.

    ``complete`` says that these are all that exist (the importer, which asks the database). When it
    is false (a file checked without the database), a reference to something not known here is not an
    error but a reference that could not be checked: a problem of kind UNRESOLVED.
    """

    organisations: Collection[str] = dataclasses.field(default_factory=set)
    funds: Collection[str] = dataclasses.field(default_factory=set)
    # strategy slug -> its node codes; a callable lets the importer ask the database lazily
    strategy_nodes: Callable[[str], Collection[str] | None] = lambda slug: None
    complete: bool = True
    # strategy slug -> the file of the same run that defines it but can only be written after this
    # one (the two refer to each other), to say so instead of "not loaded"
    written_later: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Defined:
    """What one file defines and what it refers to, read from its parsed data even when parts of it
    are not valid."""

    slug: str | None
    organisations: set[str]
    funds: set[str]
    nodes: set[str]
    uses_organisations: set[str]
    uses_funds: set[str]
    uses_strategies: set[str]  # other strategies whose nodes it refers to


def defined(data: Any) -> Defined:
    """The strategy slug, organisation slugs, fund codes and node codes a parsed file defines, and the
    organisations, funds and other strategies it refers to."""
    data = data if isinstance(data, dict) else {}
    strategy = data.get("strategy") if isinstance(data.get("strategy"), dict) else {}
    slug = text_of(strategy.get("slug"))
    nodes = list(walk_raw_nodes(data.get("nodes")))
    projects = items_of(data, "projects")
    orgs = [*list_of(strategy.get("owners"))]
    orgs += [o.get("parent") for _, o in items_of(data, "organisations")]
    orgs += [a.get("owner") for _, f in items_of(data, "funds") for _, a in items_of(f, "allocations")]
    orgs += [slug for node, _ in nodes for slug in list_of(node.get("responsible"))]
    orgs += [p.get("holder") for _, p in projects]
    orgs += [pt.get("organisation") for _, p in projects for _, pt in items_of(p, "partners")]
    funds = [b.get("fund") for _, p in projects for _, b in items_of(p, "budget")]
    funds += [pay.get("fund") for _, p in projects for _, pay in items_of(p, "payments")]
    funds += [
        st["scope"].get("fund") for _, st in items_of(data, "stated") if isinstance(st.get("scope"), dict)
    ]
    refs = [ref for _, a in items_of(data, "alignments") for ref in (a.get("from"), a.get("to"))]
    refs += [ref for _, p in projects for ref in list_of(p.get("nodes"))]
    return Defined(
        slug=slug,
        organisations={x for _, o in items_of(data, "organisations") if (x := text_of(o.get("slug")))},
        funds={x for _, f in items_of(data, "funds") if (x := code_of(f.get("code")))},
        nodes={x for node, _ in nodes if (x := code_of(node.get("code")))},
        uses_organisations={x for x in map(text_of, orgs) if x},
        uses_funds={x for x in map(code_of, funds) if x},
        uses_strategies={
            x for ref in refs if isinstance(ref, dict) and (x := text_of(ref.get("strategy"))) and x != slug
        },
    )


def check_file(
    data: dict, filename: str, where: Locator, known: Known
) -> tuple[StrategyFile | None, list[Problem]]:
    """Every problem of one parsed file at once: its format (the schema), its references and codes.

    References are checked on the parsed data, so that they are checked even when other fields are
    not valid; a reference whose own field is not valid is reported once, as a format problem.
    Returns the validated document (None when the format is not valid) and the problems, in file
    order."""
    doc = None
    # cells of a workbook that could not be read were left out of the data and are reported already
    refused: set[tuple] = getattr(where, "refused", set())
    failed: list[tuple] = list(refused)
    problems: list[Problem] = []
    try:
        doc = StrategyFile.model_validate(data)
    except ValidationError as exc:
        for loc, message in schema_errors(exc):
            failed.append(loc)
            if loc not in refused:
                problems.append(Problem(filename, where.line(loc), path_text(loc, data), message))
    problems += reference_problems(data, filename, where, known, failed)
    return doc, in_file_order(problems)


def walk_raw_nodes(nodes: Any, prefix: tuple = ("nodes",)):
    """Yield (node mapping, field path) for every node of a parsed tree, depth first, in file order."""
    if not isinstance(nodes, list):
        return
    for i, node in enumerate(nodes):
        if isinstance(node, dict):
            yield node, prefix + (i,)
            yield from walk_raw_nodes(node.get("children"), prefix + (i, "children"))


def reference_problems(  # noqa: C901 - one pass over the file's references, section by section
    data: dict, filename: str, where: Locator, known: Known, failed: Collection[tuple] = ()
) -> list[Problem]:
    """Duplicate codes and references to things that do not exist, checked on the parsed data.

    A field that is not of the right type is not checked here (the schema reports it), nor is a field
    at or under one of the ``failed`` paths."""
    problems: list[Problem] = []
    # a path is not checked when it, or a field under it, failed validation
    failed_at = {tuple(f)[:n] for f in failed for n in range(1, len(f) + 1)}

    def is_failed(path: tuple) -> bool:
        return path in failed_at

    def bad(path: tuple, message: str, kind: str = "") -> None:
        if not is_failed(path):
            problems.append(Problem(filename, where.line(path), path_text(path, data), message, kind))

    def also_at(path: tuple) -> str:
        return place_text(where.line(path), path, data)

    def unique(section: str, key: str, duplicate: str, read=code_of) -> set[str]:
        """``duplicate`` is the message, with %(value)s and %(place)s."""
        seen: dict[str, tuple] = {}
        for i, item in items_of(data, section):
            value = read(item.get(key))
            if value is None:
                continue
            path = (section, i, key)
            if value in seen:
                bad(path, duplicate % {"value": repr(value), "place": also_at(seen[value])})
            else:
                seen[value] = path
        return set(seen)

    own = defined(data)
    own_orgs = unique(
        "organisations", "slug", gettext("duplicate organisation slug %(value)s (also at %(place)s)"), text_of
    )
    own_funds = unique("funds", "code", gettext("duplicate fund code %(value)s (also at %(place)s)"))
    unique("indicators", "code", gettext("duplicate indicator code %(value)s (also at %(place)s)"))
    project_codes = unique(
        "projects", "code", gettext("duplicate project code %(value)s (also at %(place)s)")
    )

    def unresolved(path: tuple, message: str) -> None:
        bad(path, gettext("could not check: %(reason)s") % {"reason": message}, UNRESOLVED)

    def org(path: tuple, value: Any) -> None:
        slug = text_of(value)
        if slug is None or slug in own_orgs or slug in known.organisations:
            return
        if known.complete:
            bad(
                path,
                gettext("unknown organisation %(slug)s; define it under organisations")
                % {"slug": repr(slug)},
            )
        else:
            unresolved(
                path,
                gettext("organisation %(slug)s is not defined in the files checked") % {"slug": repr(slug)},
            )

    def fund(path: tuple, value: Any) -> None:
        code = code_of(value)
        if code is None or code in own_funds or code in known.funds:
            return
        if known.complete:
            bad(path, gettext("unknown fund %(code)s; define it under funds") % {"code": repr(code)})
        else:
            unresolved(
                path, gettext("fund %(code)s is not defined in the files checked") % {"code": repr(code)}
            )

    nodes: dict[str, tuple] = {}
    # a code the format refuses (1.1 that YAML read as a number) still names its node for the
    # references to it, so that they are not reported too; a node without a readable code at all
    # could be the one a reference means, so then no reference to a missing node is reported
    all_codes_read = True
    for node, path in walk_raw_nodes(data.get("nodes")):
        code = code_of(node.get("code"))
        if code is None and isinstance(node.get("code"), float):
            nodes.setdefault(str(node["code"]), path)
        elif code is None:
            all_codes_read = False
        if code is not None:
            if code in nodes:
                bad(
                    path + ("code",),
                    gettext("duplicate node code %(value)s (also at %(place)s)")
                    % {"value": repr(code), "place": also_at(nodes[code] + ("code",))},
                )
            else:
                nodes[code] = path
        responsible = node.get("responsible")
        for j, slug in enumerate(responsible if isinstance(responsible, list) else []):
            org(path + ("responsible", j), slug)

    def own_node(path: tuple, value: Any) -> None:
        code = code_of(value)
        if code is not None and code not in nodes and all_codes_read:
            bad(path, gettext("no node with code %(code)s in this strategy") % {"code": repr(code)})

    def node_ref(path: tuple, ref: Any) -> None:
        if not isinstance(ref, dict):
            own_node(path, ref)
            return
        slug, code = text_of(ref.get("strategy")), code_of(ref.get("code"))
        if slug is None or code is None:
            return
        if slug == own.slug:
            codes: Collection[str] | None = nodes
        else:
            codes = known.strategy_nodes(slug)
            if codes is None:
                if slug in known.written_later:
                    bad(
                        path + ("strategy",),
                        gettext(
                            "strategy %(slug)s is defined by %(file)s, which refers to this file's strategy "
                            "too; one of the two must be imported first without the link to the other, and "
                            "the link added after"
                        )
                        % {"slug": repr(slug), "file": known.written_later[slug]},
                    )
                elif known.complete:
                    bad(
                        path + ("strategy",),
                        gettext("strategy %(slug)s is not loaded; import its file first or in the same run")
                        % {"slug": repr(slug)},
                    )
                else:
                    unresolved(
                        path + ("strategy",),
                        gettext("strategy %(slug)s is not among the files checked") % {"slug": repr(slug)},
                    )
                return
        if code not in codes and (codes is not nodes or all_codes_read):
            bad(
                path + ("code",),
                gettext("strategy %(slug)s has no node %(code)s") % {"slug": repr(slug), "code": repr(code)},
            )

    strategy = data.get("strategy") if isinstance(data.get("strategy"), dict) else {}
    owners = strategy.get("owners")
    for i, owner in enumerate(owners if isinstance(owners, list) else []):
        org(("strategy", "owners", i), owner)
    for i, o in items_of(data, "organisations"):
        org(("organisations", i, "parent"), o.get("parent"))
        if text_of(o.get("parent")) is not None and text_of(o.get("parent")) == text_of(o.get("slug")):
            bad(("organisations", i, "parent"), gettext("an organisation cannot be its own parent"))
    for i, f in items_of(data, "funds"):
        for j, a in items_of(f, "allocations"):
            org(("funds", i, "allocations", j, "owner"), a.get("owner"))

    seen_links: dict[tuple, tuple] = {}
    for i, a in items_of(data, "alignments"):
        source, target = a.get("from", a.get("from_")), a.get("to")
        node_ref(("alignments", i, "from"), source)
        node_ref(("alignments", i, "to"), target)
        key = (_ref_key(source, own.slug), _ref_key(target, own.slug), text_of(a.get("type")))
        if None in key[0] or None in key[1] or is_failed(("alignments", i)):
            continue
        if key in seen_links:
            bad(
                ("alignments", i),
                gettext("duplicate alignment (the same as at %(place)s); list both sources on one entry")
                % {"place": also_at(seen_links[key])},
            )
        else:
            seen_links[key] = ("alignments", i)
        if key[0] == key[1]:
            bad(("alignments", i, "to"), gettext("a node cannot be aligned with itself"))

    for i, ind in items_of(data, "indicators"):
        own_node(("indicators", i, "node"), ind.get("node"))
        dates: dict[str, tuple] = {}
        for j, obs in items_of(ind, "observations"):
            path = ("indicators", i, "observations", j, "date")
            date = _date_key(obs.get("date"))
            if date is None or is_failed(path):
                continue
            if date in dates:
                bad(
                    path,
                    gettext("two observations on %(date)s (also at %(place)s)")
                    % {"date": date, "place": also_at(dates[date])},
                )
            else:
                dates[date] = path

    for i, p in items_of(data, "projects"):
        base = ("projects", i)
        org(base + ("holder",), p.get("holder"))
        refs = p.get("nodes")
        for j, ref in enumerate(refs if isinstance(refs, list) else []):
            node_ref(base + ("nodes", j), ref)
        partner_orgs: dict[str, tuple] = {}
        for j, partner in items_of(p, "partners"):
            path = base + ("partners", j, "organisation")
            org(path, partner.get("organisation"))
            slug = text_of(partner.get("organisation"))
            if slug is None:
                continue
            if slug in partner_orgs:
                bad(
                    path,
                    gettext("partner %(slug)s is listed twice (also at %(place)s)")
                    % {"slug": repr(slug), "place": also_at(partner_orgs[slug])},
                )
            else:
                partner_orgs[slug] = path
        for j, line in items_of(p, "budget"):
            fund(base + ("budget", j, "fund"), line.get("fund"))
        budget = p.get("budget", [])
        budget_funds = (
            [code_of(line.get("fund")) if isinstance(line, dict) else None for line in budget]
            if isinstance(budget, list)
            else [None]
        )
        if None in budget_funds:
            continue  # the funds of the budget are not all readable: payments cannot be matched with them
        named = set(budget_funds)
        for j, pay in items_of(p, "payments"):
            if pay.get("fund") is None:
                if len(named) != 1:
                    bad(
                        base + ("payments", j),
                        gettext("this payment must name its fund: the project has no budget line")
                        if not named
                        else gettext(
                            "this payment must name its fund: the project has several funds (%(funds)s)"
                        )
                        % {"funds": ", ".join(sorted(named))},
                    )
            elif (code := code_of(pay.get("fund"))) is not None and code not in named:
                bad(
                    base + ("payments", j, "fund"),
                    gettext("fund %(code)s has no budget line in this project") % {"code": repr(code)},
                )

    for i, st in items_of(data, "stated"):
        scope = st.get("scope")
        if isinstance(scope, dict):
            own_node(("stated", i, "scope", "node"), scope.get("node"))
            fund(("stated", i, "scope", "fund"), scope.get("fund"))
            for j, value in enumerate(list_of(scope.get("projects"))):
                code = code_of(value)
                if code is not None and code not in project_codes:
                    bad(
                        ("stated", i, "scope", "projects", j),
                        gettext("no project with code %(code)s in this strategy") % {"code": repr(code)},
                    )
    return problems


def _date_key(value: Any) -> str | None:
    """A day as the schema reads it, for comparing two observations; None if it is not one."""
    try:
        return parse_date(value).isoformat()
    except (ValueError, TypeError):
        return None


def _ref_key(ref: Any, own_slug: str | None) -> tuple:
    """A node reference as (strategy slug, code); "" for this file's own strategy, None where unreadable."""
    if isinstance(ref, dict):
        slug = text_of(ref.get("strategy"))
        return ("" if slug == own_slug else slug, code_of(ref.get("code")))
    return ("", code_of(ref))
