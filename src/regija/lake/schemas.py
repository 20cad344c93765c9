"""The schemas of the open-data API (``/api/v1/datasets``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.schemas import OrgRef

from .models import ColumnType, Health, Kind, Status
from .vocabularies import FileType, Theme


class DatasetFilters(Schema):
    publisher: str | None = Field(None, max_length=100, description="Slug of the publishing organisation")
    theme: Theme | None = Field(None, description="EU data theme code (data-theme), e.g. ENVI")
    q: str | None = Field(
        None, max_length=200, description="Words in the title, description, keywords, columns or publisher"
    )


class VersionOut(Schema):
    number: int
    created_at: dt.datetime
    origin: str = Field(description="upload, fetch, regija, bundle or retype")
    rows: int
    source_name: str
    source_format: str
    source_sha256: str
    parquet_bytes: int
    columns: list[dict[str, str]] = Field(description='[{"name": …, "type": …}] as read')
    csv_url: str
    parquet_url: str


class ColumnOut(Schema):
    name: str
    type: ColumnType
    title: str
    description: str
    description_en: str
    unit: str


class DistributionOut(Schema):
    id: str = Field(description="The resource id of the CKAN API")
    format: FileType
    url: str = Field(description="A download of the current version, or the source's address for a link")
    in_lake: bool


class DatasetItem(Schema):
    slug: str
    id: str = Field(description="The dataset's identifier (UUID), the same in the CKAN API and DCAT-AP")
    title: str
    title_en: str
    description: str
    publisher: OrgRef
    themes: list[str]
    keywords: list[str]
    licence: str
    kind: Kind
    status: Status
    modified: dt.datetime
    url: str
    web_url: str


class DatasetDetail(DatasetItem):
    description_en: str
    keywords_en: list[str]
    frequency: str
    licence_url: str
    access_rights: str
    contact_name: str
    contact_email: str
    spatial: list[OrgRef]
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    conformance: list[str]
    landing_page: str
    provenance: str
    source_url: str
    documentation_url: str
    refresh: str
    next_refresh_at: dt.datetime | None
    health: Health
    problem: str = Field(description="Why the last refresh failed (only to the publisher's members)")
    issued: dt.datetime | None
    columns: list[ColumnOut]
    distributions: list[DistributionOut]
    current_version: VersionOut | None


class RowsParams(Schema):
    filters: str | None = Field(
        None,
        max_length=5000,
        description='CKAN datastore_search filters as JSON: {"column": value | [values] | {"gte": …}}',
    )
    q: str | None = Field(None, max_length=500, description="Words in any text column")
    sort: str | None = Field(
        None, max_length=500, description="Columns separated by commas, '-' before a column for descending"
    )
    fields: str | None = Field(None, max_length=5000, description="Columns to answer, separated by commas")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=100_000_000)
    version: int | None = Field(None, ge=1, description="A version's number; the current one if not given")


class RowsOut(Schema):
    version: int
    fields: list[dict[str, str]] = Field(description='[{"id": column, "type": CKAN type}]')
    records: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


DatasetPage = Page[DatasetItem]
VersionPage = Page[VersionOut]
