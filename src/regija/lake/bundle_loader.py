"""Loads the source documents' statistics (``data/datasets/datasets.yaml``, see docs/data.md) into the
catalogue: a published dataset per table (found again by its ``auto`` key ``bundle:<slug>``), a version
from its CSV file (none when the file is unchanged), the column dictionary from the manifest, the claims
the document's text makes about the table (``DatasetClaim``, checked by ``regija check``) and the
indicators the table feeds (``IndicatorSource``, recomputed with each new version).

Loading again is idempotent: what did not change is not written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from regija.core.models import Organisation
from regija.strategies.models import Indicator

from . import bundled, services
from .models import Dataset, Status
from .vocabularies import AccessRights, Frequency, Licence

log = logging.getLogger(__name__)

KEY_PREFIX = "bundle:"
# the data is CSV as the manifest describes it; DCAT-AP names the standard the files follow
CSV_STANDARD = "https://www.rfc-editor.org/rfc/rfc4180"


@dataclasses.dataclass
class Loaded:
    datasets: list[str] = dataclasses.field(default_factory=list)
    new_versions: list[str] = dataclasses.field(default_factory=list)
    indicators: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)  # why a dataset or binding was left out


def _provenance(entry: bundled.Dataset) -> str:
    src = entry.source
    parts = [f"Dokument {src.document}: {src.title}, poglavje {src.section}"]
    if src.table:
        parts.append(src.table)
    text = "; ".join(parts) + "."
    if src.original_source:
        text += f" Vir, ki ga navaja dokument: {src.original_source}."
    text += (
        " Vrednosti so prepisane, kot jih dokument natisne, in niso popravljene; kjer besedilo dokumenta"
        " trdi kaj o svoji tabeli, je trditev zapisana in jo preveri `regija check`."
    )
    return text


def _metadata(entry: bundled.Dataset) -> dict[str, Any]:
    temporal: tuple[dt.date | None, dt.date | None] = (None, None)
    if entry.temporal is not None:
        temporal = (entry.temporal.start, entry.temporal.end)
    return {
        "slug": entry.slug,
        "title": entry.title.sl,
        "title_en": entry.title.en,
        "description": entry.description.sl,
        "description_en": entry.description.en,
        "keywords": list(entry.keywords.sl),
        "keywords_en": list(entry.keywords.en),
        "themes": list(entry.themes),
        "frequency": entry.frequency if entry.frequency in Frequency.values else Frequency.UNKNOWN,
        "licence": Licence.CC_BY_4_0,
        "access_rights": AccessRights.PUBLIC,
        "contact_name": settings.REGIJA_CONTACT_NAME,
        "contact_email": settings.REGIJA_CONTACT_EMAIL,
        "temporal_start": temporal[0],
        "temporal_end": temporal[1],
        "conformance": [CSV_STANDARD],
        "provenance": _provenance(entry),
    }


def _claim_fields(entry: bundled.Dataset, claim: Any) -> dict[str, Any]:
    """A claim of the manifest as the fields of a ``DatasetClaim`` (values as JSON has them)."""

    def plain(value: Any) -> Any:
        # a Number (a total) as its digits, so it reads back exactly; dates as ISO text
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    data = {k: plain(v) for k, v in claim.model_dump(mode="python", by_alias=True).items()}
    note = data.get("note") or {}
    return {
        "kind": data["kind"],
        "column": data.get("column") or "",
        "filters": data.get("filter") or {},
        "stated": data.get("stated"),
        "order_by": data.get("order_by") or "",
        "from_value": data.get("from"),
        "to_value": data.get("to"),
        "direction": data.get("direction") or "",
        "quote": data["quote"],
        "where": data["where"][:300],
        "table": entry.source.table.split(":", 1)[0].strip() if entry.source.table else "",
        "note": note.get("sl", ""),
        "note_en": note.get("en", ""),
    }


def load_bundle(path: str | Path | None = None) -> Loaded:
    """Load (or refresh) every dataset of the manifest at ``path`` (default ``REGIJA_BUNDLE``). Raises
    ``core.files.InvalidFile`` when the manifest or a CSV file is wrong, before anything is written."""
    path = Path(path or settings.REGIJA_BUNDLE)
    manifest = bundled.read_manifest(path)
    folder = path.parent
    for entry in manifest.datasets:
        bundled.read_rows(folder, entry)  # every file is checked before the first write
    result = Loaded()
    orgs = {o.slug: o for o in Organisation.objects.all()}
    for entry in manifest.datasets:
        publisher = orgs.get(manifest.publisher_of(entry))
        if publisher is None:
            result.skipped.append(f"{entry.slug}: no organisation {manifest.publisher_of(entry)}")
            continue
        dataset = _dataset(entry, publisher)
        places = [orgs[s] for s in entry.spatial if s in orgs]  # "Slovenija" is no organisation here
        if set(dataset.spatial.values_list("pk", flat=True)) != {p.pk for p in places}:
            services.dataset_set_spatial(None, dataset, places, via="worker")
        types = {c.name: c.type for c in entry.columns}
        version = services.add_version(
            dataset, folder / entry.file, name=entry.file, origin="bundle", format="csv", types=types
        )
        if version is not None:
            result.new_versions.append(entry.slug)
        described = {c.name: c for c in dataset.columns.all()}
        changes = [
            {
                "name": c.name,
                "title": c.description.sl,
                "description": c.description.sl,
                "description_en": c.description.en,
                "unit": c.unit or "",
            }
            for c in entry.columns
            if c.name in described
            and (
                described[c.name].description,
                described[c.name].description_en,
                described[c.name].unit,
                described[c.name].title,
            )
            != (c.description.sl, c.description.en, c.unit or "", c.description.sl)
        ]
        if changes:
            services.columns_update(None, dataset, changes, via="worker")
        services.claims_set(dataset, [_claim_fields(entry, c) for c in entry.claims])
        result.datasets.append(entry.slug)
        for binding in entry.indicators:
            indicator = (
                Indicator.objects.select_related("strategy")
                .filter(strategy__slug=binding.strategy, code=binding.indicator)
                .first()
            )
            if indicator is None:
                result.skipped.append(f"{entry.slug}: no indicator {binding.strategy} {binding.indicator}")
                continue
            source = services.indicator_source_set(
                indicator,
                dataset,
                value_column=binding.value_column,
                date_column=binding.date_column,
                filters={
                    k: v.isoformat() if isinstance(v, dt.date) else v for k, v in binding.filter.items()
                },
                aggregation=binding.aggregation,
                sets_baseline=binding.baseline,
                why=binding.why.sl,
            )
            if source.computed_from_id != dataset.current_id:
                services.recompute_indicator(source)  # a new binding, or data it has not seen
            result.indicators.append(f"{binding.strategy} {binding.indicator}")
    return result


def _dataset(entry: bundled.Dataset, publisher: Organisation) -> Dataset:
    key = KEY_PREFIX + entry.slug
    data = _metadata(entry)
    dataset = Dataset.objects.filter(auto=key).first()
    if dataset is None:
        return services.dataset_create(
            None, publisher=publisher, data={**data, "auto": key, "status": Status.PUBLISHED}, via="worker"
        )
    changes = {k: v for k, v in data.items() if getattr(dataset, k) != v}
    if changes:
        dataset = services.dataset_update(None, dataset, changes, via="worker")
    return dataset
