"""Request and answer schemas of the events API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from regija.api.pagination import Page
from regija.api.types import OptionalIsoDate

from .models import Category, EventStatus


class EventFilters(Schema):
    organisation: str | None = Field(None, max_length=100, description="Slug of one organisation")
    category: Category | None = Field(None, description="One category")
    # YYYY-MM-DD only (api.types): pydantic alone would read "0" as 1 January 1970
    start: OptionalIsoDate = Field(
        None, alias="from", description="Events that take place on or after this day"
    )
    end: OptionalIsoDate = Field(None, alias="to", description="Events that take place on or before this day")


class OrganisationRef(Schema):
    slug: str
    name: str


class Place(Schema):
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


class EventItem(Schema):
    id: int
    title: str
    title_en: str
    category: Category
    organisation: OrganisationRef
    starts_at: dt.datetime = Field(description="In Ljubljana time, with its offset")
    ends_at: dt.datetime = Field(description="For an all-day event the local midnight after its last day")
    all_day: bool
    first_day: dt.date
    last_day: dt.date
    status: EventStatus
    place: Place
    online_url: str
    registration: bool = Field(description="People register for it (POST …/registration)")
    capacity: int | None
    sequence: int = Field(description="The revision, as iCalendar's SEQUENCE")
    automatic: bool = Field(description="Made from another object (a session, a call); changed there")
    source_url: str | None = Field(description="The page of the object it is made from")
    url: str = Field(description="The event's page")
    ics: str = Field(description="The event as iCalendar")


class EventDetail(EventItem):
    description: str
    description_en: str


EventPage = Page[EventItem]


class RegistrationOut(Schema):
    event: int
    registered: bool
