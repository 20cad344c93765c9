"""Request and answer schemas of the places API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from regija.api.pagination import MAX_PAGE_SIZE

from .models import PlaceCategory

MAX_NEAR = 100


class PlaceFilters(Schema):
    near: str | None = Field(
        None,
        max_length=60,
        pattern=r"^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$",
        description="A position 'latitude,longitude' (WGS84 decimal degrees) inside the territory "
        "(REGIJA_TERRITORY; Slovenia by default): the nearest places first, with their distance and "
        "direction. A position outside it is a 422",
    )
    category: PlaceCategory | None = Field(None, description="One category")
    organisation: str | None = Field(None, max_length=100, description="Slug of one organisation")
    limit: int = Field(10, ge=1, le=MAX_NEAR, description="With near: how many of the nearest")
    page: int = Field(1, ge=1, description="Without near: page number, from 1")
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE, description="Without near: items per page")


class Hours(Schema):
    text: str = Field(description="OpenStreetMap opening_hours")
    open_now: bool | None = Field(description="Open at the moment of the answer; null: unknown or not given")
    next_change: dt.datetime | None = Field(description="When it opens or closes next (Ljubljana time)")


class PlaceItem(Schema):
    id: int | None = Field(description="Regija's place; null for a live entity of the broker")
    entity_id: str = Field(description="The NGSI-LD entity (in the broker at /ngsi-ld/v1/)")
    tenant: str = Field(description="The broker's tenant (NGSILD-Tenant) of the entity; empty: the default")
    origin: str = Field(description="regija: a place Regija keeps; broker: an entity the broker holds live")
    category: PlaceCategory
    name: str
    name_en: str
    latitude: float
    longitude: float
    address: str
    hours: Hours | None
    accessibility: str
    accessibility_en: str
    phone: str
    email: str
    website: str
    photo: str
    source: str
    checked_on: dt.date | None
    illustrative: bool = Field(description="The position is illustrative, not taken from a source")
    organisation: str | None = Field(description="Slug of the organisation keeping the place")
    state: dict[str, Any] = Field(description="A live entity's present values (status, free spots …)")
    url: str | None
    distance_m: float | None = Field(description="With near: great-circle distance in metres")
    bearing_deg: float | None = Field(description="With near: initial bearing from the position, from north")
    direction: str | None = Field(description="With near: the bearing on an eight-point compass (N, NE …)")


class PlaceList(Schema):
    count: int = Field(description="Items in all pages (with near: the items given)")
    page: int
    page_size: int
    next: str | None
    previous: str | None
    near: list[float] | None = Field(description="The position asked about: [latitude, longitude]")
    items: list[PlaceItem]
