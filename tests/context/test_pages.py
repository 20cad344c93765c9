"""The city-data pages (docs/portal.md, "City data") and the bundled demo network of Velenje
(docs/context.md, "The demo network"): what a resident sees of the broker's entities – the types with
their counts, a type's table (always in the HTML) and map points, the JSON feed the map follows, an
entity's page and its downloads – in Slovenian and English, with bounded queries.

Expected values come from the demo network's file (data/demo/velenje.json: 4 air-quality stations, 3
car parks with one space each, 10 street lights, 3 chargers) and from the measures the tests send."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.management import call_command

from regija.context import pages, selectors, services, simulation
from regija.context.models import ContextEntity, Device, ServiceGroup
from regija.core.models import Organisation

pytestmark = pytest.mark.django_db

AQ = "urn:ngsi-ld:AirQualityObserved:velenje-demo:aq-center"
EXPECTED = {
    "AirQualityObserved": 4,
    "OffStreetParking": 3,
    "ParkingSpot": 3,
    "Streetlight": 10,
    "EVChargingStation": 3,
}
# The municipality of Velenje (MO Velenje) lies within about 46.30–46.45 N, 15.02–15.23 E.
VELENJE_BOX = (46.30, 15.02, 46.45, 15.23)


@pytest.fixture
def demo(db):
    return services.load_demo_network(dt.datetime(2026, 12, 7, 13, 0, tzinfo=dt.UTC))


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_demo_network_loads_once_and_follows_its_models(demo):
    assert demo.organisation.slug == "mov"
    assert (demo.groups, demo.devices, demo.entities) == (5, 23, 23)
    again = services.load_demo_network()
    assert (again.groups, again.devices, again.entities) == (0, 0, 0)
    assert ServiceGroup.objects.filter(apikey__startswith="velenje-demo-").count() == 5
    assert Device.objects.filter(group__apikey__startswith="velenje-demo-").count() == 23
    demo_rows = ContextEntity.objects.filter(entity_id__contains=":velenje-demo:")
    assert demo_rows.count() == 23
    counts = {key: n for key, (n, _iris) in selectors.public_types().items()}
    assert {k: counts.get(k) for k in EXPECTED} == EXPECTED
    # valid against the Smart Data Models (a strict tenant would have refused otherwise; nothing flagged)
    assert not demo_rows.exclude(model_errors=[]).exists()
    south, west, north, east = VELENJE_BOX
    for row in demo_rows:
        lon, lat = row.doc["https://uri.etsi.org/ngsi-ld/location"]["value"]["coordinates"]
        assert south < lat < north and west < lon < east, row.entity_id
        # each says it is illustrative, in the data itself
        assert "ponazoritveni" in row.doc["http://purl.org/dc/terms/description"]["value"]


def test_the_demo_network_needs_its_organisation(db, monkeypatch):
    Organisation.objects.filter(slug="mov").update(slug="mov-renamed")
    loaded = services.load_demo_network()
    assert loaded.organisation is None
    assert not ServiceGroup.objects.filter(apikey__startswith="velenje-demo-").exists()


def test_simulated_measures_follow_the_day(demo):
    rng = __import__("random").Random(3)
    network = simulation.network()
    air = network["groups"][0]
    lights = next(g for g in network["groups"] if g["kind"] == "light")
    rush = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC)  # 7:30 in Velenje, a Monday
    night = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 3:00
    noon = dt.datetime(2026, 6, 8, 10, 0, tzinfo=dt.UTC)  # 12:00 in June
    no2_rush = sum(simulation.measures(air, air["devices"][0], rush, rng)["no2"] for _ in range(30)) / 30
    no2_night = sum(simulation.measures(air, air["devices"][0], night, rng)["no2"] for _ in range(30)) / 30
    assert no2_rush > no2_night + 15
    assert simulation.measures(lights, lights["devices"][0], night, rng)["p"] == "on"
    assert simulation.measures(lights, lights["devices"][0], noon, rng)["p"] == "off"
    # every round is accepted by the ingest as it is (no dead letters) and keeps the entities valid
    result = services.ingest(simulation.round_of(rush, rng))
    assert (result.measures, result.created, result.updated, result.dead) == (23, 0, 23, [])
    assert (
        not ContextEntity.objects.filter(entity_id__contains=":velenje-demo:")
        .exclude(model_errors=[])
        .exists()
    )


@pytest.mark.parametrize(
    ("language", "label", "heading"),
    [("sl", "Kakovost zraka", "Mestni podatki"), ("en", "Air quality", "City data")],
)
def test_the_types_page_lists_each_type_with_its_count(client, demo, language, label, heading):
    response = client.get("/mestni-podatki/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = _text(response)
    assert heading in text
    row = re.search(
        rf'<a class="govuk-link" href="/mestni-podatki/AirQualityObserved/">{label}</a>.*?(\d+)</td>',
        response.content.decode(),
        re.S,
    )
    assert row and row.group(1) == "4"


def test_a_type_page_has_the_table_without_javascript_and_the_map_points(client, demo):
    services.ingest(
        [
            (
                "/json/velenje-demo-air/aq-center/attrs",
                b'{"pm10": 41.5, "no2": 27, "TimeInstant": "2026-12-07T13:30:00Z"}',
            )
        ]
    )
    response = client.get("/mestni-podatki/AirQualityObserved/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('<table class="govuk-table" id="city-table">') : html.index("</table>")]
    assert table.count('<tr class="govuk-table__row" data-entity=') == 4
    for name in ("Velenje – Titov trg", "Velenje – Stara vas", "Velenje – Šalek", "Velenje – Pesje"):
        assert name in table
    row = table[table.index(f'data-entity="{AQ}"') :].split("</tr>")[0]
    assert "41.5 µg/m³" in row and "27 µg/m³" in row
    assert "7 December 2026 at 14:30" in row  # observedAt 13:30 UTC, in Ljubljana's time
    assert "Demo network: these places and values are simulated" in html
    points = json.loads(
        re.search(r'<script id="map-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert {p["title"]: (p["lat"], p["lon"]) for p in points}["Velenje – Titov trg"] == (46.3597, 15.1127)
    assert "Particles PM10: 41.5 µg/m³" in next(p for p in points if p["id"] == AQ)["lines"]
    assert 'data-feed="/mestni-podatki/AirQualityObserved/podatki.json"' in html


def test_the_slovenian_type_page_writes_numbers_and_labels_in_slovenian(client, demo):
    services.ingest([("/json/velenje-demo-air/aq-center/attrs", b'{"pm10": 41.5}')])
    html = client.get("/mestni-podatki/AirQualityObserved/").content.decode()
    assert "Delci PM10" in html and "41,5 µg/m³" in html


def test_the_feed_follows_new_measures(client, demo):
    url = "/mestni-podatki/Streetlight/podatki.json"
    before = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert before["columns"] == ["Light", "Light level", "State"]
    assert len(before["entities"]) == 10
    services.ingest(
        [
            (
                "/json/velenje-demo-lights/light-03/attrs",
                b'{"p": "on", "l": 0.5, "s": "defectiveLamp", "TimeInstant": "2026-12-07T22:00:00Z"}',
            )
        ]
    )
    after = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert after["Cache-Control"] == "no-cache"
    light = next(e for e in after.json()["entities"] if e["id"].endswith(":light-03"))
    assert light["values"] == ["on", "50 %", "lamp defective"]
    assert light["observed"] == "7 December 2026 at 23:00"


def test_the_entity_page_shows_every_attribute_and_offers_downloads(client, demo, request):
    clock = time_machine.travel(dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC), tick=False)
    clock.start()
    request.addfinalizer(clock.stop)
    services.ingest(
        [("/json/velenje-demo-air/aq-center/attrs", b'{"pm10": 41.5, "TimeInstant": "2026-12-07T13:30:00Z"}')]
    )
    url = f"/mestni-podatki/mov/{AQ}/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = _text(response)
    assert "Velenje – Titov trg" in text and "Smart Data Model AirQualityObserved" in text
    assert "Particles PM10 (pm10) 41.5 µg/m³ 7 December 2026 at 14:30" in text
    assert "Temperature (temperature)" in text and "°C" in text
    html = response.content.decode()
    # the history: the demo's first state (13:00) and the measure (13:30), over the last seven days
    assert 'id="history"' in html
    assert (
        "Line chart of Particles PM10: 2 values from 7 December 2026 at 14:00 to 7 December 2026 at 14:30"
        in html
    )
    assert f'href="/mestni-podatki/mov/{AQ}/stanje.jsonld"' in html

    ld = client.get(f"{url}stanje.jsonld")
    assert ld["Content-Type"] == "application/ld+json"
    body = json.loads(ld.content)
    assert body["id"] == AQ and body["type"] == "AirQualityObserved"
    assert body["pm10"]["value"] == 41.5 and body["pm10"]["unitCode"] == "GQ"
    assert body["pm10"]["observedAt"] == "2026-12-07T13:30:00Z"
    assert body["@context"].startswith("https://")

    geo = client.get(f"{url}stanje.geojson")
    assert geo["Content-Type"] == "application/geo+json"
    feature = json.loads(geo.content)
    assert feature["type"] == "Feature" and feature["id"] == AQ
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.1127, 46.3597]}
    assert feature["properties"]["type"] == "AirQualityObserved"

    csv = b"".join(client.get(f"{url}zgodovina.csv").streaming_content).decode().splitlines()
    assert csv[0] == "observedAt,attribute,value"
    assert "2026-12-07T13:30:00.000Z,pm10,41.5" in csv
    assert sum(1 for line in csv if ",pm10," in line) == 2
    # a week later the first state has left the seven days shown
    with time_machine.travel(dt.datetime(2026, 12, 14, 13, 15, tzinfo=dt.UTC), tick=False):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Line chart of Particles PM10: 1 value from 7 December 2026 at 14:30" in html


def test_a_week_of_more_values_than_one_answer_holds_is_downloaded_whole_and_charted_to_the_end(
    client, demo, settings, request, django_assert_num_queries
):
    """The CSV holds every value of the seven days, read in one query whatever the number of attributes;
    the chart, when the values are more than one answer holds, draws averages up to the latest value."""
    settings.REGIJA_NGSI_TEMPORAL_MAX_INSTANCES = 40
    clock = time_machine.travel(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC), tick=False)
    clock.start()
    request.addfinalizer(clock.stop)
    start = dt.datetime(2026, 12, 7, 13, 5, tzinfo=dt.UTC)
    services.ingest(
        [
            (
                "/json/velenje-demo-air/aq-center/attrs",
                json.dumps(
                    {
                        "pm10": 20 + i,
                        "pm25": 10 + i,
                        "TimeInstant": (start + dt.timedelta(minutes=5 * i)).isoformat(),
                    }
                ).encode(),
            )
            for i in range(60)
        ]
    )
    url = f"/mestni-podatki/mov/{AQ}/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}zgodovina.csv")
        lines = b"".join(response.streaming_content).decode().splitlines()
    history_reads = [q for q in queries.captured_queries if "attributeinstance" in q["sql"].lower()]
    assert len(history_reads) == 1  # pm10, pm25, no2 and temperature: one query
    pm10 = [line for line in lines if ",pm10," in line]
    assert len(pm10) == 61  # the demo's first state at 13:00 and the 60 measures: none cut at 40
    assert pm10[-1] == "2026-12-07T18:00:00.000Z,pm10,79.0"
    assert len([line for line in lines if ",pm25," in line]) == 61

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # 7 days in at most 500 points: averages of 30 minutes; the last period starts at 18:00 UTC (19:00)
    assert "Line chart of Particles PM10: averages of 30 minutes from" in html
    assert "to 7 December 2026 at 19:00." in html


def test_unknown_types_and_entities_are_not_found(client, demo):
    assert client.get("/mestni-podatki/NoSuchType/").status_code == 404
    assert client.get("/mestni-podatki/NoSuchType/podatki.json").status_code == 404
    assert client.get(f"/mestni-podatki/drugi/{AQ}/").status_code == 404
    assert client.get("/mestni-podatki/mov/urn:ngsi-ld:X:none/stanje.geojson").status_code == 404
    assert client.get("/mestni-podatki/AirQualityObserved/?page=abc").status_code == 200


def _more_stations(n: int) -> None:
    organisation = Organisation.objects.get(slug="mov")
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    ContextEntity.objects.bulk_create(
        ContextEntity(
            organisation=organisation,
            entity_id=f"urn:ngsi-ld:AirQualityObserved:test-{i}",
            type="https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved",
            doc={
                "https://uri.etsi.org/ngsi-ld/location": {
                    "type": "GeoProperty",
                    "value": {"type": "Point", "coordinates": [15.1 + i / 1000, 46.36]},
                },
                "https://uri.etsi.org/ngsi-ld/default-context/pm10": {
                    "type": "Property",
                    "value": i,
                    "unitCode": "GQ",
                },
            },
            created_at=now,
            modified_at=now,
        )
        for i in range(n)
    )


@pytest.mark.parametrize(
    "path",
    [
        "/mestni-podatki/",
        "/mestni-podatki/AirQualityObserved/",
        "/mestni-podatki/AirQualityObserved/podatki.json",
        f"/mestni-podatki/mov/{AQ}/",
    ],
)
def test_the_queries_do_not_grow_with_the_entities(client, demo, django_assert_max_num_queries, path):
    client.get(path)  # the session, the menu's fragments
    with django_assert_max_num_queries(8) as few:
        assert client.get(path).status_code == 200
    _more_stations(150)  # more than a page
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(path).status_code == 200


def test_a_type_page_is_paged(client, demo):
    _more_stations(150)
    html = client.get("/mestni-podatki/AirQualityObserved/?page=2").content.decode()
    assert html.count('<tr class="govuk-table__row" data-entity=') == 154 - pages.PAGE_SIZE
    assert 'data-feed="/mestni-podatki/AirQualityObserved/podatki.json?page=2"' in html


def test_up_says_when_no_broker_answers(capsys, settings, monkeypatch, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.MQTT_URL = "mqtt://127.0.0.1:9"  # the discard port: nothing listens
    monkeypatch.setattr("waitress.serve", lambda app, **options: None)
    call_command("up", "--port", "8124")
    out = capsys.readouterr().out
    assert "no MQTT broker at 127.0.0.1:9 (MQTT_URL); device measures are not ingested" in out
    assert "demo network of Velenje (simulated) ready: 23 devices, 23 entities" in out
    call_command("up", "--no-serve")
    assert "demo network" not in capsys.readouterr().out  # the second start leaves it alone


@pytest.mark.external
def test_simulate_once_reaches_the_broker_and_the_ingest_writes_it(demo):
    """`regija simulate --once` against the real Mosquitto (MQTT_URL): a subscriber of its own shared
    group receives every demo device's measure, and the ingest writes them into the entities."""
    import os
    import threading
    import uuid
    from urllib.parse import urlsplit

    import paho.mqtt.client as mqtt

    url = urlsplit(os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"))
    received: list[tuple[str, bytes]] = []
    subscribed = threading.Event()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex}", protocol=mqtt.MQTTv5
    )
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_message = lambda c, u, m: received.append((m.topic, m.payload))
    client.connect(url.hostname or "127.0.0.1", url.port or 1883)
    client.subscribe(f"$share/t{uuid.uuid4().hex}//json/+/+/attrs", qos=1)
    client.loop_start()
    try:
        assert subscribed.wait(5)
        call_command("simulate", "--once", "--seed", "1")
        deadline = __import__("time").monotonic() + 10
        while (
            len([t for t, _ in received if "/velenje-demo-" in t]) < 23
            and __import__("time").monotonic() < deadline
        ):
            __import__("time").sleep(0.05)
    finally:
        client.disconnect()
        client.loop_stop()
    ours = [(t, p) for t, p in received if "/velenje-demo-" in t]
    assert len(ours) >= 23
    result = services.ingest(ours)
    assert result.dead == [] and result.updated == 23
