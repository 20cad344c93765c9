"""The strategy file as an XLSX workbook: exported, filled in by a person, read back."""

from __future__ import annotations

import json

import pytest

from regija.interchange import exporter
from regija.interchange.importer import import_files
from regija.strategies.models import Strategy

pytestmark = pytest.mark.django_db


def _all_documents() -> dict[str, dict]:
    return {s.slug: json.loads(exporter.to_json(s)) for s in Strategy.objects.order_by("slug")}


def test_xlsx_export_of_every_bundled_document_imports_into_an_empty_database_unchanged(
    tmp_path, empty_database
):
    before = _all_documents()
    assert len(before) >= 5
    paths = []
    for strategy in Strategy.objects.all():
        path = tmp_path / f"{strategy.slug}.xlsx"
        path.write_bytes(exporter.to_xlsx(strategy))
        paths.append(path)
    empty_database()

    import_files(sorted(paths))
    assert _all_documents() == before
    # and importing the same workbooks again changes nothing
    assert not any(r.changed for r in import_files(sorted(paths)))
