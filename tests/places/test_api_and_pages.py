"""The places API (/api/v1/places) and pages (/kraji/): nearest with distance and direction, bad input
refused with a clear message (never a 500), exports, the staff's import, and queries that do not grow with
the places."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from regija.places.models import Place

from .conftest import HALL, destination

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_place):
    ne = make_place("aed-ne", *destination(*HALL, 45, 300), name="AED Severovzhod", opening_hours="24/7")
    s = make_place("aed-s", *destination(*HALL, 180, 1200), name="AED Jug")
    wifi = make_place("wifi-1", *destination(*HALL, 270, 100), category="wifi", name="WiFi Zahod")
    return ne, s, wifi


def test_the_api_gives_the_nearest_of_a_category_with_distance_and_direction(client, three):
    ne, s, _wifi = three
    answer = client.get("/api/v1/places?near=46.3592,15.1103&category=aed&limit=5").json()
    assert answer["near"] == [46.3592, 15.1103] and answer["count"] == 2
    first, second = answer["items"]
    assert (first["id"], first["direction"], second["id"], second["direction"]) == (ne.pk, "NE", s.pk, "S")
    assert first["distance_m"] == pytest.approx(300, abs=0.1) and first["bearing_deg"] == pytest.approx(
        45, abs=0.1
    )
    assert second["distance_m"] == pytest.approx(1200, abs=0.1)
    assert first["hours"]["open_now"] is True and first["origin"] == "regija"
    assert first["entity_id"] == "urn:ngsi-ld:PointOfInterest:obcina-kraji:aed-ne"
    listed = client.get("/api/v1/places?category=wifi").json()
    assert [i["name"] for i in listed["items"]] == ["WiFi Zahod"] and listed["near"] is None
    one = client.get(f"/api/v1/places/{ne.pk}").json()
    assert one["name"] == "AED Severovzhod" and one["distance_m"] is None
    assert client.get("/api/v1/places/999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "where", "says"),
    [
        ("near=48.2082,16.3738", ["query", "near"], "outside the territory"),
        ("near=46.3;x", ["query", "near"], "pattern"),
        ("near=", ["query", "near"], "pattern"),
        ("near=46.35,15.11&category=kavarna", ["query", "category"], ""),
        ("near=46.35,15.11&limit=0", ["query", "limit"], ""),
        ("near=46.35,15.11&limit=1000", ["query", "limit"], ""),
    ],
)
def test_bad_input_to_the_api_is_a_422_naming_the_parameter(client, query, where, says):
    response = client.get(f"/api/v1/places?{query}")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == where and says in detail[0]["msg"]


def test_api_queries_do_not_grow_with_the_places(client, make_place, django_assert_max_num_queries):
    for i in range(3):
        make_place(f"a{i}", *destination(*HALL, i * 30, 100 + i * 50))
    with django_assert_max_num_queries(8):
        client.get("/api/v1/places?near=46.3592,15.1103&category=aed")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/places?category=aed")
    for i in range(3, 40):
        make_place(f"a{i}", *destination(*HALL, i * 30, 100 + i * 50))
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/places?near=46.3592,15.1103&category=aed").json()["items"]) == 10
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/places?category=aed").json()["count"] == 40


def test_the_nearest_aed_from_a_typed_address_without_javascript(
    client, three, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page = client.get("/kraji/?kje=Titov+trg+1&kategorija=aed&n=5").content.decode()
    assert "Najbližje: Titov trg" in page
    assert page.index("AED Severovzhod") < page.index("AED Jug")
    assert "300 m severovzhod" in page and "1,2 km jug" in page
    assert "WiFi Zahod" not in page
    page = client.get("/kraji/?kje=Atlantida").content.decode()
    assert "Atlantida" in page and "ne poznamo" in page
    page = client.get("/kraji/?blizu=48.2,16.37").content.decode()
    assert "zunaj območja" in page


def test_the_place_page_says_open_now_and_that_its_position_is_illustrative(
    client, make_place, django_assert_max_num_queries
):
    place = make_place(
        "aed-x", *HALL, opening_hours="24/7", illustrative="true", accessibility="Dostop brez stopnic."
    )
    with django_assert_max_num_queries(6):
        page = client.get(f"/kraji/{place.pk}/").content.decode()
    assert "odprto zdaj" in page and "ponazoritev" in page and "Dostop brez stopnic." in page
    assert place.entity_id in page
    assert client.get("/kraji/999999/").status_code == 404


def test_exports_in_geojson_and_csv(client, three):
    ne, _s, _wifi = three
    data = json.loads(client.get("/kraji/izvoz.geojson?kategorija=aed").content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 2
    feature = next(f for f in data["features"] if f["properties"]["id"] == ne.pk)
    assert feature["geometry"] == {"type": "Point", "coordinates": [ne.longitude, ne.latitude]}
    near = json.loads(client.get("/kraji/izvoz.geojson?blizu=46.3592,15.1103&n=5").content)
    assert [f["properties"]["direction"] for f in near["features"]] == ["W", "NE", "S"]
    rows = list(csv.DictReader(io.StringIO(client.get("/kraji/izvoz.csv").content.decode())))
    assert {r["name"] for r in rows} == {"AED Severovzhod", "AED Jug", "WiFi Zahod"}
    assert client.get("/kraji/izvoz.xml").status_code == 404
    assert client.get("/kraji/izvoz.csv?blizu=1,2").status_code == 400


def test_staff_import_a_file_and_see_problems_by_row(client, org, editor, other_editor):
    assert client.get("/kraji/uvoz/").status_code == 302  # to the sign-in
    client.force_login(editor)
    bad = "code,category,name,latitude,longitude\na,aed,A,46.35,15.11\nb,kavarna,B,46.35,15.11\n"
    page = client.post(
        "/kraji/uvoz/", {"organisation": org.pk, "file": SimpleUploadedFile("k.csv", bad.encode())}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "vrstica 3, category" in text and not Place.objects.exists()
    good = bad.replace("kavarna", "wifi")
    response = client.post(
        "/kraji/uvoz/", {"organisation": org.pk, "file": SimpleUploadedFile("k.csv", good.encode())}
    )
    assert response.status_code == 302 and Place.objects.filter(organisation=org).count() == 2
    client.force_login(other_editor)
    response = client.post(
        "/kraji/uvoz/", {"organisation": org.pk, "file": SimpleUploadedFile("k.csv", good.encode())}
    )
    assert response.status_code == 200 and "organisation" in response.context["form"].errors


def test_staff_change_a_place_and_its_broker_entity_follows(client, org, editor, other_editor, make_place):
    from regija.context.models import ContextEntity

    place = make_place("aed-hall", *HALL, name="AED Hall")
    url = f"/kraji/{place.pk}/uredi/"
    assert client.get(url).status_code == 302  # to the sign-in
    client.force_login(other_editor)  # staff of another organisation: not a place they may change
    assert client.get(url).status_code == 404
    assert "/uredi/" not in client.get(f"/kraji/{place.pk}/").content.decode()

    client.force_login(editor)
    assert f'href="{url}"' in client.get(f"/kraji/{place.pk}/").content.decode()
    form = client.get(url).context["form"]
    assert form.initial["name"] == "AED Hall" and form.initial["category"] == "aed"
    values = {"category": "aed", "name": "AED Mestna hiša", "latitude": "46,3600", "longitude": "15.1110",
              "opening_hours": "Mo-Fr 07:00-15:00", "checked_on": "2026-11-30"}  # fmt: skip
    response = client.post(url, values)
    assert response.status_code == 302 and response["Location"] == f"/kraji/{place.pk}/"
    place.refresh_from_db()
    assert (place.name, place.latitude, place.longitude) == ("AED Mestna hiša", 46.36, 15.111)
    assert place.opening_hours == "Mo-Fr 07:00-15:00" and str(place.checked_on) == "2026-11-30"
    entity = ContextEntity.objects.get(entity_id=place.entity_id)
    assert entity.doc["https://uri.etsi.org/ngsi-ld/default-context/name"]["value"] == "AED Mestna hiša"
    point = entity.doc["https://uri.etsi.org/ngsi-ld/location"]["value"]
    assert point == {"type": "Point", "coordinates": [15.111, 46.36]}


def test_a_bad_change_says_which_field_and_keeps_the_place(client, org, editor, make_place):
    place = make_place("aed-hall", *HALL, name="AED Hall")
    client.force_login(editor)
    bad = {
        "category": "aed",
        "name": "",
        "latitude": "13.9",
        "longitude": "46.1",
        "opening_hours": "Mo-Fr 8-",
    }
    response = client.post(f"/kraji/{place.pk}/uredi/", bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "latitude", "opening_hours"}
    assert "zamenjani" in " ".join(errors["latitude"])  # outside Slovenia: latitude and longitude swapped?
    place.refresh_from_db()
    assert place.name == "AED Hall" and place.latitude == HALL[0]


def test_an_unknown_category_is_named_once(client, org, editor, make_place):
    """The category is checked by the service, as a file's row is; the page says so once, not a second
    time in the form's own words."""
    place = make_place("aed-hall", *HALL, name="AED Hall")
    client.force_login(editor)
    values = {"category": "vodnjak-x", "name": "AED Hall", "latitude": "46.36", "longitude": "15.11"}
    response = client.post(f"/kraji/{place.pk}/uredi/", values)
    assert response.status_code == 200
    assert len(response.context["form"].errors["category"]) == 1
    place.refresh_from_db()
    assert place.category == "aed"


def test_staff_delete_a_place_with_its_broker_entity(client, org, editor, other_editor, make_place):
    from regija.context.models import ContextEntity

    place = make_place("aed-hall", *HALL, name="AED Hall")
    url = f"/kraji/{place.pk}/izbrisi/"
    client.force_login(other_editor)
    assert client.post(url).status_code == 404 and Place.objects.filter(pk=place.pk).exists()
    client.force_login(editor)
    assert "AED Hall" in client.get(url).content.decode()  # the confirmation names it
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/kraji/"
    assert not Place.objects.filter(pk=place.pk).exists()
    assert not ContextEntity.objects.filter(entity_id=place.entity_id).exists()


def test_the_csv_export_never_gives_a_spreadsheet_a_formula(client, make_place):
    make_place("aed-formula", *HALL, name='=HYPERLINK("http://x")')
    rows = list(csv.reader(io.StringIO(client.get("/kraji/izvoz.csv").content.decode())))
    name = rows[1][rows[0].index("name")]
    assert name == '\'=HYPERLINK("http://x")'  # shown as text, not run
