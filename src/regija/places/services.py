"""Every write of places: staff (editors and admins) of an organisation add and change its places, one at
a time or from a file (CSV, XLSX, GeoJSON); Regija itself loads the bundled demo places (``user`` None).
Each checks who acts and every value, writes in one transaction under the audit log, and keeps the place's
NGSI-LD entity in the broker (a ``PointOfInterest``, a ``WifiPointOfInterest`` for free WiFi) through the
context services – checked against its bundled Smart Data Model in the same transaction, so a place and
its entity never disagree. A file is checked whole first: any bad row and nothing is written, with every
problem named by its row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from regija.context import datamodels
from regija.context import services as context_services
from regija.context.errors import NgsiError
from regija.core import audit
from regija.core.models import Organisation
from regija.core.services import Refused, require_permission
from regija.core.validators import url_problem

from . import hours
from .fileformat import Row
from .geo import territory
from .models import NAME_MAX, TEXT_MAX, Place, PlaceCategory

if TYPE_CHECKING:
    from regija.core.permissions import Actor

SYSTEM = "regija"
DEFAULT = datamodels.DEFAULT_CONTEXT
LOCATION = "https://uri.etsi.org/ngsi-ld/location"
TRUE = {"1", "true", "yes", "da", "x"}
FALSE = {"", "0", "false", "no", "ne"}
LIMITS = {"name": NAME_MAX, "name_en": NAME_MAX, "address": 300, "opening_hours": 500, "phone": 50,
          "source": 300, "accessibility": TEXT_MAX, "accessibility_en": TEXT_MAX, "website": 500,
          "photo": 500}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.field}: {self.message}"
        return _("row %(row)s, %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field,
            "message": self.message,
        }


class InvalidRows(Refused):
    """Rows of a file (or the values of one place) that cannot be taken: every problem, none written."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(str(first), field=first.field, status=422)
        self.problems = problems


def clean(values: dict[str, str], row: int | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """A place's values as text (a file's row, a form) → typed values and the problems found."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def bad(name: str, message: str) -> None:
        problems.append(Problem(row, name, message))

    if values.get("_geometry") == "bad":
        bad("geometry", _("A place's geometry is a GeoJSON Point with longitude and latitude."))
    code = values.get("code", "").strip()
    from django.utils.text import slugify

    if code and slugify(code) != code:
        bad("code", _("A code has only lowercase letters, digits and hyphens (e.g. aed-titov-trg)."))
    out["code"] = code
    category = values.get("category", "").strip()
    if category not in PlaceCategory.values:
        bad(
            "category",
            _("Unknown category %(given)r; the categories are: %(known)s.")
            % {"given": category, "known": ", ".join(PlaceCategory.values)},
        )
    out["category"] = category
    name = values.get("name", "").strip()
    if not name:
        bad("name", _("Give the place a name."))
    out["name"] = name
    position: dict[str, float] = {}
    axis_name = {"latitude": _("latitude"), "longitude": _("longitude")}
    for axis, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        raw = values.get(axis, "").strip().replace(",", ".")
        if not raw:
            if values.get("_geometry") != "bad":
                bad(axis, _("Give the %(axis)s (decimal degrees, WGS84).") % {"axis": axis_name[axis]})
            continue
        try:
            number = float(raw)
        except ValueError:
            bad(axis, _("%(value)r is not a number of degrees.") % {"value": raw})
            continue
        if not low <= number <= high or number != number:
            bad(
                axis,
                _("%(value)s is out of range for the %(axis)s.") % {"value": raw, "axis": axis_name[axis]},
            )
            continue
        position[axis] = number
    if len(position) == 2:
        area = territory()
        if not area.contains(position["latitude"], position["longitude"]):
            bad(
                "latitude",
                _(
                    "The position %(lat)s, %(lon)s lies outside the territory (latitude %(s)s to %(n)s, "
                    "longitude %(w)s to %(e)s); were latitude and longitude swapped?"
                )
                % {
                    "lat": position["latitude"],
                    "lon": position["longitude"],
                    "s": area.south,
                    "n": area.north,
                    "w": area.west,
                    "e": area.east,
                },  # fmt: skip
            )
    out.update(position)
    for name_ in ("name_en", "address", "accessibility", "accessibility_en", "phone", "source"):
        out[name_] = values.get(name_, "").strip()
    oh = values.get("opening_hours", "").strip()
    if oh:
        try:
            hours.check(oh)
        except hours.InvalidHours as exc:
            if exc.column:
                bad(
                    "opening_hours",
                    _(
                        "Not OpenStreetMap opening hours (e.g. Mo-Fr 08:00-16:00): not understood from "
                        "character %(n)s."
                    )
                    % {"n": exc.column},
                )
            else:
                bad("opening_hours", _("Not OpenStreetMap opening hours (e.g. Mo-Fr 08:00-16:00)."))
    out["opening_hours"] = oh
    email = values.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("email", _("%(value)r is not an e-mail address.") % {"value": email})
    out["email"] = email
    for name_ in ("website", "photo"):
        address = values.get(name_, "").strip()
        problem = url_problem(address, translated=True) if address else None
        if problem is not None:
            bad(name_, problem)
        out[name_] = address
    checked = values.get("checked_on", "").strip()
    out["checked_on"] = None
    if checked:
        try:
            out["checked_on"] = dt.date.fromisoformat(checked)
        except ValueError:
            bad("checked_on", _("%(value)r is not a date (YYYY-MM-DD).") % {"value": checked})
    flag = values.get("illustrative", "").strip().lower()
    if flag not in TRUE | FALSE:
        bad("illustrative", _("Write true or false."))
    out["illustrative"] = flag in TRUE
    for name_, limit in LIMITS.items():
        if len(out.get(name_) or "") > limit:
            bad(name_, _("Too long: at most %(n)s characters.") % {"n": limit})
    return out, problems


# ----------------------------------------------------------------------------------- the broker's entity


def entity_id(place: Place) -> str:
    kind = "WifiPointOfInterest" if place.category == PlaceCategory.WIFI else "PointOfInterest"
    return f"urn:ngsi-ld:{kind}:{place.organisation.slug}:{place.code}"


def entity_attrs(place: Place) -> tuple[str, dict[str, dict[str, Any]]]:
    """The place as a normalised NGSI-LD entity of its Smart Data Model: its type (expanded by the core
    @context's default vocabulary) and attributes."""
    kind = "WifiPointOfInterest" if place.category == PlaceCategory.WIFI else "PointOfInterest"
    attrs: dict[str, dict[str, Any]] = {
        DEFAULT + "name": {"type": "Property", "value": place.name},
        DEFAULT + "category": {"type": "Property", "value": [place.category]},
        LOCATION: {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        },
        DEFAULT + "dataProvider": {"type": "Property", "value": place.organisation.name},
    }
    if place.name_en:
        attrs[DEFAULT + "alternateName"] = {"type": "Property", "value": place.name_en}
    if place.address:
        attrs[DEFAULT + "address"] = {
            "type": "Property",
            "value": {"streetAddress": place.address, "addressCountry": "SI"},
        }
    if place.source:
        attrs[DEFAULT + "source"] = {"type": "Property", "value": place.source}
    if place.accessibility:
        attrs[DEFAULT + "description"] = {"type": "Property", "value": place.accessibility}
    return DEFAULT + kind, attrs


def _sync_entity(user: Actor | None, place: Place, via: str) -> None:
    """Upsert the place's entity in the organisation's tenant (an old one of another type removed)."""
    new_id = entity_id(place)
    type_iri, attrs = entity_attrs(place)
    try:
        if place.entity_id and place.entity_id != new_id:  # another type now (free WiFi or not)
            context_services.discard(user, place.organisation, place.entity_id, via=via)
        context_services.upsert(user, place.organisation, new_id, type_iri, attrs, via=via)
    except NgsiError as exc:
        raise Refused(
            _("The place does not fit its data model in the broker: %(why)s") % {"why": exc}
        ) from None
    if place.entity_id != new_id:
        place.entity_id = new_id
        Place.objects.filter(pk=place.pk).update(entity_id=new_id)


# ----------------------------------------------------------------------------------------------- writes


def _allowed(user: Actor | None, organisation: Organisation) -> None:
    if user is not None:
        require_permission(user, "change", Place(organisation=organisation))


FIELDS = [c for c in (
    "category", "name", "name_en", "latitude", "longitude", "address", "opening_hours", "accessibility",
    "accessibility_en", "phone", "email", "website", "photo", "source", "checked_on", "illustrative",
)]  # fmt: skip


def _write(
    user: Actor | None, organisation: Organisation, values: dict[str, Any], via: str
) -> tuple[Place, str]:
    """Create or change the place of this code (in the caller's transaction); what happened."""
    place = Place.objects.select_for_update().filter(organisation=organisation, code=values["code"]).first()
    if place is None:
        place = Place(organisation=organisation, code=values["code"], **{f: values[f] for f in FIELDS})
        place.save()
        outcome = "created"
    else:
        changed = [f for f in FIELDS if getattr(place, f) != values[f]]
        if not changed and place.entity_id:
            return place, "unchanged"
        for f in changed:
            setattr(place, f, values[f])
        place.save()
        outcome = "updated"
    _sync_entity(user, place, via)
    return place, outcome


def place_save(user: Actor | None, organisation: Organisation, values: dict[str, str], *, via: str) -> Place:
    """Create the place of ``values["code"]`` or change it (editors and admins of the organisation)."""
    _allowed(user, organisation)
    cleaned, problems = clean(values)
    if not cleaned["code"]:
        problems.insert(0, Problem(None, "code", _("Give the place a code.")))
    if problems:
        raise InvalidRows(problems)
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        place, _outcome = _write(user, organisation, cleaned, via)
    return place


def place_delete(user: Actor | None, place: Place, *, via: str) -> None:
    """Delete the place and its entity in the broker (editors and admins of its organisation)."""
    _allowed(user, place.organisation)
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        if place.entity_id:
            context_services.discard(user, place.organisation, place.entity_id, via=via)
        place.delete()


@dataclass
class Imported:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    places: list[int] = field(default_factory=list)


def import_places(user: Actor | None, organisation: Organisation, rows: list[Row], *, via: str) -> Imported:
    """Every row of a file as a place of the organisation, matched by its code (a row without a code gets
    one from its category and name): all rows are checked first, and any problem writes nothing
    (``InvalidRows`` names each row and field); then all are written in one transaction."""
    from django.utils.text import slugify

    _allowed(user, organisation)
    if not rows:
        raise InvalidRows([Problem(None, "file", _("The file has no places."))])
    problems: list[Problem] = []
    cleaned_rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        cleaned, found = clean(row.values, row.number)
        if not cleaned["code"] and not found:
            cleaned["code"] = slugify(f"{cleaned['category']}-{cleaned['name']}")[:100]
        if cleaned["code"] in seen:
            found.append(
                Problem(
                    row.number,
                    "code",
                    _("The code %(code)s is also in row %(other)s.")
                    % {"code": cleaned["code"], "other": seen[cleaned["code"]]},
                )  # fmt: skip
            )
        seen.setdefault(cleaned["code"], row.number)
        problems.extend(found)
        cleaned_rows.append(cleaned)
    if problems:
        raise InvalidRows(problems)
    result = Imported()
    with audit.acting(user, via=via, label="" if user else SYSTEM), transaction.atomic():
        for cleaned in cleaned_rows:
            place, outcome = _write(user, organisation, cleaned, via)
            setattr(result, outcome, getattr(result, outcome) + 1)
            result.places.append(place.pk)
    return result
