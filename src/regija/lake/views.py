"""The open-data catalogue on the site: the list of datasets with search and facets, a dataset's page
(metadata, data dictionary, versions, a preview of its rows, a chart, a map, API examples) and the
downloads of its data."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from regija.core import spreadsheet
from regija.core.permissions import can

from . import charts, downloads, quality, selectors
from .models import Dataset, Health, Kind, Version
from .vocabularies import LICENCE_URLS, FileType, Theme

PAGE_SIZE = 20
CHART_KEPT = 24 * 3600
FORMATS = {"csv": FileType.CSV, "parquet": FileType.PARQUET, "geojson": FileType.GEOJSON}


def _facet_titles() -> dict[str, str]:
    return {
        "publisher": _("Publisher"),
        "theme": _("Theme"),
        "format": _("Format"),
        "licence": _("Licence"),
        "keyword": _("Keyword"),
    }


def catalogue(request):
    q = request.GET.get("q", "")[:200]
    selected = {key: request.GET.getlist(key)[:50] for key in selectors.FACETS}
    found = selectors.catalogue(request.user, q, selected, language=request.LANGUAGE_CODE)
    page = Paginator(found.datasets, PAGE_SIZE).get_page(request.GET.get("page"))
    titles = _facet_titles()
    chosen = any(selected.values()) or bool(q)
    return render(
        request,
        "lake/catalogue.html",
        {
            "q": q,
            "page": page,
            "facets": [(f, titles[f.key]) for f in found.facets if f.options],
            "formats": found.formats,
            "chosen": chosen,
            "nav": "open_data",
        },
    )


def _dataset(request, slug: str) -> Dataset:
    try:
        return selectors.dataset_for(request.user, slug)
    except Dataset.DoesNotExist:
        raise Http404 from None


def quality_of(dataset: Dataset) -> quality.Score:
    """The dataset's metadata quality score (MQA, ``lake.quality``), for its editors."""
    return quality.score(dataset)


def _filters(request, version: Version | None) -> dict[str, str]:
    if version is None:
        return {}
    names = {c["name"] for c in version.columns}
    found = {}
    for key, value in request.GET.items():
        if key.startswith("f_") and value != "" and (key[2:] in names or key[2:] == "_id"):
            found[key[2:]] = value[:500]
    return found


def _examples(request, dataset: Dataset, resource: str | None) -> dict[str, str]:
    site = request.build_absolute_uri("/").rstrip("/")
    parquet = site + reverse("lake:download", args=[dataset.slug, "parquet"])
    csv = site + reverse("lake:download", args=[dataset.slug, "csv"])
    examples = {
        "package_show": f"curl '{site}/api/3/action/package_show?id={dataset.slug}'",
        "rest": f"curl '{site}/api/v1/datasets/{dataset.slug}/rows?limit=5'",
    }
    if resource:
        examples["datastore_search"] = (
            f"curl '{site}/api/3/action/datastore_search?resource_id={resource}&limit=5'"
        )
        examples["duckdb"] = parquet  # the template writes the SELECT around the address
        examples["python"] = f'import pandas as pd\n\ndata = pd.read_csv("{csv}")\nprint(data.head())'
    return examples


class _Rows:
    """The preview's rows for Django's paginator: the total is known, a page is fetched when sliced."""

    def __init__(self, preview: selectors.Preview):
        self.preview = preview

    def count(self) -> int:
        return self.preview.total

    def __len__(self) -> int:
        return self.preview.total

    def __getitem__(self, key):
        return self.preview.rows


def dataset_detail(request, slug: str):
    dataset = _dataset(request, slug)
    version = dataset.current
    can_edit = request.user.is_authenticated and can(request.user, "change", dataset)
    context: dict[str, Any] = {
        "dataset": dataset,
        "can_edit": can_edit,
        "versions": list(selectors.versions(dataset)[:50]),
        "columns": list(dataset.columns.all()),
        "distributions": list(dataset.distributions.all()),
        "spatial": list(dataset.spatial.all()),
        "themes": [(t, Theme(t).label) for t in dataset.themes if t in Theme.values],
        "licence_url": LICENCE_URLS.get(dataset.licence, ""),
        "failed": dataset.health == Health.FAILED,
        "is_link": dataset.kind == Kind.LINK,
        "nav": "open_data",
        "quality": quality_of(dataset) if can_edit else None,
    }
    resource = next((str(d.uuid) for d in context["distributions"] if d.in_lake), None)
    context["examples"] = _examples(request, dataset, resource)
    if version is not None:
        filters = _filters(request, version)
        sort = request.GET.get("sort", "")[:200]
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        offset = (number - 1) * selectors.PREVIEW_ROWS
        preview = selectors.preview(version, filters=filters, sort=sort, offset=min(offset, 10_000_000))
        if preview.error is None and preview.total and offset >= preview.total:
            last = (preview.total - 1) // selectors.PREVIEW_ROWS
            preview = selectors.preview(
                version, filters=filters, sort=sort, offset=last * selectors.PREVIEW_ROWS
            )
            number = last + 1
        paginator = Paginator(_Rows(preview), selectors.PREVIEW_ROWS)
        page = paginator.page(min(number, paginator.num_pages))
        series, chart = _chart(version, request.GET.get("graf") or "", request.LANGUAGE_CODE)
        points = selectors.points(version, filters)
        here = reverse("lake:dataset", args=[dataset.slug])
        context |= {
            "version": version,
            "preview": preview,
            "page": page,
            "filters": filters,
            "sort": sort,
            "headers": [
                {
                    "name": name,
                    "sort": "-" + name if sort == name else name,
                    "aria": "ascending" if sort == name else "descending" if sort == "-" + name else "",
                }
                for name in preview.columns
            ],
            "series": series,
            "chart": chart,
            "located": [
                {
                    "lat": p.lat,
                    "lon": p.lon,
                    "code": f"#{p.row}",
                    "title": p.title,
                    "url": f"{here}?f__id={p.row}#preview",
                }
                for p in points
            ],
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_ATTRIBUTION,
            "has_geometry": any(c["type"] == "geometry" for c in version.columns),
        }
    return render(request, "lake/dataset.html", context)


def _chart(version: Version, value: str, language: str):
    """The series and its drawing, kept for a day per version, column and language: a version never
    changes, and drawing the SVG takes most of the page's time (about 0.4 s)."""
    what = f"{version.pk}:{version.key}:{version.source_sha256}:{value}"
    key = f"lake-chart:{hashlib.sha256(what.encode()).hexdigest()[:32]}:{language}"
    kept = cache.get(key)
    if kept is None:
        series = selectors.series(version, value or None)
        kept = (series, charts.chart(series, language) if series else None)
        cache.set(key, kept, CHART_KEPT)
    return kept


def download(request, slug: str, format: str, number: int | None = None):
    """A version's data (the current one without a number) as CSV, Parquet or GeoJSON, streamed."""
    dataset = _dataset(request, slug)
    fmt = FORMATS.get(format.lower())
    if fmt is None or dataset.kind != Kind.COPY:
        raise Http404
    if number is None:
        version = dataset.current
    else:
        version = dataset.versions.filter(number=number).first()
    if version is None:
        raise Http404
    name = f"{dataset.slug}-v{version.number}"
    if fmt == FileType.PARQUET:
        response = StreamingHttpResponse(
            downloads.parquet_chunks(version.key), content_type="application/vnd.apache.parquet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.parquet"'
        if version.parquet_bytes:
            response["Content-Length"] = str(version.parquet_bytes)
        return response
    path = selectors.version_file(version)
    if fmt == FileType.CSV:
        dialect = spreadsheet.DIALECTS.get(request.GET.get("dialect", ""), spreadsheet.PLAIN_CSV)
        response = StreamingHttpResponse(
            downloads.csv_chunks(path, dialect), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    geometry = next((c["name"] for c in version.columns if c["type"] == "geometry"), None)
    if geometry is None:
        raise Http404
    response = StreamingHttpResponse(
        downloads.geojson_chunks(path, geometry), content_type="application/geo+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
    return response
