"""The provisioning API of the FIWARE IoT Agents (iotagent-node-lib's ``/iot/services`` and
``/iot/devices``), so a device set up for a FIWARE deployment is set up here the same way
(docs/context.md, "Devices and MQTT").

The tenant is the ``fiware-service`` header (an organisation's slug), the ``fiware-servicepath`` header
(``/`` when absent) a part of it. Every call needs an API token of an editor or admin of the tenant's
organisation (service groups hold API keys: they are not public). Errors are Problem Details with the
IoT Agent's ``name`` and ``message`` as extension members, so FIWARE clients read them too.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from regija.core import permissions
from regija.core.services import Refused

from . import selectors, services
from .errors import BadRequestData, Forbidden, MethodNotAllowed, NgsiError, ResourceNotFound
from .models import Device, ServiceGroup
from .views import Call

FIWARE_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "DUPLICATE"}
MAX_LIMIT = 1000


def _problem(error: NgsiError) -> HttpResponse:
    body = {**error.problem(), "name": FIWARE_NAMES.get(error.status, "ERROR"), "message": error.detail}
    response = HttpResponse(json.dumps(body), status=error.status, content_type="application/json")
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="regija"'
    return response


class IotCall(Call):
    def __init__(self, request: HttpRequest):
        self.request = request
        name = request.headers.get("fiware-service")
        if not name:
            raise BadRequestData("fiware-service: the header names the tenant (an organisation's slug)")
        org = selectors.tenant(name)
        if org is None:  # pragma: no cover - a name always gives one or NonexistentTenant
            raise BadRequestData("fiware-service: no tenant")
        self.org = self.organisation = org
        self.service_path = request.headers.get("fiware-servicepath") or "/"
        if not self.service_path.startswith("/") or len(self.service_path) > 200:
            raise BadRequestData("fiware-servicepath: a path starting with /, e.g. /parking")
        self.link = None
        self.context = None
        self.accept = "application/json"

    def editor(self) -> Any:
        user = self.user()
        if not permissions.can(user, "change", ServiceGroup(organisation=self.org)):
            raise Forbidden("Only the tenant organisation's editors and admins manage its devices")
        return user

    def items(self, key: str) -> list[dict[str, Any]]:
        body = self.body()
        items = body.get(key)
        if not isinstance(items, list) or not items:
            raise BadRequestData(f"{key}: a non-empty list")
        return items


def _endpoint(handlers: dict[str, Any]) -> Any:
    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method or "")
        try:
            if handler is None:
                raise MethodNotAllowed(f"{request.method} is not an operation of this resource")
            return handler(IotCall(request), **kwargs)
        except NgsiError as error:
            response = _problem(error)
        except Refused as refused:
            response = _problem(
                Forbidden(refused.message) if refused.status == 403 else BadRequestData(refused.message)
            )
        if response.status_code == 405:
            response["Allow"] = ", ".join(handlers)
        return response

    return view


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type="application/json")


def _attrs_out(attrs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for a in attrs:
        item = {k: v for k, v in a.items() if k != "unit_code"}
        if a.get("unit_code"):
            item["metadata"] = {"unitCode": {"type": "Text", "value": a["unit_code"]}}
        out.append(item)
    return out


def group_json(group: ServiceGroup, service: str) -> dict[str, Any]:
    return {
        "apikey": group.apikey,
        "resource": group.resource,
        "entity_type": group.entity_type,
        "service": service,
        "subservice": group.service_path,
        "timestamp": group.timestamp,
        "attributes": _attrs_out(group.attributes),
        "static_attributes": _attrs_out(group.static_attributes),
    }


def device_json(device: Device, service: str) -> dict[str, Any]:
    return {
        "device_id": device.device_id,
        "apikey": device.group.apikey,
        "service": service,
        "service_path": device.group.service_path,
        "entity_name": device.entity_id,
        "entity_type": device.entity_type,
        "protocol": "IoTA-JSON",
        "transport": "MQTT",
        "timestamp": device.timestamp,
        "attributes": _attrs_out(device.attributes),
        "static_attributes": _attrs_out(device.static_attributes),
    }


def _int(call: IotCall, name: str, default: int, high: int | None = None) -> int:
    raw = call.request.GET.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or (high is not None and int(raw) > high):
        raise BadRequestData(f"{name}: a whole number from 0{f' to {high}' if high else ''}, not {raw!r}")
    return int(raw)


def _list_groups(call: IotCall) -> HttpResponse:
    call.editor()
    groups = selectors.device_groups(call.org, call.service_path)
    slug = call.org.slug
    return _json({"count": len(groups), "services": [group_json(g, slug) for g in groups]})


def _create_groups(call: IotCall) -> HttpResponse:
    user = call.editor()
    services.provision_groups(user, call.org, call.service_path, call.items("services"))
    return HttpResponse(status=201)


def _delete_group(call: IotCall) -> HttpResponse:
    user = call.editor()
    apikey = call.request.GET.get("apikey", "")
    if not apikey:
        raise BadRequestData("apikey: the query names the service group's API key")
    services.delete_group(user, call.org, call.service_path, apikey, call.request.GET.get("resource", ""))
    return HttpResponse(status=204)


def _list_devices(call: IotCall) -> HttpResponse:
    call.editor()
    limit = _int(call, "limit", 20, MAX_LIMIT)
    offset = _int(call, "offset", 0)
    count, found = selectors.devices(call.org, call.service_path, limit=limit, offset=offset)
    return _json({"count": count, "devices": [device_json(d, call.org.slug) for d in found]})


def _create_devices(call: IotCall) -> HttpResponse:
    user = call.editor()
    services.provision_devices(user, call.org, call.service_path, call.items("devices"))
    return HttpResponse(status=201)


def _retrieve_device(call: IotCall, device_id: str) -> HttpResponse:
    call.editor()
    found = selectors.device(call.org, call.service_path, device_id)
    if found is None:
        raise ResourceNotFound(f"There is no device {device_id} here")
    return _json(device_json(found, call.org.slug))


def _delete_device(call: IotCall, device_id: str) -> HttpResponse:
    user = call.editor()
    services.delete_device(user, call.org, call.service_path, device_id)
    return HttpResponse(status=204)


groups = _endpoint({"GET": _list_groups, "POST": _create_groups, "DELETE": _delete_group})
devices = _endpoint({"GET": _list_devices, "POST": _create_devices})
device = _endpoint({"GET": _retrieve_device, "DELETE": _delete_device})
