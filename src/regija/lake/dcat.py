"""The catalogue in DCAT-AP 3.0, as an RDF graph: what harvesters (data.europa.eu, the Slovenian open-data
portal, any CKAN with ckanext-dcat) read from ``/katalog.ttl|.jsonld|.rdf`` and ``/podatki/<slug>.ttl``.

Only what the catalogue really knows is said: a property is left out rather than filled with a guess
(a dataset without a description has no ``dct:description``, and then fails DCAT-AP, which the metadata
quality score shows its editors). Every class DCAT-AP 3.0 names gets its mandatory properties when the
data has them, and the recommended ones where it can:

- ``dcat:Catalog`` – title and description (sl, en), publisher, homepage, languages, licence,
  theme taxonomy (EU data themes), modified, its datasets, a ``dcat:CatalogRecord`` for each and the
  CKAN / DataStore API as a ``dcat:DataService``;
- ``dcat:Dataset`` – see ``add_dataset``; ``dcat:Distribution`` – see ``add_distribution``;
- ``foaf:Agent`` (the publisher: its page on this site, name, ADMS publisher type) and ``vcard:Kind``
  (the contact point).

URIs are addresses on this site: a dataset is its page under its identifier (``/podatki/<uuid>/``, which
stays the same when the slug changes), an organisation its page. The catalogue is paged the way
ckanext-dcat pages it (Hydra: ``?page=N``, ``modified_since``), and every page is complete in itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from regija.core.choices import OrganisationKind

from .models import Dataset, Distribution, Kind
from .vocabularies import EU, LICENCE_URLS, MEDIA_TYPES, AccessRights, FileType, Licence, Theme, uri

if TYPE_CHECKING:
    from regija.core.models import Organisation

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3's, not in rdflib's closed DCAT namespace yet

DCAT_AP = URIRef("http://data.europa.eu/r5r/")  # the specification a record conforms to (its namespace)
IANA = "https://www.iana.org/assignments/media-types/"
CKAN_API_DOCS = URIRef("https://docs.ckan.org/en/latest/api/index.html")
DATASTORE_DOCS = URIRef("https://docs.ckan.org/en/latest/maintaining/datastore.html")

# The ADMS publisher types (DCAT-AP's vocabulary for an agent's dct:type) of the kinds of organisation
# that map onto one; the others (a public institute, a chamber, a school…) get none rather than a wrong one.
PUBLISHER_TYPES = {
    OrganisationKind.MUNICIPALITY: "LocalAuthority",
    OrganisationKind.LOCAL_COMMUNITY: "LocalAuthority",
    OrganisationKind.REGION: "RegionalAuthority",
    OrganisationKind.REGIONAL_DEVELOPMENT_AGENCY: "RegionalAuthority",
    OrganisationKind.STATE_BODY: "NationalAuthority",
    OrganisationKind.EU_BODY: "SupraNationalAuthority",
    OrganisationKind.INTERNATIONAL: "SupraNationalAuthority",
    OrganisationKind.COMPANY: "Company",
    OrganisationKind.SOLE_TRADER: "Company",
    OrganisationKind.NGO: "NonGovernmentalOrganisation",
    OrganisationKind.LAS: "NonProfitOrganisation",
    OrganisationKind.UNIVERSITY: "Academia-ScientificOrganisation",
    OrganisationKind.RESEARCH: "Academia-ScientificOrganisation",
}
# The serialisations offered: URL suffix → (rdflib format, content type).
FORMATS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
    "xml": ("xml", "application/rdf+xml; charset=utf-8"),
}
JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "hydra": str(HYDRA),
    "locn": str(LOCN),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
    "geosparql": str(GSP),
    "dcatap": str(DCATAP),
}


def _path(name: str, args: Sequence[str], fallback: str) -> str:
    """The path of a named URL, or ``fallback`` while the page is not there (the portal adds it)."""
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return fallback


@dataclass(frozen=True)
class Site:
    """Where this catalogue is served: the base of every URI in the graph (``https://host``, no slash)."""

    base: str

    def url(self, path: str) -> URIRef:
        return URIRef(self.base.rstrip("/") + path)

    def catalogue(self) -> URIRef:
        return self.url(_path("lake:catalogue", [], "/podatki/"))

    def dataset_page(self, dataset: Dataset, key: str | None = None) -> URIRef:
        slug = key or dataset.slug
        return self.url(_path("lake:dataset", [slug], f"/podatki/{slug}/"))

    def dataset(self, dataset: Dataset) -> URIRef:
        """The dataset's URI: its page under its identifier, so it survives a new slug."""
        return self.dataset_page(dataset, str(dataset.uuid))

    def download(self, dataset: Dataset, fmt: str) -> URIRef:
        ext = fmt.lower()
        return self.url(_path("lake:download", [dataset.slug, ext], f"/podatki/{dataset.slug}/prenos.{ext}"))

    def organisation(self, org: Organisation) -> URIRef:
        return self.url(_path("organisation", [org.slug], f"/organizacije/{org.slug}/"))

    def api(self) -> URIRef:
        return self.url("/api/3/action/")

    def feed(self, fmt: str) -> str:
        return self.base.rstrip("/") + _path("lake_dcat_catalogue", [fmt], f"/katalog.{fmt}")


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in JSONLD_CONTEXT.items():
        g.bind(prefix, ns)
    return g


def _text(g: Graph, subject: URIRef | BNode, prop: URIRef, sl: str, en: str = "") -> None:
    if sl.strip():
        g.add((subject, prop, Literal(sl.strip(), lang="sl")))
    if en.strip():
        g.add((subject, prop, Literal(en.strip(), lang="en")))


def _datetime(value: dt.datetime) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def add_agent(g: Graph, site: Site, org: Organisation) -> URIRef:
    """An organisation as a ``foaf:Agent`` (DCAT-AP: ``foaf:name`` mandatory, ``dct:type`` recommended)."""
    node = site.organisation(org)
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, RDF.type, FOAF.Organization))
    g.add((node, FOAF.name, Literal(org.name)))
    kind = PUBLISHER_TYPES.get(OrganisationKind(org.kind)) if org.kind in OrganisationKind.values else None
    if kind:
        g.add((node, DCTERMS.type, PUBLISHER_TYPE[kind]))
    if org.website:
        g.add((node, FOAF.homepage, URIRef(org.website)))
    return node


def _location(g: Graph, site: Site, org: Organisation) -> URIRef:
    node = URIRef(f"{site.organisation(org)}#location")
    g.add((node, RDF.type, DCTERMS.Location))
    g.add((node, SKOS.prefLabel, Literal(org.name, lang="sl")))
    if org.lat is not None and org.lon is not None:
        g.add((node, DCAT.centroid, Literal(f"POINT({org.lon} {org.lat})", datatype=GSP.wktLiteral)))
    return node


def has_contact(dataset: Dataset) -> bool:
    return bool(dataset.contact_email or dataset.contact_name)


def add_distribution(g: Graph, site: Site, dataset: Dataset, dist: Distribution, service: URIRef) -> URIRef:
    """A distribution: a download of the current version from the lake (``accessURL`` and ``downloadURL``
    are the download; it is also reachable through the DataStore API, ``accessService``), or a linked
    dataset's source API (``accessURL`` only: it is an API, not a file)."""
    node = URIRef(f"{site.dataset(dataset)}#{dist.uuid}")
    g.add((node, RDF.type, DCAT.Distribution))
    g.add((node, DCTERMS.identifier, Literal(str(dist.uuid))))
    label = dist.title or f"{dataset.title} ({dist.get_format_display()})"
    g.add((node, DCTERMS.title, Literal(label, lang="sl")))
    fmt = dist.get_format_display()
    if dist.in_lake:
        _text(
            g,
            node,
            DCTERMS.description,
            f"Zadnja različica podatkov v obliki {fmt}, iz podatkovnega jezera.",
            f"The latest version of the data as {fmt}, from the data lake.",
        )
        # served for as long as the dataset is: the EU's "available" (medium-term), not a promise of "stable"
        g.add((node, DCATAP.availability, URIRef(uri("planned-availability", "AVAILABLE"))))
    else:
        _text(
            g,
            node,
            DCTERMS.description,
            f"Podatki pri viru, v obliki {fmt}.",
            f"The data at its source, as {fmt}.",
        )
    g.add((node, DCTERMS.format, URIRef(uri("file-type", dist.format))))
    media = MEDIA_TYPES.get(FileType(dist.format)) if dist.format in FileType.values else None
    if media:
        g.add((node, DCAT.mediaType, URIRef(IANA + media)))
    g.add((node, DCTERMS.license, URIRef(uri("licence", dataset.licence))))
    g.add((node, DCTERMS.rights, _rights(g, site, dataset)))
    if dataset.issued:
        g.add((node, DCTERMS.issued, _datetime(dataset.issued)))
    version = dataset.current
    if dist.in_lake:
        download = site.download(dataset, dist.format)
        g.add((node, DCAT.accessURL, download))
        g.add((node, DCAT.downloadURL, download))
        g.add((node, DCAT.accessService, service))
        if version is not None:
            g.add((node, DCTERMS.modified, _datetime(version.created_at)))
            # the one download whose size we know: the version's own Parquet file
            if dist.format == "PARQUET" and version.parquet_bytes:
                g.add((node, DCAT.byteSize, Literal(version.parquet_bytes, datatype=XSD.nonNegativeInteger)))
    else:
        g.add((node, DCAT.accessURL, URIRef(dist.access_url)))
        g.add((node, DCTERMS.modified, _datetime(dataset.modified)))
        if dataset.documentation_url:
            g.add((node, FOAF.page, URIRef(dataset.documentation_url)))
    return node


def _rights(g: Graph, site: Site, dataset: Dataset) -> URIRef:
    """The rights statement of a dataset's data: who holds them and under which licence they are given."""
    node = URIRef(f"{site.dataset(dataset)}#rights")
    if (node, RDF.type, DCTERMS.RightsStatement) not in g:
        g.add((node, RDF.type, DCTERMS.RightsStatement))
        licence = Licence(dataset.licence)
        for lang in ("sl", "en"):
            with translation.override(lang):
                text = f"© {dataset.publisher.name}; {licence.label} ({LICENCE_URLS[licence]})"
            g.add((node, RDFS.label, Literal(text, lang=lang)))
    return node


def add_dataset(g: Graph, site: Site, dataset: Dataset, service: URIRef | None = None) -> URIRef:
    """A dataset with everything DCAT-AP 3.0 asks for that the catalogue knows. Reads the dataset's
    publisher, current version, distributions and spatial coverage: select and prefetch them."""
    node = site.dataset(dataset)
    service = service or site.api()
    g.add((node, RDF.type, DCAT.Dataset))
    _text(g, node, DCTERMS.title, dataset.title, dataset.title_en)
    _text(g, node, DCTERMS.description, dataset.description, dataset.description_en)
    g.add((node, DCTERMS.identifier, Literal(str(dataset.uuid))))
    ident = BNode()
    g.add((node, ADMS.identifier, ident))
    g.add((ident, RDF.type, ADMS.Identifier))
    g.add((ident, SKOS.notation, Literal(dataset.slug)))
    for word in dataset.keywords:
        g.add((node, DCAT.keyword, Literal(word, lang="sl")))
    for word in dataset.keywords_en:
        g.add((node, DCAT.keyword, Literal(word, lang="en")))
    for theme in dataset.themes:
        if theme in Theme.values:
            g.add((node, DCAT.theme, URIRef(uri("data-theme", theme))))
    g.add((node, DCTERMS.publisher, add_agent(g, site, dataset.publisher)))
    if has_contact(dataset):
        contact = URIRef(f"{node}#contact")
        g.add((node, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.publisher.name)))
        if dataset.contact_email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    for place in dataset.spatial.all():
        g.add((node, DCTERMS.spatial, _location(g, site, place)))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            g.add((period, DCAT.startDate, _date(dataset.temporal_start)))
        if dataset.temporal_end:
            g.add((period, DCAT.endDate, _date(dataset.temporal_end)))
    if dataset.issued:
        g.add((node, DCTERMS.issued, _datetime(dataset.issued)))
    g.add((node, DCTERMS.modified, _datetime(dataset.modified)))
    if dataset.frequency:
        g.add((node, DCTERMS.accrualPeriodicity, URIRef(uri("frequency", dataset.frequency))))
    g.add(
        (
            node,
            DCTERMS.accessRights,
            URIRef(uri("access-right", dataset.access_rights or AccessRights.PUBLIC)),
        )
    )
    for standard in dataset.conformance:
        g.add((node, DCTERMS.conformsTo, URIRef(standard)))
    page = site.dataset_page(dataset)
    g.add((node, DCAT.landingPage, page))
    g.add((page, RDF.type, FOAF.Document))
    if dataset.landing_page:
        g.add((node, FOAF.page, URIRef(dataset.landing_page)))
    if dataset.provenance.strip():
        statement = URIRef(f"{node}#provenance")
        g.add((node, DCTERMS.provenance, statement))
        g.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
        g.add((statement, RDFS.label, Literal(dataset.provenance.strip(), lang="sl")))
    if dataset.kind == Kind.COPY and dataset.current is not None:
        version = dataset.current
        g.add((node, DCAT_VERSION, Literal(str(version.number))))
        if version.note.strip():
            g.add((node, ADMS.versionNotes, Literal(version.note.strip(), lang="sl")))
    for dist in dataset.distributions.all():
        g.add((node, DCAT.distribution, add_distribution(g, site, dataset, dist, service)))
    return node


def add_record(g: Graph, site: Site, catalogue: URIRef, dataset: Dataset, node: URIRef) -> URIRef:
    """The catalogue's record of a dataset: when it entered the catalogue and when it last changed."""
    record = URIRef(f"{node}#record")
    g.add((catalogue, DCAT.record, record))
    g.add((record, RDF.type, DCAT.CatalogRecord))
    g.add((record, FOAF.primaryTopic, node))
    g.add((record, DCTERMS.modified, _datetime(dataset.modified)))
    g.add((record, DCTERMS.issued, _datetime(dataset.issued or dataset.created_at)))
    g.add((record, DCTERMS.conformsTo, DCAT_AP))
    return record


def add_service(g: Graph, site: Site, datasets: Iterable[URIRef], publisher: Node | None = None) -> URIRef:
    """The CKAN action API with its DataStore (queries of every copy in the lake) as a data service."""
    node = site.api()
    g.add((node, RDF.type, DCAT.DataService))
    _text(g, node, DCTERMS.title, "API odprtih podatkov (CKAN, DataStore)", "Open data API (CKAN, DataStore)")
    _text(
        g,
        node,
        DCTERMS.description,
        "Katalog in poizvedbe po podatkih v jezeru: package_search, package_show, datastore_search, "
        "datastore_search_sql.",
        "The catalogue and queries of the data in the lake: package_search, package_show, datastore_search, "
        "datastore_search_sql.",
    )
    g.add((node, DCAT.endpointURL, node))
    g.add((node, DCAT.endpointDescription, CKAN_API_DOCS))
    g.add((node, DCTERMS.conformsTo, CKAN_API_DOCS))
    g.add((node, FOAF.page, DATASTORE_DOCS))
    g.add((node, DCTERMS.license, URIRef(uri("licence", Licence.CC_BY_4_0))))
    g.add((node, DCTERMS.accessRights, URIRef(uri("access-right", AccessRights.PUBLIC))))
    for word in ("API", "CKAN", "DataStore"):
        g.add((node, DCAT.keyword, Literal(word)))
    if publisher is not None:
        g.add((node, DCTERMS.publisher, publisher))
    for dataset in datasets:
        g.add((node, DCAT.servesDataset, dataset))
    return node


def add_catalogue(g: Graph, site: Site, modified: dt.datetime | None, issued: dt.datetime | None) -> URIRef:
    from regija.core.models import Organisation

    home = site.catalogue()
    node = URIRef(f"{home}#catalogue")
    g.add((node, RDF.type, DCAT.Catalog))
    _text(g, node, DCTERMS.title, "Odprti podatki regije", "Open data of the region")
    _text(
        g,
        node,
        DCTERMS.description,
        "Podatki, ki jih objavljajo občine, razvojne agencije in drugi partnerji regije, s podatki Regije "
        "o strategijah, projektih in kazalnikih.",
        "Data published by the region's municipalities, development agencies and other partners, with "
        "Regija's own data on strategies, projects and indicators.",
    )
    owner = (
        Organisation.objects.filter(slug=settings.REGIJA_DCAT_PUBLISHER).first()
        if settings.REGIJA_DCAT_PUBLISHER
        else None
    )
    if owner is not None:
        publisher = add_agent(g, site, owner)
    else:
        publisher = site.url("/#publisher")
        g.add((publisher, RDF.type, FOAF.Agent))
        g.add((publisher, FOAF.name, Literal("Regija")))
        g.add((publisher, FOAF.homepage, site.url("/")))
    g.add((node, DCTERMS.publisher, publisher))
    g.add((node, FOAF.homepage, home))
    g.add((node, DCTERMS.language, URIRef(uri("language", "SLV"))))
    g.add((node, DCTERMS.language, URIRef(uri("language", "ENG"))))
    g.add((node, DCTERMS.license, URIRef(uri("licence", Licence.CC_BY_4_0))))
    g.add((node, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme")))
    g.add((node, DCTERMS.spatial, URIRef(uri("country", "SVN"))))
    if modified is not None:
        g.add((node, DCTERMS.modified, _datetime(modified)))
    if issued is not None:
        g.add((node, DCTERMS.issued, _datetime(issued)))
    return node


@dataclass(frozen=True)
class Paging:
    page: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def add_paging(g: Graph, page_url: str, paging: Paging, link: dict[int, str]) -> None:
    """The page as a Hydra view of the whole collection, in both the current vocabulary
    (``hydra:PartialCollectionView`` with ``first``/``last``/``next``/``previous``) and the one
    ckanext-dcat writes and its harvester reads (``hydra:PagedCollection`` with ``firstPage``… as
    literals, ``totalItems``, ``itemsPerPage``)."""
    node = URIRef(page_url)
    g.add((node, RDF.type, HYDRA.PartialCollectionView))
    g.add((node, RDF.type, HYDRA.PagedCollection))
    g.add((node, HYDRA.totalItems, Literal(paging.total, datatype=XSD.integer)))
    g.add((node, HYDRA.itemsPerPage, Literal(paging.size, datatype=XSD.integer)))
    pages = {"first": 1, "last": paging.last}
    if paging.page > 1:
        pages["previous"] = paging.page - 1
    if paging.page < paging.last:
        pages["next"] = paging.page + 1
    for name, number in pages.items():
        g.add((node, HYDRA[name], URIRef(link[number])))
        g.add((node, HYDRA[f"{name}Page"], Literal(link[number])))


def catalogue_graph(
    site: Site,
    datasets: Sequence[Dataset],
    paging: Paging,
    link: dict[int, str],
    *,
    modified: dt.datetime | None,
    issued: dt.datetime | None,
) -> Graph:
    """One page of the catalogue: the catalogue, the page's datasets with their records, the API serving
    the copies among them, and the paging."""
    g = new_graph()
    catalogue = add_catalogue(g, site, modified, issued)
    service = site.api()
    served = []
    for dataset in datasets:
        node = add_dataset(g, site, dataset, service)
        g.add((catalogue, DCAT.dataset, node))
        add_record(g, site, catalogue, dataset, node)
        if any(d.in_lake for d in dataset.distributions.all()):
            served.append(node)
    service_node = add_service(g, site, served, g.value(catalogue, DCTERMS.publisher))
    g.add((catalogue, DCAT.service, service_node))
    add_paging(g, link[paging.page], paging, link)
    type_ranges(g)
    return g


def dataset_graph(site: Site, dataset: Dataset) -> Graph:
    """One dataset on its own (``/podatki/<slug>.ttl``): the dataset, its distributions and agents, and
    the API when it serves the dataset's data."""
    g = new_graph()
    node = add_dataset(g, site, dataset)
    if any(d.in_lake for d in dataset.distributions.all()):
        add_service(g, site, [node])
    type_ranges(g)
    return g


# The classes DCAT-AP gives as the ranges of these properties: the EU vocabularies' concepts are typed
# in the graph, as ckanext-dcat does, so a validator with the range shapes needs no vocabulary loaded.
RANGES = {
    DCAT.theme: SKOS.Concept,
    DCAT.themeTaxonomy: SKOS.ConceptScheme,
    DCTERMS.type: SKOS.Concept,
    DCTERMS.accrualPeriodicity: DCTERMS.Frequency,
    DCTERMS.license: DCTERMS.LicenseDocument,
    DCTERMS.accessRights: DCTERMS.RightsStatement,
    DCTERMS.conformsTo: DCTERMS.Standard,
    DCTERMS.language: DCTERMS.LinguisticSystem,
    DCTERMS.spatial: DCTERMS.Location,
    DCTERMS.format: DCTERMS.MediaTypeOrExtent,
    DCAT.mediaType: DCTERMS.MediaType,
    FOAF.homepage: FOAF.Document,
    FOAF.page: FOAF.Document,
    DCAT.landingPage: FOAF.Document,
    DCATAP.availability: SKOS.Concept,
}
# DCAT-AP asks a skos:Concept for a label and a scheme for a title: those of the concepts we use (in
# English, the vocabularies' own language).
PUBLISHER_TYPE_LABELS = {
    "LocalAuthority": "Local Authority",
    "RegionalAuthority": "Regional Authority",
    "NationalAuthority": "National Authority",
    "SupraNationalAuthority": "Supra-national authority",
    "Company": "Company",
    "NonGovernmentalOrganisation": "Non-Governmental Organisation",
    "NonProfitOrganisation": "Non-Profit Organisation",
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
}
THEME_LABELS = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
# The ADMS licence types (DCAT-AP's recommended dct:type of a licence document) of our licences.
LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
LICENCE_TYPES = {
    Licence.CC_BY_4_0: ("Attribution",),
    Licence.CC0: ("PublicDomain",),
    Licence.CC_BYSA_4_0: ("Attribution", "ShareAlike"),
    Licence.ODC_BY: ("Attribution",),
    Licence.ODC_ODBL: ("Attribution", "ShareAlike"),
    Licence.ODC_PDDL: ("PublicDomain",),
}


CONCEPT_LABELS = {
    **{URIRef(uri("data-theme", code)): label for code, label in THEME_LABELS.items()},
    **{PUBLISHER_TYPE[code]: label for code, label in PUBLISHER_TYPE_LABELS.items()},
    URIRef(uri("planned-availability", "AVAILABLE")): "available",
    LICENCE_TYPE.Attribution: "Attribution",
    LICENCE_TYPE.ShareAlike: "Share-alike",
    LICENCE_TYPE.PublicDomain: "Public domain",
}
SCHEME_TITLES = {URIRef(f"{EU}data-theme"): "Data theme"}


def type_ranges(g: Graph) -> None:
    for licence, kinds in LICENCE_TYPES.items():
        document = URIRef(uri("licence", licence))
        if (None, DCTERMS.license, document) in g:
            for kind in kinds:
                g.add((document, DCTERMS.type, LICENCE_TYPE[kind]))
    for prop, cls in RANGES.items():
        for value in set(g.objects(None, prop)):
            if isinstance(value, URIRef):
                g.add((value, RDF.type, cls))
    for concept, label in CONCEPT_LABELS.items():
        if (concept, RDF.type, SKOS.Concept) in g:
            g.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
    for scheme, title in SCHEME_TITLES.items():
        if (scheme, RDF.type, SKOS.ConceptScheme) in g:
            g.add((scheme, DCTERMS.title, Literal(title, lang="en")))


def serialize(g: Graph, fmt: str) -> bytes:
    rdf_format = FORMATS[fmt][0]
    if rdf_format == "json-ld":
        return g.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True, encoding="utf-8")
    return g.serialize(format=rdf_format, encoding="utf-8")


def mandatory_missing(dataset: Dataset) -> list[str]:
    """The DCAT-AP 3.0 mandatory properties the dataset's graph lacks (the same as the Violation-level
    minCount constraints of tests/lake/shapes/dcat-ap-3.ttl, checked on the model instead of by running
    pyshacl, which is too slow for a list of datasets): a title and a description, a name for the
    publisher (a distribution's access URL is always there: the lake's download, or the link's source)."""
    missing = []
    if not (dataset.title.strip() or dataset.title_en.strip()):
        missing.append("dct:title")
    if not (dataset.description.strip() or dataset.description_en.strip()):
        missing.append("dct:description")
    if not dataset.publisher.name:
        missing.append("foaf:name")
    return missing
