"""Every write of issue reports: a report made (by a signed-in resident, by an anonymous reporter who
confirms their e-mail address, through Open311), confirmed, supported, handled by staff (status,
public answer, assignment, link to the project or proposal that fixes it), rated and hidden.

Each function takes the acting user and the door (``via``), checks who may do it, validates, writes in
one transaction under ``audit.acting`` – the models are audited – or raises ``core.services.Refused``
with a message for the person. A confirmed report is mirrored into the context broker as an Open311
service request (``context.services.mirror``) in the same transaction: an entity the Smart Data Model
refuses rolls the report back too."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from regija.accounts import selectors as accounts
from regija.context import services as context
from regija.context.errors import NgsiError
from regija.core import audit
from regija.core.models import Organisation, Role
from regija.core.permissions import can, member_role_at_least
from regija.core.services import Conflict, Forbidden, Refused, now

from . import notices, photos
from .models import (
    ADDRESS_MAX,
    ANSWER_MAX,
    ASSIGNEE_STATES,
    CLOSED,
    DESCRIPTION_MAX,
    MAX_PHOTOS,
    NEEDS_REASON,
    OPEN,
    REASON_MAX,
    Datatype,
    Photo,
    Report,
    Service,
    Status,
    Support,
    Update,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor
    from regija.participation.models import Proposal
    from regija.projects.models import Project

SALT = "regija.fixes"


def bounds() -> tuple[float, float, float, float]:
    """The territory reports may be in (south, west, north, east): ``REGIJA_TERRITORY``."""
    south, west, north, east = (float(v) for v in settings.REGIJA_TERRITORY)
    return south, west, north, east


def clean_text(value: str | None, field: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise Refused(_("This field is required."), field=field)
    if len(text) > limit:
        raise Refused(
            _("At most %(limit)s characters (this has %(count)s).") % {"limit": limit, "count": len(text)},
            field=field,
        )
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise Refused(_("The text contains characters that cannot be stored."), field=field)
    return text


def position(lat: Any, lon: Any) -> tuple[float, float] | None:
    """A point as two numbers inside the territory; None when neither is given."""
    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise Refused(_("The position must be two numbers: latitude and longitude."), field="lat") from None
    if not (math.isfinite(la) and math.isfinite(lo)) or not (-90 <= la <= 90 and -180 <= lo <= 180):
        raise Refused(_("The position must be two numbers: latitude and longitude."), field="lat")
    south, west, north, east = bounds()
    if not (south <= la <= north and west <= lo <= east):
        raise Refused(_("The place is outside the area we take reports for."), field="lat")
    return la, lo


def answers(service: Service, given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to a category's questions (Open311 attributes), checked: every required one given,
    a list's answer among its values, a number a number."""
    out: dict[str, Any] = {}
    known = {a["code"]: a for a in service.attributes if a.get("variable", True)}
    for code in given:
        if code not in known:
            raise Refused(
                _("The category has no question %(code)s.") % {"code": code}, field=f"attribute[{code}]"
            )
    for code, spec in known.items():
        value = given.get(code)
        values = value if isinstance(value, list) else [value] if value not in (None, "") else []
        values = [str(v).strip() for v in values if str(v).strip()]
        where = f"attribute[{code}]"
        if not values:
            if spec.get("required"):
                raise Refused(
                    _("Answer the question “%(question)s”.") % {"question": spec.get("description") or code},
                    field=where,
                )
            continue
        kind = spec.get("datatype", Datatype.STRING)
        keys = {str(v["key"]) for v in spec.get("values", [])}
        if kind in (Datatype.SINGLE, Datatype.MULTI):
            if any(v not in keys for v in values) or (kind == Datatype.SINGLE and len(values) > 1):
                raise Refused(_("Choose an answer from the list."), field=where)
            out[code] = values if kind == Datatype.MULTI else values[0]
        elif kind == Datatype.NUMBER:
            try:
                number = float(values[0].replace(",", "."))
            except ValueError:
                raise Refused(_("Enter a number."), field=where) from None
            if not math.isfinite(number):
                raise Refused(_("Enter a number."), field=where)
            out[code] = number
        else:
            out[code] = clean_text(values[0], where, 1000)
    return out


def check_questions(value: Any) -> list[dict[str, Any]]:
    """A category's questions as Open311 GeoReport v2 defines a service's attributes: a list of
    ``{"code", "description", "datatype", "required", "order", "values"}``, codes unique, a list's
    question with its values (``{"key", "name"}``). ValueError says what is wrong."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(_("The questions must be a list."))
    seen: set[str] = set()
    out = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValueError(_("Question %(n)s must be an object.") % {"n": n})
        code = str(item.get("code") or "").strip()
        if not code or not code.replace("_", "").replace("-", "").isalnum() or code in seen:
            raise ValueError(
                _("Question %(n)s needs a code of its own (letters, digits, - and _).") % {"n": n}
            )
        seen.add(code)
        kind = item.get("datatype", Datatype.STRING)
        if kind not in Datatype.values:
            raise ValueError(
                _("Question %(code)s: the datatype is one of %(kinds)s.")
                % {"code": code, "kinds": ", ".join(Datatype.values)}
            )
        values = item.get("values") or []
        listed = kind in (Datatype.SINGLE, Datatype.MULTI)
        if listed and not values:
            raise ValueError(_("Question %(code)s: a list question needs its values.") % {"code": code})
        if not isinstance(values, list) or any(
            not isinstance(v, dict) or str(v.get("key", "")).strip() == "" or not v.get("name")
            for v in values
        ):
            raise ValueError(_("Question %(code)s: each value needs a key and a name.") % {"code": code})
        if not str(item.get("description") or "").strip():
            raise ValueError(_("Question %(code)s needs its text (description).") % {"code": code})
        try:
            order = int(item.get("order") or n)
        except (TypeError, ValueError):
            raise ValueError(_("Question %(code)s: the order is a whole number.") % {"code": code}) from None
        out.append(
            {
                "code": code,
                "description": str(item["description"]).strip(),
                "datatype": kind,
                "required": bool(item.get("required")),
                "order": order,
                "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in values] if listed else [],
            }
        )
    return out


@dataclass
class ReportData:
    service: Service | str
    description: str
    lat: Any = None
    lon: Any = None
    address: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    photos: Sequence[bytes] = ()
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


def _service(value: Service | str) -> Service:
    if isinstance(value, Service):
        service: Service | None = value if value.active else None
    else:
        service = (
            Service.objects.filter(code=str(value or ""), active=True).select_related("organisation").first()
        )
    if service is None:
        raise Refused(_("There is no such report category."), field="service_code", status=404)
    return service


def _stored_photos(report: Report, cleaned: list[photos.Clean]) -> list[Photo]:
    made = []
    for n, photo in enumerate(cleaned, start=1):
        row = Photo(report=report, content_type=photo.content_type, width=photo.width, height=photo.height)
        row.image.save(f"{report.pk}-{n}.{photo.extension}", ContentFile(photo.content), save=False)
        row.save()
        made.append(row)
    return made


def confirm_token(report: Report) -> str:
    return signing.dumps({"r": report.pk, "e": report.email}, salt=SALT + ".confirm")


def rate_token(report: Report) -> str:
    """What lets an anonymous reporter rate the response (in the e-mail with the answer)."""
    return signing.dumps({"r": report.pk, "e": report.email}, salt=SALT + ".rate")


def report_of_token(token: str, purpose: str, max_age: int | None = None) -> Report:
    try:
        data = signing.loads(token, salt=f"{SALT}.{purpose}", max_age=max_age)
    except signing.BadSignature:
        raise Refused(_("The link is not valid or has expired."), status=404) from None
    report = Report.objects.select_related("service", "organisation").filter(pk=data.get("r")).first()
    if report is None or report.email != data.get("e"):
        raise Refused(_("The link is not valid or has expired."), status=404)
    return report


def report_create(user: Actor, data: ReportData, *, via: str = "web") -> Report:
    """A new report. A signed-in resident's is public at once; an anonymous reporter's once they open
    the link we e-mail them (``report_confirm``)."""
    service = _service(data.service)
    person = user_of(user)
    signed_in = person is not None
    if signed_in and not accounts.can_contribute(user):
        raise Forbidden(_("Confirm your e-mail address before you report: open the link we sent you."))
    description = clean_text(data.description, "description", DESCRIPTION_MAX)
    address = clean_text(data.address, "address_string", ADDRESS_MAX, required=False)
    point = position(data.lat, data.lon)
    if point is None and not address:
        raise Refused(_("Mark the place on the map or give its address."), field="lat")
    given = answers(service, data.attributes)
    email = (data.email or "").strip()
    if person is not None and not email:
        email = person.email
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Refused(_("Enter a valid e-mail address."), field="email") from None
    elif not signed_in:
        raise Refused(_("Give your e-mail address: we send a link to confirm the report."), field="email")
    if len(data.photos) > MAX_PHOTOS:
        raise Refused(_("At most %(n)s photos.") % {"n": MAX_PHOTOS}, field="photos")
    cleaned = [photos.clean(p) for p in data.photos]
    moment = now()
    report = Report(
        service=service,
        organisation=service.organisation,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        address=address,
        description=description,
        attributes=given,
        reporter=person,
        email=email,
        first_name=clean_text(data.first_name, "first_name", 100, required=False),
        last_name=clean_text(data.last_name, "last_name", 100, required=False),
        phone=clean_text(data.phone, "phone", 40, required=False),
        via=via,
        confirmed_at=moment if signed_in else None,
        created_at=moment,
        updated_at=moment,
    )
    stored: list[Photo] = []
    try:
        with audit.acting(person, via=via, label="anonymous"), transaction.atomic():
            report.save()
            stored = _stored_photos(report, cleaned)
            Update.objects.create(report=report, status=report.status, created_at=moment)
            if signed_in:
                _mirror(report)
                notices.received(report)
            else:
                notices.confirm(report, confirm_token(report))
    except BaseException:
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return report


def report_confirm(token: str) -> Report:
    """An anonymous report confirmed by the link in its e-mail (the link again: nothing more)."""
    report = report_of_token(token, "confirm", max_age=7 * 24 * 3600)
    if report.confirmed_at is not None:
        return report
    with audit.acting(None, via="web", label="anonymous"), transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.confirmed_at is None:
            report.confirmed_at = now()
            report.save(update_fields=["confirmed_at"])
            _mirror(report)
    return report


def report_support(user: Actor, report: Report, *, via: str = "web") -> Report:
    """ "Me too": a signed-in person has the same problem (instead of reporting it again)."""
    if not user.is_authenticated:
        raise Forbidden(_("Sign in to support a report."))
    if not accounts.can_contribute(user):
        raise Forbidden(
            _("Confirm your e-mail address before you support a report: open the link we sent you.")
        )
    if not can(user, "view", report) or report.confirmed_at is None:
        raise Refused(_("There is no such report."), status=404)
    try:
        with audit.acting(user, via=via), transaction.atomic():
            # the report as it is now (a page's copy may be older than a staff's closing)
            report = Report.objects.select_for_update().get(pk=report.pk)
            if report.status not in OPEN:
                raise Conflict(_("The report is closed."))
            if report.reporter_id == user.pk:
                raise Conflict(_("You made this report."))
            Support.objects.create(report=report, user=user, created_at=now())
            Report.objects.filter(pk=report.pk).update(supports=F("supports") + 1)
    except IntegrityError:
        raise Conflict(_("You already support this report.")) from None
    report.refresh_from_db(fields=["supports"])
    return report


def may_handle(user: Actor, report: Report) -> bool:
    """The owning municipality's editors and admins, or those of the organisation it is assigned to."""
    return can(user, "change", report) or _assignee_staff(user, report)


def _assignee_staff(user: Actor, report: Report) -> bool:
    return (
        user.is_authenticated
        and report.assignee_id is not None
        and member_role_at_least(user, report.assignee_id, Role.EDITOR)
    )


@dataclass
class Handling:
    """What staff change of a report; None: leave as it is."""

    status: str | None = None
    reason: str | None = None
    answer: str | None = None
    assignee: Organisation | None | bool = False  # False: unchanged; None: no longer assigned
    department: str | None = None
    duplicate_of: int | None = None
    project: Project | None | bool = False
    proposal: Proposal | None | bool = False


def report_handle(user: Actor, report: Report, change: Handling, *, via: str = "web") -> Report:
    """Triage and answer: status (with the reason a closing other than fixed needs), the public answer,
    assignment to an organisation or a department, the project or proposal that fixes it. The
    organisation it is assigned to sets only "in progress" and "fixed" and answers."""
    owner = can(user, "change", report)
    if not owner and not _assignee_staff(user, report):
        raise Forbidden(
            _("Only the municipality's staff and the organisation it is assigned to handle a report.")
        )
    if not owner and (
        change.assignee is not False
        or change.department is not None
        or change.duplicate_of is not None
        or change.project is not False
        or change.proposal is not False
        or (change.status is not None and change.status not in ASSIGNEE_STATES)
    ):
        raise Forbidden(
            _("The organisation a report is assigned to may only mark it in progress or fixed and answer.")
        )
    with audit.acting(user, via=via), transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        before_status, before_answer = report.status, report.answer
        if change.status is not None:
            if change.status not in Status.values:
                raise Refused(_("There is no such status."), field="status")
            report.status = change.status
        if change.reason is not None:
            report.reason = clean_text(change.reason, "reason", REASON_MAX, required=False)
        if report.status in NEEDS_REASON and report.status != before_status and not report.reason:
            raise Refused(_("Say why the report is closed this way."), field="reason")
        if change.answer is not None:
            report.answer = clean_text(change.answer, "answer", ANSWER_MAX, required=False)
        if change.assignee is not False:
            report.assignee = change.assignee if isinstance(change.assignee, Organisation) else None
        if change.department is not None:
            report.department = clean_text(change.department, "department", 200, required=False)
        if change.duplicate_of is not None:
            original = Report.objects.filter(pk=change.duplicate_of, organisation=report.organisation).first()
            if original is None or original.pk == report.pk:
                raise Refused(_("There is no such report of this municipality."), field="duplicate_of")
            report.duplicate_of = original
        if report.status == Status.DUPLICATE and report.duplicate_of_id is None:
            raise Refused(_("Give the number of the report this one repeats."), field="duplicate_of")
        if change.project is not False:
            report.project = change.project if not isinstance(change.project, bool) else None
        if change.proposal is not False:
            report.proposal = change.proposal if not isinstance(change.proposal, bool) else None
        moment = now()
        if report.status in CLOSED and before_status not in CLOSED:
            report.closed_at = moment
        elif report.status in OPEN:
            report.closed_at = None
        report.updated_at = moment
        report.save()
        moved = report.status != before_status
        answered = report.answer != before_answer and bool(report.answer)
        if moved or answered:
            text = report.answer if answered else report.reason if report.status in NEEDS_REASON else ""
            Update.objects.create(report=report, status=report.status, text=text, created_at=moment)
        if report.confirmed_at is not None:
            _mirror(report)
            if moved or answered:
                notices.handled(report, rate_token(report) if report.status in CLOSED else "")
    return report


def report_rate(
    user: Actor, report: Report, rating: Any, comment: str = "", *, token: str = "", via: str = "web"
) -> Report:
    """The reporter's satisfaction with the response, 1 to 5, once the report is closed; an anonymous
    reporter rates with the link in the e-mail that told them."""
    if token:
        if report_of_token(token, "rate").pk != report.pk:
            raise Forbidden(_("Only the person who made the report rates the response."))
    elif not (user.is_authenticated and report.reporter_id == user.pk):
        raise Forbidden(_("Only the person who made the report rates the response."))
    if report.status not in CLOSED:
        raise Conflict(_("The response can be rated once the report is closed."))
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise Refused(_("Choose a rating from 1 to 5."), field="rating") from None
    if not 1 <= value <= 5:
        raise Refused(_("Choose a rating from 1 to 5."), field="rating")
    with (
        audit.acting(user if user.is_authenticated else None, via=via, label="reporter"),
        transaction.atomic(),
    ):
        report.rating = value
        report.rating_comment = clean_text(comment, "comment", 1000, required=False)
        report.save(update_fields=["rating", "rating_comment"])
    return report


def report_hide(user: Actor, report: Report, reason: str, *, via: str = "web") -> Report:
    """A report taken off the public pages (an insult, a person's face): moderators and the owning
    municipality's staff. The reporter and staff still read it."""
    if not (
        can(user, "change", report) or (user.is_authenticated and user.has_perm("fixes.moderate_report"))
    ):
        raise Forbidden(_("Only moderators and the municipality's staff hide reports."))
    text = clean_text(reason, "reason", REASON_MAX)
    with audit.acting(user, via=via), transaction.atomic():
        report.hidden_at = now()
        report.hidden_reason = text
        report.save(update_fields=["hidden_at", "hidden_reason"])
        if report.confirmed_at is not None:
            _mirror(report)
    return report


# ------------------------------------------------------------------------------------- the context broker


def entity_id(report: Report) -> str:
    return f"urn:ngsi-ld:service_requests:{report.organisation.slug}:{report.pk}"


def _when(moment: dt.datetime) -> str:
    return context.timestamp(moment)


def _mirror(report: Report) -> None:
    """The report as an Open311 service request entity of its municipality's tenant (only what is
    public: no name, e-mail or phone)."""
    fragment: dict[str, Any] = {
        "id": entity_id(report),
        "type": "service_requests",
        "service_request_id": str(report.pk),
        "service_code": report.service.code,
        "service_name": report.service.name,
        "status": "open" if report.status in OPEN and report.hidden_at is None else "closed",
        "requested_datetime": _when(report.created_at),
        "updated_datetime": _when(report.updated_at),
        "agency_responsible": (report.assignee or report.organisation).name,
        "jurisdiction_id": report.organisation.slug,
    }
    if report.hidden_at is None:
        fragment["description"] = report.description
        if report.answer:
            fragment["status_notes"] = report.answer
        if report.address:
            fragment["address_string"] = report.address
    if report.lat is not None and report.lon is not None:
        fragment["location"] = {"type": "Point", "coordinates": [report.lon, report.lat]}
    try:
        context.mirror(report.organisation, fragment)
    except NgsiError as error:  # our own data does not follow the model: a bug, never the user's fault
        raise RuntimeError(f"report {report.pk} as an Open311 service request: {error}") from error


def user_of(user: Actor) -> User | None:
    return user if user.is_authenticated else None
