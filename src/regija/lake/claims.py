"""What the source documents' text claims about their own tables, checked against the datasets.

Each ``DatasetClaim`` is read back into the manifest's claim (``bundled.Claim``) and checked with
``bundled.check_claim`` against the rows of its dataset's current version, so ``regija check`` compares
the document's words with the figures in the lake – whatever version that is now. Registered with
``core.registry.register_consistency_check`` in ``LakeConfig.ready()``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import TypeAdapter

from regija.projects.consistency import CONTRADICTION, Finding

from . import bundled
from .models import DatasetClaim, Status, Version
from .services import version_rows
from .storage import lake

_CLAIM: TypeAdapter[Any] = TypeAdapter(bundled.Claim)


@dataclasses.dataclass(frozen=True)
class ClaimFinding(Finding):
    """A claim of a document's text that its dataset does not bear out."""

    def __str__(self) -> str:
        return f"{self.strategy}: {_quoted(self.subject)} [{self.source}]: {self.computed}"


def _quoted(text: str) -> str:
    """In the active language's quotation marks (»…« in Slovenian, “…” in English)."""
    return f"“{text}”" if (get_language() or "sl").startswith("en") else f"»{text}«"


class _Column:
    def __init__(self, name: str, unit: str, description: str, description_en: str) -> None:
        self.name = name
        self.unit = unit
        self.description = bundled.LangText(sl=description or name, en=description_en or description or name)


class _Described:
    """What the messages of ``bundled.check_claim`` need to know about a dataset: its table's name, its
    columns' descriptions and units."""

    def __init__(self, table: str, title: str, columns: dict[str, _Column]) -> None:
        self.table = table
        self.title = title
        self.columns = columns

    def table_label(self) -> str:
        return self.table or _("the dataset %(title)s") % {"title": _quoted(self.title)}

    def column(self, name: str) -> _Column | None:
        return self.columns.get(name)


def claim_of(row: DatasetClaim) -> Any:
    """The manifest's claim a stored claim stands for."""
    data: dict[str, Any] = {
        "kind": row.kind,
        "quote": row.quote,
        "where": row.where,
        "filter": row.filters or {},
    }
    if row.kind != "count":
        data["column"] = row.column
    if row.kind == "trend":
        data.update(
            {"order_by": row.order_by, "from": row.from_value, "to": row.to_value, "direction": row.direction}
        )
    else:
        data["stated"] = row.stated
    return _CLAIM.validate_python(data)


def _typed(text: str, kind: str) -> Any:
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return Decimal(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "boolean":
        return {"true": True, "false": False}[text.lower()]
    return text


def rows_as_printed(version: Version, types: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a version for comparing with a document's words: from its original CSV file when it
    has one, so a number keeps the decimals it was written with (10,0 stays 10,0 and 215.000 stays
    whole – the Parquet copy holds them as binary floating point); else from the Parquet file."""
    if version.source_key and version.source_format == "csv":
        try:
            with lake().open(version.source_key) as handle:
                lines = list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")))
            header = lines[0]
            return [
                {
                    name: _typed(cell, types.get(name, "text"))
                    for name, cell in zip(header, cells, strict=True)
                }
                for cells in lines[1:]
                if cells
            ]
        except (ValueError, KeyError, IndexError, UnicodeDecodeError, InvalidOperation):
            pass  # another dialect (a decimal comma, a semicolon …): the Parquet copy is what we have
    return version_rows(version)


def check_all(strategy: Any = None) -> list[Finding]:
    """Every claim of a published dataset that does not hold, for the report of the whole instance (a
    report of one strategy is about its stated figures: a dataset is not part of a strategy)."""
    if strategy is not None:
        return []
    claims = DatasetClaim.objects.filter(
        dataset__status=Status.PUBLISHED, dataset__current__isnull=False
    ).select_related("dataset__current")
    by_dataset: dict[int, list[DatasetClaim]] = {}
    for claim in claims.order_by("dataset__slug", "order"):
        by_dataset.setdefault(claim.dataset_id, []).append(claim)
    english = (get_language() or "sl").startswith("en")
    findings: list[Finding] = []
    for rows_of in by_dataset.values():
        dataset = rows_of[0].dataset
        version = dataset.current
        if version is None:
            continue
        rows = rows_as_printed(version, {c["name"]: c["type"] for c in version.columns})
        columns = {
            c.name: _Column(c.name, c.unit, c.description, c.description_en) for c in dataset.columns.all()
        }
        title = dataset.title_en if english and dataset.title_en else dataset.title
        for row in rows_of:
            described = _Described(row.table, title, columns)
            result = bundled.check_claim(claim_of(row), rows, described)
            if result.holds:
                continue
            findings.append(
                ClaimFinding(
                    kind=CONTRADICTION,
                    check="dataset_claim",
                    strategy=dataset.slug,
                    subject=row.quote,
                    stated="",
                    computed=result.message,
                    source=row.where,
                    object_type="dataset",
                    object_code=dataset.slug,
                )
            )
    return findings
