"""The NGSI-LD API at /ngsi-ld/v1/ (ETSI GS CIM 009 V1.6.1, the parts docs/context.md lists).

Views of their own, not django-ninja's: the API has its own media types (application/ld+json), its
own error format (Problem Details with the spec's types) and its own headers (Link, NGSILD-Tenant,
NGSILD-Results-Count). Each view is thin: it reads the request (tenant, token, @context, body), calls
a selector or a service, and writes the answer; every NgsiError becomes its Problem Details.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from regija.core import tokens
from regija.core.services import Refused

from . import entities as ent
from . import jsonld, query, selectors, services
from .errors import (
    BadRequestData,
    Forbidden,
    InvalidRequest,
    LdContextNotAvailable,
    MethodNotAllowed,
    NgsiError,
    NotAcceptable,
    PayloadTooLarge,
    ResourceNotFound,
    Unauthorized,
    UnsupportedMediaType,
)

JSON = "application/json"
JSON_LD = "application/ld+json"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
LINK = re.compile(r"^\s*<([^>]*)>\s*(.*)$")


def _max_body() -> int:
    return int(getattr(settings, "REGIJA_NGSI_MAX_BODY", 1024 * 1024))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def problem(error: NgsiError) -> HttpResponse:
    response = HttpResponse(json.dumps(error.problem()), status=error.status, content_type=JSON)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="regija"'
    return response


class Call:
    """What one request brings: its tenant, its @context, its body."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.organisation = selectors.tenant(request.headers.get("NGSILD-Tenant"))
        self.link = self._link()
        self.context: Any = self.link
        self.accept = self._accept()

    def _link(self) -> str | None:
        header = self.request.headers.get("Link")
        if not header:
            return None
        found = [
            m.group(1) for part in header.split(",") if (m := LINK.match(part)) and CONTEXT_REL in m.group(2)
        ]
        if len(found) > 1:
            raise BadRequestData("Link: give at most one JSON-LD @context")
        return found[0] if found else None

    def _accept(self) -> str:
        accept = self.request.headers.get("Accept", "")
        if not accept:
            return JSON
        kinds = [a.split(";")[0].strip() for a in accept.split(",")]
        for kind in kinds:
            if kind == JSON_LD:
                return JSON_LD
            if kind in (JSON, "*/*", "application/*"):
                return JSON
        raise NotAcceptable(f"Accept: this API answers {JSON} or {JSON_LD}, not {accept}")

    def body(self) -> Any:
        """The request's JSON, its @context taken (body for application/ld+json, Link for JSON)."""
        request = self.request
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > _max_body():
            raise PayloadTooLarge(f"The body may be at most {_max_body()} bytes")
        kind = (request.content_type or "").lower()
        if kind not in (JSON, JSON_LD):
            raise UnsupportedMediaType(f"Content-Type: send {JSON} or {JSON_LD}, not {kind or 'nothing'}")
        try:
            raw = request.body
        except RequestDataTooBig:
            raise PayloadTooLarge(f"The body may be at most {_max_body()} bytes") from None
        if len(raw) > _max_body():
            raise PayloadTooLarge(f"The body may be at most {_max_body()} bytes")
        try:
            data = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidRequest(f"The body is not valid JSON: {exc}") from None
        except RecursionError:
            raise InvalidRequest("The body is nested too deeply") from None
        if b"\\u0000" in raw:
            raise BadRequestData("The body has a NUL character (\\u0000), which no value may hold")
        if not isinstance(data, dict):
            raise BadRequestData("The body must be a JSON object")
        if kind == JSON_LD:
            if self.link:
                raise BadRequestData("Link: with application/ld+json the @context is given in the body")
            if "@context" not in data:
                raise BadRequestData("@context: application/ld+json needs an @context in the body")
            self.context = data.pop("@context")
        elif "@context" in data:
            raise BadRequestData("@context: with application/json the @context is given in a Link header")
        return data

    @property
    def contexts(self) -> list[Any]:
        return jsonld.effective(self.context)

    def expand(self, names: list[str]) -> dict[str, str]:
        try:
            return jsonld.expand_terms(self.contexts, names)
        except jsonld.ContextNotAvailable as exc:
            raise LdContextNotAvailable(str(exc)) from None
        except jsonld.InvalidContext as exc:
            raise BadRequestData(f"@context: {exc}") from None

    def compact(self, iris: list[str]) -> dict[str, str]:
        try:
            return jsonld.compact_iris(self.contexts, iris)
        except jsonld.ContextNotAvailable as exc:
            raise LdContextNotAvailable(str(exc)) from None
        except jsonld.InvalidContext as exc:
            raise BadRequestData(f"@context: {exc}") from None

    def user(self) -> Any:
        """The token's user; writes need one (Authorization: Bearer rgj_…)."""
        header = self.request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("Writing needs an API token: Authorization: Bearer <token>")
        user = tokens.authenticate(header[len("Bearer ") :].strip())
        if user is None:
            raise Unauthorized("The API token is not valid (revoked or mistyped)")
        return user

    def answer(self, data: Any, status: int = 200) -> HttpResponse:
        if self.accept == JSON_LD:
            context = self.context if self.context is not None else jsonld.CORE_CONTEXT_URL
            if isinstance(data, list):
                for item in data:
                    item["@context"] = context
            else:
                data["@context"] = context
            return HttpResponse(json.dumps(data), status=status, content_type=JSON_LD)
        response = HttpResponse(json.dumps(data), status=status, content_type=JSON)
        link = self.link if isinstance(self.context, str) else jsonld.CORE_CONTEXT_URL
        response["Link"] = f'<{link}>; rel="{CONTEXT_REL}"; type="{JSON_LD}"'
        return response


def _endpoint(handlers: dict[str, Callable[..., HttpResponse]]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            response = problem(MethodNotAllowed(f"{request.method} is not an operation of this resource"))
            response["Allow"] = ", ".join(handlers)
            return response
        try:
            return handler(Call(request), **kwargs)
        except NgsiError as error:
            return problem(error)
        except Refused as refused:  # a permission check of core's (Forbidden)
            return problem(
                Forbidden(refused.message) if refused.status == 403 else BadRequestData(refused.message)
            )

    return view


# ---------------------------------------------------------------------------------------------- options


def _options(call: Call) -> tuple[str, bool]:
    options = {o for o in call.request.GET.get("options", "").split(",") if o}
    unknown = options - {"keyValues", "concise", "sysAttrs", "normalized", "noOverwrite"}
    if unknown:
        raise BadRequestData(f"options: {', '.join(sorted(unknown))} is not an option of this operation")
    if "keyValues" in options and "concise" in options:
        raise BadRequestData("options: keyValues and concise exclude each other")
    form = "keyValues" if "keyValues" in options else "concise" if "concise" in options else "normalized"
    return form, "sysAttrs" in options


def _render(call: Call, rows: list[Any], attrs: set[str] | None = None) -> list[dict[str, Any]]:
    form, sys_attrs = _options(call)
    iris = [r.type for r in rows] + [i for r in rows for i in ent.iris_of(r.doc)]
    terms = call.compact(iris)
    return [
        ent.render(
            r.entity_id,
            r.type,
            r.doc,
            terms,
            form=form,
            sys_attrs=sys_attrs,
            attrs=attrs,
            created_at=services.timestamp(r.created_at),
            modified_at=services.timestamp(r.modified_at),
        )
        for r in rows
    ]


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


# ---------------------------------------------------------------------------------------------- entities


def _create(call: Call) -> HttpResponse:
    user = call.user()
    data = call.body()
    entity_id = ent.entity_id(data)
    iris = call.expand(ent.terms(data))
    type_iri = ent.entity_type(data, iris)
    attrs = ent.attributes(data, iris, services.timestamp())
    services.create(user, call.organisation, entity_id, type_iri, attrs)
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/entities/{quote(entity_id, safe=':')}"
    return response


def _query(call: Call) -> HttpResponse:
    params = call.request.GET
    for geo in ("georel", "geometry", "coordinates", "geoproperty"):
        if geo in params:
            raise BadRequestData(f"{geo}: geo-queries are not implemented yet (docs/context.md)")
    types, ids, attrs, q = (
        _list(params.get("type")),
        _list(params.get("id")),
        _list(params.get("attrs")),
        None,
    )
    id_pattern = params.get("idPattern")
    if not (types or ids or id_pattern or attrs or "q" in params):
        raise BadRequestData("Give at least one of type, id, idPattern, attrs or q")
    tree = query.parse(params["q"]) if "q" in params else None
    names = types + attrs + (query.names(tree) if tree is not None else [])
    iris = call.expand(names)
    if tree is not None:
        q = query.to_q(tree, iris)
    limit = _int(params, "limit", 20, 0, selectors.MAX_LIMIT)
    offset = _int(params, "offset", 0, 0, None)
    count = params.get("count") == "true"
    _options(call)  # refuse a bad option before querying
    for entity_id in ids:
        if not ent.is_uri(entity_id):
            raise BadRequestData(f"id: {entity_id!r} is not a URI")
    try:
        with transaction.atomic():  # a savepoint: a pattern the database refuses leaves no broken transaction
            rows, total = selectors.entities(
                call.organisation,
                types=[iris[t] for t in types],
                ids=ids,
                id_pattern=id_pattern,
                attrs=[iris[a] for a in attrs],
                q=q,
                limit=limit,
                offset=offset,
                count=count,
            )
    except DataError:
        raise BadRequestData(
            "q or idPattern: the database cannot evaluate this (a regular expression?)"
        ) from None
    response = call.answer(_render(call, rows, {iris[a] for a in attrs} if attrs else None))
    if total is not None:
        response["NGSILD-Results-Count"] = str(total)
    return response


def _int(params: Any, name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bound = f" and at most {high}" if high is not None else ""
        raise BadRequestData(f"{name}: a whole number at least {low}{bound}, not {raw!r}")
    return int(raw)


def _found(call: Call, entity_id: str) -> Any:
    row = selectors.entity(call.organisation, entity_id)
    if row is None:
        raise ResourceNotFound(f"There is no entity {entity_id}")
    return row


def _retrieve(call: Call, entity_id: str) -> HttpResponse:
    attrs = _list(call.request.GET.get("attrs"))
    iris = call.expand(attrs) if attrs else {}
    row = _found(call, entity_id)
    return call.answer(_render(call, [row], {iris[a] for a in attrs} if attrs else None)[0])


def _replace(call: Call, entity_id: str) -> HttpResponse:
    user = call.user()
    data = call.body()
    if "id" in data and data["id"] != entity_id:
        raise BadRequestData("id: the body's id differs from the entity's in the address")
    iris = call.expand(ent.terms(data))
    type_iri = ent.entity_type(data, iris)
    attrs = ent.attributes(data, iris, services.timestamp())
    services.replace(user, call.organisation, entity_id, type_iri, attrs)
    return HttpResponse(status=204)


def _delete(call: Call, entity_id: str) -> HttpResponse:
    services.delete(call.user(), call.organisation, entity_id)
    return HttpResponse(status=204)


def _fragment(call: Call) -> tuple[dict[str, Any], dict[str, str]]:
    data = call.body()
    for key in ("id", "type"):
        data.pop(key, None)
    if not data:
        raise BadRequestData("The body gives no attribute")
    return data, call.expand(ent.terms(data))


def _update_result(call: Call, done: list[str], not_done: list[str], reason: str) -> HttpResponse:
    if not not_done:
        return HttpResponse(status=204)
    terms = call.compact(done + not_done)
    return call.answer(
        {
            "updated": [terms.get(i, i) for i in done],
            "notUpdated": [{"attributeName": terms.get(i, i), "reason": reason} for i in not_done],
        },
        status=207,
    )


def _append(call: Call, entity_id: str) -> HttpResponse:
    user = call.user()
    options = {o for o in call.request.GET.get("options", "").split(",") if o}
    if options - {"noOverwrite"}:
        raise BadRequestData("options: this operation takes only noOverwrite")
    data, iris = _fragment(call)
    attrs = ent.attributes(data, iris, services.timestamp())
    kept = services.append(user, call.organisation, entity_id, attrs, no_overwrite="noOverwrite" in options)
    done = [i for i in attrs if i not in kept]
    return _update_result(call, done, kept, "The attribute exists and noOverwrite was given")


def _update(call: Call, entity_id: str) -> HttpResponse:
    user = call.user()
    data, iris = _fragment(call)
    attrs = ent.attributes(data, iris, services.timestamp())
    missing = services.update(user, call.organisation, entity_id, attrs)
    done = [i for i in attrs if i not in missing]
    return _update_result(call, done, missing, "The entity has no such attribute")


def _attribute_iri(call: Call, attr: str) -> str:
    if not ent.KEY_CHARS.match(attr):
        raise BadRequestData(f"{attr!r} is not a valid attribute name")
    return call.expand([attr])[attr]


def _partial(call: Call, entity_id: str, attr: str) -> HttpResponse:
    user = call.user()
    data = call.body()
    iri = _attribute_iri(call, attr)
    if not any(k in data for k in ("value", "object", "languageMap")):
        # only meta or sub-attributes: the attribute keeps its value
        stored = _found(call, entity_id).doc.get(iri)
        if stored is None:
            raise ResourceNotFound(f"The entity {entity_id} has no attribute {attr}")
        main = {k: stored[k] for k in ("type", "value", "object", "languageMap") if k in stored}
        data = {**main, **data}
    iris = call.expand(ent.terms({attr: data}))
    fragment = ent.attribute(attr, data, iris, services.timestamp(), where=attr)
    services.partial_update(user, call.organisation, entity_id, iri, fragment)
    return HttpResponse(status=204)


def _delete_attribute(call: Call, entity_id: str, attr: str) -> HttpResponse:
    user = call.user()
    services.delete_attribute(user, call.organisation, entity_id, _attribute_iri(call, attr))
    return HttpResponse(status=204)


entities = _endpoint({"GET": _query, "POST": _create})
entity = _endpoint({"GET": _retrieve, "PUT": _replace, "DELETE": _delete})
attributes = _endpoint({"POST": _append, "PATCH": _update})
attribute = _endpoint({"PATCH": _partial, "DELETE": _delete_attribute})
