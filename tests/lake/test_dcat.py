"""The catalogue in DCAT-AP 3.0 as harvesters read it: every serialisation parses, a well-filled dataset
conforms to shapes written from the specification's mandatory and recommended properties, paging and
``modified_since`` work as in ckanext-dcat, and drafts and private datasets never appear."""

from __future__ import annotations

import datetime as dt

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, SKOS, XSD

from regija.core.models import Organisation
from regija.lake import dcat, services
from regija.lake.dcat import GSP, HYDRA, VCARD
from regija.lake.models import Dataset
from regija.lake.storage import lake

from .dcat_data import SHAPES, copy_dataset, link_dataset

pytestmark = pytest.mark.django_db

EU = "http://publications.europa.eu/resource/authority/"
PARSERS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "xml": "xml"}
CONTENT_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
}


@pytest.fixture
def mov():
    org = Organisation.objects.get(slug="mov")
    # Velenje's town hall (Titov trg 1), as a map gives it
    org.lat, org.lon = 46.3592, 15.1103
    org.save()
    return org


@pytest.fixture
def editor(member, mov):
    return member("editor", mov)


@pytest.fixture
def catalogue_owner(settings):
    settings.REGIJA_DCAT_PUBLISHER = "rra-zasavje"


def _get(client, url, fmt="ttl"):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(CONTENT_TYPES[fmt])
    return Graph().parse(data=response.content, format=PARSERS[fmt])


def _validate(graph):
    shapes = Graph().parse(SHAPES)
    conforms, report, text = pyshacl.validate(graph, shacl_graph=shapes, allow_warnings=False)
    results = [
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
            report.value(r, SH.resultSeverity),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return conforms, results


def _dataset_node(g, title):
    nodes = list(g.subjects(DCTERMS.title, Literal(title, lang="sl")))
    assert len(nodes) == 1, nodes
    assert (nodes[0], RDF.type, DCAT.Dataset) in g
    return nodes[0]


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf", "xml"])
def test_each_serialisation_parses_to_the_same_catalogue(client, editor, mov, tmp_path, fmt):
    dataset = copy_dataset(editor, mov, tmp_path)
    g = _get(client, f"/katalog.{fmt}", fmt)
    node = _dataset_node(g, "Kakovost zraka")
    assert (node, DCTERMS.title, Literal("Air quality", lang="en")) in g
    assert (node, DCTERMS.identifier, Literal(str(dataset.uuid))) in g
    catalogue = next(g.subjects(RDF.type, DCAT.Catalog))
    assert (catalogue, DCAT.dataset, node) in g


def test_a_well_filled_dataset_has_the_properties_of_dcat_ap(client, editor, mov, tmp_path):
    dataset = copy_dataset(editor, mov, tmp_path)
    g = _get(client, f"/podatki/{dataset.slug}.ttl")
    node = _dataset_node(g, "Kakovost zraka")
    assert set(g.objects(node, DCAT.keyword)) == {
        Literal("zrak", lang="sl"),
        Literal("PM10", lang="sl"),
        Literal("air", lang="en"),
        Literal("PM10", lang="en"),
    }
    assert set(g.objects(node, DCAT.theme)) == {
        URIRef(f"{EU}data-theme/ENVI"),
        URIRef(f"{EU}data-theme/HEAL"),
    }
    # the vocabularies' concepts are typed and labelled, as DCAT-AP's range constraints expect
    envi = URIRef(f"{EU}data-theme/ENVI")
    assert (envi, RDF.type, SKOS.Concept) in g
    assert g.value(envi, SKOS.prefLabel) == Literal("Environment", lang="en")
    licence = URIRef(f"{EU}licence/CC_BY_4_0")
    assert (licence, RDF.type, DCTERMS.LicenseDocument) in g
    assert g.value(licence, DCTERMS.type) == URIRef("http://purl.org/adms/licencetype/Attribution")
    assert g.value(node, DCTERMS.accrualPeriodicity) == URIRef(f"{EU}frequency/DAILY")
    assert g.value(node, DCTERMS.accessRights) == URIRef(f"{EU}access-right/PUBLIC")
    # the publisher: an organisation, a municipality being a local authority in ADMS's publisher types
    publisher = g.value(node, DCTERMS.publisher)
    assert g.value(publisher, FOAF.name) == Literal("Mestna občina Velenje")
    assert g.value(publisher, DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    contact = g.value(node, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in g
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:okolje@velenje.si")
    place = g.value(node, DCTERMS.spatial)
    assert g.value(place, SKOS.prefLabel) == Literal("Mestna občina Velenje", lang="sl")
    assert g.value(place, DCAT.centroid) == Literal("POINT(15.1103 46.3592)", datatype=GSP.wktLiteral)
    period = g.value(node, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate) == Literal("2023-01-01", datatype=XSD.date)
    assert g.value(period, DCAT.endDate) == Literal("2024-12-31", datatype=XSD.date)
    assert g.value(node, DCTERMS.issued).datatype == XSD.dateTime
    assert g.value(node, DCTERMS.modified).datatype == XSD.dateTime
    assert g.value(node, DCTERMS.conformsTo) == URIRef("https://www.w3.org/TR/tabular-data-primer/")
    assert g.value(node, dcat.DCAT_VERSION) == Literal("1")
    assert str(g.value(node, DCAT.landingPage)).endswith(f"/podatki/{dataset.slug}/")

    formats = {}
    for dist in g.objects(node, DCAT.distribution):
        formats[g.value(dist, DCTERMS.format)] = dist
        assert g.value(dist, DCTERMS.license) == URIRef(f"{EU}licence/CC_BY_4_0")
        assert g.value(dist, DCAT.downloadURL) == g.value(dist, DCAT.accessURL)
        assert g.value(dist, DCAT.accessService) == URIRef("http://testserver/api/3/action/")
    assert set(formats) == {URIRef(f"{EU}file-type/CSV"), URIRef(f"{EU}file-type/PARQUET")}
    rights = g.value(next(iter(formats.values())), DCTERMS.rights)
    assert (
        rights,
        RDFS.label,
        Literal(
            "© Mestna občina Velenje; Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/)",
            lang="en",
        ),
    ) in g
    csv = formats[URIRef(f"{EU}file-type/CSV")]
    assert g.value(csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    parquet = formats[URIRef(f"{EU}file-type/PARQUET")]
    # the byte size of the Parquet download is that of the file in the lake
    dataset.refresh_from_db()
    size = lake().local(dataset.current.key).stat().st_size
    assert g.value(parquet, DCAT.byteSize) == Literal(size, datatype=XSD.nonNegativeInteger)
    # the CSV is made from the Parquet file: its size is not known, so not stated
    assert g.value(csv, DCAT.byteSize) is None

    service = URIRef("http://testserver/api/3/action/")
    assert (service, RDF.type, DCAT.DataService) in g
    assert (service, DCAT.servesDataset, node) in g
    assert g.value(service, DCAT.endpointURL) == service


def test_the_catalogue_of_well_filled_datasets_conforms_to_the_shapes(
    client, editor, mov, tmp_path, catalogue_owner
):
    copy_dataset(editor, mov, tmp_path)
    g = _get(client, "/katalog.ttl")
    conforms, results = _validate(g)
    assert results == []
    assert conforms
    record = next(g.subjects(RDF.type, DCAT.CatalogRecord))
    assert g.value(record, FOAF.primaryTopic) == _dataset_node(g, "Kakovost zraka")
    assert g.value(record, DCTERMS.conformsTo) == URIRef("http://data.europa.eu/r5r/")


def test_a_dataset_without_a_mandatory_description_fails_with_the_shapes_message(
    client, editor, mov, tmp_path
):
    dataset = copy_dataset(editor, mov, tmp_path, description="", description_en="")
    g = _get(client, f"/podatki/{dataset.slug}.ttl")
    conforms, results = _validate(g)
    assert not conforms
    violations = [(focus, message) for focus, message, severity in results if severity == SH.Violation]
    assert violations == [
        (str(_dataset_node(g, "Kakovost zraka")), "A dataset needs a description (dct:description).")
    ]
    # the rule check the quality score uses finds the same
    assert dcat.mandatory_missing(Dataset.objects.get(pk=dataset.pk)) == ["dct:description"]


def test_a_sparse_dataset_conforms_but_is_warned_of_what_is_recommended(client, editor, mov):
    dataset = link_dataset(editor, mov, "stevci-prometa")
    g = _get(client, f"/podatki/{dataset.slug}.ttl")
    conforms, results = _validate(g)
    assert {severity for _focus, _message, severity in results} == {SH.Warning}
    messages = {message for _focus, message, _severity in results}
    assert "A dataset should have keywords (dcat:keyword)." in messages
    assert "A dataset should have a contact point (dcat:contactPoint)." in messages
    assert dcat.mandatory_missing(Dataset.objects.get(pk=dataset.pk)) == []
    # a link's distribution is its source API: an access URL, no download
    dist = next(g.objects(_dataset_node(g, "Povezava stevci-prometa"), DCAT.distribution))
    assert g.value(dist, DCAT.accessURL) == URIRef("https://podatki.example.si/api/meritve")
    assert g.value(dist, DCAT.downloadURL) is None


def test_a_dataset_is_found_by_its_identifier_too_and_unseen_ones_are_not_found(
    client, editor, mov, tmp_path
):
    dataset = copy_dataset(editor, mov, tmp_path)
    assert client.get(f"/podatki/{dataset.uuid}.jsonld").status_code == 200
    draft = link_dataset(editor, mov, "osnutek", publish=False)
    hidden = link_dataset(editor, mov, "zasebni", private=True)
    for slug in (draft.slug, hidden.slug, "ni-ga"):
        assert client.get(f"/podatki/{slug}.ttl").status_code == 404
    assert client.get(f"/podatki/{dataset.slug}.pdf").status_code == 404


def test_drafts_and_private_datasets_are_never_in_the_catalogue(client, editor, mov):
    link_dataset(editor, mov, "javni")
    link_dataset(editor, mov, "osnutek", publish=False)
    link_dataset(editor, mov, "zasebni", private=True)
    client.force_login(editor)  # even for a member of the publisher
    g = _get(client, "/katalog.ttl")
    titles = {str(t) for s in g.subjects(RDF.type, DCAT.Dataset) for t in g.objects(s, DCTERMS.title)}
    assert titles == {"Povezava javni"}
    page = next(g.subjects(RDF.type, HYDRA.PagedCollection))
    assert g.value(page, HYDRA.totalItems).toPython() == 1


def _paging(g):
    page = next(g.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert (page, RDF.type, HYDRA.PagedCollection) in g

    def link(name):
        new, old = g.value(page, HYDRA[name]), g.value(page, HYDRA[f"{name}Page"])
        assert (new is None) == (old is None)
        assert new is None or str(new) == str(old)
        return str(new) if new is not None else None

    return {
        "total": g.value(page, HYDRA.totalItems).toPython(),
        "per_page": g.value(page, HYDRA.itemsPerPage).toPython(),
        "first": link("first"),
        "last": link("last"),
        "next": link("next"),
        "previous": link("previous"),
        "datasets": sorted(str(g.value(s, DCTERMS.title)) for s in g.subjects(RDF.type, DCAT.Dataset)),
    }


def test_the_catalogue_is_paged_as_ckanext_dcat_pages_it(client, editor, mov, settings):
    settings.REGIJA_DCAT_PAGE_SIZE = 2
    for slug in ("a", "b", "c", "d", "e"):
        link_dataset(editor, mov, slug)
    base = "http://testserver/katalog.ttl"
    first = _paging(_get(client, "/katalog.ttl"))
    assert first == {
        "total": 5,
        "per_page": 2,
        "first": f"{base}?page=1",
        "last": f"{base}?page=3",
        "next": f"{base}?page=2",
        "previous": None,
        "datasets": ["Povezava a", "Povezava b"],
    }
    second = _paging(_get(client, first["next"]))
    assert (second["previous"], second["next"], second["datasets"]) == (
        f"{base}?page=1",
        f"{base}?page=3",
        ["Povezava c", "Povezava d"],
    )
    last = _paging(_get(client, first["last"]))
    assert (last["next"], last["datasets"]) == (None, ["Povezava e"])
    assert client.get("/katalog.ttl?page=4").status_code == 404
    refused = client.get("/katalog.ttl?page=nič")
    assert refused.status_code == 400
    assert "page" in refused.content.decode()


def test_modified_since_lists_only_datasets_changed_since(client, editor, mov, settings):
    settings.REGIJA_DCAT_PAGE_SIZE = 2
    for slug in ("a", "b", "c", "d"):
        link_dataset(editor, mov, slug)
    old = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    Dataset.objects.filter(slug__in=["a", "b"]).update(modified=old)
    Dataset.objects.filter(slug__in=["c", "d"]).update(modified=old + dt.timedelta(days=30))
    since = _paging(_get(client, "/katalog.ttl?modified_since=2025-03-15"))
    assert since["total"] == 2
    assert since["datasets"] == ["Povezava c", "Povezava d"]
    assert since["first"] == "http://testserver/katalog.ttl?page=1&modified_since=2025-03-15"
    assert _paging(_get(client, "/katalog.ttl?modified_since=2025-03-01T00:00:00%2B00:00"))["total"] == 4
    refused = client.get("/katalog.ttl?modified_since=včeraj")
    assert refused.status_code == 400
    assert "modified_since" in refused.content.decode()


def test_a_catalogue_page_takes_the_same_number_of_queries_however_many_datasets(
    client, editor, mov, tmp_path, django_assert_max_num_queries
):
    copy_dataset(editor, mov, tmp_path, slug="prvi")
    link_dataset(editor, mov, "drugi")
    with django_assert_max_num_queries(5):
        _get(client, "/katalog.jsonld", "jsonld")
    for n in range(12):
        link_dataset(editor, mov, f"vec-{n:02}")
    copy_dataset(editor, mov, tmp_path, slug="zadnji")
    with django_assert_max_num_queries(5):
        g = _get(client, "/katalog.jsonld", "jsonld")
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 15


def test_editing_a_dataset_changes_the_catalogue_record(client, editor, mov):
    dataset = link_dataset(editor, mov, "spremenjen")
    services.dataset_update(editor, dataset, {"title_en": "Changed"}, via="web")
    g = _get(client, "/katalog.ttl")
    node = _dataset_node(g, "Povezava spremenjen")
    assert (node, DCTERMS.title, Literal("Changed", lang="en")) in g
    record = next(g.subjects(FOAF.primaryTopic, node))
    dataset.refresh_from_db()
    assert g.value(record, DCTERMS.modified).toPython() == dataset.modified.replace(microsecond=0)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=²", "page"),
        ("page=" + "9" * 5000, "page"),
        ("modified_since=2025-13-01", "modified_since"),
        ("modified_since=9999-12-31T23:59:59-12:00", "modified_since"),
        ("modified_since=0001-01-01T00:00:00%2B14:00", "modified_since"),
    ],
)
def test_bad_paging_is_refused_with_a_message_not_a_server_error(client, query, parameter):
    response = client.get(f"/katalog.ttl?{query}")
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{parameter}:")
