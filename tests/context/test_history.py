"""The broker's history published in the lake: each day's attribute instances of each entity type of a
tenant as the next version of one Parquet dataset, with metadata that scores as excellent."""

from __future__ import annotations

import datetime as dt

import pytest

from regija.context import history, tasks
from regija.core import jobs
from regija.lake import services as lake
from regija.lake.models import Dataset, Status
from regija.lake.vocabularies import Frequency

DAY = dt.date(2026, 3, 2)


def z(day, hour):
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


@pytest.fixture
def air(post):
    """Two stations' PM10 on DAY (and one value the day before), and a parking spot's status on DAY."""
    for n, values in enumerate([[41.0, 52.5, 60.0], [12.0, 18.0, 20.5]]):
        body = {
            "id": f"urn:ngsi-ld:AirQualityObserved:s{n}",
            "type": "AirQualityObserved",
            "pm10": [
                {"type": "Property", "value": v, "observedAt": z(DAY, h), "unitCode": "GQ"}
                for h, v in enumerate(values)
            ]
            + [{"type": "Property", "value": 99.0, "observedAt": z(DAY - dt.timedelta(days=1), 23)}],
        }
        assert post("post", "/temporal/entities", body).status_code == 201
    spot = {
        "id": "urn:ngsi-ld:ParkingSpot:p1",
        "type": "ParkingSpot",
        "status": {"value": "free", "observedAt": z(DAY, 8)},
    }
    assert post("post", "/temporal/entities", spot).status_code == 201


def test_a_day_of_history_becomes_a_version_of_each_type_s_dataset(air, tenant):
    published = history.publish_day(DAY)
    assert sorted(p.slug for p in published) == [
        "ngsi-velenje-iot-airqualityobserved",
        "ngsi-velenje-iot-parkingspot",
    ]
    air_data = Dataset.objects.get(slug="ngsi-velenje-iot-airqualityobserved")
    assert air_data.publisher == tenant and air_data.status == Status.PUBLISHED
    assert air_data.frequency == Frequency.DAILY
    assert (air_data.temporal_start, air_data.temporal_end) == (DAY, DAY)
    rows = lake.version_rows(air_data.current)
    assert len(rows) == 6  # three values of two stations that day; not the day before's
    first = rows[0]
    assert first["entiteta"] == "urn:ngsi-ld:AirQualityObserved:s0"
    assert first["atribut"] == "https://uri.etsi.org/ngsi-ld/default-context/pm10"
    assert (first["vrednost"], first["enota"], first["vrednost_json"]) == (41.0, "GQ", None)
    assert sorted(r["vrednost"] for r in rows) == [12.0, 18.0, 20.5, 41.0, 52.5, 60.0]
    parking = lake.version_rows(Dataset.objects.get(slug="ngsi-velenje-iot-parkingspot").current)
    assert [(r["vrednost"], r["vrednost_json"]) for r in parking] == [(None, '"free"')]


def test_the_next_day_is_the_next_version(air, post):
    history.publish_day(DAY)
    later = {"pm10": [{"type": "Property", "value": 30.0, "observedAt": z(DAY + dt.timedelta(days=1), 1)}]}
    assert (
        post("post", "/temporal/entities/urn:ngsi-ld:AirQualityObserved:s0/attrs", later).status_code == 204
    )
    (published,) = history.publish_day(DAY + dt.timedelta(days=1))
    assert published.version == 2
    dataset = Dataset.objects.get(slug="ngsi-velenje-iot-airqualityobserved")
    assert [r["vrednost"] for r in lake.version_rows(dataset.current)] == [30.0]
    assert dataset.versions.count() == 2


def test_the_history_datasets_score_excellent(air):
    quality = pytest.importorskip("regija.lake.quality")
    history.publish_day(DAY)
    for dataset in Dataset.objects.filter(slug__startswith="ngsi-"):
        assert quality.score(dataset).total >= 351, (dataset.slug, quality.score(dataset).total)


def test_the_daily_job_is_scheduled():
    assert any(p.name.endswith("publish_history") for p in jobs.PERIODIC.values())
    assert tasks.publish_history is not None
