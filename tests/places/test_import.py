"""Import of places from CSV, XLSX and GeoJSON: each row checked (a known category, a position inside the
territory, opening hours in OSM syntax …), problems named by row and field in Slovenian and English, and
nothing written when any row is bad. Every place is an NGSI-LD entity of its Smart Data Model in the
broker."""

from __future__ import annotations

import io
import json

import pytest
from django.utils import translation
from openpyxl import Workbook

from regija.context.datamodels import type_iris
from regija.context.models import ContextEntity
from regija.core.services import Forbidden
from regija.places import fileformat, services
from regija.places.models import Place

from .conftest import HALL, row

pytestmark = pytest.mark.django_db

CSV = (
    "code;category;name;name_en;latitude;longitude;address;opening_hours;checked_on\n"
    "aed-hall;aed;AED Mestna hiša;AED Town Hall;46,3592;15,1103;Titov trg 1;24/7;2026-11-30\n"
    "wifi-hall;wifi;WiFi Titov trg;;46.3594;15.1106;Titov trg;;\n"
)


def test_a_csv_file_becomes_places_and_their_entities_in_the_broker(org, editor):
    rows = fileformat.read("kraji.csv", CSV.encode())
    result = services.import_places(editor, org, rows, via="web")
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    aed = Place.objects.get(code="aed-hall")
    assert (aed.latitude, aed.longitude, aed.name_en, str(aed.checked_on)) == (
        46.3592,
        15.1103,
        "AED Town Hall",
        "2026-11-30",
    )
    entity = ContextEntity.objects.get(
        organisation=org, entity_id="urn:ngsi-ld:PointOfInterest:obcina-kraji:aed-hall"
    )
    assert entity.type in type_iris("PointOfInterest") and entity.model_errors == []
    location = entity.doc["https://uri.etsi.org/ngsi-ld/location"]["value"]
    assert location == {"type": "Point", "coordinates": [15.1103, 46.3592]}  # GeoJSON: longitude first
    wifi = ContextEntity.objects.get(organisation=org, entity_id__endswith=":wifi-hall")
    assert wifi.type in type_iris("WifiPointOfInterest")
    # the same file again changes nothing; an edited row changes its place and entity
    assert services.import_places(editor, org, rows, via="web").unchanged == 2
    edited = fileformat.read("kraji.csv", CSV.replace("AED Mestna hiša", "AED Mestna občina").encode())
    assert services.import_places(editor, org, edited, via="web").updated == 1
    entity.refresh_from_db()
    assert entity.doc["https://uri.etsi.org/ngsi-ld/default-context/name"]["value"] == "AED Mestna občina"


def test_xlsx_and_geojson_files_are_read_the_same_way(org, editor):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "category", "name", "latitude", "longitude"])
    sheet.append(["pitnik-1", "drinking-water", "Pitnik", 46.36, 15.11])
    data = io.BytesIO()
    book.save(data)
    services.import_places(editor, org, fileformat.read("kraji.xlsx", data.getvalue()), via="web")
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [15.12, 46.37]},
         "properties": {"code": "bus-1", "category": "bus-stop", "name": "Postajališče"}}]}  # fmt: skip
    services.import_places(
        editor, org, fileformat.read("kraji.geojson", json.dumps(geojson).encode()), via="web"
    )
    assert dict(Place.objects.values_list("code", "latitude")) == {"pitnik-1": 46.36, "bus-1": 46.37}


def test_every_bad_row_is_named_and_nothing_is_written(org, editor):
    rows = [
        row(2, code="ok", name="Dober"),
        row(3, code="zunaj", latitude="48.2082", longitude="16.3738"),  # Vienna
        row(4, code="zamenjano", latitude=str(HALL[1]), longitude=str(HALL[0])),  # swapped
        row(5, code="kategorija", category="kavarna"),
        row(6, code="stevilka", latitude="46,35,1"),
        row(7, code="ure", opening_hours="ponedeljek 8-16"),
        row(8, code="ok", name="Podvojen"),
    ]
    with translation.override("en"):
        with pytest.raises(services.InvalidRows) as caught:
            services.import_places(editor, org, rows, via="web")
        texts = [str(p) for p in caught.value.problems]
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {(3, "latitude"), (4, "latitude"), (5, "category"), (6, "latitude"), (7, "opening_hours"),
                     (8, "code")}  # fmt: skip
    assert any(
        t.startswith("row 3, latitude: The position 48.2082, 16.3738 lies outside the territory")
        for t in texts
    )
    assert any("Unknown category 'kavarna'" in t and "aed, drinking-water" in t for t in texts)
    assert not Place.objects.exists() and not ContextEntity.objects.exists()
    with translation.override("sl"), pytest.raises(services.InvalidRows) as caught:
        services.import_places(editor, org, rows[3:4], via="web")
    assert str(caught.value.problems[0]).startswith("vrstica 5, category: Neznana kategorija")


def test_a_file_that_is_no_table_is_refused_as_a_whole():
    with pytest.raises(fileformat.UnreadableFile):
        fileformat.read("kraji.txt", b"x")
    with pytest.raises(fileformat.UnreadableFile):
        fileformat.read("kraji.geojson", b'{"type": "Feature"}')
    with pytest.raises(fileformat.UnreadableFile):
        fileformat.read("kraji.xlsx", b"not a workbook")
    with pytest.raises(fileformat.UnreadableFile):
        fileformat.read("kraji.csv", b"a,b\n1,2\n")


def test_only_staff_of_the_owning_organisation_import_its_places(org, editor, other_editor, member):
    rows = [row(2, code="a")]
    with pytest.raises(Forbidden):
        services.import_places(other_editor, org, rows, via="web")
    with pytest.raises(Forbidden):
        services.import_places(member("viewer", org), org, rows, via="web")
    assert not Place.objects.exists()
    services.import_places(editor, org, rows, via="web")
    assert Place.objects.count() == 1


def test_the_demo_places_load_once_and_are_labelled_illustrative(db, monkeypatch):
    from regija.core.models import Organisation
    from regija.places import demo
    from tests.factories import OrganisationFactory

    monkeypatch.setattr(demo, "OWNER", "ni-take-obcine")
    assert demo.load_demo() is None  # without the Municipality of Velenje there is no owner
    monkeypatch.undo()
    if not Organisation.objects.filter(slug="mov").exists():
        OrganisationFactory(slug="mov", name="Mestna občina Velenje", kind="municipality")
    first = demo.load_demo()
    assert first.created >= 15
    assert set(Place.objects.values_list("category", flat=True)) == {
        "aed",
        "drinking-water",
        "wifi",
        "bus-stop",
        "heritage",
    }
    assert not Place.objects.filter(illustrative=False).exists()
    again = demo.load_demo()
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)


def test_a_place_that_becomes_free_wifi_becomes_a_wifi_point_of_interest(org, editor):
    services.import_places(editor, org, [row(2, code="tocka", category="aed")], via="web")
    services.import_places(editor, org, [row(2, code="tocka", category="wifi")], via="web")
    ids = list(ContextEntity.objects.filter(organisation=org).values_list("entity_id", flat=True))
    assert ids == ["urn:ngsi-ld:WifiPointOfInterest:obcina-kraji:tocka"]
    assert Place.objects.get(code="tocka").entity_id == ids[0]
