"""The source documents' statistics, bundled as datasets: ``data/datasets/datasets.yaml`` and its CSV files.

The manifest describes each dataset (title, themes, provenance, columns), the claims the document's
*text* makes about its own table (quoted, never corrected) and the strategy indicators a dataset feeds.
docs/data.md ("The source documents' statistics") describes the format; these pydantic models are its
exact form.

Everything here is pure: it reads files and compares values, with no database and no Django models.
``check_claim`` says whether a claim holds against the rows and, in the active language, what the text
states and what the table gives; ``evaluate_binding`` computes an indicator's value from the rows.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from regija.core.files import (
    InvalidFile,
    LineFinder,
    Problem,
    load_mapping,
    path_text,
    read_text,
    validation_problems,
)
from regija.core.filetypes import Code, Date, Number, Record, Slug, parse_date
from regija.core.translate import gettext

FORMAT_DOC = "docs/data.md"
MANIFEST_NAME = "datasets.yaml"

# --- the manifest --------------------------------------------------------------------------------

# a column of a CSV file: snake_case ASCII, starting with a letter
ColumnName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=63)]
ColumnType = Literal["integer", "number", "text", "date", "boolean"]
# the data themes of the EU vocabulary (DCAT-AP data-theme)
Theme = Literal[
    "AGRI",
    "ECON",
    "EDUC",
    "ENER",
    "ENVI",
    "GOVE",
    "HEAL",
    "INTR",
    "JUST",
    "OP_DATPRO",
    "REGI",
    "SOCI",
    "TECH",
    "TRAN",
]
# the frequencies of the EU vocabulary (DCAT-AP frequency) that a statistical table can have
Frequency = Literal[
    "ANNUAL",
    "ANNUAL_2",
    "ANNUAL_3",
    "BIENNIAL",
    "TRIENNIAL",
    "QUADRENNIAL",
    "QUINQUENNIAL",
    "DECENNIAL",
    "QUARTERLY",
    "BIMONTHLY",
    "MONTHLY",
    "MONTHLY_2",
    "MONTHLY_3",
    "WEEKLY",
    "DAILY",
    "HOURLY",
    "CONT",
    "UPDATE_CONT",
    "IRREG",
    "OTHER",
    "UNKNOWN",
    "NEVER",
]
Aggregation = Literal["sum", "avg", "min", "max", "last", "count"]
# a value written in a filter, a claim's stated value or a trend's bounds: read by the column's type
Scalar = StrictBool | StrictInt | StrictFloat | dt.date | StrictStr
Text = Annotated[str, Field(min_length=1)]
# a source document's number, as the seed files are numbered (000 … 004)
DocumentNumber = Annotated[str, Field(pattern=r"^\d{3}$")]


# a data file, relative to the manifest's folder
def _inside(value: str) -> str:
    if ".." in value.split("/"):
        raise ValueError(gettext("a data file must be inside the manifest's folder (no ..)"))
    return value


DataFile = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_./-]*\.csv$", max_length=200), AfterValidator(_inside)
]


class LangText(Record):
    """A text in Slovenian and English."""

    sl: Text
    en: Text

    def active(self) -> str:
        """The text in the active language (Slovenian unless English is active)."""
        return self.en if _language() == "en" else self.sl


class Keywords(Record):
    sl: list[Text] = Field(min_length=1)
    en: list[Text] = Field(min_length=1)


class Temporal(Record):
    """The period the data covers (first and last day)."""

    start: Date
    end: Date


class Source(Record):
    """Where in which document the data is printed."""

    document: DocumentNumber
    title: Text
    section: Text
    table: Text | None = None  # the table's caption as printed ("Tabela 3: …"); none for figures in the text
    original_source: Text | None = None  # the source the document names for its figures (SURS …)


class Column(Record):
    name: ColumnName
    type: ColumnType
    unit: Text | None = None
    description: LangText


class _Claim(Record):
    quote: Text  # the document's words, exactly
    where: Text  # the document and section the quote is from
    note: LangText | None = None  # how the quote was read, where that needed a judgement


class ValueClaim(_Claim):
    """The row matching ``filter`` has ``stated`` in ``column``."""

    kind: Literal["value"]
    column: ColumnName
    filter: dict[ColumnName, Scalar] = Field(default_factory=dict)
    stated: Scalar


class TrendClaim(_Claim):
    """``column``, ordered by ``order_by`` from ``from`` to ``to`` (inclusive), rises (``increasing``) or
    falls (``decreasing``) strictly at every step."""

    kind: Literal["trend"]
    column: ColumnName
    order_by: ColumnName
    from_: Scalar = Field(alias="from")
    to: Scalar
    direction: Literal["increasing", "decreasing"]
    filter: dict[ColumnName, Scalar] = Field(default_factory=dict)


class TotalClaim(_Claim):
    """The sum of ``column`` over the rows matching ``filter`` equals ``stated``."""

    kind: Literal["total"]
    column: ColumnName
    filter: dict[ColumnName, Scalar] = Field(default_factory=dict)
    stated: Number


class CountClaim(_Claim):
    """The number of rows matching ``filter`` equals ``stated``."""

    kind: Literal["count"]
    filter: dict[ColumnName, Scalar] = Field(default_factory=dict)
    stated: Annotated[StrictInt, Field(ge=0)]


Claim = Annotated[ValueClaim | TrendClaim | TotalClaim | CountClaim, Field(discriminator="kind")]
CLAIM_KINDS = ("value", "trend", "total", "count")


class IndicatorBinding(Record):
    """A strategy indicator fed by this dataset: its observations are computed from the rows matching
    ``filter`` – ``value_column`` aggregated per ``date_column`` value – and, with ``baseline``, the
    latest of them is the indicator's baseline."""

    strategy: Slug
    indicator: Code
    value_column: ColumnName
    date_column: ColumnName
    filter: dict[ColumnName, Scalar] = Field(default_factory=dict)
    aggregation: Aggregation
    baseline: bool = False
    why: LangText


class Dataset(Record):
    slug: Slug
    file: DataFile
    publisher: Slug | None = None  # when it is not the manifest's publisher
    title: LangText
    description: LangText
    keywords: Keywords
    themes: list[Theme] = Field(min_length=1)
    frequency: Frequency
    spatial: list[Text] = Field(min_length=1)
    temporal: Temporal | None = None
    source: Source
    columns: list[Column] = Field(min_length=1)
    claims: list[Claim] = Field(default_factory=list)
    indicators: list[IndicatorBinding] = Field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def table_label(self) -> str:
        """How a message names the table: "Tabela 3" from its caption, else the dataset's title."""
        if self.source.table:
            return self.source.table.split(":", 1)[0].strip()
        return gettext("the dataset %(title)s") % {"title": _quoted(self.title.active())}


class Manifest(Record):
    publisher: Slug  # the organisation that publishes the datasets (a slug of data/strategies/*.yaml)
    datasets: list[Dataset] = Field(min_length=1)

    def dataset(self, slug: str) -> Dataset:
        for dataset in self.datasets:
            if dataset.slug == slug:
                return dataset
        raise KeyError(slug)

    def publisher_of(self, dataset: Dataset) -> str:
        return dataset.publisher or self.publisher


def bundled_manifest_path() -> Path:
    """The manifest of the bundled datasets: ``data/datasets/datasets.yaml`` in the checkout."""
    from django.conf import settings

    return Path(settings.PROJECT_DIR) / "data" / "datasets" / MANIFEST_NAME


def read_bundled() -> tuple[Manifest, dict[str, list[Row]]]:
    """The bundled manifest and every dataset's rows, by slug."""
    path = bundled_manifest_path()
    manifest = read_manifest(path)
    return manifest, {d.slug: read_rows(path.parent, d) for d in manifest.datasets}


def read_manifest(path: str | Path) -> Manifest:
    """The manifest at ``path``; raises InvalidFile naming the line and the field of every problem."""
    path = Path(path)
    filename = str(path)
    text = read_text(path)
    data = load_mapping(
        text,
        filename,
        not_a_mapping=gettext("a dataset manifest must be a YAML mapping with publisher and datasets"),
    )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise InvalidFile(
            validation_problems(
                exc, filename, text, format_doc=FORMAT_DOC, union_labels=CLAIM_KINDS, data=data
            )
        ) from None
    references = _reference_problems(manifest)
    if references:
        finder = LineFinder(text)
        raise InvalidFile(
            [
                Problem(filename, finder.line(loc), path_text(loc, data), message)
                for loc, message in references
            ]
        )
    return manifest


def _reference_problems(manifest: Manifest) -> list[tuple[tuple[str | int, ...], str]]:
    """Names that must refer to something in the manifest: unique slugs and files, the columns a claim
    or a binding uses, a numeric column where a sum or an average is taken."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    seen_slugs: set[str] = set()
    seen_files: set[str] = set()
    for d, dataset in enumerate(manifest.datasets):
        at: tuple[str | int, ...] = ("datasets", d)
        if dataset.slug in seen_slugs:
            out.append(
                ((*at, "slug"), gettext("another dataset has the slug %(slug)s") % {"slug": dataset.slug})
            )
        seen_slugs.add(dataset.slug)
        if dataset.file in seen_files:
            out.append(
                ((*at, "file"), gettext("another dataset reads the file %(file)s") % {"file": dataset.file})
            )
        seen_files.add(dataset.file)
        if dataset.temporal and dataset.temporal.start > dataset.temporal.end:
            out.append(((*at, "temporal", "end"), gettext("the period ends before it starts")))
        names: set[str] = set()
        for c, column in enumerate(dataset.columns):
            if column.name in names:
                out.append(
                    (
                        (*at, "columns", c, "name"),
                        gettext("the column %(name)s is declared twice") % {"name": column.name},
                    )
                )
            names.add(column.name)
        for k, claim in enumerate(dataset.claims):
            out += _unknown_columns(dataset, (*at, "claims", k), _claim_columns(claim))
            if isinstance(claim, TotalClaim):
                out += _numeric((*at, "claims", k, "column"), dataset.column(claim.column))
        for b, binding in enumerate(dataset.indicators):
            where = (*at, "indicators", b)
            used = [("value_column", binding.value_column), ("date_column", binding.date_column)]
            out += _unknown_columns(dataset, where, used + [(("filter", key), key) for key in binding.filter])
            if binding.aggregation in ("sum", "avg", "min", "max"):
                out += _numeric((*where, "value_column"), dataset.column(binding.value_column))
    return out


def _claim_columns(claim: ValueClaim | TrendClaim | TotalClaim | CountClaim) -> list[tuple[Any, str]]:
    used: list[tuple[Any, str]] = [(("filter", key), key) for key in claim.filter]
    if not isinstance(claim, CountClaim):
        used.append(("column", claim.column))
    if isinstance(claim, TrendClaim):
        used.append(("order_by", claim.order_by))
    return used


def _unknown_columns(
    dataset: Dataset, at: tuple[str | int, ...], used: Iterable[tuple[Any, str]]
) -> list[tuple[tuple[str | int, ...], str]]:
    out: list[tuple[tuple[str | int, ...], str]] = []
    for field, name in used:
        if dataset.column(name) is None:
            loc = (*at, *field) if isinstance(field, tuple) else (*at, field)
            out.append(
                (
                    loc,
                    gettext("the dataset has no column %(name)s; its columns are %(columns)s")
                    % {"name": name, "columns": ", ".join(c.name for c in dataset.columns)},
                )
            )
    return out


def _numeric(at: tuple[str | int, ...], column: Column | None) -> list[tuple[tuple[str | int, ...], str]]:
    if column is None or column.type in ("integer", "number"):
        return []
    return [
        (at, gettext("%(name)s is not a number column, so it cannot be added up") % {"name": column.name})
    ]


# --- the rows ------------------------------------------------------------------------------------

Value = int | Decimal | str | bool | dt.date | None
Row = dict[str, Value]

_INTEGER_RE = re.compile(r"^-?\d+$")
_NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


def parse_cell(text: str, kind: str) -> Value:
    """A CSV cell read as its column's type; an empty cell is None. Raises ValueError saying what to write."""
    if text == "":
        return None
    if kind == "integer":
        if not _INTEGER_RE.match(text):
            raise ValueError(
                gettext("%(value)s is not a whole number; write digits only, without thousands separators")
                % {"value": repr(text)}
            )
        return int(text)
    if kind == "number":
        if not _NUMBER_RE.match(text):
            raise ValueError(
                gettext(
                    "%(value)s is not a number; write a decimal point and no thousands separators (e.g. 10.4)"
                )
                % {"value": repr(text)}
            )
        return Decimal(text)
    if kind == "date":
        return parse_date(text)
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValueError(gettext("%(value)s is not true or false") % {"value": repr(text)})
        return text.lower() == "true"
    return text


def read_rows(manifest_dir: str | Path, dataset: Dataset) -> list[Row]:
    """The rows of ``dataset``'s CSV file (relative to ``manifest_dir``), typed by its declared columns
    (number → Decimal). Raises InvalidFile naming the line and the column of every problem."""
    path = Path(manifest_dir) / dataset.file
    filename = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError:
        raise InvalidFile([Problem(filename, None, "", gettext("file not found"))]) from None
    except UnicodeDecodeError:
        message = gettext("the file is not UTF-8 text; save it again as UTF-8")
        raise InvalidFile([Problem(filename, None, "", message)]) from None
    declared = [c.name for c in dataset.columns]
    if not lines or lines[0] != declared:
        header = ", ".join(lines[0]) if lines else ""
        message = gettext("the header row is %(header)s, but the manifest declares %(declared)s") % {
            "header": header or gettext("an empty line"),
            "declared": ", ".join(declared),
        }
        raise InvalidFile([Problem(filename, 1, "", message)])
    problems: list[Problem] = []
    rows: list[Row] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not cells:
            continue  # a blank line
        if len(cells) != len(declared):
            message = gettext("the row has %(found)s cells, the header %(declared)s") % {
                "found": len(cells),
                "declared": len(declared),
            }
            problems.append(Problem(filename, number, "", message))
            continue
        row: Row = {}
        for column, cell in zip(dataset.columns, cells, strict=True):
            try:
                row[column.name] = parse_cell(cell, column.type)
            except ValueError as exc:
                problems.append(Problem(filename, number, column.name, str(exc)))
        rows.append(row)
    if problems:
        raise InvalidFile(problems)
    return rows


# --- claims --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClaimResult:
    """What checking a claim found.

    ``found`` is the table's value (value claim; a list when several rows match), the sum (total), the
    number of rows (count) or the steps as (order value, value) pairs (trend); ``breaks`` are the
    steps of a trend that go the other way (or stand still); ``message`` says in the active language
    what the text states and what the table gives.
    """

    holds: bool
    found: Any
    message: str
    breaks: list[tuple[tuple[Value, Value], tuple[Value, Value]]] = dataclasses.field(default_factory=list)
    rows: int = 0


def check_claim(
    claim: ValueClaim | TrendClaim | TotalClaim | CountClaim,
    rows: Sequence[Mapping[str, Value]],
    dataset: Dataset | None = None,
) -> ClaimResult:
    """Whether ``claim`` holds against ``rows`` (as ``read_rows`` gives them). ``dataset``, when given,
    lets the message name the table ("Tabela 3"), the column and its unit."""
    table = dataset.table_label() if dataset else gettext("the table")
    matching = [row for row in rows if _matches(row, claim.filter)]
    if isinstance(claim, ValueClaim):
        return _check_value(claim, matching, dataset, table)
    if isinstance(claim, TrendClaim):
        return _check_trend(claim, matching, dataset, table)
    if isinstance(claim, TotalClaim):
        total = sum((_as_decimal(row.get(claim.column)) for row in matching), Decimal(0))
        holds = total == claim.stated
        unit = _unit(dataset, claim.column)
        values = {
            "stated": _show(claim.stated) + unit,
            "found": _show(total) + unit,
            "table": table,
            "rows": len(matching),
        }
        if holds:
            message = gettext(
                "The text states a total of %(stated)s; the %(rows)s rows of %(table)s add up to the same."
            )
        else:
            message = gettext(
                "The text states a total of %(stated)s; the %(rows)s rows of %(table)s add up to %(found)s."
            )
        return ClaimResult(holds, total, message % values, rows=len(matching))
    count = len(matching)
    values = {"stated": claim.stated, "found": count, "table": table, "filter": _filter_text(claim.filter)}
    if count == claim.stated:
        message = gettext("The text states %(stated)s (%(filter)s); %(table)s has as many rows.")
    else:
        message = gettext("The text states %(stated)s (%(filter)s); %(table)s has %(found)s such rows.")
    return ClaimResult(count == claim.stated, count, message % values, rows=count)


def _check_value(
    claim: ValueClaim, matching: list[Mapping[str, Value]], dataset: Dataset | None, table: str
) -> ClaimResult:
    unit = _unit(dataset, claim.column)
    values: dict[str, Any] = {
        "stated": _show(claim.stated) + unit,
        "filter": _filter_text(claim.filter),
        "table": table,
    }
    if not matching:
        message = gettext("The text states %(stated)s for %(filter)s; %(table)s has no row for it.")
        return ClaimResult(False, None, message % values)
    found = [row.get(claim.column) for row in matching]
    holds = all(_same(value, claim.stated) for value in found)
    if len(found) > 1:
        values["found"] = ", ".join(_show(v) for v in found)
        values["rows"] = len(found)
        message = gettext(
            "The text states %(stated)s for %(filter)s; %(table)s has %(rows)s such rows: %(found)s."
        )
        return ClaimResult(holds, found, message % values, rows=len(found))
    values["found"] = _show(found[0])
    if holds:
        message = gettext("The text states %(stated)s for %(filter)s, as %(table)s does.")
    else:
        message = gettext("The text states %(stated)s for %(filter)s; %(table)s gives %(found)s.")
    return ClaimResult(holds, found[0], message % values, rows=1)


def _check_trend(
    claim: TrendClaim, matching: list[Mapping[str, Value]], dataset: Dataset | None, table: str
) -> ClaimResult:
    lower, upper = claim.from_, claim.to
    steps: list[tuple[Value, Value]] = []
    for row in matching:
        order = row.get(claim.order_by)
        if order is None:
            continue
        if _compare(order, lower) >= 0 and _compare(order, upper) <= 0:
            steps.append((order, row.get(claim.column)))
    steps.sort(key=lambda step: _sort_key(step[0]))
    rising = claim.direction == "increasing"
    breaks = [
        (a, b)
        for a, b in zip(steps, steps[1:], strict=False)
        if a[1] is None
        or b[1] is None
        or not (_compare(b[1], a[1]) > 0 if rising else _compare(b[1], a[1]) < 0)
    ]
    holds = len(steps) >= 2 and not breaks
    column = dataset.column(claim.column) if dataset else None
    values = {
        "what": _quoted(column.description.active()) if column else claim.column,
        "from": _show(lower, grouped=False),
        "to": _show(upper, grouped=False),
        "table": table,
        "series": " → ".join(f"{_show(v)} ({_show(o, grouped=False)})" for o, v in steps),
        "breaks": ", ".join(f"{_show(a[0], grouped=False)}–{_show(b[0], grouped=False)}" for a, b in breaks),
    }
    if len(steps) < 2:
        message = gettext(
            "The text states that %(what)s changes from %(from)s to %(to)s; "
            "%(table)s has too few rows in that range."
        )
    elif holds and rising:
        message = gettext(
            "The text states that %(what)s rises at every step from %(from)s to %(to)s, "
            "as %(table)s does: %(series)s."
        )
    elif holds:
        message = gettext(
            "The text states that %(what)s falls at every step from %(from)s to %(to)s, "
            "as %(table)s does: %(series)s."
        )
    elif rising:
        message = gettext(
            "The text states that %(what)s rises at every step from %(from)s to %(to)s; "
            "%(table)s gives %(series)s, which does not rise in %(breaks)s."
        )
    else:
        message = gettext(
            "The text states that %(what)s falls at every step from %(from)s to %(to)s; "
            "%(table)s gives %(series)s, which does not fall in %(breaks)s."
        )
    return ClaimResult(holds, steps, message % values, breaks=breaks, rows=len(steps))


# --- indicators fed by a dataset -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Observation:
    """An indicator's value for one value of the binding's date column, and how many rows gave it."""

    date: Value
    value: Decimal
    rows: int


def evaluate_binding(binding: IndicatorBinding, rows: Sequence[Mapping[str, Value]]) -> list[Observation]:
    """The indicator's observations from ``rows``: the rows matching the binding's filter, grouped by
    its date column (in order), each group's value column aggregated. ``last`` takes the group's last
    row in file order; ``count`` counts its non-empty values. Rows without a date are left out."""
    groups: dict[Any, list[Value]] = {}
    for row in rows:
        if not _matches(row, binding.filter):
            continue
        date = row.get(binding.date_column)
        if date is None:
            continue
        groups.setdefault(date, []).append(row.get(binding.value_column))
    out: list[Observation] = []
    for date in sorted(groups, key=_sort_key):
        present = [v for v in groups[date] if v is not None]
        if binding.aggregation == "count":
            out.append(Observation(date, Decimal(len(present)), len(groups[date])))
            continue
        if not present:
            continue
        numbers = [_as_decimal(v) for v in present]
        if binding.aggregation == "sum":
            value = sum(numbers, Decimal(0))
        elif binding.aggregation == "avg":
            value = sum(numbers, Decimal(0)) / len(numbers)
        elif binding.aggregation == "min":
            value = min(numbers)
        elif binding.aggregation == "max":
            value = max(numbers)
        else:
            value = numbers[-1]
        out.append(Observation(date, value, len(groups[date])))
    return out


def baseline(binding: IndicatorBinding, rows: Sequence[Mapping[str, Value]]) -> Observation | None:
    """The baseline a binding gives its indicator: the latest observation, when ``baseline`` is set."""
    if not binding.baseline:
        return None
    observations = evaluate_binding(binding, rows)
    return observations[-1] if observations else None


# --- comparing and showing values ----------------------------------------------------------------


def _coerce(wanted: Any, like: Value) -> Any:
    """``wanted`` (as written in the manifest) read as the type of the table's value ``like``."""
    if like is None or wanted is None:
        return wanted
    try:
        if isinstance(like, bool):
            return wanted if isinstance(wanted, bool) else str(wanted).strip().lower() == "true"
        if isinstance(like, (int, Decimal)):
            return _as_decimal(wanted)
        if isinstance(like, dt.date):
            return parse_date(wanted)
    except (ValueError, ArithmeticError):
        return wanted
    return str(wanted)


def _same(value: Value, wanted: Any) -> bool:
    if value is None:
        return wanted is None
    coerced = _coerce(wanted, value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return isinstance(coerced, Decimal) and Decimal(value) == coerced
    return bool(value == coerced)


def _matches(row: Mapping[str, Value], conditions: Mapping[str, Any]) -> bool:
    return all(_same(row.get(key), wanted) for key, wanted in conditions.items())


def _compare(value: Any, other: Any) -> int:
    """-1, 0 or 1 as ``value`` is below, equal to or above ``other`` (``other`` read as ``value``'s type)."""
    a: Any = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    b: Any = _coerce(other, value)
    try:
        return int(a > b) - int(a < b)
    except TypeError:
        return (str(a) > str(b)) - (str(a) < str(b))


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return (0, Decimal(value))
    if isinstance(value, dt.date):
        return (1, value)
    return (2, str(value))


def _as_decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip())


def _language() -> str:
    from django.apps import apps

    if not apps.ready:
        return "sl"
    from django.utils import translation

    return (translation.get_language() or "sl").split("-")[0]


def _show(value: Any, *, grouped: bool = True) -> str:
    """A value as a person reads it in the active language: numbers with the language's separators
    (Slovenian 417.300 and 10,0; English 417,300 and 10.0), as many decimals as the table prints;
    ``grouped=False`` for a year or another label (2015, not 2.015)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "—"}[value]  # as the CSV writes them; — for empty
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        sign = "-" if value < 0 else ""
        text = format(abs(Decimal(value)), "f")
        whole, _, decimals = text.partition(".")
        thousands, point = (",", ".") if _language() == "en" else (".", ",")
        groups: list[str] = []
        while grouped and len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        return sign + thousands.join(groups) + (point + decimals if decimals else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _quoted(text: str) -> str:
    """``text`` in the active language's quotation marks (»…« in Slovenian, “…” in English)."""
    return f"“{text}”" if _language() == "en" else f"»{text}«"


def _unit(dataset: Dataset | None, column: str) -> str:
    declared = dataset.column(column) if dataset else None
    return f" {declared.unit}" if declared and declared.unit else ""


def _filter_text(conditions: Mapping[str, Any]) -> str:
    if not conditions:
        return gettext("the whole table")
    return ", ".join(_show(value, grouped=False) for value in conditions.values())
