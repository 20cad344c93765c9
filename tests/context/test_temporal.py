"""The broker's history and its temporal API (ETSI GS CIM 009 V1.6.1: clauses 4.5.7 temporal
representation, 4.5.8 simplified, 4.5.19 aggregated, 5.2.21 TemporalQuery, 5.6.11–5.6.16, 5.7.3/5.7.4;
HTTP 6.18–6.22, 6.24), driven over plain HTTP as a client would. Expected values are worked out here
from the data each test writes."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from regija.context import selectors, services
from regija.context.models import AttributeInstance

from .conftest import BASE, problem_type
from .test_devices import APIKEY, RECEIVED, iot, provisioned  # noqa: F401 - fixtures

CAR = "urn:ngsi-ld:Vehicle:car1"
DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"


def at(day, hour=0, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def z(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def t(moment):
    """A time as the temporal API writes the times it gives (temporalValues, aggregation periods,
    Content-Range): UTC, no fraction when it is zero – as the spec's examples and ETSI's suite
    (020_10, 020_11) write them, whatever form the instance was given in (``z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def speed(value, moment):
    return {"type": "Property", "value": value, "observedAt": z(moment)}


@pytest.fixture
def car(post):
    """A vehicle whose speed is written by every kind of entity write, one observation an hour."""
    assert (
        post("post", "/entities", {"id": CAR, "type": "Vehicle", "speed": speed(10, at(1, 0))}).status_code
        == 201
    )
    assert post("patch", f"/entities/{CAR}/attrs", {"speed": speed(20, at(1, 1))}).status_code == 204
    assert post("patch", f"/entities/{CAR}/attrs/speed", speed(30, at(1, 2))).status_code == 204
    assert post("post", f"/entities/{CAR}/attrs", {"speed": speed(40, at(1, 3))}).status_code == 204
    body = {"type": "Vehicle", "speed": speed(50, at(1, 4))}
    assert post("put", f"/entities/{CAR}", body).status_code == 204
    batch = [{"id": CAR, "type": "Vehicle", "speed": speed(60, at(1, 5))}]
    assert post("post", "/entityOperations/upsert?options=update", batch).status_code == 204
    return CAR


def test_every_entity_write_becomes_an_instance_of_the_history(car, get):
    response = get(f"/temporal/entities/{car}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == car and body["type"] == "Vehicle"
    instances = body["speed"]
    assert [i["value"] for i in instances] == [10, 20, 30, 40, 50, 60]
    assert [i["observedAt"] for i in instances] == [z(at(1, h)) for h in range(6)]
    assert all(i["type"] == "Property" for i in instances)
    assert len({i["instanceId"] for i in instances}) == 6
    assert all(i["instanceId"].startswith("urn:ngsi-ld:") for i in instances)


def test_timerel_before_after_between_and_last_n(car, get):
    def values(query):
        response = get(f"/temporal/entities?type=Vehicle&{query}")
        assert response.status_code == 200, response.content
        found = response.json()
        return [i["value"] for i in found[0]["speed"]] if found else []

    assert values(f"timerel=before&timeAt={z(at(1, 2))}") == [10, 20]  # strictly before
    assert values(f"timerel=after&timeAt={z(at(1, 3))}") == [50, 60]  # strictly after
    assert values(f"timerel=between&timeAt={z(at(1, 1))}&endTimeAt={z(at(1, 4))}") == [20, 30, 40]
    assert values("timerel=after&timeAt=2026-03-02T00:00:00Z") == []  # no entity has history then
    assert values(f"timerel=before&timeAt={z(at(2))}&lastN=2") == [50, 60]  # the last two, in time order


def test_temporal_values_is_the_simplified_representation(car, get):
    response = get(f"/temporal/entities/{car}?options=temporalValues&timerel=before&timeAt={z(at(1, 2))}")
    assert response.status_code == 200
    assert response.json()["speed"] == {"type": "Property", "values": [[10, t(at(1, 0))], [20, t(at(1, 1))]]}


def test_deleting_the_entity_deletes_its_history(car, post, get, client, editor):
    assert client.delete(f"{BASE}/entities/{car}", **editor).status_code == 204
    assert get(f"/temporal/entities/{car}").status_code == 404
    assert not AttributeInstance.objects.filter(entity_id=car).exists()


def hourly(days):
    """Two days of hourly temperatures of a room: hour h of day d is d*100 + h, the value at 12:00 twice
    (a distinct count sees that)."""
    values = {}
    for day in days:
        for hour in range(24):
            values[at(day, hour)] = float(day * 100 + (12 if hour == 13 else hour))
    return values


ROOM = "urn:ngsi-ld:Room:r1"


@pytest.fixture
def room(post):
    values = hourly([2, 3])
    body = {
        "id": ROOM,
        "type": "Room",
        "temperature": [{"type": "Property", "value": v, "observedAt": z(m)} for m, v in values.items()],
    }
    response = post("post", "/temporal/entities", body)
    assert response.status_code == 201, response.content
    assert response["Location"] == f"/ngsi-ld/v1/temporal/entities/{ROOM}"
    return values


def test_aggregated_values_per_day_are_computed_per_period(room, get):
    methods = "totalCount,distinctCount,sum,avg,min,max,stddev,sumsq"
    response = get(
        f"/temporal/entities/{ROOM}?options=aggregatedValues&aggrMethods={methods}&aggrPeriodDuration=P1D"
        f"&timerel=between&timeAt={z(at(2))}&endTimeAt={z(at(4))}"
    )
    assert response.status_code == 200, response.content
    temperature = response.json()["temperature"]
    assert temperature["type"] == "Property"
    for n, day in enumerate([2, 3]):
        values = [v for m, v in room.items() if m.day == day]
        mean = sum(values) / 24
        expected = {
            "totalCount": 24,
            "distinctCount": 23,
            "sum": sum(values),
            "avg": mean,
            "min": day * 100.0,
            "max": day * 100.0 + 23,
            "stddev": math.sqrt(sum((v - mean) ** 2 for v in values) / 23),
            "sumsq": sum(v * v for v in values),
        }
        for method, value in expected.items():
            got, start, end = temperature[method][n]
            assert (start, end) == (t(at(day)), t(at(day + 1)))
            assert got == pytest.approx(value), method


def test_the_whole_range_is_one_period_and_hours_are_periods(room, get):
    span = f"timerel=between&timeAt={z(at(2))}&endTimeAt={z(at(4))}"
    whole = get(f"/temporal/entities/{ROOM}?aggrMethods=totalCount,max&aggrPeriodDuration=PT0S&{span}").json()
    assert whole["temperature"]["totalCount"] == [[48, t(at(2)), t(at(4))]]
    assert whole["temperature"]["max"] == [[323.0, t(at(2)), t(at(4))]]
    hours = get(f"/temporal/entities/{ROOM}?aggrMethods=avg&aggrPeriodDuration=PT6H&{span}").json()
    first = [v for m, v in room.items() if m < at(2, 6)]
    assert len(hours["temperature"]["avg"]) == 8
    assert hours["temperature"]["avg"][0] == [sum(first) / 6, t(at(2, 0)), t(at(2, 6))]


@pytest.mark.parametrize(
    ("query", "status", "kind"),
    [
        ("timerel=during&timeAt=2026-03-01T00:00:00Z", 400, "BadRequestData"),
        ("timerel=before", 400, "BadRequestData"),
        ("timerel=between&timeAt=2026-03-01T00:00:00Z", 400, "BadRequestData"),
        ("timerel=between&timeAt=2026-03-02T00:00:00Z&endTimeAt=2026-03-01T00:00:00Z", 400, "BadRequestData"),
        ("timerel=after&timeAt=yesterday", 400, "BadRequestData"),
        ("timeproperty=deletedAt", 400, "BadRequestData"),
        ("lastN=0", 400, "BadRequestData"),
        ("aggrMethods=median&aggrPeriodDuration=P1D", 400, "BadRequestData"),
        ("aggrMethods=avg&aggrPeriodDuration=1 day", 400, "BadRequestData"),
        ("aggrMethods=avg&aggrPeriodDuration=P1M", 422, "OperationNotSupported"),
        ("aggrPeriodDuration=P1D", 400, "BadRequestData"),
        ("options=aggregatedValues", 400, "BadRequestData"),
    ],
)
def test_a_bad_temporal_query_is_bad_request_data(room, get, query, status, kind):
    response = get(f"/temporal/entities?type=Room&{query}")
    assert response.status_code == status, response.content
    assert problem_type(response) == kind


def test_temporal_writes_add_modify_and_delete_instances(room, post, client, editor, get):
    # a second POST of the same entity adds instances: 204 (clause 6.18.3.1)
    more = {
        "id": ROOM,
        "type": "Room",
        "temperature": {"type": "Property", "value": 1.5, "observedAt": z(at(5))},
    }
    assert post("post", "/temporal/entities", more).status_code == 204
    humidity = {"humidity": [{"type": "Property", "value": 40, "observedAt": z(at(5))}]}
    assert post("post", f"/temporal/entities/{ROOM}/attrs", humidity).status_code == 204
    after = f"timerel=after&timeAt={z(at(4))}"
    body = get(f"/temporal/entities/{ROOM}?{after}").json()
    assert [i["value"] for i in body["temperature"]] == [1.5]
    assert [i["value"] for i in body["humidity"]] == [40]
    ident = body["temperature"][0]["instanceId"]
    change = {"temperature": {"type": "Property", "value": 2.5, "observedAt": z(at(5, 1))}}
    assert post("patch", f"/temporal/entities/{ROOM}/attrs/temperature/{ident}", change).status_code == 204
    body = get(f"/temporal/entities/{ROOM}?{after}").json()
    assert body["temperature"] == [
        {"type": "Property", "value": 2.5, "observedAt": z(at(5, 1)), "instanceId": ident}
    ]
    assert (
        client.delete(f"{BASE}/temporal/entities/{ROOM}/attrs/temperature/{ident}", **editor).status_code
        == 204
    )
    assert (
        client.delete(f"{BASE}/temporal/entities/{ROOM}/attrs/temperature/{ident}", **editor).status_code
        == 404
    )
    assert "temperature" not in get(f"/temporal/entities/{ROOM}?{after}").json()
    assert client.delete(f"{BASE}/temporal/entities/{ROOM}/attrs/humidity", **editor).status_code == 204
    assert "humidity" not in get(f"/temporal/entities/{ROOM}").json()
    assert client.delete(f"{BASE}/temporal/entities/{ROOM}", **editor).status_code == 204
    assert get(f"/temporal/entities/{ROOM}").status_code == 404
    assert post("post", f"/temporal/entities/{ROOM}/attrs", humidity).status_code == 404


def test_temporal_writes_need_an_editor_token(room, client, tokens_of):
    body = json.dumps({"id": ROOM, "type": "Room", "temperature": {"value": 1, "observedAt": z(at(5))}})
    tenant = {"HTTP_NGSILD_TENANT": "velenje-iot"}
    no_token = client.post(f"{BASE}/temporal/entities", body, content_type="application/json", **tenant)
    assert no_token.status_code == 401
    for who in ("viewer", "other_editor"):
        headers = {**tenant, "HTTP_AUTHORIZATION": f"Bearer {tokens_of[who]}"}
        response = client.delete(f"{BASE}/temporal/entities/{ROOM}", **headers)
        assert response.status_code == 403, who
    assert AttributeInstance.objects.filter(entity_id=ROOM).count() == 48


def test_a_temporal_entity_that_does_not_parse_writes_nothing(post):
    body = {
        "id": ROOM,
        "type": "Room",
        "temperature": [{"value": 1, "observedAt": z(at(1))}, {"observedAt": "x"}],
    }
    response = post("post", "/temporal/entities", body)
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"
    assert not AttributeInstance.objects.exists()


def test_the_temporal_query_post_takes_temporal_q(car, post):
    query = {
        "type": "Query",
        "entities": [{"type": "Vehicle"}],
        "attrs": ["speed"],
        "temporalQ": {"timerel": "between", "timeAt": z(at(1, 4)), "endTimeAt": z(at(1, 6))},
    }
    response = post("post", "/temporal/entityOperations/query?options=temporalValues", query)
    assert response.status_code == 200, response.content
    assert response.json()[0]["speed"]["values"] == [[50, t(at(1, 4))], [60, t(at(1, 5))]]
    bad = {**query, "temporalQ": {"timerel": "between", "timeAt": z(at(1, 4))}}
    response = post("post", "/temporal/entityOperations/query", bad)
    assert response.status_code == 400 and "temporalQ.endTimeAt" in response.json()["detail"]
    # the entities' query still refuses it
    assert post("post", "/entityOperations/query", query).status_code == 400


def test_q_filters_on_the_current_state_and_paging_counts_entities(car, room, post, get):
    other = {"id": "urn:ngsi-ld:Vehicle:car2", "type": "Vehicle", "speed": speed(99, at(1, 9))}
    assert post("post", "/entities", other).status_code == 201
    response = get("/temporal/entities?type=Vehicle&q=speed>70")
    assert [e["id"] for e in response.json()] == ["urn:ngsi-ld:Vehicle:car2"]
    response = get("/temporal/entities?type=Vehicle,Room&limit=1&offset=1&count=true")
    assert response["NGSILD-Results-Count"] == "3"
    assert [e["id"] for e in response.json()] == ["urn:ngsi-ld:Vehicle:car1"]


def test_instances_beyond_the_limit_are_a_partial_answer_with_its_range(room, get, settings):
    settings.REGIJA_NGSI_TEMPORAL_MAX_INSTANCES = 5
    response = get(f"/temporal/entities/{ROOM}")
    assert response.status_code == 206
    assert len(response.json()["temperature"]) == 5
    assert response["Content-Range"] == f"date-time {t(at(2, 0))}-{t(at(2, 4))}/*"
    # asking from there on gives the next ones
    response = get(f"/temporal/entities/{ROOM}?timerel=after&timeAt={z(at(2, 4))}")
    assert [i["observedAt"] for i in response.json()["temperature"]][0] == z(at(2, 5))


def test_device_measures_become_history(provisioned, get):  # noqa: F811 - the fixture
    services.ingest(
        [
            (f"/json/{APIKEY}/sensor01/attrs", json.dumps({"t": v, "TimeInstant": z(at(6, h))}).encode())
            for h, v in enumerate([20.0, 21.0, 23.0])
        ],
        received_at=RECEIVED,
    )
    response = get("/temporal/entities/urn:ngsi-ld:Thing:sensor01?attrs=temperature&options=temporalValues")
    assert response.status_code == 200, response.content
    assert response.json()["temperature"]["values"] == [
        [20.0, t(at(6, 0))],
        [21.0, t(at(6, 1))],
        [23.0, t(at(6, 2))],
    ]


def test_attribute_series_for_the_portal(room, tenant):
    values = selectors.attribute_series(tenant, ROOM, DEFAULT + "temperature", at(2), at(2, 3))
    assert values == [(at(2, 0), 200.0), (at(2, 1), 201.0), (at(2, 2), 202.0)]
    daily = selectors.attribute_series(
        tenant, ROOM, DEFAULT + "temperature", at(2), at(4), dt.timedelta(days=1)
    )
    assert [m for m, _ in daily] == [at(2), at(3)]
    assert daily[0][1] == pytest.approx(sum(v for m, v in room.items() if m.day == 2) / 24)


@pytest.mark.parametrize("aggregated", [False, True])
def test_the_queries_of_a_temporal_query_do_not_grow_with_the_data(
    post, get, django_assert_max_num_queries, aggregated
):
    def write(n):
        for i in range(n):
            body = {
                "id": f"urn:ngsi-ld:Room:q{n}-{i}",
                "type": "Room",
                "temperature": [{"value": float(h), "observedAt": z(at(1, h))} for h in range(3)],
                "humidity": {"value": 50, "observedAt": z(at(1))},
            }
            assert post("post", "/temporal/entities", body).status_code == 201

    extra = "&aggrMethods=avg,max&aggrPeriodDuration=PT1H" if aggregated else ""
    write(2)
    with django_assert_max_num_queries(7):  # tenant, page, count, instances (2); a savepoint (2)
        assert get(f"/temporal/entities?type=Room&count=true{extra}").status_code == 200
    write(12)
    with django_assert_max_num_queries(7):
        response = get(f"/temporal/entities?type=Room&count=true{extra}")
    assert response["NGSILD-Results-Count"] == "14" and len(response.json()) == 14


def test_instance_ids_are_time_ordered_uuids(monkeypatch):
    """Each history instance's id is a ``urn:ngsi-ld:`` URI of a version 7 UUID (RFC 9562, 5.7): its
    first 48 bits the Unix time in milliseconds, so ids made later sort after earlier ones – the history's
    unique index takes new rows at its end."""
    import time
    import uuid

    from regija.context import temporal

    moments = iter([1_796_000_000_000_000_000, 1_796_000_000_001_000_000])  # ns; one millisecond apart
    monkeypatch.setattr(time, "time_ns", lambda: next(moments))
    first, second = temporal.instance_id(), temporal.instance_id()
    for made in (first, second):
        assert made.startswith("urn:ngsi-ld:")
        value = uuid.UUID(made.removeprefix("urn:ngsi-ld:"))
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
    assert uuid.UUID(first[12:]).int >> 80 == 1_796_000_000_000  # the milliseconds
    assert second > first
