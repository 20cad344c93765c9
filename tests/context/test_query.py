"""GET /entities with type, id, idPattern, attrs and q (clause 4.9, the NGSI-LD query language), paging
with limit/offset and count=true (NGSILD-Results-Count); the query stays two SQL queries whatever the
number of entities."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from regija.context import query
from regija.context.errors import BadRequestData

from .conftest import problem_type


def vehicle(n, brand, speed, **extra):
    entity = {
        "id": f"urn:ngsi-ld:Vehicle:{n}",
        "type": "Vehicle",
        "brandName": {"type": "Property", "value": brand},
        "speed": {
            "type": "Property",
            "value": speed,
            "observedAt": f"2024-05-0{n}T10:00:00Z",
            "accuracy": {"type": "Property", "value": n},
        },
    }
    entity.update(extra)
    return entity


FLEET = [
    vehicle(
        1,
        "Mercedes",
        80,
        address={"type": "Property", "value": {"city": "Velenje", "street": {"name": "Kidričeva"}}},
    ),
    vehicle(2, "BMW", 45, isParked={"type": "Relationship", "object": "urn:ngsi-ld:OffStreetParking:Center"}),
    vehicle(3, "Mercedes", 30, address={"type": "Property", "value": {"city": "Šoštanj"}}),
    vehicle(4, "Tesla", 120),
    vehicle(5, "BMW", 5, color={"type": "Property", "value": "red"}),
]


@pytest.fixture
def fleet(post):
    for entity in FLEET:
        assert post("post", "/entities", entity).status_code == 201
    assert (
        post(
            "post",
            "/entities",
            {
                "id": "urn:ngsi-ld:Parking:1",
                "type": "OffStreetParking",
                "speed": {"type": "Property", "value": 80},
                # the Smart Data Model OffStreetParking requires a location (test_models.py)
                "location": {
                    "type": "GeoProperty",
                    "value": {"type": "Point", "coordinates": [15.11, 46.36]},
                },
            },
        ).status_code
        == 201
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [e["id"].rsplit(":", 1)[-1] for e in response.json()]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("speed>50", ["1", "4"]),
        ("speed>=45", ["1", "2", "4"]),
        ("speed<30", ["5"]),
        ("speed<=30", ["3", "5"]),
        ('brandName=="Mercedes"', ["1", "3"]),
        ('brandName!="Mercedes"', ["2", "4", "5"]),
        ("speed==30..80", ["1", "2", "3"]),
        ("speed!=30..80", ["4", "5"]),
        ('brandName=="BMW","Tesla"', ["2", "4", "5"]),
        ("speed==80,5", ["1", "5"]),
        ('brandName~="^Mer"', ["1", "3"]),
        ('brandName!~="^Mer"', ["2", "4", "5"]),
        ('speed>50|brandName=="BMW"', ["1", "2", "4", "5"]),
        ('speed>50;brandName=="Mercedes"', ["1"]),
        ('(speed>50|speed<10);brandName=="BMW"', ["5"]),
        ('brandName=="BMW";(speed<10|speed>40)', ["2", "5"]),
        ("color", ["5"]),
        ('address[city]=="Velenje"', ["1"]),
        ('address[street][name]=="Kidričeva"', ["1"]),
        ("speed.accuracy>=4", ["4", "5"]),
        ("speed.observedAt>=2024-05-03T00:00:00Z", ["3", "4", "5"]),
        ("isParked==urn:ngsi-ld:OffStreetParking:Center", ["2"]),
        ('brandName>"C"', ["1", "3", "4"]),  # strings compare as strings
        ("brandName>5", []),  # a string is never greater than a number
    ],
)
def test_q(fleet, get, q, expected):
    from urllib.parse import quote

    assert ids(get(f"/entities?type=Vehicle&q={quote(q)}")) == expected


@pytest.mark.parametrize(
    "q",
    [
        "speed>",
        "speed>>5",
        "(speed>5",
        "speed>5)",
        "speed==1..",
        '"speed"==1',
        "speed>true",
        "speed>1..5",
        "speed==abc",
        'brandName=="open',
        "sp eed==1",
        "speed;",
        "|speed",
        "speed~=(",
        "speed<1,2",
        "",
    ],
)
def test_a_q_that_does_not_parse_is_bad_request_data(fleet, get, q):
    from urllib.parse import quote

    response = get(f"/entities?type=Vehicle&q={quote(q)}")
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    if q:
        assert "q:" in response.json()["detail"]


def test_the_parser_says_where():
    with pytest.raises(BadRequestData, match="position 7"):
        query.parse("speed>>5")


def test_type_id_id_pattern_and_attrs(fleet, get):
    assert ids(get("/entities?type=OffStreetParking")) == ["1"]
    assert ids(get("/entities?type=Vehicle,OffStreetParking&q=speed==80")) == ["1", "1"]
    assert ids(get("/entities?type=Vehicle&id=urn:ngsi-ld:Vehicle:2,urn:ngsi-ld:Vehicle:4")) == ["2", "4"]
    assert ids(get("/entities?type=Vehicle&idPattern=^urn:ngsi-ld:Vehicle:[12]$")) == ["1", "2"]
    response = get("/entities?type=Vehicle&attrs=color,isParked")
    assert ids(response) == ["2", "5"]
    assert set(response.json()[1]) == {"id", "type", "color"}
    response = get("/entities")
    assert response.status_code == 400 and problem_type(response) == "BadRequestData"


def test_key_values_of_a_query(fleet, get):
    response = get("/entities?type=Vehicle&q=speed>100&options=keyValues")
    assert response.json() == [
        {"id": "urn:ngsi-ld:Vehicle:4", "type": "Vehicle", "brandName": "Tesla", "speed": 120}
    ]


def test_paging_and_count(fleet, get):
    response = get("/entities?type=Vehicle&limit=2&offset=1&count=true")
    assert ids(response) == ["2", "3"]
    assert response["NGSILD-Results-Count"] == "5"
    assert "NGSILD-Results-Count" not in get("/entities?type=Vehicle&limit=2").headers
    response = get("/entities?type=Vehicle&limit=0&count=true")
    assert ids(response) == [] and response["NGSILD-Results-Count"] == "5"
    for bad in ("limit=-1", "limit=x", "limit=100000", "offset=-3"):
        response = get(f"/entities?type=Vehicle&{bad}")
        assert response.status_code == 400 and problem_type(response) == "BadRequestData", bad


def test_the_query_count_does_not_grow_with_the_entities(post, get, tenant):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = get("/entities?type=Vehicle&q=speed>0&count=true&limit=100")
        assert response.status_code == 200
        return len(captured)

    for entity in FLEET[:2]:
        post("post", "/entities", entity)
    few = queries()
    for n in range(10, 40):
        post("post", "/entities", vehicle(n, "Škoda", n))
    assert queries() == few


def test_a_pattern_the_database_cannot_run_is_bad_request_data(fleet, get):
    from urllib.parse import quote

    # valid for Python, not for PostgreSQL's regular expressions; SQLite (Python's re) runs it
    response = get("/entities?type=Vehicle&q=" + quote('brandName~="(?P<b>Mer)"'))
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert problem_type(response) == "BadRequestData"
    assert get("/entities?type=Vehicle&q=speed>1").status_code == 200  # the connection is still usable


def test_a_meta_name_alone_is_an_attribute_name(fleet, get):
    assert get("/entities?type=Vehicle&q=observedAt").json() == []
