"""The CKAN Action API (/api/3/action/…): what CKAN's clients and harvesters read, in CKAN's envelope
and with CKAN's status codes (ckan/views/api.py: 409 validation, 404 not found, 403 not allowed, 400 a
search query that cannot be read or a bad request)."""

from __future__ import annotations

import json
import random

import pytest

from regija.core import tokens
from regija.lake.models import Dataset

from .ckan_catalogue import make_catalogue

pytestmark = pytest.mark.django_db

API = "/api/3/action/"


@pytest.fixture
def cat(member, tmp_path, clock):
    return make_catalogue(member, tmp_path, clock)


def get(client, action, headers=None, **params):
    response = client.get(API + action, params, headers=headers or {})
    return response, response.json()


def post(client, action, body, headers=None):
    response = client.post(
        API + action, json.dumps(body), content_type="application/json", headers=headers or {}
    )
    return response, response.json()


def ok(client, action, **params):
    response, body = get(client, action, **params)
    assert response.status_code == 200, body
    assert body["success"] is True
    assert body["help"].endswith(f"/api/3/action/help_show?name={action}")
    return body["result"]


def names(result):
    return [r["name"] for r in result["results"]]


# ------------------------------------------------------------------------------------- packages


def test_package_show_maps_the_dataset_to_ckans_fields(client, cat):
    pkg = ok(client, "package_show", id="kakovost-zraka")
    air = cat.air
    assert pkg["id"] == str(air.uuid) and pkg["name"] == "kakovost-zraka"
    assert pkg["title"] == "Kakovost zraka v Šaleški dolini"
    assert pkg["notes"].startswith("Dnevne meritve")
    assert pkg["type"] == "dataset" and pkg["state"] == "active" and pkg["private"] is False
    # CKAN's default licence list: Creative Commons Attribution is "cc-by"
    assert (pkg["license_id"], pkg["license_url"]) == (
        "cc-by",
        "https://creativecommons.org/licenses/by/4.0/",
    )
    assert pkg["organization"]["name"] == "mov" and pkg["owner_org"] == "mov"
    assert pkg["maintainer"] == "Urad za okolje" and pkg["maintainer_email"] == "okolje@velenje.si"
    assert [t["name"] for t in pkg["tags"]] == ["zrak", "okolje"] and pkg["num_tags"] == 2
    assert [g["name"] for g in pkg["groups"]] == ["envi"]
    # CKAN's timestamps: UTC without a time zone
    assert pkg["metadata_created"].startswith("2024-03-01T10:00:00")
    assert "+" not in pkg["metadata_modified"] and not pkg["metadata_modified"].endswith("Z")
    assert pkg["language"] == ["sl", "en"]
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/DAILY"
    assert json.loads(extras["theme"]) == ["http://publications.europa.eu/resource/authority/data-theme/ENVI"]
    assert extras["temporal_start"] == "2024-01-01"
    assert extras["access_rights"].endswith("/access-right/PUBLIC")
    resources = pkg["resources"]
    assert pkg["num_resources"] == len(resources) == 2
    assert [r["format"] for r in resources] == ["CSV", "Parquet"]
    assert [r["position"] for r in resources] == [0, 1]
    csv = resources[0]
    assert csv["package_id"] == pkg["id"] and csv["mimetype"] == "text/csv"
    assert csv["datastore_active"] is True
    assert csv["url"].startswith("http://testserver/") and "kakovost-zraka" in csv["url"]


def test_package_show_by_id_and_via_the_unversioned_address(client, cat):
    response = client.get("/api/action/package_show", {"id": str(cat.budget.uuid)})
    assert response.status_code == 200
    assert response.json()["result"]["name"] == "proracun-mov"


def test_a_link_dataset_has_its_source_as_the_resource(client, cat):
    pkg = ok(client, "package_show", id="vozni-redi")
    assert [(r["format"], r["url"], r["datastore_active"]) for r in pkg["resources"]] == [
        ("JSON", "https://api.example.si/vozni-redi", False)
    ]


def test_package_list_names_only_public_datasets(client, cat):
    assert ok(client, "package_list") == ["kakovost-zraka", "nocitve-turistov", "proracun-mov", "vozni-redi"]
    assert ok(client, "package_list", limit=2, offset=1) == ["nocitve-turistov", "proracun-mov"]


def test_post_json_and_form_work_as_get(client, cat):
    response, body = post(client, "package_show", {"id": "proracun-mov"})
    assert response.status_code == 200 and body["result"]["name"] == "proracun-mov"
    response = client.post(API + "package_show", {"id": "proracun-mov"})
    assert response.status_code == 200 and response.json()["result"]["name"] == "proracun-mov"


# ------------------------------------------------------------------------------------- search


def test_package_search_pages_with_rows_and_start(client, cat):
    everything = ok(client, "package_search", sort="name asc", rows=2)
    assert everything["count"] == 4
    assert names(everything) == ["kakovost-zraka", "nocitve-turistov"]
    assert names(ok(client, "package_search", sort="name asc", rows=2, start=2)) == [
        "proracun-mov",
        "vozni-redi",
    ]
    assert names(ok(client, "package_search", sort="name asc", rows=2, start=4)) == []


def test_rows_above_1000_are_cut_to_1000_and_bad_numbers_refused(client, cat):
    assert ok(client, "package_search", rows=5000)["count"] == 4
    response, body = get(client, "package_search", rows="deset")
    assert response.status_code == 409
    assert body["success"] is False and body["error"]["__type"] == "Validation Error"
    assert "rows" in body["error"]
    response, body = get(client, "package_search", start=-1)
    assert response.status_code == 409 and "start" in body["error"]


def test_sort_orders(client, cat):
    newest = ok(client, "package_search", sort="metadata_modified desc", rows=10)
    assert names(newest) == ["vozni-redi", "nocitve-turistov", "proracun-mov", "kakovost-zraka"]
    by_id = ok(client, "package_search", sort="id asc")
    assert [r["id"] for r in by_id["results"]] == sorted(r["id"] for r in by_id["results"])
    titles = ok(client, "package_search", sort="title_string asc")
    assert names(titles)[0] == "kakovost-zraka"
    response, body = get(client, "package_search", sort="popularity desc", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert body["error"]["__type"] == "Search Query Error" and "sort" in body["error"]["message"]


def test_q_matches_slovenian_word_forms_without_diacritics(client, cat):
    # "proračuna" (genitive) typed without č finds the dataset titled "Proračun …"
    assert names(ok(client, "package_search", q="proracuna")) == ["proracun-mov"]
    # a word of the description, in another form ("meritev" ← "meritve")
    assert names(ok(client, "package_search", q="meritev delcev")) == ["kakovost-zraka"]
    # a column name
    assert names(ok(client, "package_search", q="nocitve")) == ["nocitve-turistov"]
    # every word must match
    assert ok(client, "package_search", q="proračun turizem")["count"] == 0
    # Solr's "everything"
    assert ok(client, "package_search", q="*:*")["count"] == 4


def test_q_ranks_a_title_match_above_a_description_match(client, cat):
    services_title = ok(client, "package_search", q="občine")
    # "Proračun Mestne občine Velenje" (title) before "… postajah občin." (description)
    assert names(services_title) == ["proracun-mov", "kakovost-zraka"]


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:mov", ["kakovost-zraka", "proracun-mov"]),
        ("owner_org:rasr", ["nocitve-turistov", "vozni-redi"]),
        ("tags:zrak", ["kakovost-zraka"]),
        ('tags:"proračun"', ["proracun-mov"]),
        ("groups:econ", ["proracun-mov"]),
        ("res_format:CSV", ["kakovost-zraka", "nocitve-turistov", "proracun-mov"]),
        ("res_format:JSON", ["vozni-redi"]),
        ("license_id:cc-zero", ["nocitve-turistov"]),
        ("name:proracun-mov", ["proracun-mov"]),
        ("name:pro*", ["proracun-mov"]),
        (
            "organization:mov OR organization:rasr",
            ["kakovost-zraka", "nocitve-turistov", "proracun-mov", "vozni-redi"],
        ),
        ("organization:(mov OR rasr) -groups:tran", ["kakovost-zraka", "nocitve-turistov", "proracun-mov"]),
        ("-organization:mov", ["nocitve-turistov", "vozni-redi"]),
        ("organization:mov AND tags:finance", ["proracun-mov"]),
        ("organization:mov tags:finance", ["proracun-mov"]),
        ("NOT tags:zrak AND organization:mov", ["proracun-mov"]),
        ("metadata_modified:[2024-06-01T00:00:00Z TO *]", ["nocitve-turistov", "vozni-redi"]),
        ("metadata_modified:[* TO 2024-04-01]", ["kakovost-zraka"]),
        (
            "metadata_created:{2024-03-01T10:00:00Z TO 2024-07-01T10:00:00Z]",
            ["nocitve-turistov", "proracun-mov"],
        ),
        ("(tags:zrak OR tags:turizem) AND private:false", ["kakovost-zraka", "nocitve-turistov"]),
        ("*:*", ["kakovost-zraka", "nocitve-turistov", "proracun-mov", "vozni-redi"]),
        ("", ["kakovost-zraka", "nocitve-turistov", "proracun-mov", "vozni-redi"]),
    ],
)
def test_fq_grammar(client, cat, fq, expected):
    assert names(ok(client, "package_search", fq=fq, sort="name asc")) == expected


def test_fq_and_q_together(client, cat):
    assert names(ok(client, "package_search", q="title:proračun")) == ["proracun-mov"]
    assert names(ok(client, "package_search", q="organization:mov proračun")) == ["proracun-mov"]
    assert names(ok(client, "package_search", q="okolje", fq="organization:mov")) == ["kakovost-zraka"]


@pytest.mark.parametrize(
    ("fq", "says"),
    [
        ("colour:red", "colour"),
        ("metadata_modified:[yesterday TO *]", "yesterday"),
        ("organization:(mov", ")"),
        ("tags:zrak OR", "early"),
        ("name:[a TO b]", "dates"),
    ],
)
def test_an_unreadable_fq_is_a_search_query_error_saying_what(client, cat, fq, says):
    response, body = get(client, "package_search", fq=fq, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert body["success"] is False
    assert body["error"]["__type"] == "Search Query Error"
    assert says in body["error"]["message"]


def test_facets(client, cat):
    result = ok(
        client, "package_search", **{"facet.field": json.dumps(["organization", "groups", "res_format"])}
    )
    assert result["facets"]["organization"] == {"mov": 2, "rasr": 2}
    orgs = result["search_facets"]["organization"]
    assert orgs["title"] == "organization"
    assert {i["name"]: (i["display_name"], i["count"]) for i in orgs["items"]} == {
        "mov": (cat.mov.name, 2),
        "rasr": (cat.rasr.name, 2),
    }
    assert result["facets"]["res_format"] == {"CSV": 3, "Parquet": 3, "JSON": 1}
    groups = {i["name"]: i["count"] for i in result["search_facets"]["groups"]["items"]}
    assert groups == {"envi": 1, "econ": 1, "gove": 1, "educ": 1, "tran": 1}
    # facets count what the filter leaves
    filtered = ok(client, "package_search", fq="organization:mov", **{"facet.field": '["tags"]'})
    assert filtered["facets"]["tags"] == {"zrak": 1, "okolje": 1, "proračun": 1, "finance": 1}


# ------------------------------------------------------------------------------------- visibility


@pytest.mark.real_cache
def test_an_anonymous_answer_is_cached_but_never_given_to_a_key_or_a_token(
    client, cat, django_capture_on_commit_callbacks
):
    """Anonymous GETs are answered from the cache while the data is unchanged; a request with an API key
    (CKAN's X-CKAN-API-Key or Authorization) is computed for its user, never served the anonymous copy."""
    _token, raw = tokens.create(cat.editor, "ckan")
    first = ok(client, "package_search", include_private="true")
    assert first["count"] == 4  # anonymous: public datasets only, and now kept in the cache
    for headers in ({"X-CKAN-API-Key": raw}, {"Authorization": raw}):
        response, body = get(client, "package_search", include_private="true", headers=headers)
        assert response.status_code == 200
        assert "zasebni-stevci" in names(body["result"]), headers
    # a change to the data is seen at once by anonymous visitors too (the data version is raised when
    # the change commits)
    draft = Dataset.objects.get(slug="osnutek-hrupa")
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = "published"
        draft.save()
    assert ok(client, "package_search", include_private="true")["count"] == 5


def test_private_and_draft_datasets_need_include_private_and_a_members_token(client, cat):
    _token, raw = tokens.create(cat.editor, "ckan")
    public = ok(client, "package_search", sort="name asc")
    assert "zasebni-stevci" not in names(public) and "osnutek-hrupa" not in names(public)
    # a token alone does not change a search (CKAN: include_private defaults to false)
    response, body = get(client, "package_search", headers={"Authorization": raw})
    assert body["result"]["count"] == 4
    for header in (raw, f"Bearer {raw}"):
        response, body = get(
            client, "package_search", include_private="true", headers={"Authorization": header}
        )
        assert response.status_code == 200
        found = {r["name"]: (r["private"], r["state"]) for r in body["result"]["results"]}
        assert found["zasebni-stevci"] == (True, "active")
        assert found["osnutek-hrupa"] == (False, "draft")
    # without a token include_private shows nothing more
    assert ok(client, "package_search", include_private="true")["count"] == 4
    # package_show of a private dataset: CKAN's 403 for strangers, the dataset for members
    response, body = get(client, "package_show", id="zasebni-stevci")
    assert response.status_code == 403 and body["error"]["__type"] == "Authorization Error"
    response, body = get(client, "package_show", id="zasebni-stevci", headers={"Authorization": raw})
    assert response.status_code == 200 and body["result"]["private"] is True


def test_a_bad_token_is_refused(client, cat):
    response, body = get(client, "package_search", headers={"Authorization": "rgj_wrong"})
    assert response.status_code == 403
    assert body["error"]["__type"] == "Authorization Error"


# ------------------------------------------------------------------ organisations, groups, resources, status


def test_organizations(client, cat):
    assert ok(client, "organization_list") == ["mov", "rasr"]
    full = ok(client, "organization_list", all_fields="true")
    assert [(o["name"], o["package_count"]) for o in full] == [("mov", 2), ("rasr", 2)]
    org = ok(client, "organization_show", id="mov", include_datasets="true")
    assert org["title"] == cat.mov.name and org["is_organization"] is True
    assert sorted(p["name"] for p in org["packages"]) == ["kakovost-zraka", "proracun-mov"]
    response, body = get(client, "organization_show", id="ni-je")
    assert response.status_code == 404 and body["error"]["__type"] == "Not Found Error"


def test_groups_are_the_eu_data_themes(client, cat):
    groups = ok(client, "group_list")
    assert len(groups) == 13 and "econ" in groups and "envi" in groups
    econ = ok(client, "group_show", id="econ")
    assert econ["package_count"] == 1
    assert econ["uri"] == "http://publications.europa.eu/resource/authority/data-theme/ECON"
    response, _body = get(client, "group_show", id="xyz")
    assert response.status_code == 404


def test_resource_show(client, cat):
    dist = cat.air.distributions.get(format="PARQUET")
    resource = ok(client, "resource_show", id=str(dist.uuid))
    assert resource["format"] == "Parquet" and resource["package_id"] == str(cat.air.uuid)
    assert resource["size"] == cat.air.current.parquet_bytes
    response, _body = get(client, "resource_show", id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    private = cat.private.distributions.first()
    response, _body = get(client, "resource_show", id=str(private.uuid))
    assert response.status_code == 403


def test_status_show(client):
    status = ok(client, "status_show")
    assert status["ckan_version"].startswith("2.11")
    assert status["site_url"] == "http://testserver"
    assert status["extensions"] == ["datastore", "dcat"]


# ------------------------------------------------------------------------------------- datastore


def _csv_resource(dataset):
    return str(dataset.distributions.get(format="CSV").uuid)


def test_datastore_search(client, cat):
    result = ok(
        client, "datastore_search", resource_id=_csv_resource(cat.air), filters='{"postaja": "Velenje"}'
    )
    assert result["total"] == 2
    assert [r["pm10"] for r in result["records"]] == [21, 25]
    assert [f["id"] for f in result["fields"]] == ["_id", "postaja", "datum", "pm10"]


def test_datastore_search_range_filter_fields_sort_and_formats(client, cat):
    res = _csv_resource(cat.air)
    _response, body = post(
        client,
        "datastore_search",
        {
            "resource_id": res,
            "filters": {"pm10": {"gte": 21}},
            "fields": ["postaja", "pm10"],
            "sort": "pm10 desc",
        },
    )
    assert body["result"]["records"] == [
        {"postaja": "Šoštanj", "pm10": 30},
        {"postaja": "Velenje", "pm10": 25},
        {"postaja": "Velenje", "pm10": 21},
    ]
    lists = ok(
        client,
        "datastore_search",
        resource_id=res,
        fields="postaja",
        distinct="true",
        records_format="lists",
        sort="postaja",
    )
    assert lists["records"] == [["Topolšica"], ["Velenje"], ["Šoštanj"]] or lists["records"] == [
        ["Šoštanj"],
        ["Topolšica"],
        ["Velenje"],
    ]
    csv = ok(
        client, "datastore_search", resource_id=res, records_format="csv", limit=1, fields="postaja,pm10"
    )
    assert csv["records"].strip() == "Velenje,21"
    page = ok(client, "datastore_search", resource_id=res, limit=2, offset=2)
    assert [r["_id"] for r in page["records"]] == [3, 4]
    assert "offset=4" in page["_links"]["next"]


def test_datastore_search_errors(client, cat):
    res = _csv_resource(cat.air)
    response, body = get(client, "datastore_search")
    assert response.status_code == 409 and body["error"]["resource_id"]
    response, body = get(client, "datastore_search", resource_id=res, filters='{"barva": "rdeča"}')
    assert response.status_code == 409 and body["error"]["__type"] == "Validation Error"
    response, body = get(client, "datastore_search", resource_id=res, filters="{not json")
    assert response.status_code == 409
    response, body = get(client, "datastore_search", resource_id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and body["error"]["__type"] == "Not Found Error"
    response, body = get(client, "datastore_search", resource_id=_csv_resource(cat.private))
    assert response.status_code == 403
    link = str(cat.link.distributions.get().uuid)
    response, body = get(client, "datastore_search", resource_id=link)
    assert response.status_code == 404


MAX_BY_STATION = 'SELECT postaja, max(pm10) AS najvec FROM "{res}" GROUP BY postaja ORDER BY najvec DESC'


def test_datastore_search_sql(client, cat):
    res = _csv_resource(cat.air)
    sql = MAX_BY_STATION.format(res=res)
    result = ok(client, "datastore_search_sql", sql=sql)
    assert result["records"][0] == {"postaja": "Šoštanj", "najvec": 30}
    assert [f["id"] for f in result["fields"]] == ["postaja", "najvec"]


@pytest.mark.parametrize(
    ("sql", "status", "kind"),
    [
        ('DELETE FROM "{res}"', 403, "Authorization Error"),
        ("SELECT 1; SELECT 2", 409, "Validation Error"),
        ("SELECT * FROM read_csv('/etc/passwd')", 403, "Authorization Error"),
        ('SELECT * FROM "00000000-0000-0000-0000-000000000000"', 404, "Not Found Error"),
        ("SELECT * FROM pg_catalog.pg_tables", 404, "Not Found Error"),
        ('SELECT * FROM "{private}"', 403, "Authorization Error"),
        ('SELECT nope FROM "{res}"', 409, "Validation Error"),
    ],
)
def test_datastore_search_sql_refusals_are_ckan_errors_never_a_500(client, cat, sql, status, kind):
    sql = sql.format(res=_csv_resource(cat.air), private=_csv_resource(cat.private))
    response, body = get(client, "datastore_search_sql", sql=sql)
    assert response.status_code == status, body
    assert body["success"] is False and body["error"]["__type"] == kind
    assert body["error"]["message"]


def test_datastore_info(client, cat):
    info = ok(client, "datastore_info", id=_csv_resource(cat.air))
    assert info["meta"]["count"] == 4
    assert [(f["id"], f["type"]) for f in info["fields"]] == [
        ("postaja", "text"),
        ("datum", "date"),
        ("pm10", "int"),
    ]


# ------------------------------------------------------------------------- envelope, errors, language


def test_unknown_action_is_ckans_bad_request(client):
    response = client.get(API + "package_create_everything", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Action name not known: package_create_everything" in response.json()


def test_a_body_that_is_not_json_is_a_bad_request(client):
    response = client.post(
        API + "package_search", "{nope", content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()


def test_missing_id_is_a_validation_error(client):
    response, body = get(client, "package_show")
    assert response.status_code == 409
    assert body["error"]["__type"] == "Validation Error" and body["error"]["id"]


def test_messages_follow_accept_language(client, cat):
    response, sl = get(client, "package_show", id="ni-je")
    assert response["Content-Language"] == "sl"
    response, en = get(client, "package_show", id="ni-je", headers={"Accept-Language": "en"})
    assert response["Content-Language"] == "en"
    assert en["error"]["message"] == "Not found: there is no dataset ni-je."
    assert "ni-je" in sl["error"]["message"]


def test_cors_on_get(client):
    response = client.get(API + "status_show")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_help_show(client):
    text = ok(client, "help_show", name="package_show")
    assert "dataset" in text


# ------------------------------------------------------------------------------------- query counts


def test_a_search_page_costs_a_fixed_number_of_queries(
    client, cat, member, tmp_path, django_assert_max_num_queries
):
    facets = {"facet.field": '["organization","tags","groups","res_format","license_id"]'}
    # 12 for the search (2 of them in the search index, 2 matching drafts the index does not hold), 1 for
    # the data version an anonymous answer is cached under
    with django_assert_max_num_queries(13):
        small = ok(client, "package_search", q="zrak okolje", rows=1000, **facets)
    # more datasets, same number of queries
    for i in range(6):
        Dataset.objects.create(
            publisher=cat.mov,
            slug=f"dodatni-{i}",
            title=f"Dodatni zrak {i}",
            status="published",
            modified=cat.air.modified,
        )
    with django_assert_max_num_queries(13):
        large = ok(client, "package_search", q="zrak okolje", rows=1000, **facets)
    assert small["count"] == 1 and large["count"] == 1
    with django_assert_max_num_queries(13):
        everything = ok(client, "package_search", rows=1000, **facets)
    assert everything["count"] == 10


def test_a_package_and_an_organisation_cost_a_fixed_number_of_queries(
    client, cat, django_assert_max_num_queries
):
    # each with one more for the data version an anonymous answer is cached under
    with django_assert_max_num_queries(5):
        ok(client, "package_show", id="kakovost-zraka")
    with django_assert_max_num_queries(8):
        org = ok(client, "organization_show", id="mov", include_datasets="true")
    assert len(org["packages"]) == 2
    with django_assert_max_num_queries(4):
        ok(client, "datastore_search", resource_id=_csv_resource(cat.air), limit=5)


# ------------------------------------------------------------------------- never a 500

ODD_VALUES = [
    "",
    "x",
    "-1",
    "0",
    "1001",
    "true",
    "nope",
    "[]",
    "{}",
    '{"a": 1}',
    '["organization"]',
    "kakovost-zraka",
    "a" * 3000,
    '{"pm10": {"gt": "x"}}',
    '{"postaja": ["Velenje", 1]}',
    "pm10 desc",
    "*:*",
    "null",
    "1e9",
    "é",
    "[1, 2]",
    "title:(",
]
PARAMETERS = [
    "id",
    "q",
    "fq",
    "rows",
    "start",
    "sort",
    "facet.field",
    "facet.limit",
    "facet.mincount",
    "include_private",
    "all_fields",
    "include_datasets",
    "resource_id",
    "filters",
    "fields",
    "limit",
    "offset",
    "distinct",
    "include_total",
    "records_format",
    "sql",
    "name",
]


def test_odd_parameters_to_every_action_never_give_a_500(client, cat):
    """Random combinations of odd values (a fixed seed): each call is answered, with an error if need be."""
    from regija.lake.ckan import ACTIONS

    resource = _csv_resource(cat.air)
    rng = random.Random(3)
    for _ in range(600):
        action = rng.choice([*ACTIONS, "nope"])
        params = {k: rng.choice([*ODD_VALUES, resource]) for k in rng.sample(PARAMETERS, rng.randint(0, 5))}
        if rng.random() < 0.5:
            response = client.get(API + action, params)
        else:
            body = {k: json.loads(v) if v and v[0] in "[{" else v for k, v in params.items()}
            response = client.post(API + action, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (action, params, response.content[:300])
        answer = response.json()
        assert isinstance(answer, str) or answer["success"] is (response.status_code == 200)
