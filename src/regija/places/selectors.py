"""Every read of places: the list of a category, one place, the nearest places to a position with their
distance and walking direction, the places the broker holds live (chargers, car parks), and finding a
typed address or place name in what Regija holds (no geocoder outside is asked).

**Nearest.** A bounding box around the position, on the indexed latitude and longitude columns (for a
category: (category, lat_band, longitude); one range of longitude for each band of latitude the box
spans), gives the candidates; their exact great-circle distances are computed here. The box starts at
``START_M`` and widens (by the density it saw) until it holds N candidates, then once more to the N-th
one's distance, so that no nearer place can lie outside it – a few small queries whatever the number of
places (bench/places_nearest.py)."""

from __future__ import annotations

import csv
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

from regija.context import datamodels
from regija.context import selectors as context_selectors
from regija.context.geo import Box, widen
from regija.context.models import ContextEntity
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation

from . import geo
from .models import Place, PlaceCategory, band_of

START_M = 1000.0
MAX_M = 500_000.0  # farther than anything in the territory
CANDIDATE_CAP = 5000  # a box holding more is narrowed
MAX_LIMIT = 100
MAX_ROUNDS = 12
GAZETTEER = Path(__file__).parent / "data" / "gazetteer.csv"

# The categories the broker holds live: entities of these Smart Data Models, of every tenant.
LIVE_TYPES: dict[str, tuple[str, ...]] = {
    PlaceCategory.EV_CHARGING: ("EVChargingStation",),
    PlaceCategory.PARKING: ("OffStreetParking", "ParkingSpot"),
}
CATEGORY_OF_MODEL = {model: category for category, models in LIVE_TYPES.items() for model in models}


def public() -> QuerySet[Place]:
    return Place.objects.select_related("organisation")


def place(pk: int) -> Place | None:
    return public().filter(pk=pk).first()


def places(category: str = "", organisation: str = "") -> QuerySet[Place]:
    qs = public()
    if category:
        qs = qs.filter(category=category)
    if organisation:
        qs = qs.filter(organisation__slug=organisation)
    return qs.order_by("category", "name", "pk")


def counts() -> dict[str, int]:
    """Places per category (one grouped query)."""
    from django.db.models import Count

    rows = Place.objects.values_list("category").annotate(n=Count("id")).order_by()
    return {c: n for c, n in rows}


# ------------------------------------------------------------------------------------ live from the broker


@dataclass(frozen=True)
class Live:
    """An entity of the broker shown as a place."""

    entity_id: str
    tenant: str  # the organisation's slug; "" the default tenant
    category: str
    name: str
    latitude: float
    longitude: float
    state: dict[str, Any]  # what the entity says now: status, free spots …


def _model(entity: ContextEntity) -> str:
    return datamodels.model_of(entity.type) or ""


def live(entity: ContextEntity, lon: float, lat: float) -> Live:
    model = _model(entity)
    values = datamodels.key_values(entity.entity_id, model, entity.doc)
    state: dict[str, Any] = {
        k: values[k]
        for k in (
            "status",
            "availableSpotNumber",
            "totalSpotNumber",
            "availableCapacity",
            "capacity",
            "socketType",
        )
        if k in values
    }
    return Live(
        entity_id=entity.entity_id,
        tenant=entity.organisation.slug if entity.organisation_id and entity.organisation else "",
        category=CATEGORY_OF_MODEL.get(model, ""),
        name=str(values.get("name") or entity.entity_id),
        latitude=lat,
        longitude=lon,
        state=state,
    )


def _live_type_iris(category: str) -> list[str]:
    models = LIVE_TYPES.get(category) if category else tuple(CATEGORY_OF_MODEL)
    return [iri for m in models or () for iri in datamodels.type_iris(m)]


# ------------------------------------------------------------------------------------------------ nearest


@dataclass(frozen=True)
class Nearby:
    """One of the nearest: a place of Regija or a live entity of the broker, its distance and direction."""

    place: Place | None
    live: Live | None
    distance: float  # metres
    bearing: float  # degrees from north

    @property
    def name(self) -> str:
        return self.place.display_name if self.place else self.live.name if self.live else ""

    @property
    def category(self) -> str:
        return self.place.category if self.place else self.live.category if self.live else ""

    @property
    def latitude(self) -> float:
        return self.place.latitude if self.place else self.live.latitude if self.live else 0.0

    @property
    def longitude(self) -> float:
        return self.place.longitude if self.place else self.live.longitude if self.live else 0.0

    @property
    def direction(self) -> str:
        return geo.compass(self.bearing)

    @property
    def distance_text(self) -> str:
        return geo.distance_text(self.distance)


Candidate = tuple[Any, float, float]  # key, latitude, longitude


def _place_candidates(category: str) -> Callable[[Box, int], list[Candidate]]:
    def fetch(box: Box, cap: int) -> list[Candidate]:
        # the bands of latitude the box spans (each one index range of longitude), then the exact latitude
        # (places lie in the territory: the bands outside it hold none)
        area = geo.territory()
        bands = list(range(band_of(max(box.min_lat, area.south)), band_of(min(box.max_lat, area.north)) + 1))
        qs = Place.objects.filter(
            lat_band__in=bands,
            longitude__gte=box.min_lon,
            longitude__lte=box.max_lon,
            latitude__gte=box.min_lat,
            latitude__lte=box.max_lat,
        )
        if category:
            qs = qs.filter(category=category)
        return [(("p", pk), lat, lon) for pk, lat, lon in qs.values_list("pk", "latitude", "longitude")[:cap]]

    return fetch


def _live_candidates(category: str, kept: dict[str, Live]) -> Callable[[Box, int], list[Candidate]]:
    types = _live_type_iris(category)

    def fetch(box: Box, cap: int) -> list[Candidate]:
        out: list[Candidate] = []
        for entity, lon, lat in context_selectors.located(types, box, limit=cap):
            key = f"{entity.organisation_id or ''}|{entity.entity_id}"
            kept[key] = live(entity, lon, lat)
            out.append((("e", key), lat, lon))
        return out

    return fetch


Ranked = list[tuple[float, Any, float, float]]  # distance, key, latitude, longitude


def _search(
    lat: float, lon: float, sources: list[Callable[[Box, int], list[Candidate]]], limit: int
) -> tuple[Ranked, float]:
    """The candidates of the sources nearest first, and the radius of the box that holds every one
    nearer than the N-th (or all there are)."""
    radius = START_M
    ranked: Ranked = []
    for _round in range(
        MAX_ROUNDS
    ):  # a bound, should places cluster so that narrowing and widening alternate
        box = widen(Box(lon, lat, lon, lat), radius)
        found: list[Candidate] = []
        capped = False
        for fetch in sources:
            rows = fetch(box, CANDIDATE_CAP + 1)
            capped = capped or len(rows) > CANDIDATE_CAP
            found.extend(rows)
        if capped and radius > 10:
            radius /= 4  # too dense for this box: a smaller one
            continue
        ranked = sorted(
            (geo.haversine(lon, lat, c_lon, c_lat), key, c_lat, c_lon) for key, c_lat, c_lon in found
        )
        if len(ranked) >= limit and ranked[limit - 1][0] <= radius:
            break  # every place nearer than the N-th lies in this box
        area = geo.territory()
        covers = box.min_lat <= area.south and box.max_lat >= area.north
        if radius >= MAX_M or (covers and box.min_lon <= area.west and box.max_lon >= area.east):
            break  # nothing farther to find
        if len(ranked) >= limit:
            radius = max(ranked[limit - 1][0], radius * 1.01)  # once more, to the N-th one's distance
        elif len(ranked) * 2 < limit:  # far too few to judge the density by: a much larger box
            radius *= 8
        else:  # too few: a box that should hold N by the density seen (the area grows with the square)
            radius *= min(8.0, max(2.0, 1.5 * math.sqrt(limit / len(ranked))))
    return ranked, radius


def nearest(lat: float, lon: float, *, category: str = "", limit: int = 10) -> list[Nearby]:
    """The ``limit`` places nearest to the position (of a category, or of any), nearest first, with the
    distance and the initial bearing from the position: Regija's places and, for chargers and parking, the
    broker's entities. Bounded queries: a few box queries and one for the found places' rows.

    The broker's entities are asked once, in the box that holds every place nearer than the N-th place:
    whatever they add is nearer than that, so inside it (should that box hold more entities than can be
    measured, both are searched together)."""
    limit = max(1, min(limit, MAX_LIMIT))
    kept: dict[str, Live] = {}
    places_only = _place_candidates(category)
    ranked, radius = _search(lat, lon, [places_only], limit)
    if not category or category in LIVE_TYPES:
        live_source = _live_candidates(category, kept)
        rows = live_source(widen(Box(lon, lat, lon, lat), radius), CANDIDATE_CAP + 1)
        if len(rows) > CANDIDATE_CAP:
            kept.clear()
            ranked, _radius = _search(lat, lon, [places_only, live_source], limit)
        else:
            extra = [(geo.haversine(lon, lat, c_lon, c_lat), key, c_lat, c_lon) for key, c_lat, c_lon in rows]
            ranked = sorted(ranked + extra)
    top = ranked[:limit]
    found_rows = public().in_bulk([key[1] for _d, key, _a, _b in top if key[0] == "p"])
    out = []
    for distance, key, c_lat, c_lon in top:
        bearing = geo.bearing(lat, lon, c_lat, c_lon)
        if key[0] == "p":
            out.append(Nearby(found_rows[key[1]], None, distance, bearing))
        else:
            out.append(Nearby(None, kept[key[1]], distance, bearing))
    return out


def live_places(category: str, *, limit: int = 500) -> list[Live]:
    """The broker's entities of a live category in the territory (for the list and the map): one query."""
    area = geo.territory()
    box = Box(area.west, area.south, area.east, area.north)
    rows = context_selectors.located(_live_type_iris(category), box, limit=limit)
    return sorted((live(e, lon, lat) for e, lon, lat in rows), key=lambda x: x.name)


# -------------------------------------------------------------------------------------- finding a position


@dataclass(frozen=True)
class Spot:
    label: str
    latitude: float
    longitude: float


def fold(text: str) -> str:
    """Text compared without case, accents and extra spaces ("Šaleška  cesta" ~ "saleska cesta")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


@functools.cache
def gazetteer() -> tuple[tuple[str, str, float, float], ...]:
    """The bundled streets and localities (data/gazetteer.csv): folded name, name, latitude, longitude."""
    with GAZETTEER.open(encoding="utf-8", newline="") as f:
        return tuple(
            (fold(r["name"]), r["name"], float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(f)
        )


COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-z]?$")


def find(text: str, *, limit: int = 5) -> list[Spot]:
    """Positions a typed text may mean, best first: "lat, lon"; then places of Regija (by name or
    address), municipalities with a seat on record and the bundled streets and localities – whole
    matches before those starting with the text, before those containing it. Two queries at most."""
    text = text.strip()[:200]
    if not text:
        return []
    m = COORDINATES.match(text)
    if m:
        return [Spot(text, float(m.group(1)), float(m.group(2)))]
    wanted = fold(text)
    street = HOUSE_NUMBER.sub("", wanted)
    if not wanted:
        return []
    scored: list[tuple[int, str, Spot]] = []

    def consider(name: str, spot: Spot) -> None:
        f = fold(name)
        for target in {wanted, street}:
            if not target:
                continue
            rank = 0 if f == target else 1 if f.startswith(target) else 2 if target in f else None
            if rank is not None:
                scored.append((rank + (0 if target == wanted else 1), f, spot))
                return

    first_word = text.split()[0][:50]
    for p in Place.objects.filter(Q(name__icontains=first_word) | Q(address__icontains=first_word)).order_by(
        "pk"
    )[:200]:
        consider(p.name, Spot(p.name, p.latitude, p.longitude))
        if p.address:
            consider(p.address, Spot(p.address, p.latitude, p.longitude))
    municipalities = Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, lat__isnull=False, lon__isnull=False
    ).only("name", "lat", "lon")
    for o in municipalities[:500]:
        if o.lat is not None and o.lon is not None:
            consider(o.name, Spot(o.name, o.lat, o.lon))
    for _f, name, lat, lon in gazetteer():
        consider(name, Spot(name, lat, lon))
    scored.sort(key=lambda s: (s[0], len(s[1]), s[1]))
    out: list[Spot] = []
    for _rank, _f, spot in scored:
        if all(spot.label != o.label for o in out):
            out.append(spot)
        if len(out) == limit:
            break
    return out
