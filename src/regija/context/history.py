"""The broker's history as open data: each day, the previous day's attribute instances of each entity
type of each tenant become the next version of one Parquet dataset in the lake, published by the
tenant's organisation with DCAT-AP metadata (docs/context.md "History in the lake"). Built with the
lake's own-data machinery (``lake.own.Table`` / ``publish_table``), so the datasets carry the same
complete metadata as Regija's other automatically published data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa
from django.utils.text import slugify

from regija.core.choices import OrganisationKind
from regija.core.models import Organisation
from regija.lake import own
from regija.lake.vocabularies import Frequency

from . import selectors

PROVENANCE = (
    "Objavlja samodejno Regija vsak dan iz zgodovine svojega posrednika podatkov v realnem času (NGSI-LD): "
    "vsak zapisani primerek atributa entitet te vrste prejšnjega dne (UTC), kot so ga zapisale naprave "
    "in odjemalci. Published automatically by Regija every day from the history of its real-time context "
    "broker (NGSI-LD): every attribute instance of this type's entities written for the previous day "
    "(UTC), as devices and clients wrote them."
)
PLACES = {
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.REGION,
    OrganisationKind.REGIONAL_DEVELOPMENT_AGENCY,
    OrganisationKind.LAS,
}
_S, _T, _F, _D = pa.string(), pa.timestamp("ms", tz="UTC"), pa.float64(), pa.date32()
COLUMNS = (
    own.Col("entiteta", _S, "Identifikator entitete (NGSI-LD id)", "The entity's identifier (NGSI-LD id)"),
    own.Col("atribut", _S, "Atribut (polni IRI)", "The attribute (its full IRI)"),
    own.Col("cas", _T, "Čas opazovanja (observedAt, UTC)", "Time of observation (observedAt, UTC)"),
    own.Col("dan", _D, "Dan opazovanja (UTC)", "Day of observation (UTC)"),
    own.Col("vrednost", _F, "Številska vrednost", "Numeric value"),
    own.Col(
        "vrednost_json",
        _S,
        "Vrednost, kadar ni število (JSON)",
        "The value when it is not a number (JSON)",
    ),
    own.Col("enota", _S, "Enota (UN/CEFACT unitCode)", "Unit (UN/CEFACT unitCode)"),
)


def term(iri: str) -> str:
    """The short name of a type IRI: what follows its last / or #."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri


def _rows(instances: list[Any]) -> list[tuple[Any, ...]]:
    out = []
    for entity_id, attribute, observed_at, value, doc in instances:
        main = doc.get("value", doc.get("object", doc.get("languageMap")))
        text = None if value is not None else json.dumps(main, ensure_ascii=False, sort_keys=True)
        moment = observed_at.astimezone(dt.UTC)
        out.append((entity_id, attribute, moment, moment.date(), value, text, doc.get("unitCode")))
    return out


def table_of(organisation: Organisation, type_iri: str, instances: list[Any]) -> own.Table:
    name = term(type_iri)
    rows = _rows(instances)
    return own.Table(
        slug=slugify(f"ngsi-{organisation.slug}-{name}")[:100],
        title=f"Zgodovina podatkov v realnem času: {name} ({organisation.name})",
        title_en=f"Real-time data history: {name} ({organisation.name})",
        description=(
            f"Vsak dan zapisani primerki atributov entitet vrste {name} ({type_iri}) posrednika NGSI-LD "
            f"organizacije {organisation.name}: entiteta, atribut, čas opazovanja, vrednost in enota. "
            "Vsaka različica nabora je en dan (UTC)."
        ),
        description_en=(
            f"The attribute instances written each day for the entities of type {name} ({type_iri}) in "
            f"the NGSI-LD context broker of {organisation.name}: entity, attribute, time of observation, "
            "value and unit. Each version of the dataset is one day (UTC)."
        ),
        keywords=("podatki v realnem času", "NGSI-LD", "senzorji", name),
        keywords_en=("real-time data", "NGSI-LD", "sensors", name),
        themes=("REGI", "TECH"),
        columns=COLUMNS,
        rows=lambda: rows,
        dates=("dan",),
        provenance=PROVENANCE,
        frequency=Frequency.DAILY,
    )


def publish_day(day: dt.date) -> list[own.Published]:
    """The history observed on ``day`` (UTC): one new version of each (tenant, entity type)'s dataset
    that has instances that day. The default tenant's history is published by the instance's operator."""
    since = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    groups = selectors.history_of_day(since, since + dt.timedelta(days=1))
    organisations = Organisation.objects.in_bulk([o for o, _ in groups if o is not None])
    published = []
    for (organisation_id, type_iri), instances in sorted(
        groups.items(), key=lambda g: (g[0][0] or 0, g[0][1])
    ):
        organisation = organisations[organisation_id] if organisation_id is not None else own.publisher()
        places = [organisation] if organisation.kind in PLACES else []
        published.append(own.publish_table(table_of(organisation, type_iri, instances), organisation, places))
    return published
