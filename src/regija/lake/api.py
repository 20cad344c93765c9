"""The open-data API under /api/v1/: datasets (filtered and paged), one dataset with its columns,
distributions and current version, its versions, and its rows (filtered, sorted, paged by the lake's
query engine). The CKAN-compatible API (``/api/3/action/``) serves harvesters the same datasets."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from regija.api.errors import READ_RESPONSES, invalid, not_found
from regija.api.pagination import PageParams, paginate

from . import query, selectors
from .models import Dataset, Version
from .schemas import DatasetDetail, DatasetFilters, DatasetPage, RowsOut, RowsParams, VersionPage
from .vocabularies import LICENCE_URLS

router = Router(tags=["open data"])


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _item(request: HttpRequest, d: Dataset) -> dict[str, Any]:
    return {
        "slug": d.slug,
        "id": str(d.uuid),
        "title": d.title,
        "title_en": d.title_en,
        "description": d.description,
        "publisher": {"slug": d.publisher.slug, "name": d.publisher.name},
        "themes": list(d.themes),
        "keywords": list(d.keywords),
        "licence": d.licence,
        "kind": d.kind,
        "status": d.status,
        "modified": d.modified,
        "url": _absolute(request, reverse("api:dataset", args=[d.slug])),
        "web_url": _absolute(request, d.get_absolute_url()),
    }


def _version(request: HttpRequest, v: Version, slug: str) -> dict[str, Any]:
    return {
        "number": v.number,
        "created_at": v.created_at,
        "origin": v.origin,
        "rows": v.rows,
        "source_name": v.source_name,
        "source_format": v.source_format,
        "source_sha256": v.source_sha256,
        "parquet_bytes": v.parquet_bytes,
        "columns": [{"name": str(c["name"]), "type": str(c["type"])} for c in v.columns],
        "csv_url": _absolute(request, reverse("lake:download", args=[slug, v.number, "csv"])),
        "parquet_url": _absolute(request, reverse("lake:download", args=[slug, v.number, "parquet"])),
    }


def _dataset(request: HttpRequest, slug: str) -> Dataset:
    try:
        return selectors.dataset_for(request.user, slug)
    except Dataset.DoesNotExist:
        raise not_found("dataset", slug) from None


@router.get("/datasets", response={200: DatasetPage, **READ_RESPONSES}, url_name="datasets")
def list_datasets(
    request: HttpRequest, filters: Query[DatasetFilters], pages: Query[PageParams]
) -> dict[str, Any]:
    """The datasets one may read, last modified first: published ones for everyone, drafts and private ones
    for the publisher's members. ``q`` matches Slovenian word forms (občina, občine, obcina)."""
    chosen: dict[str, list[str]] = {}
    if filters.publisher:
        chosen["publisher"] = [filters.publisher]
    if filters.theme:
        chosen["theme"] = [str(filters.theme)]
    found = selectors.catalogue(request.user, filters.q or "", chosen, language="en")
    return paginate(request, found.datasets, pages, lambda page: [_item(request, d) for d in page])


@router.get("/datasets/{slug}", response={200: DatasetDetail, **READ_RESPONSES}, url_name="dataset")
def get_dataset(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A dataset's DCAT-AP metadata, its data dictionary, its distributions and its current version."""
    d = _dataset(request, slug)
    member = bool(request.user.is_authenticated) and selectors.is_member(request.user, d)
    out = _item(request, d)
    out.update(
        description_en=d.description_en,
        keywords_en=list(d.keywords_en),
        frequency=d.frequency,
        licence_url=LICENCE_URLS.get(d.licence, ""),
        access_rights=d.access_rights,
        contact_name=d.contact_name,
        contact_email=d.contact_email,
        spatial=[{"slug": o.slug, "name": o.name} for o in d.spatial.all()],
        temporal_start=d.temporal_start,
        temporal_end=d.temporal_end,
        conformance=list(d.conformance),
        landing_page=d.landing_page,
        provenance=d.provenance,
        source_url=d.source_url,
        documentation_url=d.documentation_url,
        refresh=d.refresh,
        next_refresh_at=d.next_refresh_at,
        health=d.health,
        problem=d.problem if member else "",
        issued=d.issued,
        columns=[
            {
                "name": c.name,
                "type": c.type,
                "title": c.title,
                "description": c.description,
                "description_en": c.description_en,
                "unit": c.unit,
            }
            for c in d.columns.all()
        ],
        distributions=[
            {
                "id": str(x.uuid),
                "format": x.format,
                "url": x.access_url
                or _absolute(request, reverse("lake:download", args=[d.slug, x.format.lower()])),
                "in_lake": x.in_lake,
            }
            for x in d.distributions.all()
        ],
        current_version=_version(request, d.current, d.slug) if d.current else None,
    )
    return out


@router.get(
    "/datasets/{slug}/versions", response={200: VersionPage, **READ_RESPONSES}, url_name="dataset_versions"
)
def list_versions(request: HttpRequest, slug: str, pages: Query[PageParams]) -> dict[str, Any]:
    """Every version of a copied dataset, newest first; each is kept for ever and stays downloadable."""
    d = _dataset(request, slug)
    return paginate(
        request, selectors.versions(d), pages, lambda page: [_version(request, v, d.slug) for v in page]
    )


def _sort(text: str) -> str:
    parts = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            name = part.removeprefix("-")
            parts.append(f"{query.quote_identifier(name)} {'desc' if part.startswith('-') else 'asc'}")
    return ", ".join(parts)


@router.get("/datasets/{slug}/rows", response={200: RowsOut, **READ_RESPONSES}, url_name="dataset_rows")
def list_rows(request: HttpRequest, slug: str, params: Query[RowsParams]) -> dict[str, Any]:
    """Rows of a dataset's current version (or of ``version``): filtered as CKAN's datastore_search filters
    them, searched, sorted and paged. ``_id`` is the row's number in the file."""
    d = _dataset(request, slug)
    version = d.current if params.version is None else d.versions.filter(number=params.version).first()
    if version is None:
        raise not_found("version", str(params.version or ""))
    filters: Any = None
    if params.filters:
        try:
            filters = json.loads(params.filters)
        except ValueError:
            invalid(["query", "filters"], "filters must be a JSON object")
        if not isinstance(filters, dict | list):
            invalid(["query", "filters"], "filters must be a JSON object")
    fields = [f.strip() for f in params.fields.split(",") if f.strip()] if params.fields else None
    try:
        result = query.datastore_search(
            selectors.table_of(version),
            filters=filters,
            q=params.q or None,
            fields=fields,
            sort=_sort(params.sort) if params.sort else None,
            limit=params.limit,
            offset=params.offset,
            records_format="objects",
            timeout=settings.REGIJA_LAKE_QUERY_TIMEOUT,
        )
    except query.QueryError as exc:
        field = (exc.field or "query").split(".")[0]
        invalid(["query", field if field in RowsParams.model_fields else "filters"], exc.message)
    records = result.records if isinstance(result.records, list) else []
    return {
        "version": version.number,
        "fields": result.fields,
        "records": [r for r in records if isinstance(r, dict)],
        "total": result.total or 0,
        "limit": params.limit,
        "offset": params.offset,
    }
