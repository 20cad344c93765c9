"""The open-data catalogue and a dataset's page as a visitor sees them."""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import AIR

pytestmark = pytest.mark.django_db


def _rows(n):
    return "leto,obcina,prebivalci\n" + "".join(f"{2000 + i % 20},Obcina {i},{1000 + i}\n" for i in range(n))


def test_the_catalogue_lists_published_datasets_with_facets(client, make_dataset, mov):
    make_dataset("kakovost-zraka", AIR, title="Kakovost zraka", themes=["ENVI"], keywords=["zrak", "okolje"])
    make_dataset("prebivalstvo", _rows(3), title="Prebivalstvo občin", themes=["SOCI"], keywords=["okolje"])
    make_dataset("osnutek", AIR, title="Osnutek", publish=False)
    page = client.get("/podatki/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Kakovost zraka" in text and "Prebivalstvo občin" in text
    assert "Osnutek" not in text  # a draft is the publisher's own
    assert "2 nabora podatkov" in text or "2 datasets" in text or page.context["page"].paginator.count == 2
    facets = {f.key: {o.value: o.count for o in f.options} for f, _title in page.context["facets"]}
    assert facets["theme"] == {"ENVI": 1, "SOCI": 1}
    assert facets["keyword"] == {"okolje": 2, "zrak": 1}
    assert facets["publisher"] == {mov.slug: 2}
    assert facets["format"] == {"CSV": 2, "PARQUET": 2}
    # checkboxes that work without JavaScript: a plain GET form
    assert 'type="checkbox" value="ENVI"' in text


def test_a_facet_narrows_the_list_and_counts_the_other_choices(client, make_dataset):
    make_dataset("kakovost-zraka", AIR, title="Kakovost zraka", themes=["ENVI"])
    make_dataset("prebivalstvo", _rows(3), title="Prebivalstvo", themes=["SOCI"])
    page = client.get("/podatki/?theme=ENVI")
    assert [d.slug for d in page.context["page"].object_list] == ["kakovost-zraka"]
    theme = next(f for f, _t in page.context["facets"] if f.key == "theme")
    # the other theme's count is what choosing it as well would add
    assert {o.value: (o.count, o.selected) for o in theme.options} == {"ENVI": (1, True), "SOCI": (1, False)}


def test_the_search_finds_slovenian_word_forms(client, make_dataset):
    make_dataset("prebivalstvo", _rows(3), title="Število prebivalcev v šolah")
    make_dataset("kakovost-zraka", AIR, title="Kakovost zraka")
    # "šola" (nominative) finds "šolah"; without diacritics too; "prebivalec" finds "prebivalcev"
    for q in ("šola", "sola", "prebivalec", "šole prebivalci"):
        slugs = [d.slug for d in client.get("/podatki/", {"q": q}).context["page"].object_list]
        assert slugs == ["prebivalstvo"], q
    # the publisher's name ("Mestna občina Velenje") is searched: both are its datasets
    assert len(client.get("/podatki/", {"q": "občini"}).context["page"].object_list) == 2
    # column names are searched as well
    slugs = [d.slug for d in client.get("/podatki/", {"q": "pm10"}).context["page"].object_list]
    assert slugs == ["kakovost-zraka"]


def test_catalogue_queries_do_not_grow_with_datasets(client, make_dataset, django_assert_max_num_queries):
    for i in range(12):
        make_dataset(f"nabor-{i}", "a,b\n1,2\n", title=f"Nabor {i}", keywords=[f"k{i}"])
    with django_assert_max_num_queries(8):
        assert client.get("/podatki/?q=nabor").status_code == 200


def test_a_dataset_page_shows_metadata_columns_versions_and_a_preview(client, make_dataset):
    make_dataset(
        "kakovost-zraka",
        AIR,
        title="Kakovost zraka",
        licence="CC0",
        contact_name="Oddelek za okolje",
        keywords=["zrak"],
        provenance="Merilne postaje ŠCV.",
    )
    page = client.get("/podatki/kakovost-zraka/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "https://creativecommons.org/publicdomain/zero/1.0/" in text  # the licence, linked
    assert "Oddelek za okolje" in text and "Merilne postaje ŠCV." in text
    assert page.context["preview"].total == 4
    assert page.context["preview"].columns == ["postaja", "datum", "pm10", "lon", "lat"]
    assert "Topolšica" in text
    # downloads of the version and copy-ready API examples with the real resource id
    assert "/podatki/kakovost-zraka/prenos/csv" in text
    assert "/podatki/kakovost-zraka/razlicica/1/prenos/parquet" in text
    dataset = page.context["dataset"]
    resource = next(d for d in dataset.distributions.all() if d.in_lake)
    assert f"resource_id={resource.uuid}" in text
    assert "SELECT * FROM read_parquet('http://testserver/podatki/kakovost-zraka/prenos/parquet')" in text
    assert 'href="/podatki/kakovost-zraka.ttl"' in text


def test_the_preview_filters_sorts_and_pages_on_the_server(client, make_dataset):
    make_dataset("prebivalstvo", _rows(60))
    page = client.get("/podatki/prebivalstvo/", {"sort": "-prebivalci"})
    rows = page.context["preview"].rows
    assert len(rows) == 25 and rows[0][2] == 1059 and rows[1][2] == 1058
    page3 = client.get("/podatki/prebivalstvo/", {"sort": "-prebivalci", "page": 3})
    assert [r[2] for r in page3.context["preview"].rows] == list(range(1009, 999, -1))
    filtered = client.get("/podatki/prebivalstvo/", {"f_obcina": "Obcina 7"})
    assert filtered.context["preview"].total == 1
    assert filtered.context["preview"].rows[0][1] == "Obcina 7"
    # a sort by a column that is not there is said, not a 500
    bad = client.get("/podatki/prebivalstvo/", {"sort": "nobena"})
    assert bad.status_code == 200 and "nobena" in bad.context["preview"].error.message


def test_a_chart_by_the_date_column_and_a_map_of_the_coordinates(client, make_dataset):
    make_dataset("kakovost-zraka", AIR)
    page = client.get("/podatki/kakovost-zraka/")
    series = page.context["series"]
    assert (series.value, series.by, series.period) == ("pm10", "datum", "month")
    # January 21.5 + 30, February 18, March 12.25
    assert series.points == [("2023-01-01", 51.5), ("2023-02-01", 18.0), ("2023-03-01", 12.25)]
    assert "<svg" in page.context["chart"]["svg"]
    located = page.context["located"]
    assert len(located) == 4 and located[0]["lat"] == pytest.approx(46.3592)
    text = page.content.decode()
    assert 'id="map-data" type="application/json"' in text
    assert "regija/map" in text  # the site's map script, loaded from a file (CSP allows no inline script)


def test_a_chart_by_a_year_column(client, make_dataset):
    make_dataset("prebivalstvo", "leto,prebivalci\n2021,100\n2021,50\n2022,160\n")
    series = client.get("/podatki/prebivalstvo/").context["series"]
    assert series.points == [("2021", 150.0), ("2022", 160.0)]
    assert client.get("/podatki/prebivalstvo/").context["located"] == []


def test_dataset_page_queries_are_bounded(client, make_dataset, django_assert_max_num_queries):
    make_dataset("kakovost-zraka", AIR, keywords=["zrak"])
    with django_assert_max_num_queries(10):
        assert client.get("/podatki/kakovost-zraka/").status_code == 200


def test_drafts_and_private_datasets_are_not_found_by_others(client, make_dataset, member):
    make_dataset("osnutek", AIR, publish=False)
    make_dataset("zasebno", AIR, private=True)
    for slug in ("osnutek", "zasebno", "ni-ga"):
        assert client.get(f"/podatki/{slug}/").status_code == 404
        assert client.get(f"/podatki/{slug}/prenos/csv").status_code == 404
    client.force_login(member("viewer", "mov"))
    assert client.get("/podatki/osnutek/").status_code == 200


def test_downloads_stream_csv_with_bom_and_the_parquet_as_stored(client, make_dataset):
    dataset = make_dataset("kakovost-zraka", AIR)
    response = client.get("/podatki/kakovost-zraka/prenos/csv")
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["postaja", "datum", "pm10", "lon", "lat"]
    assert rows[2][:3] == ["Šoštanj", "2023-01-20", "30.0"]
    parquet = client.get("/podatki/kakovost-zraka/razlicica/1/prenos/parquet")
    data = b"".join(parquet.streaming_content)
    assert data[:4] == b"PAR1" and len(data) == dataset.current.parquet_bytes
    assert client.get("/podatki/kakovost-zraka/razlicica/9/prenos/csv").status_code == 404
    assert client.get("/podatki/kakovost-zraka/prenos/geojson").status_code == 404  # no geometry
    assert client.get("/podatki/kakovost-zraka/prenos/exe").status_code == 404


def test_the_main_navigation_links_the_catalogue(client):
    text = client.get("/").content.decode()
    assert 'href="/podatki/"' in text


def test_english_labels(client, make_dataset):
    make_dataset("kakovost-zraka", AIR)
    text = client.get("/podatki/kakovost-zraka/", headers={"accept-language": "en"}).content.decode()
    assert '<h2 id="versions">Versions</h2>' in text
    assert "first published" in text.lower()  # the model's field label


@pytest.mark.real_cache
def test_the_chart_is_drawn_once_per_version(client, make_dataset, monkeypatch):
    from regija.lake import charts

    make_dataset("kakovost-zraka", AIR)
    drawn = []
    original = charts.chart
    monkeypatch.setattr(charts, "chart", lambda *a, **k: drawn.append(1) or original(*a, **k))
    for _ in range(2):
        page = client.get("/podatki/kakovost-zraka/", {"page": 1})
        assert "<svg" in page.context["chart"]["svg"]
    assert len(drawn) == 1
