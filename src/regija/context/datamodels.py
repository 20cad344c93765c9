"""Shared data models (MIM2): an entity of a Smart Data Models type is checked against the model's
published JSON Schema on every write (docs/context.md, "Shared data models (MIM2)").

The schemas are bundled in ``data/models/`` (self-contained: the ``$ref``s to the common schema and to
the subject's shared definitions resolved into ``$defs``; sources, commits and licence in its README),
never fetched. A schema describes the key-values shape of an entity, so the stored normalised document
is first turned into it: each attribute's expanded name compacted to the model's term, each attribute
to its value (a Relationship to its object, a LanguageProperty to its language map), sub-attributes and
system attributes left out. Then the whole entity, as it is after the change, is validated.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import BadRequestData

if TYPE_CHECKING:
    from regija.core.models import Organisation

MODELS_DIR = Path(__file__).parent / "data" / "models"
CORE_CONTEXT = Path(__file__).parent / "data" / "ngsi-ld-core-context.jsonld"
DEFAULT_CONTEXT = "https://uri.etsi.org/ngsi-ld/default-context/"
SDM = "https://smartdatamodels.org/"
FIWARE = "https://uri.fiware.org/ns/data-models#"

# The model's term for the entity's type (and its bundled schema, data/models/<term>.json) → its subject.
MODELS: dict[str, str] = {
    "AirQualityObserved": "dataModel.Environment",
    "WeatherObserved": "dataModel.Weather",
    "ParkingSpot": "dataModel.Parking",
    "OffStreetParking": "dataModel.Parking",
    "Streetlight": "dataModel.Streetlighting",
    "EVChargingStation": "dataModel.Transportation",
    "WasteContainer": "dataModel.WasteManagement",
    "PointOfInterest": "dataModel.PointOfInterest",
    "WifiPointOfInterest": "dataModel.WifiNetwork",
    # Open311 service requests: the model once named Open311_ServiceRequest
    "service_requests": "dataModel.IssueTracking",
}

# Namespaces whose last segment is the term: the default @context's, the Smart Data Models' own
# (https://smartdatamodels.org/name, …/dataModel.X/name, …#name), the older FIWARE and terms.jsonld
# IRIs of https://smartdatamodels.org/context.jsonld, and the vocabularies the models' @contexts use.
TERM_NAMESPACES = (
    DEFAULT_CONTEXT,
    SDM,
    FIWARE,
    "https://smart-data-models.github.io/data-models/terms.jsonld#/definitions/",
    "https://uri.etsi.org/ngsi-ld/",
    "http://uri.etsi.org/ngsi-ld/",
    "https://schema.org/",
    "http://schema.org/",
    "http://purl.org/dc/terms/",
    "https://purl.org/geojson/vocab#",
)


def type_iris(term: str) -> tuple[str, ...]:
    """The expanded type names an entity of the model may have: by the default @context, by the
    subject's @context (https://smartdatamodels.org/dataModel.X/T) and by the older FIWARE IRI that
    https://smartdatamodels.org/context.jsonld still gives."""
    return (DEFAULT_CONTEXT + term, f"{SDM}{MODELS[term]}/{term}", FIWARE + term)


@functools.cache
def _by_type_iri() -> dict[str, str]:
    return {iri: term for term in MODELS for iri in type_iris(term)}


@functools.cache
def _core_terms() -> dict[str, str]:
    """The core @context's terms by their IRI (``ngsi-ld:location`` → ``location``)."""
    context = json.loads(CORE_CONTEXT.read_text())["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    out: dict[str, str] = {}
    for term, definition in context.items():
        iri = definition.get("@id") if isinstance(definition, dict) else definition
        if not isinstance(iri, str) or iri.startswith("@"):
            continue
        prefix, sep, rest = iri.partition(":")
        if sep and prefix in prefixes:
            iri = prefixes[prefix] + rest
        out.setdefault(iri, term)
    return out


@functools.cache
def validator(term: str) -> Draft202012Validator:
    schema = json.loads((MODELS_DIR / f"{term}.json").read_text())
    # ``format`` stays an annotation, as JSON Schema 2020-12 says by default (Validation, clause 7.2)
    return Draft202012Validator(schema)


def model_of(type_iri: str) -> str | None:
    """The model an entity of this (expanded) type follows; None: no bundled model, not validated."""
    return _by_type_iri().get(type_iri)


def term(iri: str) -> str:
    """An attribute's expanded name as the model's term; an IRI of no known namespace stays as it is."""
    core = _core_terms().get(iri)
    if core is not None:
        return core
    if iri.startswith(TERM_NAMESPACES):
        return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1]
    return iri


def _plain(value: Any) -> Any:
    """A JSON-LD value object (``{"@type": "DateTime", "@value": "…"}``) as its value."""
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def key_values(entity_id: str, type_term: str, doc: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The stored normalised attributes in the key-values shape the model's schema describes."""
    out: dict[str, Any] = {"id": entity_id, "type": type_term}
    for iri, attr in doc.items():
        kind = attr.get("type")
        if kind == "Relationship":
            value = attr.get("object")
        elif kind == "LanguageProperty":
            value = attr.get("languageMap")
        else:
            value = _plain(attr.get("value"))
        out[term(iri)] = value
    return out


@dataclass(frozen=True)
class ModelError:
    path: str  # JSON path in the key-values entity, e.g. $.airQualityLevel
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def errors(
    entity_id: str, type_iri: str, doc: dict[str, dict[str, Any]]
) -> tuple[str | None, list[ModelError]]:
    """The model of the entity's type (None: none, not validated) and how the entity breaks it (the most
    relevant error first)."""
    model = model_of(type_iri)
    if model is None:
        return None, []
    check = validator(model)
    instance = key_values(entity_id, model, doc)
    found = sorted(check.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
    if not found:
        return model, []
    first = best_match(found)
    ordered = [first, *(e for e in found if e is not first)]
    return model, [ModelError(path=_path(e), reason=e.message) for e in ordered]


def _path(error: ValidationError) -> str:
    """Where the error is; a missing required member is named by its own path (``$.category``), not by
    its parent's."""
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return f"{error.json_path}.{missing[0]}"
    return error.json_path


def lenient(organisation: Organisation | None) -> bool:
    """Whether the tenant stores an entity that breaks its model (flagged) instead of refusing it."""
    tenants = settings.REGIJA_NGSI_LENIENT_TENANTS
    return "*" in tenants or (organisation.slug if organisation is not None else "default") in tenants


def check(
    organisation: Organisation | None, entity_id: str, type_iri: str, doc: dict[str, dict[str, Any]]
) -> list[dict[str, str]]:
    """The entity as it will be stored checked against its model: refused with 400 BadRequestData naming
    the attribute and the reason; in a lenient tenant the errors are returned, to be stored with it."""
    model, found = errors(entity_id, type_iri, doc)
    if not found:
        return []
    if lenient(organisation):
        return [e.as_dict() for e in found]
    shown = "; ".join(f"{e.path}: {e.reason}" for e in found[:5])
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    raise BadRequestData(
        f"The entity {entity_id} does not follow the Smart Data Model {model}: {shown}{more}"
    )
