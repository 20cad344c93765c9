"""The strategy file as an XLSX workbook: what an officer fills in with Excel or LibreOffice.

One sheet per part of the strategy file (``docs/strategy-file.md``, "The workbook"): the strategy as
field/value rows, then a table per list – organisations, funds and their allocations, nodes (a tree
built from a parent-code column), alignments, indicators and their observations, projects with their
partners, budget lines and payments, and stated figures – after an instructions sheet. Headers are
Slovenian, each with a comment giving the English field name and its meaning; the vocabularies are
drop-down lists.

The columns are derived from the pydantic models of ``schema``: a field added to a record there gets a
column here (under its English name until it is given a Slovenian header below), so nothing a file can
hold is dropped by the workbook.

``read`` turns a workbook into the same plain data a YAML file gives – so the schema validates it
identically – and a ``Locator`` that places every field path at its cell (``Proračun!C7``). A cell it
cannot read for certain (an amount written ``12.345``, a date it cannot parse, a value under no
header) is refused with a message naming the cell and the codes involved, never guessed.

This module needs no database; writing uses the vocabularies' Slovenian labels (Django's translation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import re
import types
import typing
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from regija.core import spreadsheet
from regija.core.files import Problem
from regija.core.filetypes import Code, Date, Money, Number, PartialDateField, Slug, not_a_real_date
from regija.core.translate import gettext

from . import schema as s

# --- columns derived from the schema ---------------------------------------------------------------

# How a column's cells are read and written.
TEXT, CODE, MONEY, NUMBER, INT, FLOAT, DATE, PARTIAL, CHOICE = (
    "text",
    "code",
    "money",
    "number",
    "int",
    "float",
    "date",
    "partial",
    "choice",
)
CODES, LINES, REF, REFS, SOURCES, STATED_VALUE = "codes", "lines", "ref", "refs", "sources", "stated_value"


@dataclasses.dataclass(frozen=True)
class Column:
    path: tuple[
        str, ...
    ]  # the field's path inside its record, by the names a file uses ("from", not "from_")
    header: str  # Slovenian
    meaning: str  # English: what the field holds
    kind: str
    choices: type[enum.Enum] | None = None
    required: bool = False

    @property
    def key(self) -> str:
        """The English field name, as a YAML file writes it (``location.lat``)."""
        return ".".join(self.path)


@dataclasses.dataclass(frozen=True)
class Sheet:
    name: str  # Slovenian sheet name
    key: str  # the English name, also accepted as the sheet's name
    section: str  # the list of the file the rows belong to (or the nested list, for a child sheet)
    columns: tuple[Column, ...]
    parent: str | None = None  # for a child sheet: the key of the sheet whose record a row belongs to
    parent_header: str = ""  # the column naming that record by its code
    parent_meaning: str = ""

    @property
    def parent_key(self) -> str:
        """The English name of the parent-code column (``project``)."""
        return self.parent_meaning.split(":")[0]


# Slovenian headers and English meanings, by model and field path. A field missing here still gets a
# column, headed by its English name (see ``columns``).
HEADERS: dict[str, dict[str, tuple[str, str]]] = {
    "Strategy": {
        "slug": ("Oznaka", "slug: the strategy's identifier in addresses and files, e.g. zasavje-po-2027"),
        "title": ("Naslov", "title: the document's title"),
        "title_en": ("Naslov v angleščini", "title_en: the title in English"),
        "description": ("Opis", "description: a short description"),
        "owners": ("Lastniki", "owners: slugs of the organisations that own the strategy, comma-separated"),
        "territory": ("Območje", "territory: places the strategy covers, one per line"),
        "period.start": ("Obdobje od", "period.start: first year (YYYY, YYYY-MM or YYYY-MM-DD)"),
        "period.end": ("Obdobje do", "period.end: last year (YYYY, YYYY-MM or YYYY-MM-DD)"),
        "adopted.date": ("Sprejeto dne", "adopted.date: the day the strategy was adopted"),
        "adopted.body": ("Sprejel", "adopted.body: the body that adopted it"),
        "status": ("Stanje", "status: draft, adopted, in_implementation or closed"),
        "source.title": ("Vir: naslov", "source.title: title of the source document"),
        "source.reference": ("Vir: oznaka", "source.reference: its reference number"),
        "source.url": ("Vir: spletni naslov", "source.url: where the document is published (http/https)"),
        "source.published": ("Vir: objavljeno", "source.published: when it was published (YYYY[-MM[-DD]])"),
    },
    "LevelLabel": {
        "level": ("Raven", "level: the level's name used in the nodes' level column, e.g. goal"),
        "sl": ("Naziv", "sl: the level's name in Slovenian, e.g. Strateški cilj"),
        "en": ("Naziv v angleščini", "en: the level's name in English"),
    },
    "Organisation": {
        "slug": ("Oznaka", "slug: the organisation's identifier, e.g. obcina-trbovlje"),
        "name": ("Naziv", "name: full name"),
        "short_name": ("Kratko ime", "short_name: short name"),
        "kind": ("Vrsta", "kind: what kind of body it is"),
        "country": ("Država", "country: two-letter ISO code, SI by default"),
        "registration_number": ("Matična številka", "registration_number: registration number"),
        "website": ("Spletna stran", "website: web address (http/https)"),
        "parent": ("Nadrejena organizacija", "parent: slug of the organisation it belongs to"),
        "address": ("Naslov", "address: postal address"),
        "lat": ("Zemljepisna širina", "lat: latitude, e.g. 46,15"),
        "lon": ("Zemljepisna dolžina", "lon: longitude, e.g. 15,05"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Fund": {
        "code": ("Šifra", "code: the fund's code, e.g. ESRR"),
        "name": ("Naziv", "name: the fund's name"),
        "name_en": ("Naziv v angleščini", "name_en: the name in English"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Allocation": {
        "owner": ("Upravičenec", "owner: slug of the organisation the money is allocated to"),
        "period": ("Obdobje", "period: YYYY or YYYY-YYYY"),
        "amount": ("Znesek (EUR)", "amount: the allocation in EUR"),
        "used_share": ("Porabljeni delež", "used_share: share the source says was used, 0 to 1"),
        "used_by": ("Porabljeno do", "used_by: the day at which the used share holds"),
        "note": ("Opomba", "note"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Node": {
        "code": ("Šifra", "code: the node's code, unique in the strategy, e.g. 1.2"),
        "level": ("Raven", "level: the node's level (see sheet Ravni), e.g. goal, measure"),
        "title": ("Naslov", "title"),
        "title_en": ("Naslov v angleščini", "title_en: the title in English"),
        "description": ("Opis", "description"),
        "responsible": ("Odgovorni", "responsible: slugs of the responsible organisations, comma-separated"),
        "planned_amount": (
            "Načrtovani znesek (EUR)",
            "planned_amount: money planned without listing projects",
        ),
        "planned_projects": ("Načrtovano število projektov", "planned_projects: projects planned, unlisted"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Alignment": {
        "from": ("Od vozlišča", "from: code of a node (strategy-slug:code for another strategy's node)"),
        "to": ("Do vozlišča", "to: code of a node (strategy-slug:code for another strategy's node)"),
        "type": ("Vrsta povezave", "type: how the first node relates to the second"),
        "note": ("Opomba", "note"),
        "source": ("Vir", "source: where it is stated; several sources one per line"),
    },
    "Indicator": {
        "code": ("Šifra", "code: the indicator's code, unique in the strategy"),
        "node": ("Vozlišče", "node: code of the node it measures"),
        "name": ("Naziv", "name"),
        "effect": ("Učinek", "effect: the effect it measures"),
        "unit": ("Enota", "unit: e.g. %, število, EUR"),
        "direction": ("Smer", "direction: which way is progress"),
        "data_source": ("Vir podatkov", "data_source: where the values come from"),
        "baseline.value": ("Izhodiščna vrednost", "baseline.value: the starting value, e.g. 12,5"),
        "baseline.date": ("Izhodišče na dan", "baseline.date: the day of the starting value"),
        "target.value": ("Ciljna vrednost", "target.value: the value to reach"),
        "target.date": ("Cilj do", "target.date: the day by which to reach it"),
        "inferred": (
            "Sklepano",
            "inferred: which of effect, unit, direction the document does not state, comma-separated",
        ),
        "note": ("Opomba", "note"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Observation": {
        "date": ("Datum", "date: the day of the measurement"),
        "value": ("Vrednost", "value: the measured value, e.g. 12,5"),
        "source": ("Vir", "source: where the value comes from"),
        "note": ("Opomba", "note"),
    },
    "Project": {
        "code": ("Šifra", "code: the project's code, unique in the strategy"),
        "title": ("Naslov", "title"),
        "title_en": ("Naslov v angleščini", "title_en: the title in English"),
        "description": ("Opis", "description"),
        "holder": ("Nosilec", "holder: slug of the holder organisation"),
        "status": ("Stanje", "status: idea, applied, approved, in_progress, completed or withdrawn"),
        "start": ("Začetek", "start: YYYY, YYYY-MM or YYYY-MM-DD"),
        "end": ("Konec", "end: YYYY, YYYY-MM or YYYY-MM-DD"),
        "location.name": ("Kraj", "location.name: the place"),
        "location.municipality": ("Občina", "location.municipality: the municipality"),
        "location.lat": ("Zemljepisna širina", "location.lat: latitude"),
        "location.lon": ("Zemljepisna dolžina", "location.lon: longitude"),
        "nodes": ("Vozlišča", "nodes: codes of the nodes it serves, comma-separated (slug:code elsewhere)"),
        "instrument.kind": ("Vrsta akta", "instrument.kind: decision, contract, confirmation or other"),
        "instrument.number": ("Številka akta", "instrument.number"),
        "instrument.date": ("Datum akta", "instrument.date"),
        "instrument.issuer": ("Izdajatelj akta", "instrument.issuer"),
        "sustainability_years": (
            "Trajnost (let)",
            "sustainability_years: years to keep it after the final payment",
        ),
        "withdrawal.date": ("Umik: datum", "withdrawal.date: when the project was withdrawn"),
        "withdrawal.reason": ("Umik: razlog", "withdrawal.reason: why"),
        "note": ("Opomba", "note"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Partner": {
        "organisation": ("Organizacija", "organisation: slug of the partner"),
        "role": ("Vloga", "role: partner, lead_partner, …"),
        "budget_share": ("Delež proračuna (EUR)", "budget_share: the partner's share in EUR"),
    },
    "BudgetLine": {
        "fund": ("Sklad", "fund: code of the fund"),
        "amount": ("Znesek (EUR)", "amount: in EUR"),
        "secured": ("Zagotovljeno", "secured: yes, no or partly"),
        "secured_amount": ("Zagotovljeni znesek (EUR)", "secured_amount: for partly, the secured part"),
        "note": ("Opomba", "note"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
    "Payment": {
        "label": ("Oznaka", "label: e.g. 1. zahtevek"),
        "amount": ("Znesek (EUR)", "amount: in EUR"),
        "date": ("Datum", "date: the day it was paid or claimed"),
        "state": ("Stanje", "state: claimed, paid or rejected"),
        "fund": ("Sklad", "fund: needed only when the project has several funds"),
        "note": ("Opomba", "note: for a rejected claim, the reason"),
    },
    "Stated": {
        "label": ("Navedba", "label: the figure as the document words it"),
        "what": (
            "Kaj",
            "what: which figure (total, secured, projects, nodes, target_date, countries, year, …)",
        ),
        "scope.node": ("Obseg: vozlišče", "scope.node: the node the figure is about"),
        "scope.fund": ("Obseg: sklad", "scope.fund: the fund the figure is about"),
        "scope.level": ("Obseg: raven", "scope.level: the level the figure counts"),
        "scope.status": ("Obseg: stanja", "scope.status: project statuses counted, comma-separated"),
        "scope.projects": ("Obseg: projekti", "scope.projects: codes of the projects meant, comma-separated"),
        "scope.strategy": ("Obseg: strategija", "scope.strategy: for territory, another strategy's slug"),
        "value": ("Vrednost", "value: an amount, a count or a date, as 'what' says"),
        "source": ("Vir", "source: where in the document this is stated"),
    },
}

# fields whose cells are read in their own way
_SPECIAL_KINDS = {
    ("Alignment", "from"): REF,
    ("Alignment", "to"): REF,
    ("Alignment", "source"): SOURCES,
    ("Project", "nodes"): REFS,
    ("Stated", "value"): STATED_VALUE,
    ("Strategy", "territory"): LINES,
}


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under Optional and Annotated, and the metadata gathered on the way."""
    meta: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            meta.extend(annotation.__metadata__)
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, meta
            annotation = args[0]
        else:
            return annotation, meta


def _is(meta: list[Any], alias: Any) -> bool:
    """Whether the metadata carry the validator of one of the format's field types (Money, Date …)."""
    own = alias.__metadata__
    return any(any(m is o for o in own) for m in meta)


def _kind(annotation: Any, meta: list[Any]) -> tuple[str, type[enum.Enum] | None]:
    base, more = _unwrap(annotation)
    meta = meta + more
    if typing.get_origin(base) is list:
        inner, inner_meta = _unwrap(typing.get_args(base)[0])
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return CODES, inner
        if _is(inner_meta, Slug) or _is(inner_meta, Code):
            return CODES, None
        return LINES, None
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return CHOICE, base
    for alias, kind in (
        (Money, MONEY),
        (Number, NUMBER),
        (Date, DATE),
        (PartialDateField, PARTIAL),
        (Code, CODE),
    ):
        if _is(meta, alias):
            return kind, None
    if base is Decimal:
        return NUMBER, None
    if base is int:
        return INT, None
    if base is float:
        return FLOAT, None
    if base is dt.date:
        return DATE, None
    return TEXT, None


def _is_record_list(annotation: Any) -> bool:
    base, _ = _unwrap(annotation)
    if typing.get_origin(base) is list:
        inner, _ = _unwrap(typing.get_args(base)[0])
        return isinstance(inner, type) and issubclass(inner, BaseModel)
    return typing.get_origin(base) is dict


def _name(name: str, info: FieldInfo) -> str:
    return info.alias or name


def fields(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
    """Every field of ``model`` a cell holds, with its path: nested records (``location``) are spread
    over their fields (``location.lat``); lists of records and mappings are left to their own sheets."""
    for name, info in model.model_fields.items():
        path = prefix + (_name(name, info),)
        base, _ = _unwrap(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            yield from fields(base, path)
        elif not _is_record_list(info.annotation):
            yield path, info


def nested_lists(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths of ``model``'s lists of records and mappings (each needs a sheet of its own)."""
    for name, info in model.model_fields.items():
        path = prefix + (_name(name, info),)
        base, _ = _unwrap(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            yield from nested_lists(base, path)
        elif _is_record_list(info.annotation):
            yield path


def columns(model: type[BaseModel], *, skip: Iterable[str] = ()) -> tuple[Column, ...]:
    """The columns of a sheet holding ``model``'s records, in the model's field order."""
    # a record's own names, else those of the record it extends
    named = next((m.__name__ for m in model.__mro__ if m.__name__ in HEADERS), model.__name__)
    names = HEADERS.get(named, {})
    out = []
    for path, info in fields(model):
        key = ".".join(path)
        if key in skip:
            continue
        header, meaning = names.get(key, (key, f"{key}: {info.description or ''}".rstrip(": ")))
        kind, choices = _kind(info.annotation, list(info.metadata))
        kind = _SPECIAL_KINDS.get((named, key), kind)
        required = info.is_required() and all(
            model_info.is_required() for model_info in _parents(model, path)
        )
        out.append(Column(path, header, meaning, kind, choices, required))
    return tuple(out)


def _parents(model: type[BaseModel], path: tuple[str, ...]) -> Iterator[FieldInfo]:
    """The fields of the nested records a path passes through (location for location.lat)."""
    for part in path[:-1]:
        for name, info in model.model_fields.items():
            if _name(name, info) == part:
                yield info
                model = _unwrap(info.annotation)[0]
                break


def _levels_columns() -> tuple[Column, ...]:
    names = HEADERS["LevelLabel"]
    level = Column(("level",), *names["level"], CODE, None, True)
    return (level, *columns(s.LevelLabel))


SHEETS: tuple[Sheet, ...] = (
    Sheet("Strategija", "strategy", "strategy", columns(s.Strategy)),
    Sheet("Ravni", "levels", "levels", _levels_columns()),
    Sheet("Organizacije", "organisations", "organisations", columns(s.Organisation)),
    Sheet("Skladi", "funds", "funds", columns(s.Fund)),
    Sheet(
        "Dodelitve",
        "allocations",
        "allocations",
        columns(s.Allocation),
        "funds",
        "Sklad",
        "fund: code of the fund (sheet Skladi) the allocation is of",
    ),
    Sheet(
        "Vozlišča",
        "nodes",
        "nodes",
        (
            *columns(s.Node)[:1],
            Column(
                ("parent",),
                "Nadrejeno vozlišče",
                "parent: code of the node this one is under; empty for a top node",
                CODE,
            ),
            *columns(s.Node)[1:],
        ),
    ),
    Sheet("Povezave", "alignments", "alignments", columns(s.Alignment)),
    Sheet("Kazalniki", "indicators", "indicators", columns(s.Indicator)),
    Sheet(
        "Meritve",
        "observations",
        "observations",
        columns(s.Observation),
        "indicators",
        "Kazalnik",
        "indicator: code of the indicator (sheet Kazalniki) measured",
    ),
    Sheet("Projekti", "projects", "projects", columns(s.Project)),
    Sheet(
        "Partnerji",
        "partners",
        "partners",
        columns(s.Partner),
        "projects",
        "Projekt",
        "project: code of the project (sheet Projekti)",
    ),
    Sheet(
        "Proračun",
        "budget",
        "budget",
        columns(s.BudgetLine),
        "projects",
        "Projekt",
        "project: code of the project (sheet Projekti)",
    ),
    Sheet(
        "Plačila",
        "payments",
        "payments",
        columns(s.Payment),
        "projects",
        "Projekt",
        "project: code of the project (sheet Projekti)",
    ),
    Sheet("Navedeni podatki", "stated", "stated", columns(s.Stated)),
)
SHEET = {sheet.key: sheet for sheet in SHEETS}
INSTRUCTIONS = "Navodila"
LISTS = "Seznami"

# what each list of records of the file is held by: (model, path of the list) → sheet key
COVERED = {
    ("StrategyFile", ("organisations",)): "organisations",
    ("StrategyFile", ("funds",)): "funds",
    ("Fund", ("allocations",)): "allocations",
    ("StrategyFile", ("nodes",)): "nodes",
    ("Node", ("children",)): "nodes",
    ("StrategyFile", ("alignments",)): "alignments",
    ("StrategyFile", ("indicators",)): "indicators",
    ("Indicator", ("observations",)): "observations",
    ("StrategyFile", ("projects",)): "projects",
    ("Project", ("partners",)): "partners",
    ("Project", ("budget",)): "budget",
    ("Project", ("payments",)): "payments",
    ("StrategyFile", ("stated",)): "stated",
    ("Strategy", ("levels",)): "levels",
}

_SHEET_INTRO = {
    "strategy": "podatki o strategiji: ena vrstica za vsako polje (stolpec Vrednost)",
    "levels": "ravni drevesa (npr. cilj, ukrep) in njihova imena",
    "organisations": "organizacije, na katere se sklicujejo drugi listi (oznaka, npr. obcina-trbovlje)",
    "funds": "skladi (viri financiranja), npr. ESRR",
    "allocations": "dodelitve sredstev skladov organizacijam",
    "nodes": "drevo strategije: cilji, ukrepi …; stolpec Nadrejeno vozlišče pove, kam spada vrstica",
    "alignments": "povezave med vozlišči te ali drugih strategij",
    "indicators": "kazalniki, vsak pri svojem vozlišču",
    "observations": "izmerjene vrednosti kazalnikov",
    "projects": "projekti (operacije)",
    "partners": "partnerji projektov",
    "budget": "proračunske vrstice projektov: sklad, znesek, ali je zagotovljen",
    "payments": "izplačila in zahtevki projektov",
    "stated": "številke, ki jih dokument navaja (npr. skupni znesek), da jih Regija preveri",
}


# --- writing -------------------------------------------------------------------------------------

MONEY_FORMAT = "#,##0.00"  # Excel and LibreOffice show it with the reader's separators: 12.345,67 in sl
NUMBER_FORMAT = "General"
DATE_FORMAT = "d. m. yyyy"
TEXT_FORMAT = "@"
_WIDTHS = {TEXT: 40, LINES: 40, SOURCES: 40, MONEY: 16, DATE: 13, CHOICE: 22}


def _labels(choices: type[enum.Enum]) -> list[tuple[str, str]]:
    from django.utils import translation

    with translation.override("sl"):
        return [(str(c.value), str(getattr(c, "label", c.value))) for c in choices]  # type: ignore[attr-defined]


def _vocabularies() -> list[type[enum.Enum]]:
    seen: list[type[enum.Enum]] = []
    for sheet in SHEETS:
        for col in sheet.columns:
            if col.choices is not None and col.choices not in seen:
                seen.append(col.choices)
    return seen


def write(doc: dict | None = None) -> bytes:
    """The workbook of a strategy document (a dict in the file format, as ``exporter.strategy_document``
    gives it), or the empty template for ``None``."""
    from openpyxl import Workbook

    wb = Workbook()
    intro = wb.active
    intro.title = INSTRUCTIONS
    vocab_ranges = _write_lists(wb)
    _write_instructions(intro, vocab_ranges)
    doc = doc or {}
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        if sheet.key == "strategy":
            _write_strategy(ws, sheet, doc.get("strategy", {}), vocab_ranges)
        else:
            _write_table(ws, sheet, list(_records(sheet, doc)), vocab_ranges)
    wb.move_sheet(LISTS, offset=len(wb.sheetnames))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _records(sheet: Sheet, doc: dict) -> Iterator[tuple[str | None, dict]]:
    """(parent code, record) for every row of a sheet; nodes with their parent's code."""
    if sheet.key == "levels":
        for level, label in (doc.get("strategy", {}).get("levels") or {}).items():
            yield None, {"level": level, **label}
    elif sheet.key == "nodes":
        stack = [(None, n) for n in reversed(doc.get("nodes", []))]
        while stack:
            parent, node = stack.pop()
            yield None, {**node, "parent": parent}
            stack.extend((node["code"], c) for c in reversed(node.get("children", [])))
    elif sheet.parent:
        code = "code"
        for owner in doc.get(sheet.parent, []):
            for rec in owner.get(sheet.section, []):
                yield owner[code], rec
    else:
        for rec in doc.get(sheet.section, []):
            yield None, rec


def _get(record: dict, path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _cell_value(col: Column, value: Any, record: dict) -> tuple[Any, str | None]:
    """What a cell holds for a field's value, and its number format."""
    if value is None or value == "" or value == []:
        return None, _format(col.kind)
    kind = col.kind
    if kind == STATED_VALUE:
        kind = _stated_kind(record.get("what"))
    if kind in (CODES, REFS):
        return ", ".join(_ref_text(v) for v in value), TEXT_FORMAT
    if kind in (LINES, SOURCES):
        return (value if isinstance(value, str) else "\n".join(value)), TEXT_FORMAT
    if kind == REF:
        return _ref_text(value), TEXT_FORMAT
    if kind in (MONEY, NUMBER, FLOAT, INT):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        fmt = MONEY_FORMAT if kind == MONEY else NUMBER_FORMAT
        if number == number.to_integral_value():
            return int(number), fmt
        if Decimal(repr(float(number))) == number:
            return float(number), fmt
        # more digits than a spreadsheet's number keeps: text with a decimal comma, read back exactly
        return format(number, "f").replace(".", ","), TEXT_FORMAT
    if kind == DATE:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return value, DATE_FORMAT
    if isinstance(value, dt.date):  # a partial date or text: kept as written
        value = value.isoformat()
    return str(value), TEXT_FORMAT


def _format(kind: str) -> str:
    return {MONEY: MONEY_FORMAT, DATE: DATE_FORMAT, NUMBER: NUMBER_FORMAT, INT: NUMBER_FORMAT}.get(
        kind, NUMBER_FORMAT if kind in (FLOAT, STATED_VALUE) else TEXT_FORMAT
    )


def _stated_kind(what: Any) -> str:
    """How a stated figure's value is written, by what it is (an amount, a count or a date)."""
    what = str(what).strip() if what is not None else None
    for whats, kind in ((s.STATED_AMOUNTS, MONEY), (s.STATED_WHOLE, INT), (s.STATED_DATES, DATE)):
        if what in {str(w.value) for w in whats}:
            return kind
    return TEXT


def _ref_text(ref: Any) -> str:
    return f"{ref['strategy']}:{ref['code']}" if isinstance(ref, dict) else str(ref)


def _put(ws: Any, row: int, column: int, value: Any, number_format: str | None = None) -> Any:
    cell = ws.cell(row=row, column=column)
    spreadsheet.set_xlsx_cell(cell, value)
    if number_format:
        cell.number_format = number_format
    return cell


def _header_style(cell: Any, meaning: str, required: bool) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDE7F0")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    note = meaning + ("\n(required / obvezno)" if required else "")
    comment = Comment(note, "Regija")
    comment.width, comment.height = 320, 90
    cell.comment = comment


def _header_text(col_header: str, required: bool) -> str:
    return col_header + (" *" if required else "")


def _validation(ws: Any, col: Column, letter: str, rows: str, vocab_ranges: dict) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    if col.kind != CHOICE or col.choices not in vocab_ranges:
        return
    dv = DataValidation(
        type="list",
        formula1=vocab_ranges[col.choices],
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Neveljavna vrednost",
        error="Izberite vrednost s seznama (list Seznami).",
    )
    dv.add(f"{letter}{rows}")
    ws.add_data_validation(dv)


def _write_table(ws: Any, sheet: Sheet, records: list[tuple[str | None, dict]], vocab_ranges: dict) -> None:
    from openpyxl.utils import get_column_letter

    cols: list[Column | None] = ([None] if sheet.parent else []) + list(sheet.columns)
    last = max(len(records) + 1 + 500, 1000)
    for j, col in enumerate(cols, start=1):
        letter = get_column_letter(j)
        if col is None:
            cell = _put(ws, 1, j, _header_text(sheet.parent_header, True))
            _header_style(cell, sheet.parent_meaning, True)
            kind, width = CODE, 14
        else:
            cell = _put(ws, 1, j, _header_text(col.header, col.required))
            _header_style(cell, col.meaning, col.required)
            _validation(ws, col, letter, f"2:{letter}{last}", vocab_ranges)
            kind = col.kind
            width = _WIDTHS.get(kind, 16)
        ws.column_dimensions[letter].width = max(width, min(len(str(cell.value)) + 4, 40))
        ws.column_dimensions[letter].number_format = _format(kind)
    for i, (parent, rec) in enumerate(records, start=2):
        for j, col in enumerate(cols, start=1):
            if col is None:
                _put(ws, i, j, parent, TEXT_FORMAT)
            else:
                value, number_format = _cell_value(col, _get(rec, col.path), rec)
                _put(ws, i, j, value, number_format)
    ws.freeze_panes = "B2"


def _write_strategy(ws: Any, sheet: Sheet, strategy: dict, vocab_ranges: dict) -> None:
    for j, (title, meaning) in enumerate(
        (("Polje", "field: what the row holds"), ("Vrednost", "value: fill in this column")), start=1
    ):
        _header_style(_put(ws, 1, j, title), meaning, False)
    for i, col in enumerate(sheet.columns, start=2):
        label = _put(ws, i, 1, _header_text(col.header, col.required))
        _header_style(label, col.meaning, col.required)
        value, number_format = _cell_value(col, _get(strategy, col.path), strategy)
        _put(ws, i, 2, value, number_format)
        _validation(ws, col, "B", f"{i}:B{i}", vocab_ranges)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 80
    ws.freeze_panes = "B2"


def _write_lists(wb: Any) -> dict[type[enum.Enum], str]:
    """A sheet with every vocabulary (value and Slovenian meaning); returns each list's cell range."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS)
    ranges = {}
    for k, choices in enumerate(_vocabularies()):
        value_col, label_col = 2 * k + 1, 2 * k + 2
        head = _put(ws, 1, value_col, choices.__name__)
        head.font = Font(bold=True)
        _put(ws, 1, label_col, "pomen").font = Font(bold=True)
        labels = _labels(choices)
        for i, (value, label) in enumerate(labels, start=2):
            _put(ws, i, value_col, value, TEXT_FORMAT)
            _put(ws, i, label_col, label, TEXT_FORMAT)
        letter = get_column_letter(value_col)
        ranges[choices] = f"{_quoted(LISTS)}!${letter}$2:${letter}${len(labels) + 1}"
        ws.column_dimensions[letter].width = 28
        ws.column_dimensions[get_column_letter(label_col)].width = 28
    ws.freeze_panes = "A2"
    return ranges


def _quoted(name: str) -> str:
    return f"'{name}'" if re.search(r"[^A-Za-z0-9_]", name) else name


def _write_instructions(ws: Any, vocab_ranges: dict) -> None:
    from openpyxl.styles import Alignment, Font

    lines: list[tuple[str, bool]] = [
        ("Regija – strategija v delovnem zvezku", True),
        ("", False),
        (
            "Ta zvezek je strategija v obliki, ki jo Regija uvozi z ukazom »regija import ZVEZEK.xlsx«. "
            "Vsak list je en del strategije; vrstica z naslovi stolpcev je prva vrstica lista. "
            "Komentar pri vsakem naslovu pove angleško ime polja in njegov pomen. "
            "Stolpci, označeni z *, so obvezni.",
            False,
        ),
        ("", False),
        ("Listi", True),
        *[(f"{sheet.name} ({sheet.key}): {_SHEET_INTRO.get(sheet.key, '')}", False) for sheet in SHEETS],
        (f"{LISTS}: dovoljene vrednosti za stolpce s spustnim seznamom in njihov pomen", False),
        ("", False),
        ("Kako pisati vrednosti", True),
        (
            "Zneski: kot število (12345,67) ali besedilo 12.345,67 / 12345,67 / 12 345,67; "
            "zapis 12.345 ni jasen (12 tisoč ali 12 celih?) in ga Regija zavrne.",
            False,
        ),
        ("Števila kazalnikov: 12,5 ali 12.5; ločilo tisočic le skupaj z decimalno vejico (1.234,5).", False),
        (
            "Datumi: kot datum ali besedilo 31. 12. 2023 ali 2023-12-31. Obdobja projektov in strategije: "
            "leto (2023), mesec (2023-03) ali dan (2023-03-15).",
            False,
        ),
        (
            "Šifre (vozlišč, projektov, skladov): besedilo; če Excel šifro 1.10 spremeni v število 1,1, "
            "jo vpišite z opuščajem spredaj ('1.10).",
            False,
        ),
        (
            "Seznami oznak (lastniki, odgovorni, vozlišča projekta): ločeni z vejico. Vozlišče druge "
            "strategije: oznaka-strategije:šifra (npr. zasavje-po-2027:3.1). Več virov ali območij: "
            "vsak v svoji vrstici celice (Alt+Enter).",
            False,
        ),
        (
            "Drevo: na listu Vozlišča stolpec Nadrejeno vozlišče pove šifro vozlišča, pod katerim je "
            "vrstica; prazen je za vozlišča na vrhu. Vrstni red vrstic je vrstni red v drevesu.",
            False,
        ),
        (
            "Partnerji, proračun, plačila, meritve in dodelitve v prvem stolpcu navedejo šifro projekta, "
            "kazalnika ali sklada, h kateremu spadajo.",
            False,
        ),
        ("", False),
        ("Napake", True),
        (
            "Regija pove vse napake hkrati, vsako s celico in šiframi, npr. "
            "»Projekti!F14: …«. Ničesar ne zapiše, dokler zvezek nima napak. Prazne vrstice in naslovna "
            "vrstica nad naslovi stolpcev so dovoljene; vrednost v stolpcu brez naslova ni.",
            False,
        ),
        ("", False),
        (f"Oblika datoteke: regija {s.FORMAT_VERSION} (docs/strategy-file.md).", False),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (text, bold) in enumerate(lines, start=1):
        cell = _put(ws, i, 1, text or None)
        cell.alignment = wrap
        if bold:
            cell.font = Font(bold=True, size=13 if i == 1 else 11)
    ws.column_dimensions["A"].width = 120


# --- reading -------------------------------------------------------------------------------------


class WorkbookLocator:
    """Places a field path of the data read from a workbook at its cell, ``Projekti!F14``: the cell of
    the field itself, or of the nearest record or list it belongs to."""

    def __init__(self) -> None:
        self.cells: dict[tuple, str] = {}
        self.sheets: dict[str, str] = {}  # a section of the file → its sheet's name, for the rest
        # the field paths of cells that were refused (left out of the data): a caller that validates
        # the data anyway need not report them again as missing
        self.refused: set[tuple] = set()

    def line(self, path: Iterable[Any]) -> str | None:
        path = tuple(path)
        for k in range(len(path), 0, -1):
            if path[:k] in self.cells:
                return self.cells[path[:k]]
        if path and path[0] in self.sheets:
            return f"{self.sheets[path[0]]}!A1"
        return None


@dataclasses.dataclass
class _Row:
    number: int
    values: dict[int, Any]  # column index → value (never an empty one)


class _Reader:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self.where = WorkbookLocator()
        self._paths: dict[int, tuple] = {}  # a problem's index → the field path it is about

    def bad(self, cell: str, field: tuple | str, message: str) -> None:
        from regija.core.files import path_text

        text = field if isinstance(field, str) else path_text(field)
        if isinstance(field, tuple):
            self.where.refused.add(field)
            self._paths[len(self.problems)] = field
        self.problems.append(Problem(self.filename, cell, text, message))

    def placed(self, index: int, problem: Problem, data: dict | None) -> Problem:
        """Problem number ``index`` with its field path written with the codes of the assembled data (a
        project's code rather than its position), as the schema's and the references' problems are."""
        from regija.core.files import path_text

        path = self._paths.get(index)
        if path is None or data is None:
            return problem
        return dataclasses.replace(problem, field=path_text(path, data))

    # --- one sheet as a table ---

    def table(self, ws: Any, values_ws: Any, sheet: Sheet) -> tuple[dict[int, Column | None], list[_Row]]:
        """The columns (by index; None for the parent-code column) and non-empty rows of a sheet."""
        from openpyxl.utils import get_column_letter

        known: dict[str, Column | None] = {}
        if sheet.parent:
            known[_norm(sheet.parent_header)] = None
            known[_norm(sheet.parent_key)] = None
        for col in sheet.columns:
            known[_norm(col.header)] = col
            known[_norm(col.key)] = col
        grid = _grid(ws, values_ws)
        header_row, best = None, 0
        for r in sorted(grid)[:10]:
            hits = sum(1 for v in _header_cells(ws, grid, r).values() if _norm(v) in known)
            if hits > best:
                header_row, best = r, hits
        if header_row is None:
            if any(grid.values()):
                self.bad(
                    f"{ws.title}!A1",
                    "",
                    gettext(
                        "no row of column headers found on sheet %(sheet)s; the first row must name the "
                        "columns (%(columns)s …)"
                    )
                    % {"sheet": ws.title, "columns": ", ".join(c.header for c in sheet.columns[:3])},
                )
            return {}, []
        cols: dict[int, Column | None] = {}
        seen: dict[str, str] = {}
        for c, text in sorted(_header_cells(ws, grid, header_row).items()):
            where = f"{ws.title}!{get_column_letter(c)}{header_row}"
            key = _norm(text)
            if not key:
                continue
            if key not in known:
                self.bad(
                    where,
                    "",
                    gettext("unknown column %(column)s; the columns of this sheet are %(columns)s")
                    % {
                        "column": repr(str(text).strip()),
                        "columns": ", ".join(
                            ([sheet.parent_header] if sheet.parent else [])
                            + [c.header for c in sheet.columns]
                        ),
                    },
                )
                continue
            col = known[key]
            name = col.header if col else sheet.parent_header
            if name in seen:
                self.bad(
                    where,
                    "",
                    gettext("column %(column)s appears twice (also at %(place)s)")
                    % {"column": repr(name), "place": seen[name]},
                )
                continue
            seen[name] = where
            cols[c] = col
        rows = []
        merged = _merged_inner(ws)
        # a value merged down over several rows (a project's code beside its budget lines) is in each
        filled: set[tuple[int, int]] = set()
        for rng in ws.merged_cells.ranges:
            top = grid.get(rng.min_row, {}).get(rng.min_col)
            if rng.min_row > header_row and rng.min_col == rng.max_col and top is not None:
                for r in range(rng.min_row + 1, rng.max_row + 1):
                    grid.setdefault(r, {})[rng.min_col] = top
                    filled.add((r, rng.min_col))
        for r in sorted(grid):
            if r <= header_row or all((r, c) in filled for c in grid[r]):
                continue
            values = {}
            for c, value in grid[r].items():
                if c not in cols:
                    if (r, c) not in merged:
                        self.bad(
                            f"{ws.title}!{get_column_letter(c)}{r}",
                            "",
                            gettext(
                                "a value (%(value)s) in a column without a known header is not read; give "
                                "the column a header or move the value"
                            )
                            % {"value": _show(value)},
                        )
                    continue
                values[c] = value
            if values:
                rows.append(_Row(r, values))
        return cols, rows

    # --- cells ---

    def value(self, col: Column, raw: Any, cell: str, field: tuple, what: Any = None) -> Any:
        """The value a file would hold for a cell, or ``_BAD`` after reporting why it cannot be read."""
        kind = _stated_kind(what) if col.kind == STATED_VALUE else col.kind
        try:
            return _read(kind, raw)
        except _Refused as exc:
            self.bad(cell, field, str(exc))
            return _BAD


class _Refused(ValueError):
    pass


_BAD = object()


def _norm(text: Any) -> str:
    if text is None:
        return ""
    return re.sub(r"\s+", " ", str(text)).strip().rstrip("*:").strip().casefold()


def _show(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d. %m. %Y")
    return repr(value)


def _grid(ws: Any, values_ws: Any) -> dict[int, dict[int, Any]]:
    """Every row of a sheet (by number) with its non-empty cells (by column); a formula's last computed
    value (a formula never computed is an error of its own)."""
    grid: dict[int, dict[int, Any]] = {}
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if cell.data_type == "f":
                value = values_ws.cell(row=cell.row, column=cell.column).value
                if value is None:
                    value = _Formula(str(cell.value))
            if isinstance(value, str) and not value.strip():
                value = None
            if value is not None:
                grid.setdefault(cell.row, {})[cell.column] = value
            else:
                grid.setdefault(cell.row, {})
    return grid


@dataclasses.dataclass(frozen=True)
class _Formula:
    text: str


def _merged_inner(ws: Any) -> set[tuple[int, int]]:
    """The cells of merged ranges other than each range's first cell."""
    inner = set()
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    inner.add((r, c))
    return inner


def _header_cells(ws: Any, grid: dict[int, dict[int, Any]], r: int) -> dict[int, Any]:
    """The header texts of row ``r``: a header merged over several columns belongs to its first one,
    and one merged down from a row above counts in this row."""
    out = dict(grid.get(r, {}))
    for rng in ws.merged_cells.ranges:
        if rng.min_row < r <= rng.max_row:
            top = grid.get(rng.min_row, {}).get(rng.min_col)
            if top is not None:
                out.setdefault(rng.min_col, top)
    return out


# --- reading one cell ----------------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?\d+")
_DAY_RE = re.compile(r"(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})")
_MONTH_RE = re.compile(r"(\d{1,2})\s*\.\s*(\d{4})")
_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _read(kind: str, raw: Any) -> Any:
    if isinstance(raw, _Formula):
        raise _Refused(
            gettext(
                "the formula %(formula)s has no computed value; open the workbook in Excel or LibreOffice "
                "and save it, or type the value"
            )
            % {"formula": raw.text}
        )
    if isinstance(raw, str):
        raw = raw.strip()
    if kind == MONEY:
        return _read_money(raw)
    if kind == NUMBER:
        return format(_read_number(raw), "f")  # the schema's Number reads text exactly (not a Decimal)
    if kind == FLOAT:
        return float(_read_number(raw))
    if kind == INT:
        return _read_int(raw)
    if kind == DATE:
        return _read_date(raw)
    if kind == PARTIAL:
        return _read_partial(raw)
    if kind in (CODE, CHOICE, REF):
        text = _read_code(raw)
        return _ref(text) if kind == REF else text
    if kind in (CODES, REFS):
        items = [t.strip() for t in re.split(r"[,;\n]", _read_code(raw)) if t.strip()]
        return [_ref(t) for t in items] if kind == REFS else items
    if kind == LINES:
        return [t.strip() for t in _text(raw).split("\n") if t.strip()]
    if kind == SOURCES:
        lines = [t.strip() for t in _text(raw).split("\n") if t.strip()]
        return lines[0] if len(lines) == 1 else lines
    return _text(raw)


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw == int(raw):
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


def _read_code(raw: Any) -> str:
    if isinstance(raw, float) and raw != int(raw):
        raise _Refused(
            gettext(
                "the code was read as the number %(value)s (a spreadsheet drops a code's trailing zeros, "
                "1.10 → 1.1); format the cell as text or type it with an apostrophe in front: '1.10"
            )
            % {"value": repr(raw)}
        )
    if isinstance(raw, (dt.date, dt.datetime)):
        raise _Refused(
            gettext(
                "the code was read as the date %(value)s; format the cell as text or type it with an "
                "apostrophe in front"
            )
            % {"value": _show(raw)}
        )
    return _text(raw)


def _ref(text: str) -> str | dict:
    strategy, colon, code = text.partition(":")
    if colon and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", strategy.strip()) and code.strip():
        return {"strategy": strategy.strip(), "code": code.strip()}
    return text


def _read_money(raw: Any) -> Any:
    from django.core.exceptions import ValidationError

    from regija.core.money import read_amount

    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime)):
        raise _Refused(gettext("an amount must be a number, not %(value)s") % {"value": _show(raw)})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))  # the schema refuses more than two decimals, saying so
    try:
        amount = read_amount(str(raw))
    except ValidationError:
        amount = None
    if amount is None:
        raise _Refused(
            gettext(
                "%(value)s is not an amount that can be read for certain; write it as a number, or as "
                "12.345,67 or 12345,67 (a comma before the cents; 12.345 alone could be twelve thousand or "
                "twelve)"
            )
            % {"value": repr(str(raw))}
        )
    return amount


def _read_number(raw: Any) -> Decimal:
    """A measured value: a number cell, or text with a decimal comma (12,5; 1.234,5; 1 234,5) or a
    decimal point (12.5); "1.234" (one group of three after a single point) is refused as ambiguous."""
    if isinstance(raw, bool) or isinstance(raw, (dt.date, dt.datetime)):
        raise _Refused(gettext("a value must be a number, not %(value)s") % {"value": _show(raw)})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = re.sub(r"[ \u00a0\u202f]", " ", str(raw).strip())
    sign = ""
    if text[:1] in ("-", "\u2212", "+"):
        sign, text = ("-" if text[0] != "+" else ""), text[1:].strip()
    plain = None
    if re.fullmatch(r"\d+", text):
        plain = text
    elif re.fullmatch(r"\d+,\d+", text):
        plain = text.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", text) or re.fullmatch(r"\d{1,3}(?: \d{3})+(?:,\d+)?", text):
        plain = text.replace(".", "").replace(" ", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", text):
        plain = text.replace(".", "")
    elif re.fullmatch(r"\d+\.\d+", text) and not re.fullmatch(r"\d{1,3}\.\d{3}", text):
        plain = text
    elif re.fullmatch(r"\d{1,3}\.\d{3}", text):
        raise _Refused(
            gettext(
                "%(value)s could be %(thousands)s (a point between thousands) or %(decimal)s (a decimal "
                "point); write %(thousands)s or %(comma)s (a decimal comma)"
            )
            % {
                "value": repr(raw),
                "thousands": text.replace(".", ""),
                "decimal": text,
                "comma": text.replace(".", ","),
            }
        )
    if plain is None:
        raise _Refused(
            gettext("%(value)s is not a number; write it as 12,5 or 1.234,5 (a decimal comma)")
            % {"value": repr(raw)}
        )
    try:
        return Decimal(sign + plain)
    except InvalidOperation:  # pragma: no cover - the patterns rule this out
        raise _Refused(gettext("%(value)s is not a number") % {"value": repr(raw)}) from None


def _read_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise _Refused(gettext("a whole number is needed, not true/false"))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw == int(raw):
        return int(raw)
    if isinstance(raw, str) and _INT_RE.fullmatch(raw.replace(" ", "").replace(".", "")):
        if "." in raw and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
            raise _Refused(gettext("%(value)s is not a whole number") % {"value": repr(raw)})
        return int(raw.replace(" ", "").replace(".", ""))
    raise _Refused(gettext("%(value)s is not a whole number") % {"value": _show(raw)})


def _read_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time():
            raise _Refused(gettext("%(value)s has a time of day; a day is needed") % {"value": _show(raw)})
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)):
        raise _Refused(
            gettext(
                "%(value)s is a number, not a date; type the date as 31. 12. 2023 or 2023-12-31, or format "
                "the cell as a date"
            )
            % {"value": repr(raw)}
        )
    text = str(raw).strip()
    m = _DAY_RE.fullmatch(text)
    try:
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if _ISO_DAY_RE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _Refused(not_a_real_date(text, exc)) from None
    raise _Refused(
        gettext("%(value)s is not a date; write it as 31. 12. 2023 or 2023-12-31") % {"value": repr(text)}
    )


def _read_partial(raw: Any) -> str:
    """A date known to the year, month or day (kept as YYYY, YYYY-MM or YYYY-MM-DD)."""
    if isinstance(raw, (dt.date, dt.datetime)):
        return _read_date(raw).isoformat()
    if (
        isinstance(raw, (int, float))
        and not isinstance(raw, bool)
        and raw == int(raw)
        and 1000 <= raw <= 9999
    ):
        return str(int(raw))
    text = str(raw).strip()
    m = _MONTH_RE.fullmatch(text)
    if m and 1 <= int(m[1]) <= 12:
        return f"{m[2]}-{int(m[1]):02d}"
    if _DAY_RE.fullmatch(text):
        return _read_date(text).isoformat()
    return text  # YYYY, YYYY-MM, YYYY-MM-DD or a mistake the schema names


# --- reading the workbook ------------------------------------------------------------------------


def read(path: str | Path) -> tuple[dict | None, WorkbookLocator, list[Problem]]:
    """The data of a workbook as a strategy file gives it, the locator of its cells, and the cells that
    could not be read. Never raises."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    filename = str(path)
    reader = _Reader(filename)
    try:
        wb = load_workbook(filename, data_only=False)
        values = load_workbook(filename, data_only=True)
    except FileNotFoundError:
        return None, reader.where, [Problem(filename, None, "", gettext("file not found"))]
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return (
            None,
            reader.where,
            [
                Problem(
                    filename,
                    None,
                    "",
                    gettext("not an XLSX workbook that can be read (%(error)s)") % {"error": exc},
                )
            ],
        )
    by_name = {_norm(sheet.name): sheet for sheet in SHEETS} | {_norm(sheet.key): sheet for sheet in SHEETS}
    found: dict[str, Any] = {}
    for ws in wb.worksheets:
        sheet = by_name.get(_norm(ws.title))
        if sheet is None:
            if _norm(ws.title) not in (_norm(INSTRUCTIONS), _norm(LISTS), "instructions", "lists") and any(
                v for v in _grid(ws, values[ws.title]).values()
            ):
                reader.bad(
                    f"{ws.title}!A1",
                    "",
                    gettext(
                        "sheet %(sheet)s is not part of the format and is not read; rename it to one of "
                        "%(sheets)s or delete it"
                    )
                    % {"sheet": repr(ws.title), "sheets": ", ".join(sh.name for sh in SHEETS)},
                )
            continue
        if sheet.key in found:
            reader.bad(
                f"{ws.title}!A1",
                "",
                gettext("a second sheet %(sheet)s; merge the two") % {"sheet": repr(sheet.name)},
            )
            continue
        found[sheet.key] = (ws, values[ws.title])
    data = _Assembler(reader, found).data()
    return data, reader.where, [reader.placed(i, p, data) for i, p in enumerate(reader.problems)]


class _Assembler:
    """Builds the file's data from the sheets, recording every field's cell."""

    def __init__(self, reader: _Reader, found: dict[str, Any]):
        self.r = reader
        self.found = found
        for sheet in SHEETS:
            if sheet.key in found:
                section = sheet.section if not sheet.parent else sheet.parent
                self.r.where.sheets.setdefault(section, found[sheet.key][0].title)
        if "strategy" in found:
            self.r.where.sheets["regija"] = found["strategy"][0].title

    def data(self) -> dict:
        data: dict[str, Any] = {"regija": s.FORMAT_VERSION}
        strategy = self.strategy()
        if strategy is not None:
            data["strategy"] = strategy
            levels = self.levels()
            if levels:
                strategy["levels"] = levels
        for key in ("organisations", "funds", "alignments", "indicators", "projects", "stated"):
            records = self.records(SHEET[key], (key,))
            if records:
                data[key] = records
        for child, parent in (
            ("allocations", "funds"),
            ("observations", "indicators"),
            ("partners", "projects"),
            ("budget", "projects"),
            ("payments", "projects"),
        ):
            self.children(SHEET[child], data.get(parent, []), parent)
        nodes = self.nodes()
        if nodes:
            data["nodes"] = nodes
        return data

    # --- a row into a record ---

    def record(self, ws: Any, sheet: Sheet, cols: dict[int, Column | None], row: _Row, path: tuple) -> dict:
        from openpyxl.utils import get_column_letter

        rec: dict[str, Any] = {}
        self.r.where.cells[path] = f"{ws.title}!A{row.number}"
        by_key = {col.key: c for c, col in cols.items() if col is not None}
        for c, col in cols.items():
            if col is not None:
                self.r.where.cells[path + col.path] = f"{ws.title}!{get_column_letter(c)}{row.number}"
        what = row.values.get(by_key.get("what", -1))
        for c, col in cols.items():
            if col is None or c not in row.values:
                continue
            cell = f"{ws.title}!{get_column_letter(c)}{row.number}"
            value = self.r.value(col, row.values[c], cell, path + col.path, what)
            if value is _BAD or value == [] or value == "":
                continue
            target = rec
            for part in col.path[:-1]:
                target = target.setdefault(part, {})
            target[col.path[-1]] = value
        return rec

    def _table(self, sheet: Sheet) -> tuple[Any, dict[int, Column | None], list[_Row]]:
        if sheet.key not in self.found:
            return None, {}, []
        ws, values = self.found[sheet.key]
        cols, rows = self.r.table(ws, values, sheet)
        return ws, cols, rows

    def records(self, sheet: Sheet, prefix: tuple) -> list[dict]:
        ws, cols, rows = self._table(sheet)
        return [self.record(ws, sheet, cols, row, prefix + (i,)) for i, row in enumerate(rows)]

    def children(self, sheet: Sheet, owners: list[dict], owner_section: str) -> None:
        from openpyxl.utils import get_column_letter

        ws, cols, rows = self._table(sheet)
        if ws is None:
            return
        parent_col = next((c for c, col in cols.items() if col is None), None)
        index = {}
        for i, owner in enumerate(owners):
            if isinstance(owner.get("code"), str):
                index.setdefault(owner["code"], i)
        owner_sheet = self.found.get(owner_section, (None,))[0]
        owner_name = owner_sheet.title if owner_sheet is not None else SHEET[owner_section].name
        if rows and parent_col is None:
            self.r.bad(
                f"{ws.title}!A1",
                "",
                gettext(
                    "the column %(column)s is missing: each row must name the code of the record of sheet "
                    "%(sheet)s it belongs to"
                )
                % {"column": repr(sheet.parent_header), "sheet": owner_name},
            )
            return
        for row in rows:
            cell = f"{ws.title}!{get_column_letter(parent_col)}{row.number}" if parent_col else ""
            raw = row.values.get(parent_col) if parent_col else None
            if raw is None:
                self.r.bad(
                    cell,
                    "",
                    gettext("%(column)s is empty: name the code of sheet %(sheet)s")
                    % {"column": sheet.parent_header, "sheet": owner_name},
                )
                continue
            try:
                code = _read_code(raw.strip() if isinstance(raw, str) else raw)
            except _Refused as exc:
                self.r.bad(cell, "", str(exc))
                continue
            if code not in index:
                self.r.bad(
                    cell,
                    "",
                    {
                        "funds": gettext("no fund with code %(code)s on sheet %(sheet)s"),
                        "indicators": gettext("no indicator with code %(code)s on sheet %(sheet)s"),
                        "projects": gettext("no project with code %(code)s on sheet %(sheet)s"),
                    }.get(owner_section, gettext("no row with code %(code)s on sheet %(sheet)s"))
                    % {"code": repr(code), "sheet": owner_name},
                )
                continue
            i = index[code]
            items = owners[i].setdefault(sheet.section, [])
            items.append(self.record(ws, sheet, cols, row, (owner_section, i, sheet.section, len(items))))

    # --- the strategy and its levels ---

    def strategy(self) -> dict | None:
        from openpyxl.utils import get_column_letter

        if "strategy" not in self.found:
            return None
        ws, values = self.found["strategy"]
        sheet = SHEET["strategy"]
        grid = _grid(ws, values)
        known = {}
        for col in sheet.columns:
            known[_norm(col.header)] = col
            known[_norm(col.key)] = col
        strategy: dict[str, Any] = {}
        seen: dict[str, int] = {}
        # rows above the "Polje | Vrednost" header (a title) are not read
        header_at = next((r for r in sorted(grid) if _norm(grid[r].get(1)) in ("polje", "field")), None)
        value_col = 2
        if header_at is not None:
            value_col = next(
                (c for c, v in grid[header_at].items() if _norm(v) in ("vrednost", "value")), value_col
            )
        for r in sorted(grid):
            row = grid[r]
            if (header_at is not None and r <= header_at) or not row:
                continue
            label = row.get(1)
            if label is None:
                for c in row:
                    self.r.bad(
                        f"{ws.title}!{get_column_letter(c)}{r}",
                        "",
                        gettext(
                            "a value without a field name in column A is not read; name the field "
                            "(%(first)s, %(second)s …) in column A"
                        )
                        % {"first": sheet.columns[0].header, "second": sheet.columns[1].header},
                    )
                continue
            col = known.get(_norm(label))
            if col is None:
                self.r.bad(
                    f"{ws.title}!A{r}",
                    "",
                    gettext("unknown field %(field)s; the fields are %(fields)s")
                    % {
                        "field": repr(str(label).strip()),
                        "fields": ", ".join(c.header for c in sheet.columns),
                    },
                )
                continue
            if col.key in seen:
                self.r.bad(
                    f"{ws.title}!A{r}",
                    "",
                    gettext("field %(field)s appears twice (also in row %(row)s)")
                    % {"field": repr(col.header), "row": seen[col.key]},
                )
                continue
            seen[col.key] = r
            cell = f"{ws.title}!{get_column_letter(value_col)}{r}"
            self.r.where.cells[("strategy",) + col.path] = cell
            for c in row:
                if c not in (1, value_col):
                    self.r.bad(
                        f"{ws.title}!{get_column_letter(c)}{r}",
                        "",
                        gettext(
                            "a value beside the field %(field)s is not read; write it in column %(column)s"
                        )
                        % {"field": repr(col.header), "column": get_column_letter(value_col)},
                    )
            if value_col not in row:
                continue
            value = self.r.value(col, row[value_col], cell, ("strategy",) + col.path)
            if value is _BAD or value == []:
                continue
            target = strategy
            for part in col.path[:-1]:
                target = target.setdefault(part, {})
            target[col.path[-1]] = value
        self.r.where.cells[("strategy",)] = f"{ws.title}!A1"
        return strategy

    def levels(self) -> dict:
        from openpyxl.utils import get_column_letter

        ws, cols, rows = self._table(SHEET["levels"])
        if ws is None:
            return {}
        self.r.where.cells[("strategy", "levels")] = f"{ws.title}!A1"
        out: dict[str, dict] = {}
        level_col = next((c for c, col in cols.items() if col is not None and col.key == "level"), None)
        for row in rows:
            raw = row.values.get(level_col) if level_col else None
            cell = f"{ws.title}!{get_column_letter(level_col or 1)}{row.number}"
            if raw is None:
                self.r.bad(cell, "", gettext("the level's name (Raven) is empty"))
                continue
            level = _text(raw).strip()
            if level in out:
                self.r.bad(cell, "", gettext("level %(level)s is listed twice") % {"level": repr(level)})
                continue
            rec = self.record(ws, SHEET["levels"], cols, row, ("strategy", "levels", level))
            rec.pop("level", None)
            out[level] = rec
        return out

    # --- the node tree ---

    def nodes(self) -> list[dict]:
        from openpyxl.utils import get_column_letter

        sheet = SHEET["nodes"]
        ws, cols, rows = self._table(sheet)
        if ws is None:
            return []
        by_key = {col.key: c for c, col in cols.items() if col is not None}

        def code_in(row: _Row, key: str, report: bool) -> Any:
            c = by_key.get(key)
            raw = row.values.get(c) if c else None
            if raw is None:
                return None
            try:
                return _read(CODE, raw)
            except _Refused as exc:
                if report:
                    self.r.bad(f"{ws.title}!{get_column_letter(c)}{row.number}", "", str(exc))
                return _BAD

        codes = [code_in(row, "code", False) for row in rows]
        parents = [code_in(row, "parent", True) for row in rows]
        parent_cells = [
            f"{ws.title}!{get_column_letter(by_key['parent'])}{row.number}" if "parent" in by_key else ""
            for row in rows
        ]
        first: dict[str, int] = {}
        for k, code in enumerate(codes):
            if isinstance(code, str):
                first.setdefault(code, k)
        children: dict[int | None, list[int]] = {}
        for k, parent in enumerate(parents):
            if parent is None:
                children.setdefault(None, []).append(k)
            elif parent is _BAD:
                continue
            elif parent not in first:
                self.r.bad(
                    parent_cells[k],
                    "",
                    gettext("node %(node)s: no node with code %(code)s on sheet %(sheet)s")
                    % {"node": _code_text(codes[k]), "code": repr(parent), "sheet": ws.title},
                )
            else:
                children.setdefault(first[parent], []).append(k)
        # rows not reached from a top node: their parent codes lead round in a cycle
        placed: set[int] = set()
        stack = list(children.get(None, []))
        while stack:
            k = stack.pop()
            placed.add(k)
            stack.extend(children.get(k, []))
        reported: set[int] = set()
        for k in range(len(rows)):
            if k in placed or k in reported or not isinstance(parents[k], str) or parents[k] not in first:
                continue
            chain, j = [k], first[parents[k]]
            while j not in chain and j not in placed and isinstance(parents[j], str) and parents[j] in first:
                chain.append(j)
                j = first[parents[j]]
            if j in chain:
                loop = chain[chain.index(j) :]
                codes_text = " → ".join(_code_text(codes[m]) for m in [*loop, loop[0]])
                for m in loop:
                    if m not in reported:
                        self.r.bad(
                            parent_cells[m],
                            "",
                            gettext(
                                "node %(node)s: the parent codes form a cycle (%(cycle)s); one of these "
                                "nodes must be under another node or at the top"
                            )
                            % {"node": _code_text(codes[m]), "cycle": codes_text},
                        )
                        reported.add(m)

        def build(parent: int | None, path: tuple) -> list[dict]:
            out = []
            for i, k in enumerate(children.get(parent, [])):
                here = path + (i,)
                rec = self.record(ws, sheet, cols, rows[k], here)
                rec.pop("parent", None)
                kids = build(k, here + ("children",))
                if kids:
                    rec["children"] = kids
                out.append(rec)
            return out

        return build(None, ("nodes",))


def _code_text(code: Any) -> str:
    return repr(code) if isinstance(code, str) else gettext("(without a readable code)")


def is_workbook(path: str | Path) -> bool:
    return str(path).lower().endswith((".xlsx", ".xlsm"))


def template() -> bytes:
    """The empty workbook an officer fills in."""
    return write(None)
