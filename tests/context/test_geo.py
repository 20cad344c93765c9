"""Geo-queries on GET /entities (clause 4.10: georel, geometry, coordinates, geoproperty), GeoJSON answers
(Accept: application/geo+json, clause 4.5.16) and POST /entityOperations/query (clauses 5.7.2, 6.23).

The places are around Velenje's centre (15.11 E, 46.36 N). Which of them a ``near`` query finds is
decided here with the test's own great-circle distance (the spherical law of cosines, another formula
than the broker's haversine) and checked against the distances a map gives."""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import BASE, problem_type

CENTRE = (15.11, 46.36)  # longitude, latitude (GeoJSON's order, RFC 7946 §3.1.1)
EARTH = 6_371_008.8


def metres(a, b):
    """Great-circle distance by the spherical law of cosines."""
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH * math.acos(min(1.0, cos))


POINTS = {
    "centre": CENTRE,
    "north1100": (15.11, 46.37),  # 0.01° north: ≈ 1 112 m
    "east1500": (15.13, 46.36),  # 0.02° east at 46.36°: ≈ 1 535 m
    "north2800": (15.11, 46.385),  # 0.025° north: ≈ 2 780 m
    "corner": (15.13, 46.375),  # inside the 2 km circle's box, ≈ 2 270 m: only the exact test drops it
    "ljubljana": (14.5058, 46.0569),  # ≈ 57 km
}
SQUARE = [[15.10, 46.35], [15.12, 46.35], [15.12, 46.37], [15.10, 46.37], [15.10, 46.35]]
PARK = [
    [15.115, 46.365],
    [15.14, 46.365],
    [15.14, 46.38],
    [15.115, 46.38],
    [15.115, 46.365],
]  # half in SQUARE
LAKE = [[15.05, 46.39], [15.07, 46.39], [15.07, 46.40], [15.05, 46.40], [15.05, 46.39]]  # out of SQUARE


def place(name, geometry, kind="PointOfInterest", **extra):
    return {
        "id": f"urn:ngsi-ld:{kind}:{name}",
        "type": kind,
        "name": {"type": "Property", "value": name},
        "location": {"type": "GeoProperty", "value": geometry},
        **extra,
    }


@pytest.fixture
def places(post):
    for name, (lon, lat) in POINTS.items():
        response = post("post", "/entities", place(name, {"type": "Point", "coordinates": [lon, lat]}))
        assert response.status_code == 201, response.content
    for name, ring in (("park", PARK), ("lake", LAKE)):
        response = post("post", "/entities", place(name, {"type": "Polygon", "coordinates": [ring]}, "Area"))
        assert response.status_code == 201, response.content


def names(response):
    assert response.status_code == 200, response.content
    return sorted(e["id"].rsplit(":", 1)[-1] for e in response.json())


def near(distance="maxDistance==2000", point=CENTRE, extra="type=PointOfInterest"):
    coords = quote(json.dumps(list(point)))
    return f"/entities?{extra}&georel=near;{distance}&geometry=Point&coordinates={coords}"


def test_the_test_distances_are_the_maps():
    assert metres(CENTRE, POINTS["north1100"]) == pytest.approx(1112, abs=2)
    assert metres(CENTRE, POINTS["east1500"]) == pytest.approx(1535, abs=3)
    assert metres(CENTRE, POINTS["north2800"]) == pytest.approx(2780, abs=3)
    assert 2000 < metres(CENTRE, POINTS["corner"]) < 2400
    assert metres(CENTRE, POINTS["ljubljana"]) == pytest.approx(57_400, rel=0.01)


def test_near_max_distance_finds_what_is_within_it(places, get):
    expected = sorted(n for n, p in POINTS.items() if metres(CENTRE, p) <= 2000)
    assert expected == ["centre", "east1500", "north1100"]
    assert names(get(near())) == expected


def test_near_min_distance_finds_what_is_farther(places, get):
    expected = sorted(n for n, p in POINTS.items() if metres(CENTRE, p) >= 2000)
    assert expected == ["corner", "ljubljana", "north2800"]
    assert names(get(near("minDistance==2000"))) == expected


def test_near_a_polygon_measures_to_its_nearest_edge(places, get):
    # the park's south-west corner (15.115, 46.365) is ≈ 680 m from the centre, its centre ≈ 1 700 m
    assert metres(CENTRE, (15.115, 46.365)) == pytest.approx(680, abs=10)
    assert names(get(near("maxDistance==800", extra="type=Area"))) == ["park"]
    assert names(get(near("maxDistance==600", extra="type=Area"))) == []


def polygon_query(georel, ring=SQUARE, kind="PointOfInterest,Area"):
    coords = quote(json.dumps([ring]))
    return f"/entities?type={kind}&georel={georel}&geometry=Polygon&coordinates={coords}"


def test_within_intersects_disjoint_a_polygon(places, get):
    # the square spans 15.10–15.12 E, 46.35–46.37 N
    assert names(get(polygon_query("within"))) == ["centre"]  # north1100 lies on its edge: not within
    assert names(get(polygon_query("intersects"))) == ["centre", "north1100", "park"]
    assert names(get(polygon_query("disjoint"))) == ["corner", "east1500", "lake", "ljubljana", "north2800"]


def test_contains_overlaps_equals(places, get):
    inner = [[15.12, 46.37], [15.13, 46.37], [15.13, 46.375], [15.12, 46.375], [15.12, 46.37]]
    assert names(get(polygon_query("contains", inner, "Area"))) == ["park"]
    assert names(get(polygon_query("overlaps", kind="Area"))) == ["park"]
    assert names(get(polygon_query("equals", LAKE, "Area"))) == ["lake"]
    point = quote(json.dumps(list(CENTRE)))
    response = get(f"/entities?type=PointOfInterest&georel=equals&geometry=Point&coordinates={point}")
    assert names(response) == ["centre"]


def test_geoproperty_names_another_geoproperty(post, get):
    body = place("depot", {"type": "Point", "coordinates": [14.5, 46.05]})
    body["operationSpace"] = {"type": "GeoProperty", "value": {"type": "Polygon", "coordinates": [SQUARE]}}
    assert post("post", "/entities", body).status_code == 201
    assert names(get(polygon_query("intersects", kind="PointOfInterest"))) == []
    found = get(polygon_query("intersects", kind="PointOfInterest") + "&geoproperty=operationSpace")
    assert names(found) == ["depot"]


def test_paging_and_count_stay_exact_when_the_exact_test_drops_candidates(places, get):
    everything = names(get(near("maxDistance==2500")))  # the corner (≈ 2 270 m) in, north2800 out
    assert everything == ["centre", "corner", "east1500", "north1100"]
    pages = []
    for offset in (0, 2):
        response = get(near("maxDistance==2000") + f"&limit=2&offset={offset}&count=true")
        assert response["NGSILD-Results-Count"] == "3"
        pages.append([e["id"].rsplit(":", 1)[-1] for e in response.json()])
    assert pages == [["centre", "east1500"], ["north1100"]]  # ordered by id


def test_a_geo_query_alone_is_a_query(places, get):
    coords = quote(json.dumps(list(CENTRE)))
    response = get(f"/entities?georel=near;maxDistance==10&geometry=Point&coordinates={coords}")
    assert names(response) == ["centre"]


def test_the_boxes_follow_every_write(places, post, get, client, editor):
    renamed = {"name": {"type": "Property", "value": "središče"}}  # no GeoProperty changes: found as before
    assert post("patch", "/entities/urn:ngsi-ld:PointOfInterest:centre/attrs", renamed).status_code == 204
    assert names(get(near())) == ["centre", "east1500", "north1100"]
    moved = {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [14.5, 46.05]}}
    assert (
        post("patch", "/entities/urn:ngsi-ld:PointOfInterest:centre/attrs/location", moved).status_code == 204
    )
    assert names(get(near())) == ["east1500", "north1100"]
    back = {"location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": list(CENTRE)}}}
    assert post("patch", "/entities/urn:ngsi-ld:PointOfInterest:centre/attrs", back).status_code == 204
    assert names(get(near())) == ["centre", "east1500", "north1100"]
    path = BASE + "/entities/urn:ngsi-ld:PointOfInterest:north1100/attrs/location"
    assert client.delete(path, **editor).status_code == 204
    assert names(get(near())) == ["centre", "east1500"]
    added = {"location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [15.111, 46.361]}}}
    assert post("post", "/entities/urn:ngsi-ld:PointOfInterest:north1100/attrs", added).status_code == 204
    assert names(get(near())) == ["centre", "east1500", "north1100"]
    far = place("east1500", {"type": "Point", "coordinates": [16.0, 46.5]})
    assert post("put", "/entities/urn:ngsi-ld:PointOfInterest:east1500", far).status_code == 204
    assert names(get(near())) == ["centre", "north1100"]
    assert client.delete(BASE + "/entities/urn:ngsi-ld:PointOfInterest:centre", **editor).status_code == 204
    assert names(get(near())) == ["north1100"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("georel=nearby&geometry=Point&coordinates=[15.11,46.36]", "georel"),
        ("georel=near&geometry=Point&coordinates=[15.11,46.36]", "georel"),
        ("georel=near;maxDistance==-5&geometry=Point&coordinates=[15.11,46.36]", "georel"),
        ("georel=near;farDistance==5&geometry=Point&coordinates=[15.11,46.36]", "georel"),
        ("georel=within;x==1&geometry=Polygon&coordinates=[[[15,46],[16,46],[16,47],[15,46]]]", "georel"),
        ("geometry=Point&coordinates=[15.11,46.36]", "georel"),
        ("georel=within&geometry=Circle&coordinates=[15.11,46.36]", "geometry"),
        ("georel=within&coordinates=[15.11,46.36]", "geometry"),
        ("georel=within&geometry=Point", "coordinates"),
        ("georel=within&geometry=Point&coordinates=15.11,46.36", "coordinates"),
        ("georel=within&geometry=Point&coordinates=[15.11,96.36]", "coordinates"),
        ("georel=within&geometry=Polygon&coordinates=[[[15,46],[16,46],[16,47],[15,47]]]", "coordinates"),
        # a bow-tie: the ring crosses itself
        (
            "georel=within&geometry=Polygon&coordinates=[[[15,46],[16,47],[16,46],[15,47],[15,46]]]",
            "coordinates",
        ),
        ("georel=within&geometry=Point&coordinates=[15.11,46.36]&geoproperty=a=b", "geoproperty"),
    ],
)
def test_a_bad_geo_query_is_bad_request_data_naming_the_parameter(places, get, query, named):
    response = get("/entities?type=PointOfInterest&" + query.replace("[", "%5B").replace("]", "%5D"))
    assert response.status_code == 400
    assert problem_type(response) == "BadRequestData"
    assert response.json()["detail"].startswith(named + ":"), response.json()["detail"]


def test_a_near_query_takes_as_many_sql_queries_whatever_the_number_of_entities(post, get, tenant):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = get(near(extra="type=PointOfInterest&count=true&limit=100"))
        assert response.status_code == 200
        return len(captured), len(response.json())

    post("post", "/entities", place("p0", {"type": "Point", "coordinates": list(CENTRE)}))
    few, found = queries()
    assert found == 1
    for n in range(1, 30):
        point = [CENTRE[0] + n * 0.0005, CENTRE[1]]  # every 38 m east: all 29 within 2 km
        post("post", "/entities", place(f"p{n}", {"type": "Point", "coordinates": point}))
    many, found = queries()
    assert found == 30
    assert many == few


def test_too_broad_a_geo_query_is_refused(places, get, settings):
    settings.REGIJA_NGSI_GEO_MAX_CANDIDATES = 3
    response = get(near("minDistance==0"))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("georel:")
    assert names(get(near("maxDistance==1200"))) == ["centre", "north1100"]  # 2 candidates in its box


# ------------------------------------------------------------------------------------------- GeoJSON


def check_feature(feature):
    """A GeoJSON Feature (RFC 7946 §3.2): type, a geometry object or null, a properties object."""
    assert feature["type"] == "Feature"
    assert "geometry" in feature and "properties" in feature
    geometry = feature["geometry"]
    assert geometry is None or (
        geometry["type"] in ("Point", "Polygon") and isinstance(geometry["coordinates"], list)
    )
    assert isinstance(feature["properties"], dict)


def test_an_entity_as_a_geojson_feature(places, get):
    response = get("/entities/urn:ngsi-ld:PointOfInterest:centre", HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    check_feature(feature)
    assert feature["id"] == "urn:ngsi-ld:PointOfInterest:centre"
    assert feature["geometry"] == {"type": "Point", "coordinates": [15.11, 46.36]}
    assert feature["properties"]["type"] == "PointOfInterest"
    assert feature["properties"]["name"] == {"type": "Property", "value": "centre"}
    assert feature["properties"]["location"]["type"] == "GeoProperty"
    assert "@context" in feature


def test_a_query_as_a_feature_collection(places, get):
    response = get(near() + "&options=keyValues&count=true", HTTP_ACCEPT="application/geo+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["NGSILD-Results-Count"] == "3"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert "@context" in body
    assert len(body["features"]) == 3
    for feature in body["features"]:
        check_feature(feature)
        assert feature["properties"]["type"] == "PointOfInterest"
        assert isinstance(feature["properties"]["name"], str)  # keyValues
        assert "@context" not in feature
    assert [f["geometry"]["coordinates"] for f in body["features"]] == [
        list(POINTS[n]) for n in ("centre", "east1500", "north1100")
    ]


def test_geometry_property_chooses_the_geometry(post, get):
    body = place("depot", {"type": "Point", "coordinates": [14.5, 46.05]})
    body["operationSpace"] = {"type": "GeoProperty", "value": {"type": "Polygon", "coordinates": [SQUARE]}}
    assert post("post", "/entities", body).status_code == 201
    path = "/entities/urn:ngsi-ld:PointOfInterest:depot"
    feature = get(path + "?geometryProperty=operationSpace", HTTP_ACCEPT="application/geo+json").json()
    assert feature["geometry"] == {"type": "Polygon", "coordinates": [SQUARE]}
    feature = get(path + "?geometryProperty=name", HTTP_ACCEPT="application/geo+json").json()
    assert feature["geometry"] is None  # name is no GeoProperty
    collection = get(
        "/entities?type=PointOfInterest&geometryProperty=operationSpace", HTTP_ACCEPT="application/geo+json"
    ).json()
    assert collection["features"][0]["geometry"]["type"] == "Polygon"


# ------------------------------------------------------------------------------- entityOperations/query


def query(post, body, params="", **headers):
    return post("post", "/entityOperations/query" + params, body, **headers)


def test_post_query_with_a_geo_query(places, post):
    body = {
        "type": "Query",
        "entities": [{"type": "PointOfInterest"}],
        "geoQ": {"georel": "near;maxDistance==2000", "geometry": "Point", "coordinates": list(CENTRE)},
    }
    response = query(post, body, "?count=true&limit=2")
    assert names(response) == ["centre", "east1500"]
    assert response["NGSILD-Results-Count"] == "3"


def test_post_query_selectors_attrs_and_q(places, post):
    body = {
        "type": "Query",
        "entities": [
            {"type": "Area", "id": "urn:ngsi-ld:Area:lake"},
            {"type": "PointOfInterest", "idPattern": "^urn:ngsi-ld:PointOfInterest:north"},
        ],
        "attrs": ["name"],
        "q": 'name!="north2800"',
    }
    response = query(post, body)
    assert names(response) == ["lake", "north1100"]
    assert all(set(e) == {"id", "type", "name"} for e in response.json())


@pytest.mark.parametrize(
    ("body", "named", "status"),
    [
        ({"entities": [{"type": "Area"}]}, "type", 400),
        ({"type": "Query"}, "Give at least one", 400),
        ({"type": "Query", "entities": [{"id": "urn:ngsi-ld:Area:lake"}]}, "entities[0].type", 400),
        ({"type": "Query", "entities": {"type": "Area"}}, "entities", 400),
        ({"type": "Query", "entities": [{"type": "Area"}], "temporalQ": {}}, "temporalQ", 400),
        ({"type": "Query", "entities": [{"type": "Area"}], "scopeQ": "/a"}, "scopeQ", 422),
        (
            {"type": "Query", "entities": [{"type": "Area"}], "geoQ": {"georel": "within"}},
            "geoQ.geometry",
            400,
        ),
        (
            {
                "type": "Query",
                "entities": [{"type": "Area"}],
                "geoQ": {"georel": "within", "geometry": "Point", "coordinates": [200, 46]},
            },
            "geoQ.coordinates",
            400,
        ),
    ],
)
def test_a_bad_query_body_is_refused_naming_the_member(places, post, body, named, status):
    response = query(post, body)
    assert response.status_code == status, response.content
    assert problem_type(response) == ("BadRequestData" if status == 400 else "OperationNotSupported")
    assert response.json()["detail"].startswith(named), response.json()["detail"]


def test_post_query_is_only_post(client):
    response = client.get(BASE + "/entityOperations/query")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_migration_gives_boxes_to_the_entities_written_before_them(places, get):
    import importlib

    from django.apps import apps

    from regija.context.models import ContextGeoBox

    ContextGeoBox.objects.all().delete()  # as before migration 0002
    assert names(get(near())) == []
    importlib.import_module("regija.context.migrations.0002_geo_boxes").fill(apps, None)
    assert names(get(near())) == ["centre", "east1500", "north1100"]
    assert names(get(polygon_query("intersects"))) == ["centre", "north1100", "park"]
