"""The open-data API under /api/v1/: datasets, one dataset, its versions and its rows."""

from __future__ import annotations

import json

import pytest

from .conftest import AIR

pytestmark = pytest.mark.django_db


def test_the_list_filters_by_theme_publisher_and_words(client, make_dataset):
    make_dataset("kakovost-zraka", AIR, title="Kakovost zraka", themes=["ENVI"])
    make_dataset("prebivalstvo", "leto,n\n2020,1\n", title="Prebivalci v šolah", themes=["SOCI"])
    make_dataset("osnutek", AIR, publish=False)
    body = client.get("/api/v1/datasets").json()
    assert body["count"] == 2
    assert {d["slug"] for d in body["items"]} == {"kakovost-zraka", "prebivalstvo"}
    assert [d["slug"] for d in client.get("/api/v1/datasets?theme=ENVI").json()["items"]] == [
        "kakovost-zraka"
    ]
    assert client.get("/api/v1/datasets?publisher=las-zasavje").json()["count"] == 0
    assert [d["slug"] for d in client.get("/api/v1/datasets?q=šola").json()["items"]] == ["prebivalstvo"]
    assert client.get("/api/v1/datasets?theme=NOPE").status_code == 422


def test_a_dataset_with_columns_distributions_and_version(client, make_dataset):
    make_dataset("kakovost-zraka", AIR, licence="CC0")
    body = client.get("/api/v1/datasets/kakovost-zraka").json()
    assert body["licence_url"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert [c["name"] for c in body["columns"]] == ["postaja", "datum", "pm10", "lon", "lat"]
    assert {d["format"] for d in body["distributions"]} == {"CSV", "PARQUET"}
    assert body["current_version"]["number"] == 1 and body["current_version"]["rows"] == 4
    assert (
        body["current_version"]["csv_url"]
        == "http://testserver/podatki/kakovost-zraka/razlicica/1/prenos/csv"
    )
    assert client.get("/api/v1/datasets/osnutek").status_code == 404


def test_versions_newest_first(client, make_dataset, editor, tmp_path):
    from regija.lake import services

    dataset = make_dataset("kakovost-zraka", AIR)
    path = tmp_path / "b.csv"
    path.write_text(AIR + "Velenje,2023-04-01,10,15.1,46.3\n", encoding="utf-8")
    services.upload(editor, dataset, path, name="b.csv", via="web")
    body = client.get("/api/v1/datasets/kakovost-zraka/versions").json()
    assert [(v["number"], v["rows"]) for v in body["items"]] == [(2, 5), (1, 4)]


def test_rows_filtered_sorted_and_paged(client, make_dataset):
    make_dataset("kakovost-zraka", AIR)
    url = "/api/v1/datasets/kakovost-zraka/rows"
    body = client.get(url, {"filters": json.dumps({"postaja": "Velenje"}), "sort": "-pm10"}).json()
    assert body["total"] == 2
    assert [r["pm10"] for r in body["records"]] == [21.5, 18]
    body = client.get(url, {"sort": "pm10", "limit": 2, "offset": 1, "fields": "postaja,pm10"}).json()
    assert body["records"] == [{"postaja": "Velenje", "pm10": 18}, {"postaja": "Velenje", "pm10": 21.5}]
    assert body["total"] == 4


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"filters": "{not json"}, "filters"),
        ({"filters": json.dumps({"nobena": 1})}, "filters"),
        ({"sort": "nobena"}, "sort"),
        ({"fields": "nobena"}, "fields"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_row_queries_are_422_naming_the_parameter(client, make_dataset, params, where):
    make_dataset("kakovost-zraka", AIR)
    response = client.get("/api/v1/datasets/kakovost-zraka/rows", params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", where]


def test_api_queries_are_bounded(client, make_dataset, django_assert_max_num_queries):
    for i in range(8):
        make_dataset(f"nabor-{i}", "a,b\n1,2\n", keywords=["x"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/datasets").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/datasets/nabor-3").status_code == 200
