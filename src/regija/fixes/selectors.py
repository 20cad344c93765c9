"""Every read of issue reports: categories, the public list with its filters, nearby open reports of a
category ("is it one of these?"), the map's clusters for a viewport, the average time to fix per
category, and the reads of the Open311 API. Public reads show only public rows and public fields:
the reporter's name and contact never leave the staff pages."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
)

from regija.core import caching
from regija.core.models import Organisation
from regija.core.permissions import editable, visible

from .models import CLOSED, OPEN, Report, Service, Status, Update

if TYPE_CHECKING:
    from regija.core.permissions import Actor

NEARBY_METRES = 250
NEARBY_MAX = 5
GRID = 24  # the map's clusters: at most GRID × GRID cells over the viewport


def services() -> QuerySet[Service]:
    return Service.objects.filter(active=True).select_related("organisation")


def service(code: str) -> Service | None:
    return services().filter(code=code).first()


def public_reports() -> QuerySet[Report]:
    return Report.objects.filter(confirmed_at__isnull=False, hidden_at__isnull=True)


def report_for(user: Actor, pk: int) -> Report | None:
    """A report the person may read (public, or theirs, or their organisation's)."""
    qs = visible(user, Report.objects.all()).select_related(
        "service", "organisation", "assignee", "project__strategy", "proposal", "duplicate_of"
    )
    return qs.filter(pk=pk).first()


def sees_private(user: Actor, report: Report) -> bool:
    """Whether the person reads the reporter's name and contact: the owning or assigned organisation's
    staff."""
    if not user.is_authenticated:
        return False
    from regija.core.permissions import can

    from .services import may_handle

    return can(user, "change", report) or may_handle(user, report)


@dataclass(frozen=True)
class Filters:
    service: str = ""
    status: str = ""  # a Status, or "open" / "closed"
    area: str = ""  # an organisation's slug
    since: dt.date | None = None
    until: dt.date | None = None


def filtered(f: Filters, qs: QuerySet[Report] | None = None) -> QuerySet[Report]:
    qs = public_reports() if qs is None else qs
    if f.service:
        qs = qs.filter(service__code=f.service)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN)
    elif f.status == "closed":
        qs = qs.filter(status__in=CLOSED)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.area:
        qs = qs.filter(organisation__slug=f.area)
    if f.since:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__date__lte=f.until)
    return qs


def report_list(f: Filters) -> QuerySet[Report]:
    return (
        filtered(f)
        .select_related("service", "organisation")
        .only(
            "id",
            "status",
            "address",
            "description",
            "created_at",
            "lat",
            "lon",
            "supports",
            "service__name",
            "service__code",
            "organisation__name",
            "organisation__slug",
        )
    )


def areas() -> QuerySet[Organisation]:
    return Organisation.objects.filter(services__active=True).distinct().order_by("name")


def nearby(service_code: str, lat: float, lon: float, *, metres: int = NEARBY_METRES) -> list[Report]:
    """Open public reports of the category within ``metres`` of the point, nearest first."""
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    rows = list(
        public_reports()
        .filter(
            service__code=service_code,
            status__in=OPEN,
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .select_related("service")[:200]
    )

    def distance(r: Report) -> float:
        if r.lat is None or r.lon is None:
            return math.inf
        x = (r.lon - lon) * 111_320 * math.cos(math.radians(lat))
        y = (r.lat - lat) * 111_320
        return math.hypot(x, y)

    close = [r for r in rows if distance(r) <= metres]
    return sorted(close, key=distance)[:NEARBY_MAX]


class Cell(Func):
    """The whole part of a non-negative number: FLOOR in SQL; on SQLite a CAST, which truncates the same
    for such numbers and is native (Django's FLOOR there is a Python function, called per row)."""

    function = "FLOOR"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)", **extra)


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float


def snapped(box: Box) -> Box:
    """The viewport widened to a grid of its own scale: the sides on multiples of a power-of-two step
    (1/4 of the larger side, or more), so that viewports a little apart – a map panned or two
    visitors in the same place – ask for the same box, whose clusters are kept (``map_clusters``)."""
    span = max(box.north - box.south, box.east - box.west, 1e-6)
    step = 2.0 ** math.ceil(math.log2(span / 4))
    return Box(
        math.floor(box.south / step) * step,
        math.floor(box.west / step) * step,
        math.ceil(box.north / step) * step,
        math.ceil(box.east / step) * step,
    )


def map_clusters(box: Box, f: Filters, grid: int = GRID) -> dict[str, Any]:
    """The clusters of the snapped viewport, counted once per data version and shared by every visitor
    (``core.caching.kept``): ``{"bbox": [south, west, north, east], "clusters": […]}``."""
    wide = snapped(box)

    def compute() -> dict[str, Any]:
        return {
            "bbox": [wide.south, wide.west, wide.north, wide.east],
            "clusters": clusters(wide, f, grid),
        }

    return caching.kept("fixes.clusters", (wide, f, grid), compute)


def clusters(box: Box, f: Filters, grid: int = GRID) -> list[dict[str, Any]]:
    """The public reports in the viewport as at most ``grid`` × ``grid`` clusters, counted in SQL (one
    GROUP BY over the position index's range): each its count, the mean position of its reports and,
    for a cluster of one, the report's number."""
    height = max(box.north - box.south, 1e-9) / grid
    width = max(box.east - box.west, 1e-9) / grid
    qs = filtered(f).filter(lat__range=(box.south, box.north), lon__range=(box.west, box.east))
    rows = (
        qs.annotate(
            cy=Cell((F("lat") - box.south) / height),
            cx=Cell((F("lon") - box.west) / width),
        )
        .values("cy", "cx")
        .annotate(n=Count("id"), lat=Avg("lat"), lon=Avg("lon"), first=Min("id"))
        .order_by()
    )
    return [
        {
            "count": r["n"],
            "lat": round(r["lat"], 6),
            "lon": round(r["lon"], 6),
            **({"id": r["first"]} if r["n"] == 1 else {}),
        }
        for r in rows
    ]


def time_to_fix(area: str = "") -> list[dict[str, Any]]:
    """Per category (of an area, or of all), the fixed reports' count and average days from the report
    to the fix – one GROUP BY, kept until a report changes."""
    return caching.kept("fixes.time_to_fix", area, lambda: _time_to_fix(area))


def _time_to_fix(area: str) -> list[dict[str, Any]]:
    qs = public_reports().filter(status=Status.FIXED, closed_at__isnull=False)
    if area:
        qs = qs.filter(organisation__slug=area)
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = (
        qs.values("service__name", "service__code")
        .annotate(n=Count("id"), took=Avg(duration))
        .order_by("service__name")
    )
    out = []
    for r in rows:
        took = r["took"]
        days = took.total_seconds() / 86400 if isinstance(took, dt.timedelta) else float(took or 0) / 86400e6
        out.append({"service": r["service__name"], "code": r["service__code"], "count": r["n"], "days": days})
    return out


def staff_reports(user: Actor, f: Filters) -> QuerySet[Report]:
    """Reports the person handles: their organisations' and those assigned to them (all statuses,
    unconfirmed and hidden ones too)."""
    if user.is_superuser:
        qs = Report.objects.all()
    else:
        mine = editable(user, Report.objects.all()).values("pk")
        from regija.core.permissions import org_ids_with

        assigned = org_ids_with(user, "editor") or set()
        qs = Report.objects.filter(Q(pk__in=mine) | Q(assignee_id__in=assigned))
    return filtered(f, qs).select_related("service", "organisation", "assignee")


# ------------------------------------------------------------------------------------------------ Open311


def open311_requests(
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: list[str] | None = None,
    jurisdiction: str = "",
    limit: int = 1000,
) -> list[tuple[Report, int | None]]:
    """Public reports as Open311 answers them, each with its first photo's id (one query more)."""
    qs = public_reports().select_related("service", "organisation", "assignee")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if service_codes:
        qs = qs.filter(service__code__in=service_codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if statuses:
        wanted: list[str] = []
        for s in statuses:
            wanted += list(OPEN) if s == "open" else list(CLOSED) if s == "closed" else []
        qs = qs.filter(status__in=wanted)
    if jurisdiction:
        qs = qs.filter(organisation__slug=jurisdiction)
    rows = list(qs.order_by("-created_at", "-id")[:limit])
    first_photo = dict(
        Report.objects.filter(pk__in=[r.pk for r in rows], photos__isnull=False)
        .values_list("pk")
        .annotate(photo=Min("photos__id"))
        .values_list("pk", "photo")
    )
    return [(r, first_photo.get(r.pk)) for r in rows]


def open311_updates(
    start: dt.datetime | None, end: dt.datetime | None, jurisdiction: str = "", limit: int = 1000
) -> list[Update]:
    qs = Update.objects.filter(report__confirmed_at__isnull=False, report__hidden_at__isnull=True)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if jurisdiction:
        qs = qs.filter(report__organisation__slug=jurisdiction)
    return list(qs.select_related("report").order_by("created_at", "id")[:limit])


def last_change() -> dt.datetime | None:
    value = Report.objects.aggregate(m=Max("updated_at"))["m"]
    return value if isinstance(value, dt.datetime) else None


def assignees() -> QuerySet[Organisation]:
    """Organisations a report may be assigned to: any but a natural person (never named in public)."""
    return Organisation.objects.exclude(kind="person").order_by("name").only("id", "name")


def fixing_project(user: Actor, ref: str) -> Any:
    """The project a report links to, by ``strategy-slug:code`` as its page's address names it; None
    when the person may not read it or it does not exist."""
    from regija.projects.models import Project

    slug, _sep, code = ref.strip().partition(":")
    return visible(user, Project.objects.all()).filter(strategy__slug=slug, code=code).first()


def fixing_proposal(user: Actor, ref: str) -> Any:
    """The proposal (pobuda) a report links to, by its number."""
    from regija.participation.models import Proposal

    if not ref.strip().isdigit():
        return None
    return visible(user, Proposal.objects.all()).filter(pk=int(ref)).first()
