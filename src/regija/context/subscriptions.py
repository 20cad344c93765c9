"""NGSI-LD subscriptions (ETSI GS CIM 009 V1.6.1, clauses 5.2.12 Subscription, 5.2.14 NotificationParams,
5.2.15 Endpoint, 5.3.1 Notification, 5.8 Context Subscription; docs/context.md, "Subscriptions").

Three parts, none of which writes: reading a subscription's body (``parse``: every member checked, names
expanded to IRIs, a ``BadRequestData`` naming the member otherwise), finding the subscriptions a change
of entities concerns (``matching``: two queries at most, whatever the number of subscriptions of other
types), and building and delivering a notification (``notification``, ``deliver``: HTTP POST, or an
MQTT publish). The services write; the Huey task (``tasks.notify``) delivers after the commit.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q

from . import entities as ent
from . import geo, jsonld, query, selectors
from .errors import BadRequestData, OperationNotSupported
from .models import ContextEntity, Subscription, SubscriptionSelector

if TYPE_CHECKING:
    from regija.core.models import Organisation

JSON = "application/json"
JSON_LD = "application/ld+json"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

# clause 5.2.12: the kinds of change a subscription may be notified of; without notificationTrigger,
# attributeCreated and attributeUpdated
TRIGGERS = (
    "entityCreated",
    "entityUpdated",
    "entityDeleted",
    "attributeCreated",
    "attributeUpdated",
    "attributeDeleted",
)
DEFAULT_TRIGGERS = ["attributeCreated", "attributeUpdated"]
FORMATS = ("normalized", "keyValues", "concise")
SCHEMES = ("http", "https", "mqtt", "mqtts")
MEMBERS = {
    "id",
    "type",
    "subscriptionName",
    "description",
    "entities",
    "watchedAttributes",
    "notificationTrigger",
    "q",
    "geoQ",
    "isActive",
    "notification",
    "expiresAt",
    "throttling",
    "timeInterval",
    "status",  # the broker's (read-only): accepted and ignored, as on a GET's answer sent back
}
UNSUPPORTED = ("csf", "temporalQ", "scopeQ", "lang")
NOTIFICATION_MEMBERS = {"attributes", "format", "endpoint", "sysAttrs", "showChanges"}
# the delivery statistics of clause 5.2.14 are the broker's: accepted in a body and ignored
NOTIFICATION_READ_ONLY = {
    "status",
    "timesSent",
    "timesFailed",
    "lastNotification",
    "lastFailure",
    "lastSuccess",
}
ENDPOINT_MEMBERS = {"uri", "accept", "receiverInfo", "notifierInfo"}
MQTT_VERSIONS = ("mqtt3.1.1", "mqtt5.0")
# NGSI-LD Null (clause 4.5.0 of V1.6.1's successors, the suite's "urn:ngsi-ld:null"): how a notification
# shows an attribute the change deleted – its main member by the attribute's type – and, with
# showChanges, the member that holds what it was before
NULL = "urn:ngsi-ld:null"
MAIN = {
    "Property": "value",
    "GeoProperty": "value",
    "Relationship": "object",
    "LanguageProperty": "languageMap",
}
PREVIOUS = {
    "value": "previousValue",
    "object": "previousObject",
    "languageMap": "previousLanguageMap",
}


def new_id() -> str:
    return f"urn:ngsi-ld:Subscription:{uuid.uuid4()}"


def timeout() -> float:
    return float(getattr(settings, "REGIJA_NGSI_NOTIFY_TIMEOUT", 10))


def min_interval() -> float:
    """The shortest ``timeInterval`` (seconds) a periodic subscription may ask for: each period costs
    the worker a query and a POST."""
    return float(getattr(settings, "REGIJA_NGSI_SUBSCRIPTION_MIN_INTERVAL", 5))


# ------------------------------------------------------------------------------------------- parsing


@dataclass
class Parsed:
    """A subscription's body as read: the body to keep (terms as given) and what matching needs."""

    body: dict[str, Any]
    selectors: list[tuple[str, str, str]]  # (type IRI or "", id, idPattern)
    watched: list[str]
    triggers: list[str]
    q_iris: dict[str, str]
    geo_iri: str
    attributes: list[str]
    endpoint: str
    is_active: bool
    expires_at: dt.datetime | None
    throttling: float | None
    time_interval: float | None = None


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadRequestData(f"{where}: a non-empty array of attribute names")
    for name in value:
        if not isinstance(name, str) or not name or not ent.KEY_CHARS.match(name):
            raise BadRequestData(f"{where}: {name!r} is not an attribute name")
    return value


def _pairs(value: Any, where: str) -> dict[str, str]:
    """An array of KeyValuePair (clause 5.2.22) as a dict."""
    if not isinstance(value, list):
        raise BadRequestData(f"{where}: an array of {{key, value}} pairs")
    found: dict[str, str] = {}
    for n, pair in enumerate(value):
        if (
            not isinstance(pair, dict)
            or set(pair) != {"key", "value"}
            or not isinstance(pair["key"], str)
            or not isinstance(pair["value"], str)
            or not pair["key"]
        ):
            raise BadRequestData(f'{where}[{n}]: a KeyValuePair, {{"key": string, "value": string}}')
        found[pair["key"]] = pair["value"]
    return found


def _endpoint(value: Any) -> str:
    where = "notification.endpoint"
    if not isinstance(value, dict):
        raise BadRequestData(f"{where}: an Endpoint object (clause 5.2.15) with a uri")
    extra = set(value) - ENDPOINT_MEMBERS
    if extra:
        raise BadRequestData(f"{where}.{sorted(extra)[0]}: not a member of an Endpoint (clause 5.2.15)")
    uri = value.get("uri")
    if not isinstance(uri, str) or not ent.is_uri(uri):
        raise BadRequestData(f"{where}.uri: the URI notifications are sent to")
    parts = urlsplit(uri)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise BadRequestData(f"{where}.uri: an http, https, mqtt or mqtts address with a host, not {uri!r}")
    if parts.scheme.startswith("mqtt") and not parts.path.strip("/"):
        raise BadRequestData(f"{where}.uri: an MQTT address names its topic, mqtt://host[:port]/topic")
    try:
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        raise BadRequestData(f"{where}.uri: the port is not a number") from None
    accept = value.get("accept", JSON)
    if accept not in (JSON, JSON_LD):
        raise BadRequestData(f"{where}.accept: {JSON} or {JSON_LD}, not {accept!r}")
    if "receiverInfo" in value:
        _pairs(value["receiverInfo"], f"{where}.receiverInfo")
    if "notifierInfo" in value:
        info = _pairs(value["notifierInfo"], f"{where}.notifierInfo")
        if "MQTT-QoS" in info and info["MQTT-QoS"] not in ("0", "1", "2"):
            raise BadRequestData(f"{where}.notifierInfo: MQTT-QoS is 0, 1 or 2")
        if "MQTT-Version" in info and info["MQTT-Version"] not in MQTT_VERSIONS:
            raise BadRequestData(f"{where}.notifierInfo: MQTT-Version is mqtt3.1.1 or mqtt5.0")
    return uri


def _type_selection(value: Any, where: str) -> list[str]:
    """An EntityInfo's type: a type name or an entity type selection (clause 4.17) of alternatives,
    ``A|B`` or ``A,B``, in parentheses or not – the types any of which an entity may have. A
    conjunction (``;``) asks for entities of several types, which this broker does not hold."""
    if not isinstance(value, str) or not value:
        raise BadRequestData(f"{where}: an EntityInfo needs a type (clause 5.2.8)")
    if ";" in value:
        raise OperationNotSupported(f"{where}: entities of several types are not supported yet")
    inner = value[1:-1] if value.startswith("(") and value.endswith(")") else value
    kinds = [k.strip() for k in re.split(r"[|,]", inner)]
    if not all(k and ent.KEY_CHARS.match(k) for k in kinds):
        raise BadRequestData(f"{where}: {value!r} is neither a type name nor a selection of types (A|B)")
    return kinds


def q_text(q: str) -> str:
    """A subscription's ``q`` as the query language reads it: percent-decoded, as the same query is in
    an address (``GET /entities?q=name=="Eiffel%20Tower"``) – clients, ETSI's suite among them, write
    it so in a body too."""
    return unquote(q)


def _date_time(value: Any, where: str) -> dt.datetime:
    ent.parse_datetime(value, where)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def parse(body: dict[str, Any], expand: Callable[[list[str]], dict[str, str]], *, now: dt.datetime) -> Parsed:
    """A Subscription (clause 5.2.12) as a client sends it to create (5.8.1) or as it stands after an
    update (5.8.2), checked whole; ``expand`` turns its names into IRIs by the request's @context."""
    for member in UNSUPPORTED:
        if member in body:
            raise OperationNotSupported(f"{member}: not supported by this broker (docs/context.md)")
    extra = set(body) - MEMBERS - {"@context"}
    if extra:
        raise BadRequestData(f"{sorted(extra)[0]}: not a member of a Subscription (clause 5.2.12)")
    if body.get("type") != "Subscription":
        raise BadRequestData('type: a subscription\'s type is "Subscription"')
    if "id" in body and not ent.is_uri(body["id"]):
        raise BadRequestData(f"id: a subscription's id is a URI, not {body['id']!r}")
    for member in ("subscriptionName", "description"):
        if member in body and not isinstance(body[member], str):
            raise BadRequestData(f"{member}: a string")
    if "entities" not in body and "watchedAttributes" not in body:
        raise BadRequestData("entities: give entities or watchedAttributes (clause 5.2.12)")
    raw_selectors: list[tuple[str, str, str]] = []
    if "entities" in body:
        entities = body["entities"]
        if not isinstance(entities, list) or not entities:
            raise BadRequestData("entities: a non-empty array of EntityInfo (clause 5.2.8)")
        for n, info in enumerate(entities):
            where = f"entities[{n}]"
            if not isinstance(info, dict):
                raise BadRequestData(f'{where}: an EntityInfo, {{"type": …, "id" or "idPattern": …}}')
            extra = set(info) - {"id", "idPattern", "type"}
            if extra:
                raise BadRequestData(
                    f"{where}.{sorted(extra)[0]}: not a member of an EntityInfo (clause 5.2.8)"
                )
            kinds = _type_selection(info.get("type"), f"{where}.type")
            if "id" in info and not ent.is_uri(info["id"]):
                raise BadRequestData(f"{where}.id: an entity id is a URI, not {info['id']!r}")
            pattern = info.get("idPattern", "")
            if "idPattern" in info:
                if not isinstance(pattern, str) or not pattern:
                    raise BadRequestData(f"{where}.idPattern: a regular expression")
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise BadRequestData(f"{where}.idPattern: not a regular expression: {exc}") from None
            raw_selectors.extend((kind, info.get("id", ""), pattern) for kind in kinds)
    watched = _names(body["watchedAttributes"], "watchedAttributes") if "watchedAttributes" in body else []
    triggers = body.get("notificationTrigger", DEFAULT_TRIGGERS)
    if (
        not isinstance(triggers, list)
        or not triggers
        or any(t not in TRIGGERS for t in triggers)
        or len(set(triggers)) < len(triggers)
    ):
        raise BadRequestData(f"notificationTrigger: a non-empty array of {', '.join(TRIGGERS)}")
    tree = None
    if "q" in body:
        if not isinstance(body["q"], str):
            raise BadRequestData("q: a query in the NGSI-LD query language, as a string")
        try:
            tree = query.parse(q_text(body["q"]))
        except BadRequestData as error:
            raise BadRequestData(f"q: {error.detail}") from None
    geo_term = ""
    if "geoQ" in body:
        geo_q = body["geoQ"]
        if not isinstance(geo_q, dict):
            raise BadRequestData("geoQ: a GeoQuery object (clause 5.2.13)")
        extra = set(geo_q) - {"geometry", "coordinates", "georel", "geoproperty"}
        if extra:
            raise BadRequestData(f"geoQ.{sorted(extra)[0]}: not a member of a GeoQuery (clause 5.2.13)")
        for member in ("georel", "geometry"):
            if not isinstance(geo_q.get(member), str):
                raise BadRequestData(f"geoQ.{member}: a string (required)")
        coordinates = geo_q.get("coordinates")
        if isinstance(coordinates, list):
            coordinates = json.dumps(coordinates)
        geo.parse(geo_q["georel"], geo_q["geometry"], coordinates, None, prefix="geoQ.")
        geo_term = geo_q.get("geoproperty", "location")
        if not isinstance(geo_term, str) or not ent.KEY_CHARS.match(geo_term):
            raise BadRequestData(f"geoQ.geoproperty: {geo_term!r} is not an attribute name")
    is_active = body.get("isActive", True)
    if not isinstance(is_active, bool):
        raise BadRequestData("isActive: true or false")
    expires_at = _date_time(body["expiresAt"], "expiresAt") if "expiresAt" in body else None
    if expires_at is not None and expires_at <= now:
        raise BadRequestData("expiresAt: the moment has passed; give one in the future")
    throttling = body.get("throttling")
    if throttling is not None and (
        isinstance(throttling, bool) or not isinstance(throttling, int | float) or throttling <= 0
    ):
        raise BadRequestData("throttling: a number of seconds greater than 0")
    time_interval = body.get("timeInterval")
    if time_interval is not None:
        # clause 5.2.12: a periodic subscription is notified every timeInterval seconds, whatever
        # changes; it has no watchedAttributes and no throttling (each only with change notifications)
        if (
            isinstance(time_interval, bool)
            or not isinstance(time_interval, int | float)
            or time_interval <= 0
        ):
            raise BadRequestData("timeInterval: a number of seconds greater than 0")
        if time_interval < min_interval():
            raise BadRequestData(f"timeInterval: at least {min_interval():g} seconds on this broker")
        for member in ("watchedAttributes", "throttling"):
            if member in body:
                raise BadRequestData(f"{member}: not allowed with timeInterval (clause 5.2.12)")
    notification = body.get("notification")
    if not isinstance(notification, dict):
        raise BadRequestData("notification: a NotificationParams object (clause 5.2.14) is required")
    extra = set(notification) - NOTIFICATION_MEMBERS - NOTIFICATION_READ_ONLY
    if extra:
        raise BadRequestData(
            f"notification.{sorted(extra)[0]}: not a member of NotificationParams (clause 5.2.14)"
        )
    attributes = (
        _names(notification["attributes"], "notification.attributes") if "attributes" in notification else []
    )
    if notification.get("format", "normalized") not in FORMATS:
        raise BadRequestData(f"notification.format: one of {', '.join(FORMATS)}")
    for member in ("sysAttrs", "showChanges"):
        if not isinstance(notification.get(member, False), bool):
            raise BadRequestData(f"notification.{member}: true or false")
    if notification.get("showChanges") and notification.get("format") == "keyValues":
        # the simplified form has no place for a previous value (clause 5.2.14 of later versions says so)
        raise BadRequestData("notification.showChanges: not with the keyValues format")
    endpoint = _endpoint(notification.get("endpoint"))

    q_names = query.names(tree) if tree is not None else []
    types = [s[0] for s in raw_selectors]
    iris = expand(types + watched + attributes + q_names + ([geo_term] if geo_term else []))
    kept = {k: v for k, v in body.items() if k not in ("@context", "status")}
    kept["notification"] = {k: v for k, v in notification.items() if k not in NOTIFICATION_READ_ONLY}
    return Parsed(
        body=kept,
        selectors=[(iris[t], i, p) for t, i, p in raw_selectors] or [("", "", "")],
        watched=[iris[w] for w in watched],
        triggers=list(triggers),
        q_iris={n: iris[n] for n in q_names},
        geo_iri=iris[geo_term] if geo_term else "",
        attributes=[iris[a] for a in attributes],
        endpoint=endpoint,
        is_active=is_active,
        expires_at=expires_at,
        throttling=float(throttling) if throttling is not None else None,
        time_interval=float(time_interval) if time_interval is not None else None,
    )


def geo_query_of(subscription: Subscription) -> geo.GeoQuery | None:
    """The subscription's geoQ, its geoproperty expanded (checked when the subscription was written)."""
    geo_q = subscription.body.get("geoQ")
    if not geo_q:
        return None
    coordinates = geo_q.get("coordinates")
    if isinstance(coordinates, list):
        coordinates = json.dumps(coordinates)
    parsed = geo.parse(geo_q["georel"], geo_q["geometry"], coordinates, None)
    return geo.GeoQuery(
        parsed.georel, parsed.geometry, subscription.geo_iri, parsed.max_distance, parsed.min_distance
    )


def entity_selectors(subscription: Subscription) -> list[selectors.Selector]:
    """The subscription's EntityInfos as the entity query's selectors (a periodic notification's read)."""
    return [
        selectors.Selector(
            [row.type] if row.type else [], [row.entity_id] if row.entity_id else [], row.id_pattern or None
        )
        for row in subscription.selectors.all()
    ]


def q_of(subscription: Subscription) -> Q | None:
    """The subscription's ``q`` as the entity query's filter (``query.to_q``), or None."""
    if "q" not in subscription.body:
        return None
    return query.to_q(query.parse(q_text(subscription.body["q"])), subscription.q_iris)


# ------------------------------------------------------------------------------------------- reading


def status(subscription: Subscription, now: dt.datetime) -> str:
    """Clause 5.2.12: active, paused (isActive false) or expired (expiresAt passed)."""
    if subscription.expires_at is not None and subscription.expires_at <= now:
        return "expired"
    return "active" if subscription.is_active else "paused"


def render(
    subscription: Subscription, now: dt.datetime, stamp: Callable[[dt.datetime], str]
) -> dict[str, Any]:
    """The subscription as GET answers it: its body as given, its id, its status and the delivery
    statistics of its notification (clause 5.2.14)."""
    out = dict(subscription.body)
    out["id"] = subscription.subscription_id
    out["type"] = "Subscription"
    out["status"] = status(subscription, now)
    notification = dict(out.get("notification", {}))
    notification["timesSent"] = subscription.times_sent
    notification["timesFailed"] = subscription.times_failed
    for member, moment in (
        ("lastNotification", subscription.last_notification),
        ("lastSuccess", subscription.last_success),
        ("lastFailure", subscription.last_failure),
    ):
        if moment is not None:
            notification[member] = stamp(moment)
    if subscription.last_notification is not None:
        failed = subscription.last_failure is not None and (
            subscription.last_success is None or subscription.last_failure >= subscription.last_success
        )
        notification["status"] = "failed" if failed else "ok"
    out["notification"] = notification
    return out


def _retermed(text: str, mapping: dict[str, str], token: str) -> str:
    return re.sub(token, lambda m: mapping.get(m.group(0), m.group(0)), text)


def recompacted(out: dict[str, Any], subscription: Subscription, wanted: Any) -> dict[str, Any]:
    """A rendered subscription with its names – the entities' types, watchedAttributes, the notified
    attributes, geoQ's geoproperty and the names of ``q`` – as the terms of the @context ``wanted`` (the
    request's; None: the core context's) instead of those of the @context it was written with: a read
    is compacted with the reader's @context, as every NGSI-LD answer (clause 5.5.7)."""
    stored = subscription.context
    if stored == wanted:
        return out
    q_names = list(subscription.q_iris)
    types = [t for e in out.get("entities", []) for t in re.split(r"[|,;()]", str(e.get("type", ""))) if t]
    notification = out.get("notification", {})
    geo_q = out.get("geoQ") if isinstance(out.get("geoQ"), dict) else None
    names = sorted(
        {
            *types,
            *out.get("watchedAttributes", []),
            *notification.get("attributes", []),
            *([geo_q.get("geoproperty", "location")] if geo_q else []),
            *q_names,
        }
    )
    if not names:
        return out
    iris = jsonld.expand_terms(jsonld.effective(stored), names)
    terms = jsonld.compact_iris(jsonld.effective(wanted), list(iris.values()))
    mapping = {n: terms.get(iris[n], iris[n]) for n in names if n in iris}
    out = dict(out)
    if "entities" in out:
        out["entities"] = [
            {**e, "type": _retermed(e["type"], mapping, r"[^|,;()]+")} if "type" in e else e
            for e in out["entities"]
        ]
    if "watchedAttributes" in out:
        out["watchedAttributes"] = [mapping.get(n, n) for n in out["watchedAttributes"]]
    if "attributes" in notification:
        out["notification"] = {
            **notification,
            "attributes": [mapping.get(n, n) for n in notification["attributes"]],
        }
    if geo_q is not None and "geoproperty" in geo_q:
        out["geoQ"] = {**geo_q, "geoproperty": mapping.get(geo_q["geoproperty"], geo_q["geoproperty"])}
    if "q" in out and q_names:
        parts = re.split(r'("(?:[^"\\]|\\.)*")', out["q"])  # quoted strings are values: kept
        out["q"] = "".join(
            part if part.startswith('"') else _retermed(part, mapping, r'[^\s=!<>~;|()\[\].,"]+')
            for part in parts
        )
    return out


# ------------------------------------------------------------------------------------------ matching


@dataclass
class Change:
    """What one write did to one entity: the entity as it now is (as it was, for a deletion), and the
    attributes (IRIs) it created, updated and deleted."""

    entity: ContextEntity
    kind: str  # created, updated, deleted
    created: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    before: dict[str, Any] = field(default_factory=dict)  # the document before the change (showChanges)

    @property
    def touched(self) -> set[str]:
        return self.created | self.updated | self.deleted


def change(
    entity: ContextEntity, before: dict[str, Any] | None, written: Iterable[str] | None = None
) -> Change:
    """The change from the document ``before`` (None: the entity is new) to the entity's; ``written``:
    the attributes the write gave (those of them the entity had are updated, even to the same value)."""
    if before is None:
        return Change(entity, "created", created=set(entity.doc))
    after = entity.doc
    written_set = set(after) if written is None else set(written)
    return Change(
        entity,
        "updated",
        created=set(after) - set(before),
        updated={i for i in written_set if i in before and i in after},
        deleted=set(before) - set(after),
        before=before,
    )


def deletion(entity: ContextEntity) -> Change:
    return Change(entity, "deleted", deleted=set(entity.doc), before=entity.doc)


def _triggered(triggers: list[str], watched: set[str], c: Change) -> bool:
    """Whether a change is one the subscription's notificationTrigger and watchedAttributes ask for."""

    def seen(attrs: set[str]) -> bool:
        return bool(attrs & watched) if watched else bool(attrs)

    for trigger in triggers:
        if trigger == "entityCreated" and c.kind == "created":
            if not watched or watched & set(c.entity.doc):
                return True
        elif trigger == "entityDeleted" and c.kind == "deleted":
            if not watched or watched & c.deleted:
                return True
        elif trigger == "entityUpdated" and c.kind == "updated" and seen(c.touched):
            return True
        elif trigger == "attributeCreated" and c.kind != "deleted" and seen(c.created):
            return True
        elif trigger == "attributeUpdated" and c.kind == "updated" and seen(c.updated):
            return True
        elif trigger == "attributeDeleted" and c.kind != "created" and seen(c.deleted):
            return True  # an entity deleted deletes its attributes too
    return False


def _selected(row: SubscriptionSelector, c: Change) -> bool:
    if row.type and row.type != c.entity.type:
        return False
    if row.entity_id and row.entity_id != c.entity.entity_id:
        return False
    return not row.id_pattern or re.search(row.id_pattern, c.entity.entity_id) is not None


def _tenant_q(organisations: set[int | None]) -> Q:
    found = Q(pk__in=[])
    ids = [o for o in organisations if o is not None]
    if ids:
        found |= Q(organisation_id__in=ids)
    if None in organisations:
        found |= Q(organisation__isnull=True)
    return found


def matching(changes: list[Change], now: dt.datetime) -> dict[int, tuple[Subscription, list[Change]]]:
    """The active, unexpired subscriptions these changes concern, each with the changes it is to be
    notified of. Two queries at most, whatever the number of subscriptions of other tenants and types:
    the selectors of the tenants' subscriptions of the changed types (and of any type) with their
    subscriptions, by the index (organisation, type); and, when some of them have a ``q``, the ``q``s
    evaluated on the changed entities in one query (a boolean column each, from ``query.to_q``). The
    type, id, idPattern, notificationTrigger, watchedAttributes and geoQ are tested in Python."""
    if not changes:
        return {}
    organisations = {c.entity.organisation_id for c in changes}
    types = {c.entity.type for c in changes} | {""}
    rows = (
        SubscriptionSelector.objects.filter(_tenant_q(organisations), type__in=types)
        .filter(subscription__is_active=True)
        .filter(Q(subscription__expires_at__isnull=True) | Q(subscription__expires_at__gt=now))
        .select_related("subscription")
        .order_by("pk")
    )
    found: dict[int, tuple[Subscription, list[Change]]] = {}
    geo_queries: dict[int, geo.GeoQuery | None] = {}
    for row in rows:
        sub = row.subscription
        if "timeInterval" in sub.body:
            continue  # periodic: notified every timeInterval, not on changes (tasks.notify_periodic)
        for c in changes:
            if c.entity.organisation_id != row.organisation_id or not _selected(row, c):
                continue
            if sub.pk in found and c in found[sub.pk][1]:
                continue
            if not _triggered(sub.triggers, set(sub.watched), c):
                continue
            if sub.pk not in geo_queries:
                geo_queries[sub.pk] = geo_query_of(sub)
            geo_query = geo_queries[sub.pk]
            if geo_query is not None:
                stored = c.entity.doc.get(geo_query.geoproperty)
                geometry = stored.get("value") if isinstance(stored, dict) else None
                if geometry is None or not geo_query.matches(geometry):
                    continue
            found.setdefault(sub.pk, (sub, []))[1].append(c)
    with_q = {pk: pair for pk, pair in found.items() if "q" in pair[0].body}
    if with_q:
        _filter_by_q(found, with_q)
    return {pk: pair for pk, pair in found.items() if pair[1]}


def _filter_by_q(found: dict[int, tuple[Subscription, list[Change]]], with_q: dict[int, Any]) -> None:
    """Keep of each subscription with a ``q`` the changes whose entity matches it: one query, a boolean
    column per subscription over the changed entities' rows (a deleted entity's row is read before its
    delete, in the same transaction)."""
    pks = {c.entity.pk for _, changes in with_q.values() for c in changes}
    columns = {
        f"s{pk}": ExpressionWrapper(
            query.to_q(query.parse(q_text(sub.body["q"])), sub.q_iris), output_field=BooleanField()
        )
        for pk, (sub, _) in with_q.items()
    }
    rows = {
        r["pk"]: r
        for r in ContextEntity.objects.filter(pk__in=pks).annotate(**columns).values("pk", *columns)
    }
    for pk, (sub, changes) in with_q.items():
        found[pk] = (sub, [c for c in changes if rows.get(c.entity.pk, {}).get(f"s{pk}")])


# -------------------------------------------------------------------------------------- notifications


def snapshot(c: Change, stamp: Callable[[dt.datetime], str], changed_at: str = "") -> dict[str, Any]:
    """What the notifier needs of a changed entity, as plain data (the Huey task's argument): the
    entity as the change left it, the attributes it deleted and, of those it updated or deleted, what
    they were before (for ``showChanges`` and the deleted attributes' types); ``changed_at``: when."""
    e = c.entity
    return {
        "id": e.entity_id,
        "type": e.type,
        "doc": e.doc if c.kind != "deleted" else {},
        "createdAt": stamp(e.created_at),
        "modifiedAt": stamp(e.modified_at),
        "deleted": c.kind == "deleted",
        "deletedAttributes": sorted(c.deleted),
        "previous": {i: c.before[i] for i in sorted(c.updated | c.deleted) if i in c.before},
        "changedAt": changed_at,
    }


def periodic_snapshot(e: ContextEntity, stamp: Callable[[dt.datetime], str]) -> dict[str, Any]:
    """An entity as it is, for a periodic notification (nothing changed, nothing deleted)."""
    return {
        "id": e.entity_id,
        "type": e.type,
        "doc": e.doc,
        "createdAt": stamp(e.created_at),
        "modifiedAt": stamp(e.modified_at),
        "deleted": False,
    }


def _nulled(stored: dict[str, Any]) -> dict[str, Any]:
    """A deleted attribute as a notification shows it: its type, NGSI-LD Null as its main member (an
    object, a languageMap ``{"@none": null}``), its system attributes as they were."""
    kind = stored.get("type", "Property")
    main = MAIN.get(kind, "value")
    out: dict[str, Any] = {"type": kind, main: {"@none": NULL} if main == "languageMap" else NULL}
    for key in ent.SYSTEM:
        if key in stored:
            out[key] = stored[key]
    return out


def _shown_deleted(subscription: Subscription, e: dict[str, Any], show_changes: bool) -> list[str]:
    """The deleted attributes a notification shows (as NGSI-LD Null): those the subscription watches
    (all, without watchedAttributes), when it asks for deletions of attributes (``attributeDeleted``,
    ``entityUpdated``) or, for a deleted entity, to see the changes (``showChanges``)."""
    triggers = set(subscription.triggers or DEFAULT_TRIGGERS)
    if e.get("deleted"):
        wanted = "attributeDeleted" in triggers or show_changes
    else:
        wanted = bool(triggers & {"attributeDeleted", "entityUpdated"})
    if not wanted:
        return []
    watched = set(subscription.watched)
    previous = e.get("previous", {})
    return [i for i in e.get("deletedAttributes", []) if i in previous and (not watched or i in watched)]


def _rendered(
    subscription: Subscription, e: dict[str, Any], terms: dict[str, str], form: str, sys_attrs: bool
) -> dict[str, Any]:
    """One entity of a notification (clause 5.3.1's ``data``): as the change left it, its deleted
    attributes as NGSI-LD Null (with ``deletedAt`` under ``sysAttrs``), with ``showChanges`` each
    updated or deleted attribute's previous value beside its value, and a deleted entity's ``deletedAt``."""
    params = subscription.body.get("notification", {})
    show_changes = bool(params.get("showChanges", False))
    previous: dict[str, Any] = e.get("previous", {})
    nulls = _shown_deleted(subscription, e, show_changes)
    doc = {**e["doc"], **{i: _nulled(previous[i]) for i in nulls}}
    chosen = set(subscription.attributes) or None
    out = ent.render(
        e["id"],
        e["type"],
        doc,
        terms,
        form=form,
        sys_attrs=sys_attrs,
        attrs=chosen,
        created_at=e["createdAt"],
        modified_at=e["modifiedAt"],
    )
    changed_at = e.get("changedAt", "")
    if form != "keyValues":
        for iri in doc:
            term = terms.get(iri, iri)
            if term not in out or iri not in previous:
                continue
            shown = out[term] if isinstance(out[term], dict) else {"value": out[term]}
            if iri in nulls and sys_attrs and changed_at:
                shown["deletedAt"] = changed_at
            before = previous[iri]
            main = MAIN.get(before.get("type", "Property"), "value")
            if show_changes and main in before:
                shown[PREVIOUS[main]] = before[main]
            out[term] = shown
    elif sys_attrs:  # the simplified form too tells when the entity was created and last modified
        out["createdAt"], out["modifiedAt"] = e["createdAt"], e["modifiedAt"]
    if e.get("deleted"):
        out["deletedAt"] = changed_at or e["modifiedAt"]
    return out


def contexts_of(subscription: Subscription) -> list[Any]:
    return jsonld.effective(subscription.context)


def notification(
    subscription: Subscription, entities: list[dict[str, Any]], notified_at: str
) -> dict[str, Any]:
    """A Notification (clause 5.3.1): id, type, subscriptionId, notifiedAt and the entities in the
    subscription's format, names compacted with the @context it was created with, restricted to its
    ``notification.attributes``."""
    params = subscription.body.get("notification", {})
    form = params.get("format", "normalized")
    sys_attrs = bool(params.get("sysAttrs", False))
    iris = [e["type"] for e in entities] + [
        i for e in entities for doc in (e["doc"], e.get("previous", {})) for i in ent.iris_of(doc)
    ]
    terms = jsonld.compact_iris(contexts_of(subscription), iris)
    data = [_rendered(subscription, e, terms, form, sys_attrs) for e in entities]
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": subscription.subscription_id,
        "notifiedAt": notified_at,
        "data": data,
    }


def _headers_and_body(
    subscription: Subscription, payload: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The notification's media type and @context as the HTTP binding has them (clause 6.3.x): with
    ``application/ld+json`` the @context is in the body (and in each entity of its ``data``); with
    ``application/json`` it is a Link header – when the subscription's @context is one URL (alone, or
    in an array with the core context's; or none: the core context); an inline or composite @context
    cannot be linked, and the body then goes without one."""
    endpoint = subscription.body["notification"]["endpoint"]
    accept = endpoint.get("accept", JSON)
    context = subscription.context if subscription.context is not None else jsonld.CORE_CONTEXT_URL
    headers = {"Content-Type": accept}
    if accept == JSON_LD:
        # the notification and each entity of its data, as GET answers an entity in JSON-LD
        data = [{**e, "@context": context} for e in payload.get("data", [])]
        payload = {**payload, "data": data, "@context": context}
    elif (link := _one_url(context)) is not None:
        headers["Link"] = f'<{link}>; rel="{CONTEXT_REL}"; type="{JSON_LD}"'
    headers.update(_pairs(endpoint.get("receiverInfo", []), "receiverInfo"))
    return headers, payload


def _one_url(context: Any) -> str | None:
    """The one URL a @context is, if it is one: a string, or an array of one URL (the core context's
    besides, which every @context implies)."""
    if isinstance(context, str):
        return context
    if isinstance(context, list):
        urls = [c for c in context if not (isinstance(c, str) and c in jsonld.CORE_CONTEXT_URLS)]
        if len(urls) == 1 and isinstance(urls[0], str):
            return urls[0]
    return None


class DeliveryFailed(Exception):
    """A notification the endpoint did not take: why, in a few words."""


def deliver(subscription: Subscription, payload: dict[str, Any]) -> None:
    """Send a notification to the subscription's endpoint: an HTTP POST (a 2xx answer is success), or an
    MQTT publish to the URI's topic (the MQTT binding: a JSON object of ``metadata`` – the headers – and
    ``body``, with the QoS and MQTT version of ``notifierInfo``). Raises DeliveryFailed."""
    headers, body = _headers_and_body(subscription, payload)
    uri = subscription.endpoint
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        _post(uri, headers, body)
    else:
        _publish(subscription, parts, headers, body)


def _post(uri: str, headers: dict[str, str], body: dict[str, Any]) -> None:
    import requests

    try:
        response = requests.post(
            uri, data=json.dumps(body).encode(), headers=headers, timeout=timeout(), allow_redirects=False
        )
    except requests.RequestException as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:400]) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} {response.reason or ''}".strip()[:400])


def _publish(subscription: Subscription, parts: Any, headers: dict[str, str], body: dict[str, Any]) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt import publish

    endpoint = subscription.body["notification"]["endpoint"]
    info = _pairs(endpoint.get("notifierInfo", []), "notifierInfo")
    qos = int(info.get("MQTT-QoS", "0"))
    protocol = mqtt.MQTTv5 if info.get("MQTT-Version") == "mqtt5.0" else mqtt.MQTTv311
    secure = parts.scheme == "mqtts"
    auth = {"username": parts.username, "password": parts.password} if parts.username else None
    message = json.dumps({"metadata": headers, "body": body})
    try:
        publish.single(
            parts.path.lstrip("/"),
            payload=message,
            qos=qos,
            hostname=parts.hostname,
            port=parts.port or (8883 if secure else 1883),
            client_id="",
            auth=auth,
            tls={} if secure else None,
            protocol=protocol,
            keepalive=max(5, int(timeout())),
        )
    except (OSError, ValueError, mqtt.MQTTException) as exc:
        raise DeliveryFailed(f"MQTT: {type(exc).__name__}: {exc}"[:400]) from None


def tenant_q(organisation: Organisation | None) -> Q:
    return Q(organisation__isnull=True) if organisation is None else Q(organisation=organisation)
