"""Datasets for the DCAT-AP and metadata-quality tests, made through the services as an editor would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from regija.core.models import Organisation
from regija.lake import services
from regija.lake.models import Dataset

SHAPES = Path(__file__).parent / "shapes" / "dcat-ap-3.ttl"

FULL = {
    "title": "Kakovost zraka",
    "title_en": "Air quality",
    "description": "Dnevne koncentracije delcev PM10 na merilnih postajah v Šaleški dolini.",
    "description_en": "Daily PM10 concentrations at the measuring stations of the Šalek Valley.",
    "keywords": ["zrak", "PM10"],
    "keywords_en": ["air", "PM10"],
    "themes": ["ENVI", "HEAL"],
    "frequency": "DAILY",
    "contact_name": "Urad za okolje",
    "contact_email": "okolje@velenje.si",
    "temporal_start": dt.date(2023, 1, 1),
    "temporal_end": dt.date(2024, 12, 31),
    "conformance": ["https://www.w3.org/TR/tabular-data-primer/"],
    "provenance": "Meritve samodejnih merilnih postaj, preverjene enkrat na mesec.",
}


def copy_dataset(
    editor, publisher: Organisation, tmp_path: Path, slug: str = "kakovost-zraka", **data
) -> Dataset:
    """A copy with one uploaded version (CSV and Parquet downloads), published."""
    fields = {"slug": slug, **FULL, **data}
    dataset = services.dataset_create(editor, publisher=publisher, data=fields, via="web")
    path = tmp_path / f"{slug}.csv"
    path.write_text("postaja,datum,pm10\nVelenje,2024-01-01,21\nŠoštanj,2024-01-01,30\n", encoding="utf-8")
    services.upload(editor, dataset, path, name="zrak.csv", via="web")
    services.dataset_set_spatial(editor, dataset, [publisher], via="web")
    return services.dataset_publish(editor, dataset, via="web")


def link_dataset(editor, publisher: Organisation, slug: str, publish: bool = True, **data) -> Dataset:
    """A link to a source API (no copy in the lake), published unless asked otherwise."""
    fields = {
        "slug": slug,
        "title": f"Povezava {slug}",
        "description": "Podatki pri viru.",
        "kind": "link",
        "source_url": "https://podatki.example.si/api/meritve",
        "source_format": "JSON",
        **data,
    }
    dataset = services.dataset_create(editor, publisher=publisher, data=fields, via="web")
    return services.dataset_publish(editor, dataset, via="web") if publish else dataset
