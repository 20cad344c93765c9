"""The NGSI-LD API at /ngsi-ld/v1/ (ETSI GS CIM 009 V1.6.1, the parts docs/context.md lists).

Views of their own, not django-ninja's: the API has its own media types (application/ld+json), its
own error format (Problem Details with the spec's types) and its own headers (Link, NGSILD-Tenant,
NGSILD-Results-Count). Each view is thin: it reads the request (tenant, token, @context, body), calls
a selector or a service, and writes the answer; every NgsiError becomes its Problem Details.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from regija.core import tokens
from regija.core.services import Refused
from regija.core.services import now as clock

from . import entities as ent
from . import geo, jsonld, query, selectors, services, subscriptions
from .errors import (
    BadRequestData,
    Forbidden,
    InvalidRequest,
    LdContextNotAvailable,
    MethodNotAllowed,
    NgsiError,
    NotAcceptable,
    OperationNotSupported,
    PayloadTooLarge,
    ResourceNotFound,
    Unauthorized,
    UnsupportedMediaType,
)

JSON = "application/json"
JSON_LD = "application/ld+json"
GEO_JSON = "application/geo+json"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
LINK = re.compile(r"^\s*<([^>]*)>\s*(.*)$")


def _max_body() -> int:
    return int(getattr(settings, "REGIJA_NGSI_MAX_BODY", 1024 * 1024))


SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(data: Any) -> bool:
    """Whether a parsed body holds a lone surrogate (valid JSON, no Unicode text: PostgreSQL refuses it)."""
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def problem(error: NgsiError) -> HttpResponse:
    response = HttpResponse(json.dumps(error.problem()), status=error.status, content_type=JSON)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="regija"'
    return response


MERGE_PATCH = "application/merge-patch+json"


class Call:
    """What one request brings: its tenant, its @context, its body."""

    def __init__(self, request: HttpRequest, *, geo: bool = True):
        self.request = request
        self.organisation = selectors.tenant(request.headers.get("NGSILD-Tenant"))
        self.link = self._link()
        self.context: Any = self.link
        self.accept = self._accept(geo)

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

    def _accept(self, geo: bool = True) -> str:
        """The first media type of Accept that the answer can have; GeoJSON only where ``geo`` (6.3.4:
        Retrieve Entity and Query Entities alone answer application/geo+json)."""
        accept = self.request.headers.get("Accept", "")
        if not accept:
            return JSON
        kinds = [a.split(";")[0].strip() for a in accept.split(",")]
        for kind in kinds:
            if kind == JSON_LD or (kind == GEO_JSON and geo):
                return kind
            if kind in (JSON, "*/*", "application/*"):
                return JSON
        answers = f"{JSON}, {JSON_LD} or {GEO_JSON}" if geo else f"{JSON} or {JSON_LD}"
        raise NotAcceptable(f"Accept: this operation answers {answers}, not {accept}")

    def _json(self) -> Any:
        """The request's body as JSON: its size, media type and syntax checked."""
        request = self.request
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > _max_body():
            raise PayloadTooLarge(f"The body may be at most {_max_body()} bytes")
        kind = self.kind()
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
        if SURROGATE.search(raw) and _lone_surrogate(data):
            raise BadRequestData(
                "The body has a lone UTF-16 surrogate (\\ud800–\\udfff), which is no character"
            )
        return data

    def kind(self) -> str:
        kind = (self.request.content_type or "").lower()
        if kind == MERGE_PATCH and self.request.method == "PATCH":
            return JSON  # 6.3.4: a PATCH's body may be sent as application/merge-patch+json, read as JSON
        return kind

    def body(self) -> Any:
        """The request's JSON, its @context taken (body for application/ld+json, Link for JSON)."""
        data = self._json()
        if not isinstance(data, dict):  # not the JSON the operation takes: the request itself is wrong
            raise InvalidRequest("The body must be a JSON object")
        self.context = self.own_context(data, "")
        return data

    def own_context(self, data: dict[str, Any], where: str) -> Any:
        """The @context of one JSON object of the body, taken out of it: its own with application/ld+json
        (no Link header then), the Link header's with application/json (no @context in the object)."""
        if self.kind() == JSON_LD:
            if self.link:
                raise BadRequestData("Link: with application/ld+json the @context is given in the body")
            if "@context" not in data:
                raise BadRequestData(f"{where}@context: application/ld+json needs an @context in the body")
            return data.pop("@context")
        if "@context" in data:
            raise BadRequestData(
                f"{where}@context: with application/json the @context is given in a Link header"
            )
        return self.link

    def array(self) -> list[Any]:
        """The request's JSON, which must be an array (the batch operations, clauses 6.14–6.17)."""
        data = self._json()
        if not isinstance(data, list):
            raise BadRequestData("The body must be a JSON array")
        return data

    @property
    def contexts(self) -> list[Any]:
        return jsonld.effective(self.context)

    def expand(self, names: list[str], context: Any = None, *, own: bool = False) -> dict[str, str]:
        """Names → IRIs by the request's @context (or, with ``own``, by this one of a batch's entity)."""
        try:
            return jsonld.expand_terms(jsonld.effective(context) if own else self.contexts, names)
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

    def geo_answer(self, features: list[dict[str, Any]], *, many: bool) -> HttpResponse:
        """A GeoJSON answer (clause 4.5.16): one Feature, or a FeatureCollection of them; the @context is
        a member of the top-level object (the Feature, or the collection), as JSON-LD over GeoJSON has it."""
        context = self.context if self.context is not None else jsonld.CORE_CONTEXT_URL
        body = {"type": "FeatureCollection", "features": features} if many else dict(features[0])
        body["@context"] = context
        return HttpResponse(json.dumps(body), content_type=GEO_JSON)


def endpoint(
    handlers: dict[str, Callable[..., HttpResponse]], *, geo: bool = False
) -> Callable[..., HttpResponse]:
    """A view answering each method with its handler (405 for others), every NgsiError as Problem Details;
    ``geo``: its answers may be GeoJSON (Retrieve Entity, Query Entities)."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method or "")
        if handler is None:
            response = problem(MethodNotAllowed(f"{request.method} is not an operation of this resource"))
            response["Allow"] = ", ".join(handlers)
            return response
        try:
            for name in ("entity_id", "subscription_id", "instance_id"):
                if name in kwargs and not ent.is_uri(kwargs[name]):
                    # 5.6.6, 5.7.1, 5.8.3 …: an id that is not a valid URI is BadRequestData
                    raise BadRequestData(f"{name.replace('_id', ' id')}: {kwargs[name]!r} is not a URI")
            return handler(Call(request, geo=geo), **kwargs)
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


# clause 5.7.2.4 (V1.6.1): a query names entity types, attributes, a q or a geo-query – ids (or an
# idPattern) alone are not enough
MINIMAL = "Give at least one of type, attrs, q or a geo-query (an id or idPattern alone is not a query)"


def check_attr_names(attrs: list[str]) -> None:
    """``attrs`` names attributes: ``id``, ``type`` and the other members of an entity are none (4.6.2)."""
    for name in attrs:
        if name in ent.RESERVED:
            raise BadRequestData(f"attrs: {name!r} is a member of an entity, not an attribute name")


def split_list(value: str | None) -> list[str]:
    """A comma-separated parameter's items, blanks dropped."""
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
    """Query Entities (clause 5.7.2, GET /entities, clause 6.4.3.2)."""
    params = call.request.GET
    id_pattern = params.get("idPattern")
    selector = selectors.Selector(split_list(params.get("type")), split_list(params.get("id")), id_pattern)
    geo_parts = None
    if any(p in params for p in ("georel", "geometry", "coordinates", "geoproperty")):
        geo_parts = (
            params.get("georel"),
            params.get("geometry"),
            params.get("coordinates"),
            params.get("geoproperty"),
        )
    return _run_query(
        call, [selector], split_list(params.get("attrs")), params.get("q"), geo_parts, geo_prefix=""
    )


def _run_query(
    call: Call,
    wanted: list[selectors.Selector],
    attrs: list[str],
    q_text: str | None,
    geo_parts: tuple[Any, Any, Any, Any] | None,
    *,
    geo_prefix: str,
) -> HttpResponse:
    """The query of GET /entities and POST /entityOperations/query: entity selectors (one must hold),
    attrs, q, a geo-query; limit, offset, count and options from the query string."""
    params = call.request.GET
    if not (any(s.types for s in wanted) or attrs or q_text is not None or geo_parts):
        raise BadRequestData(MINIMAL)
    check_attr_names(attrs)
    tree = query.parse(q_text) if q_text is not None else None
    geo_query = geo.parse(*geo_parts[:3], None, prefix=geo_prefix) if geo_parts else None
    geo_term = (geo_parts[3] if geo_parts else None) or "location"
    if not isinstance(geo_term, str) or not ent.KEY_CHARS.match(geo_term):
        raise BadRequestData(f"{geo_prefix}geoproperty: {geo_term!r} is not a valid attribute name")
    types = [t for s in wanted for t in s.types]
    names = types + attrs + (query.names(tree) if tree is not None else []) + [geo_term]
    names += [_geometry_property(call)] if call.accept == GEO_JSON else []
    iris = call.expand(names)
    q = query.to_q(tree, iris) if tree is not None else None
    if geo_query is not None:
        geo_query = dataclasses.replace(geo_query, geoproperty=iris[geo_term])
    limit = int_param(params, "limit", 20, 0, selectors.MAX_LIMIT)
    offset = int_param(params, "offset", 0, 0, None)
    count = params.get("count") == "true"
    _options(call)  # refuse a bad option before querying
    for selector in wanted:
        for entity_id in selector.ids:
            if not ent.is_uri(entity_id):
                raise BadRequestData(f"id: {entity_id!r} is not a URI")
    expanded = [selectors.Selector([iris[t] for t in s.types], list(s.ids), s.id_pattern) for s in wanted]
    try:
        with transaction.atomic():  # a savepoint: a pattern the database refuses leaves no broken transaction
            rows, total = selectors.entities(
                call.organisation,
                any_of=expanded,
                attrs=[iris[a] for a in attrs],
                q=q,
                prefilter=query.prefilter(tree, iris) if tree is not None else None,
                geo=geo_query,
                limit=limit,
                offset=offset,
                count=count,
            )
    except DataError:
        raise BadRequestData(
            "q or idPattern: the database cannot evaluate this (a regular expression?)"
        ) from None
    chosen = {iris[a] for a in attrs} if attrs else None
    if call.accept == GEO_JSON:
        response = call.geo_answer(_features(call, rows, chosen, iris[_geometry_property(call)]), many=True)
    else:
        response = call.answer(_render(call, rows, chosen))
    if total is not None:
        response["NGSILD-Results-Count"] = str(total)
    return response


def _geometry_property(call: Call) -> str:
    term = call.request.GET.get("geometryProperty") or "location"
    if not ent.KEY_CHARS.match(term):
        raise BadRequestData(f"geometryProperty: {term!r} is not a valid attribute name")
    return term


def _features(call: Call, rows: list[Any], attrs: set[str] | None, geometry_iri: str) -> list[dict[str, Any]]:
    """Entities as GeoJSON Features (RFC 7946 §3.2; NGSI-LD clause 4.5.16): the entity's id, its
    ``geometryProperty`` GeoProperty's value as the geometry (null when it has none), the entity's type
    and attributes, in the requested form, as the properties."""
    features = []
    for row, rendered in zip(rows, _render(call, rows, attrs), strict=True):
        stored = row.doc.get(geometry_iri)
        geometry = (
            stored.get("value") if isinstance(stored, dict) and stored.get("type") == "GeoProperty" else None
        )
        properties = {k: v for k, v in rendered.items() if k != "id"}
        features.append(
            {"id": row.entity_id, "type": "Feature", "geometry": geometry, "properties": properties}
        )
    return features


def _query_post(call: Call) -> HttpResponse:
    """Query Entities via POST (clause 5.7.2 with a Query, clause 5.2.23; POST /entityOperations/query,
    clause 6.23.3.1): the same query as GET /entities, given in the body."""
    body = call.body()
    if body.get("type") != "Query":
        raise BadRequestData('type: a query\'s body is a Query, {"type": "Query", …} (clause 5.2.23)')
    unknown = set(body) - {"type", "entities", "attrs", "q", "geoQ", "temporalQ", "csf", "scopeQ", "lang"}
    if unknown:
        raise BadRequestData(f"{', '.join(sorted(unknown))}: not a member of a Query (clause 5.2.23)")
    if "temporalQ" in body:
        raise BadRequestData(
            "temporalQ: only the temporal API's queries take a temporal query (clause 5.2.23): "
            "POST /ngsi-ld/v1/temporal/entityOperations/query"
        )
    for member in ("csf", "scopeQ", "lang"):
        if member in body:
            raise OperationNotSupported(f"{member}: not supported yet (docs/context.md)")
    wanted = [entity_selector(s, f"entities[{n}]") for n, s in enumerate(body_array(body, "entities"))]
    attrs = body_array(body, "attrs")
    if not all(isinstance(a, str) and ent.KEY_CHARS.match(a) for a in attrs):
        raise BadRequestData("attrs: a list of attribute names")
    q_text = body.get("q")
    if q_text is not None and not isinstance(q_text, str):
        raise BadRequestData("q: a query in the NGSI-LD query language, as a string")
    geo_parts = None
    if "geoQ" in body:
        geo_q = body["geoQ"]
        if not isinstance(geo_q, dict):
            raise BadRequestData("geoQ: a GeoQuery object (clause 5.2.13)")
        extra = set(geo_q) - {"geometry", "coordinates", "georel", "geoproperty"}
        if extra:
            raise BadRequestData(f"geoQ.{sorted(extra)[0]}: not a member of a GeoQuery (clause 5.2.13)")
        for member in ("georel", "geometry"):
            if member in geo_q and not isinstance(geo_q[member], str):
                raise BadRequestData(f"geoQ.{member}: a string")
        coordinates = geo_q.get("coordinates")
        if isinstance(coordinates, list):
            coordinates = json.dumps(coordinates)
        geo_parts = (geo_q.get("georel"), geo_q.get("geometry"), coordinates, geo_q.get("geoproperty"))
    return _run_query(call, wanted, attrs, q_text, geo_parts, geo_prefix="geoQ.")


def body_array(body: dict[str, Any], member: str) -> list[Any]:
    """A member of a body that must be a JSON array (absent: empty)."""
    value = body.get(member, [])
    if not isinstance(value, list):
        raise BadRequestData(f"{member}: a JSON array")
    return value


def entity_selector(value: Any, where: str) -> selectors.Selector:
    """An EntitySelector (clause 5.2.33): a type (or several, comma-separated: any of them), and an id
    or an idPattern."""
    if not isinstance(value, dict):
        raise BadRequestData(f'{where}: an EntitySelector, {{"type": …, "id" or "idPattern": …}}')
    extra = set(value) - {"id", "idPattern", "type"}
    if extra:
        raise BadRequestData(f"{where}.{sorted(extra)[0]}: not a member of an EntitySelector (clause 5.2.33)")
    kind = value.get("type")
    # a list of types is any of them, as the type parameter of GET /entities (ETSI suite 019_02_05)
    kinds = split_list(kind) if isinstance(kind, str) else []
    if not kinds or not all(ent.KEY_CHARS.match(k) for k in kinds):
        raise BadRequestData(f"{where}.type: an EntitySelector needs a type (clause 5.2.33)")
    for member in ("id", "idPattern"):
        if member in value and not isinstance(value[member], str):
            raise BadRequestData(f"{where}.{member}: a string")
    return selectors.Selector(kinds, [value["id"]] if "id" in value else [], value.get("idPattern"))


def int_param(params: Any, name: str, default: int, low: int, high: int | None) -> int:
    """A whole-number query parameter within [low, high], or 400 BadRequestData saying so."""
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
    attrs = split_list(call.request.GET.get("attrs"))
    iris = call.expand(attrs) if attrs else {}
    row = _found(call, entity_id)
    chosen = {iris[a] for a in attrs} if attrs else None
    if chosen is not None and not chosen & set(row.doc):
        raise ResourceNotFound(f"The entity {entity_id} has none of the attributes {', '.join(attrs)}")
    if call.accept == GEO_JSON:
        term = _geometry_property(call)
        geometry_iri = call.expand([term])[term]
        return call.geo_answer(_features(call, [row], chosen, geometry_iri), many=False)
    return call.answer(_render(call, [row], chosen)[0])


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
    deleted = [iris[n] for n in _nulls(data)]
    attrs = ent.attributes(data, iris, services.timestamp())
    missing = services.update(user, call.organisation, entity_id, attrs, deleted)
    done = [i for i in [*attrs, *deleted] if i not in missing]
    return _update_result(call, done, missing, "The entity has no such attribute")


NGSI_LD_NULL = "urn:ngsi-ld:null"


def _is_null(value: Any) -> bool:
    """An attribute given as NGSI-LD Null ("urn:ngsi-ld:null" as its value, object or languageMap, V1.6.1):
    a merge, update or partial update that deletes it."""
    if value == NGSI_LD_NULL:
        return True
    if not isinstance(value, dict):
        return False
    return (
        value.get("value") == NGSI_LD_NULL
        or value.get("object") == NGSI_LD_NULL
        or value.get("languageMap") in (NGSI_LD_NULL, {"@none": NGSI_LD_NULL})
    )


def _nulls(data: dict[str, Any]) -> list[str]:
    """The names of the attributes a fragment deletes (given as NGSI-LD Null), taken out of it."""
    names = [k for k, v in data.items() if k not in ("id", "type", "@context") and _is_null(v)]
    for name in names:
        del data[name]
    return names


def _merge(call: Call, entity_id: str) -> HttpResponse:
    """Merge Entity (5.6.17, PATCH /entities/{entityId}, 6.5.3.4)."""
    user = call.user()
    data = call.body()
    given = data.pop("id", None)
    if given is not None and given != entity_id:
        raise BadRequestData(f"id: the body's id {given!r} is not the entity's {entity_id!r}")
    data.pop("type", None)
    deleted = _nulls(data)
    iris = call.expand(ent.terms(data) + deleted)
    attrs = ent.attributes(data, iris, services.timestamp())
    services.merge(user, call.organisation, entity_id, attrs, [iris[n] for n in deleted])
    return HttpResponse(status=204)


def _attribute_iri(call: Call, attr: str) -> str:
    if not ent.KEY_CHARS.match(attr):
        raise BadRequestData(f"{attr!r} is not a valid attribute name")
    return call.expand([attr])[attr]


def _replace_attribute(call: Call, entity_id: str, attr: str) -> HttpResponse:
    """Replace Attribute (5.6.19, PUT /entities/{entityId}/attrs/{attrId}, 6.6.3.3): the attribute the
    entity has replaced whole by the body's; 404 when the entity or the attribute is not there."""
    user = call.user()
    data = call.body()
    iri = _attribute_iri(call, attr)
    iris = call.expand(ent.terms({attr: data}))
    attribute = ent.attribute(attr, data, iris, services.timestamp(), where=attr)
    if services.update(user, call.organisation, entity_id, {iri: attribute}):
        raise ResourceNotFound(f"The entity {entity_id} has no attribute {attr}")
    return HttpResponse(status=204)


def _partial(call: Call, entity_id: str, attr: str) -> HttpResponse:
    user = call.user()
    data = call.body()
    iri = _attribute_iri(call, attr)
    if _is_null(data):
        services.delete_attribute(user, call.organisation, entity_id, iri)
        return HttpResponse(status=204)
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


entities = endpoint({"GET": _query, "POST": _create}, geo=True)
entity = endpoint({"GET": _retrieve, "PUT": _replace, "PATCH": _merge, "DELETE": _delete}, geo=True)
attributes = endpoint({"POST": _append, "PATCH": _update})
attribute = endpoint({"PUT": _replace_attribute, "PATCH": _partial, "DELETE": _delete_attribute})


# ------------------------------------------------------------------------------- batch operations


def _batch_max() -> int:
    return int(getattr(settings, "REGIJA_NGSI_BATCH_MAX", 1000))


def _batch_array(call: Call) -> list[Any]:
    data = call.array()
    if not data:
        raise BadRequestData("The body must give at least one entity")
    if len(data) > _batch_max():
        raise PayloadTooLarge(f"A batch may hold at most {_batch_max()} entities, not {len(data)}")
    return data


def _batch_entities(call: Call, operation: str) -> list[services.BatchItem]:
    """The body's entities (clause 6.14.3.1 …): each an object with an id that is a URI – otherwise the
    request is refused whole, saying which one – parsed by the @context it comes with. An entity that
    does not parse – or whose @context is not where the Content-Type puts it (6.3.5) – is answered in the
    result, with its own Problem Details; the others are written."""
    if call.kind() == JSON_LD and call.link:
        raise BadRequestData("Link: with application/ld+json the @context is given in the body")
    entities: list[tuple[str, dict[str, Any], Any]] = []
    iris_of: dict[int, dict[str, str] | NgsiError] = {}
    nulls: dict[int, list[str]] = {}  # merge: the attributes each entity gives as NGSI-LD Null
    for n, data in enumerate(_batch_array(call)):
        if not isinstance(data, dict):
            raise BadRequestData(f"[{n}]: each item of the array must be an entity (a JSON object)")
        try:
            entity_id = ent.entity_id(data)
        except BadRequestData as error:
            raise BadRequestData(f"[{n}].{error.detail}") from None
        try:
            context = call.own_context(data, f"[{n}].")
        except BadRequestData as error:
            iris_of[n], context = error, None
        if operation == "merge":
            nulls[n] = _nulls(data)
        entities.append((entity_id, data, context))
    # one expansion per distinct @context (with application/json: the Link header's, for all)
    groups: dict[str, list[int]] = {}
    for n, (_, _data, context) in enumerate(entities):
        if n not in iris_of:
            groups.setdefault(json.dumps(context, sort_keys=True), []).append(n)
    for members in groups.values():
        context = entities[members[0]][2]
        names = [t for n in members for t in [*ent.terms(entities[n][1]), *nulls.get(n, [])]]
        try:
            iris: dict[str, str] | NgsiError = call.expand(names, context, own=True)
        except NgsiError as error:
            if call.kind() == JSON:
                raise  # the request's one @context cannot be used: nothing can be written
            iris = error
        for n in members:
            iris_of[n] = iris
    stamp = services.timestamp()
    items = []
    for n, (entity_id, data, _) in enumerate(entities):
        item = services.BatchItem(entity_id)
        try:
            found = iris_of[n]
            if isinstance(found, NgsiError):
                raise found
            if operation not in ("update", "merge") or "type" in data:
                item.type_iri = ent.entity_type(data, found)
            item.attrs = ent.attributes(data, found, stamp)
            item.deleted = [found[name] for name in nulls.get(n, [])]
        except NgsiError as error:
            item.error = error
        items.append(item)
    return items


def _batch_options(call: Call, allowed: set[str]) -> set[str]:
    options = {o for o in call.request.GET.get("options", "").split(",") if o}
    if options - allowed:
        raise BadRequestData(f"options: this operation takes only {' or '.join(sorted(allowed))}")
    return options


def _json_answer(data: Any, status: int) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type=JSON)


def _batch_answer(result: services.BatchResult, all_done: HttpResponse) -> HttpResponse:
    """``all_done`` when every entity was written; otherwise 207 with the BatchOperationResult (5.2.16),
    each failed entity with its Problem Details (BatchEntityError, 5.2.17)."""
    if not result.errors:
        return all_done
    return _json_answer(
        {
            "success": result.success,
            "errors": [{"entityId": i, "error": e.problem()} for i, e in result.errors],
        },
        207,
    )


def _batch_create(call: Call) -> HttpResponse:
    user = call.user()
    _batch_options(call, set())
    items = _batch_entities(call, "create")
    result = services.batch(user, call.organisation, "create", items)
    return _batch_answer(result, _json_answer(result.success, 201))


def _batch_upsert(call: Call) -> HttpResponse:
    user = call.user()
    options = _batch_options(call, {"replace", "update"})
    if options == {"replace", "update"}:
        raise BadRequestData("options: replace and update exclude each other")
    items = _batch_entities(call, "upsert")
    result = services.batch(
        user, call.organisation, "upsert", items, replace_existing="update" not in options
    )
    done = _json_answer(result.created, 201) if result.created else HttpResponse(status=204)
    return _batch_answer(result, done)


def _batch_update(call: Call) -> HttpResponse:
    user = call.user()
    options = _batch_options(call, {"noOverwrite"})
    items = _batch_entities(call, "update")
    result = services.batch(user, call.organisation, "update", items, no_overwrite="noOverwrite" in options)
    return _batch_answer(result, HttpResponse(status=204))


def _batch_merge(call: Call) -> HttpResponse:
    """Batch Entity Merge (5.6.20; HTTP 6.31, ``POST /entityOperations/merge``): each entity merged as
    Merge Entity (5.6.17) merges it – NGSI-LD Null deletes an attribute; one the tenant lacks is
    ``ResourceNotFound`` in the result. 204, else 207."""
    user = call.user()
    _batch_options(call, set())
    items = _batch_entities(call, "merge")
    result = services.batch(user, call.organisation, "merge", items)
    return _batch_answer(result, HttpResponse(status=204))


def _batch_delete(call: Call) -> HttpResponse:
    user = call.user()
    _batch_options(call, set())
    items = []
    for n, entity_id in enumerate(_batch_array(call)):
        if not ent.is_uri(entity_id):
            raise BadRequestData(f"[{n}]: each item must be an entity id (a URI), not {entity_id!r}")
        items.append(services.BatchItem(str(entity_id)))
    result = services.batch(user, call.organisation, "delete", items)
    return _batch_answer(result, HttpResponse(status=204))


batch_create = endpoint({"POST": _batch_create})
batch_upsert = endpoint({"POST": _batch_upsert})
batch_update = endpoint({"POST": _batch_update})
batch_delete = endpoint({"POST": _batch_delete})
batch_merge = endpoint({"POST": _batch_merge})


# -------------------------------------------------------------------------------------- discovery


def _details(call: Call) -> bool:
    raw = call.request.GET.get("details", "false")
    if raw not in ("true", "false"):
        raise BadRequestData(f"details: true or false, not {raw!r}")
    return raw == "true"


def _list_id(kind: str) -> str:
    return f"urn:ngsi-ld:{kind}:{uuid.uuid4()}"


def _kinds(stats: list[selectors.AttributeStat]) -> list[str]:
    return sorted({s.kind for s in stats})


def _types(call: Call) -> HttpResponse:
    """Retrieve Available Entity Types (5.7.5) and their details (5.7.6 with details=true)."""
    details = _details(call)
    counts = selectors.type_counts(call.organisation)
    if not details:
        terms = call.compact(list(counts))
        return call.answer(
            {
                "id": _list_id("EntityTypeList"),
                "type": "EntityTypeList",
                "typeList": [terms[t] for t in counts],
            }
        )
    names: dict[str, list[str]] = {t: [] for t in counts}
    for stat in selectors.attribute_stats(call.organisation):
        if stat.attribute not in names[stat.entity_type]:
            names[stat.entity_type].append(stat.attribute)
    terms = call.compact(list(counts) + [a for attrs in names.values() for a in attrs])
    return call.answer(
        [
            {
                "id": t,
                "type": "EntityType",
                "typeName": terms[t],
                "attributeNames": [terms[a] for a in names[t]],
            }
            for t in counts
        ]
    )


def _name_iri(call: Call, name: str, what: str) -> str:
    if not name or any(c.isspace() for c in name):
        raise BadRequestData(f"{name!r} is not a valid {what} name")
    return call.expand([name])[name]


def _type(call: Call, type_name: str) -> HttpResponse:
    """Retrieve Available Entity Type Information (5.7.7)."""
    iri = _name_iri(call, type_name, "entity type")
    count = selectors.type_counts(call.organisation, iri).get(iri)
    if not count:
        raise ResourceNotFound(f"There is no entity of the type {type_name}")
    stats = selectors.attribute_stats(call.organisation, type_iri=iri)
    attributes: dict[str, list[selectors.AttributeStat]] = {}
    for stat in stats:
        attributes.setdefault(stat.attribute, []).append(stat)
    terms = call.compact([iri, *attributes])
    return call.answer(
        {
            "id": iri,
            "type": "EntityTypeInfo",
            "typeName": terms[iri],
            "entityCount": count,
            "attributeDetails": [
                {"id": a, "type": "Attribute", "attributeName": terms[a], "attributeTypes": _kinds(s)}
                for a, s in attributes.items()
            ],
        }
    )


def _attribute_info(iri: str, stats: list[selectors.AttributeStat], terms: dict[str, str]) -> dict[str, Any]:
    return {
        "id": iri,
        "type": "Attribute",
        "attributeName": terms[iri],
        "attributeCount": sum(s.count for s in stats),
        "attributeTypes": _kinds(stats),
        "typeNames": [terms[t] for t in sorted({s.entity_type for s in stats})],
    }


def _by_attribute(stats: list[selectors.AttributeStat]) -> dict[str, list[selectors.AttributeStat]]:
    found: dict[str, list[selectors.AttributeStat]] = {}
    for stat in stats:
        found.setdefault(stat.attribute, []).append(stat)
    return found


def _attributes(call: Call) -> HttpResponse:
    """Retrieve Available Attributes (5.7.8) and their details (5.7.9 with details=true)."""
    details = _details(call)
    found = _by_attribute(selectors.attribute_stats(call.organisation))
    types = {s.entity_type for stats in found.values() for s in stats} if details else set()
    terms = call.compact([*found, *sorted(types)])
    if not details:
        return call.answer(
            {
                "id": _list_id("AttributeList"),
                "type": "AttributeList",
                "attributeList": [terms[a] for a in found],
            }
        )
    return call.answer([_attribute_info(a, s, terms) for a, s in found.items()])


def _attribute_detail(call: Call, attr: str) -> HttpResponse:
    """Retrieve Available Attribute Information (5.7.10)."""
    iri = _name_iri(call, attr, "attribute")
    stats = selectors.attribute_stats(call.organisation, attribute=iri)
    if not stats:
        raise ResourceNotFound(f"No entity has an attribute {attr}")
    terms = call.compact([iri, *sorted({s.entity_type for s in stats})])
    return call.answer(_attribute_info(iri, stats, terms))


types = endpoint({"GET": _types})
entity_type = endpoint({"GET": _type})
attribute_list = endpoint({"GET": _attributes})
attribute_info = endpoint({"GET": _attribute_detail})


query_entities = endpoint({"POST": _query_post}, geo=True)


# ------------------------------------------------------------------------------------- subscriptions


def _subscription_parser(call: Call) -> Callable[[dict[str, Any]], subscriptions.Parsed]:
    return lambda body: subscriptions.parse(body, call.expand, now=clock())


def _create_subscription(call: Call) -> HttpResponse:
    """Create Subscription (clause 5.8.1; HTTP 6.10.3.1): 201 with its address."""
    user = call.user()
    services.check_subscriptions(user, call.organisation)
    data = call.body()
    parsed = _subscription_parser(call)(data)
    created = services.create_subscription(user, call.organisation, parsed, call.context)
    response = HttpResponse(status=201)
    response["Location"] = f"/ngsi-ld/v1/subscriptions/{quote(created.subscription_id, safe=':')}"
    return response


def _subscriptions(call: Call) -> HttpResponse:
    """Query Subscriptions (clause 5.8.4; HTTP 6.10.3.2): ``limit``, ``offset``, ``count``."""
    user = call.user()
    services.check_subscriptions(user, call.organisation)
    params = call.request.GET
    limit = int_param(params, "limit", 20, 0, selectors.MAX_LIMIT)
    offset = int_param(params, "offset", 0, 0, None)
    count = params.get("count") == "true"
    # one more than the page, to know whether a next page exists
    rows, total = selectors.subscriptions(
        call.organisation, limit=limit + 1 if limit else 0, offset=offset, count=count
    )
    more, rows = len(rows) > limit, rows[:limit]
    now = clock()
    data = [
        subscriptions.recompacted(subscriptions.render(r, now, services.timestamp), r, call.context)
        for r in rows
    ]
    response = call.answer(data)
    if total is not None:
        response["NGSILD-Results-Count"] = str(total)
    pages = _page_links(call, limit, offset, more, response["Content-Type"])
    if pages:
        response["Link"] = ", ".join(([response["Link"]] if response.has_header("Link") else []) + pages)
    return response


def _page_links(call: Call, limit: int, offset: int, more: bool, media_type: str) -> list[str]:
    """The pagination links of a page of a list (clause 5.5.9; HTTP 6.3.x): ``rel="prev"`` when the
    page does not start at the first item, ``rel="next"`` when items follow it – the same address with
    ``limit`` and the other page's ``offset`` first, the request's other parameters after."""
    if not limit:
        return []
    others = [(k, v) for k, vs in call.request.GET.lists() if k not in ("limit", "offset") for v in vs]

    def link(at: int, rel: str) -> str:
        query = urlencode([("limit", limit), ("offset", at), *others])
        return f'<{call.request.path.rstrip("/")}?{query}>;rel="{rel}";type="{media_type}"'

    found = []
    if offset > 0:
        found.append(link(max(0, offset - limit), "prev"))
    if more:
        found.append(link(offset + limit, "next"))
    return found


def _subscription_found(call: Call, subscription_id: str) -> Any:
    row = selectors.subscription(call.organisation, subscription_id)
    if row is None:
        raise ResourceNotFound(f"There is no subscription {subscription_id}")
    return row


def _retrieve_subscription(call: Call, subscription_id: str) -> HttpResponse:
    """Retrieve Subscription (clause 5.8.3; HTTP 6.11.3.1)."""
    services.check_subscriptions(call.user(), call.organisation)
    row = _subscription_found(call, subscription_id)
    rendered = subscriptions.render(row, clock(), services.timestamp)
    return call.answer(subscriptions.recompacted(rendered, row, call.context))


def _update_subscription(call: Call, subscription_id: str) -> HttpResponse:
    """Update Subscription (clause 5.8.2; HTTP 6.11.3.2): 204."""
    user = call.user()
    services.check_subscriptions(user, call.organisation)
    data = call.body()
    given = call.context if (call.link or call.kind() == JSON_LD) else None
    if given is None:  # no @context with the fragment: its names are read with the subscription's
        stored = _subscription_found(call, subscription_id)
        call.context = stored.context
    services.update_subscription(
        user, call.organisation, subscription_id, data, _subscription_parser(call), given
    )
    return HttpResponse(status=204)


def _delete_subscription(call: Call, subscription_id: str) -> HttpResponse:
    """Delete Subscription (clause 5.8.5; HTTP 6.11.3.3): 204."""
    services.delete_subscription(call.user(), call.organisation, subscription_id)
    return HttpResponse(status=204)


subscription_list = endpoint({"GET": _subscriptions, "POST": _create_subscription})
subscription_one = endpoint(
    {"GET": _retrieve_subscription, "PATCH": _update_subscription, "DELETE": _delete_subscription}
)
