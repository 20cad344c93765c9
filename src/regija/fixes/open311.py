"""Open311 GeoReport v2 at ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2): discovery, service
list and definitions, service requests (GET and POST), one request, tokens – and FixMyStreet's
``servicerequestupdates`` – in JSON and XML, with the specification's error format
(``[{"code": 400, "description": "…"}]``, ``<errors><error><code>…``). The writes go through
``services.report_create``, as the site's form does."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from regija.core import throttle, tokens
from regija.core.services import Refused

from . import selectors, services
from .models import CLOSED, Report, Update

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SPEC = "http://wiki.open311.org/GeoReport_v2"
# the root element of each answer and the name of its items, in XML
ROOTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
}


def _w3c(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _xml(node: ET.Element, value: Any, item: str = "item") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(ET.SubElement(node, k), v, item=k[:-1] if k.endswith("s") else "item")
    elif isinstance(value, list):
        for v in value:
            _xml(ET.SubElement(node, item), v)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` as JSON or as the spec's XML: a list under ``<root>`` with items named by ROOTS, a
    dict under ``<root>`` as it is."""
    if fmt == "xml":
        top = ET.Element(root)
        if isinstance(data, list):
            for row in data:
                _xml(ET.SubElement(top, ROOTS.get(root, "item")), row)
        else:
            _xml(top, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
            top, encoding="utf-8", xml_declaration=False
        )
        return HttpResponse(body, content_type=FORMATS["xml"], status=status)
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type=FORMATS["json"], status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        [{"code": status, "description": description}], fmt if fmt in FORMATS else "json", "errors", status
    )


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Refused(_("The format must be json or xml."), status=400)
    return fmt


def _service_row(s: Any) -> dict[str, Any]:
    return {
        "service_code": s.code,
        "service_name": s.name,
        "description": s.description,
        "metadata": bool(s.attributes),
        "type": "realtime",
        "keywords": s.keywords,
        "group": s.group,
    }


def _request_row(request: HttpRequest, r: Report, photo: int | None) -> dict[str, Any]:
    return {
        "service_request_id": str(r.pk),
        "status": "closed" if r.status in CLOSED else "open",
        "status_notes": r.answer or (r.reason if r.status in CLOSED else ""),
        "service_name": r.service.name,
        "service_code": r.service.code,
        "description": r.description,
        "agency_responsible": (r.assignee or r.organisation).name,
        "service_notice": "",
        "requested_datetime": _w3c(r.created_at),
        "updated_datetime": _w3c(r.updated_at),
        "expected_datetime": "",
        "address": r.address,
        "address_id": "",
        "zipcode": "",
        "lat": r.lat if r.lat is not None else "",
        "long": r.lon if r.lon is not None else "",
        "media_url": request.build_absolute_uri(reverse("fixes:photo", args=[photo])) if photo else "",
    }


def _dates(request: HttpRequest) -> tuple[dt.datetime | None, dt.datetime | None]:
    out: list[dt.datetime | None] = []
    for name in ("start_date", "end_date"):
        raw = request.GET.get(name, "").strip()
        if not raw:
            out.append(None)
            continue
        moment = parse_datetime(raw.replace(" ", "+"))
        if moment is None or moment.tzinfo is None:
            raise Refused(
                _("%(name)s must be a W3C date and time with its offset, e.g. 2026-03-01T00:00:00Z.")
                % {"name": name},
                status=400,
            )
        out.append(moment)
    start, end = out
    if start and end and start > end:
        raise Refused(_("start_date is after end_date."), status=400)
    return start, end


def _answer(view):  # type: ignore[no-untyped-def]
    """A Refused becomes the spec's error answer in the request's format."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=_fmt(fmt), **kwargs)
        except Refused as refused:
            status = refused.status if refused.status in (400, 403, 404, 429) else 400
            text = str(refused.message)
            if refused.field:
                text = f"{refused.field}: {text}"
            return error(fmt, status, text)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_answer
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(
        reverse("fixes:open311_discovery", args=["json"]).rsplit("/", 1)[0] + "/"
    )
    changed = selectors.last_change()
    data = {
        "changeset": _w3c(changed) or "1970-01-01T00:00:00Z",
        "contact": str(getattr(settings, "REGIJA_FIXES_CONTACT", "")),
        # an api_key is a personal API token, made on one's account page
        "key_service": request.build_absolute_uri(reverse("account")),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": _w3c(changed) or "1970-01-01T00:00:00Z",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "xml":
        top = ET.Element("discovery")
        for k in ("changeset", "contact", "key_service"):
            ET.SubElement(top, k).text = data[k]  # type: ignore[assignment]
        endpoints = ET.SubElement(top, "endpoints")
        for e in data["endpoints"]:  # type: ignore[union-attr]
            node = ET.SubElement(endpoints, "endpoint")
            for k in ("specification", "url", "changeset", "type"):
                ET.SubElement(node, k).text = e[k]
            formats = ET.SubElement(node, "formats")
            for f in e["formats"]:
                ET.SubElement(formats, "format").text = f
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type=FORMATS["xml"])
    return render(data, fmt, "discovery")


@_answer
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = selectors.services()
    jurisdiction = request.GET.get("jurisdiction_id", "")
    if jurisdiction:
        rows = rows.filter(organisation__slug=jurisdiction)
    return render([_service_row(s) for s in rows], fmt, "services")


@_answer
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    s = selectors.service(code)
    if s is None:
        raise Refused(_("There is no such report category."), status=404)
    attributes = [
        {
            "variable": a.get("variable", True),
            "code": a["code"],
            "datatype": a.get("datatype", "string"),
            "required": bool(a.get("required")),
            "datatype_description": a.get("datatype_description", ""),
            "order": a.get("order", n),
            "description": a.get("description", ""),
            "values": [{"key": v["key"], "name": v["name"]} for v in a.get("values", [])],
        }
        for n, a in enumerate(s.attributes, start=1)
    ]
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = s.code
        node = ET.SubElement(top, "attributes")
        for a in attributes:
            item = ET.SubElement(node, "attribute")
            for k, v in a.items():
                if k == "values":
                    values = ET.SubElement(item, "values")
                    for value in v:
                        _xml(ET.SubElement(values, "value"), value)
                else:
                    _xml(ET.SubElement(item, k), v)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type=FORMATS["xml"])
    return render({"service_code": s.code, "attributes": attributes}, fmt, "service_definition")


def _list(request: HttpRequest, name: str) -> list[str]:
    return [v.strip() for raw in request.GET.getlist(name) for v in raw.split(",") if v.strip()]


@csrf_exempt
@_answer
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        raise Refused(_("Only GET and POST."), status=400)
    ids: list[int] | None = None
    raw_ids = _list(request, "service_request_id")
    if raw_ids:
        try:
            ids = [int(v) for v in raw_ids]
        except ValueError:
            raise Refused(_("service_request_id must be numbers."), status=400) from None
    statuses = _list(request, "status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Refused(_("status is open or closed."), status=400)
    start, end = _dates(request)
    if ids is None and start is None and end is None:
        # the spec's default: the last 90 days
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    rows = selectors.open311_requests(
        ids=ids,
        service_codes=_list(request, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
        jurisdiction=request.GET.get("jurisdiction_id", ""),
    )
    return render([_request_row(request, r, p) for r, p in rows], fmt, "service_requests")


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    user = tokens.authenticate(request.POST.get("api_key", ""))
    if user is None:
        raise Refused(_("A valid api_key is required to post a service request."), status=403)
    if not throttle.allow(request, "fixes-open311", int(getattr(settings, "REGIJA_FIXES_HOURLY", 20))):
        raise Refused(_("Too many reports from this address in an hour. Please try again later."), status=429)
    given: dict[str, Any] = {}
    for key in request.POST:
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute[") : -1].removesuffix("][")
            values = request.POST.getlist(key)
            given[code.rstrip("[]")] = values if len(values) > 1 or key.endswith("[]]") else values[0]
    data = services.ReportData(
        service=request.POST.get("service_code", ""),
        description=request.POST.get("description", ""),
        lat=request.POST.get("lat"),
        lon=request.POST.get("long"),
        address=request.POST.get("address_string", ""),
        attributes=given,
        email=request.POST.get("email", ""),
        first_name=request.POST.get("first_name", ""),
        last_name=request.POST.get("last_name", ""),
        phone=request.POST.get("phone", ""),
    )
    report = services.report_create(user, data, via="api")
    row = {
        "service_request_id": str(report.pk),
        "service_notice": "",
        "account_id": "",
    }
    return render([row], fmt, "service_requests", status=201)


@_answer
def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    rows = selectors.open311_requests(ids=[int(pk)]) if pk.isdigit() else []
    if not rows:
        raise Refused(_("There is no such service request."), status=404)
    return render([_request_row(request, r, p) for r, p in rows], fmt, "service_requests")


@_answer
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Our POST answers the request's id at once, so a token is that id: given back with it."""
    if not token.isdigit() or not selectors.open311_requests(ids=[int(token)]):
        raise Refused(_("There is no such token."), status=404)
    return render([{"service_request_id": token, "token": token}], fmt, "service_requests")


def _update_row(u: Update, request: HttpRequest) -> dict[str, Any]:
    return {
        "update_id": str(u.pk),
        "service_request_id": str(u.report_id),
        "status": "closed" if u.status in CLOSED else "open",
        "updated_datetime": _w3c(u.created_at),
        "description": u.text,
        "media_url": "",
        "external_status_code": u.status,
    }


@_answer
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's extension: the updates of requests between start_date and end_date."""
    start, end = _dates(request)
    rows = selectors.open311_updates(start, end, request.GET.get("jurisdiction_id", ""))
    return render([_update_row(u, request) for u in rows], fmt, "service_request_updates")
