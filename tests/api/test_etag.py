"""ETag / If-None-Match on every GET: 304 without a body while the data is unchanged, a new tag after
a write."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"

GET_PATHS = [
    "/strategies",
    f"/strategies/{LAS}",
    f"/strategies/{LAS}/nodes/JP1",
    "/indicators",
    f"/indicators/{LAS}/K1",
    "/projects?status=completed",
    f"/projects/{LAS}/JP1-01",
    "/projects/geo",
    "/organisations",
    "/organisations/las-zasavje",
    "/funds",
]


@pytest.mark.parametrize("path", GET_PATHS)
def test_second_request_with_the_tag_is_304(api, path, django_assert_max_num_queries):
    first = api.get(path)
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"')
    # the tag is checked before any work: one query, for the data version
    with django_assert_max_num_queries(1):
        second = api.get(path, headers={"HTTP_IF_NONE_MATCH": tag})
    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == tag


def test_tag_differs_by_url_and_weak_or_listed_tags_match(api):
    a = api.get("/projects?status=completed")["ETag"]
    b = api.get("/projects?status=idea")["ETag"]
    assert a != b
    assert (
        api.get("/projects?status=completed", headers={"HTTP_IF_NONE_MATCH": f'"other", W/{a}'}).status_code
        == 304
    )
    assert api.get("/projects?status=completed", headers={"HTTP_IF_NONE_MATCH": '"stale"'}).status_code == 200


def test_errors_carry_no_tag(api):
    r = api.get("/strategies/nope")
    assert r.status_code == 404 and "ETag" not in r


def test_a_write_changes_the_tag(api, token_for, django_capture_on_commit_callbacks):
    _user, raw = token_for("editor", "las-zasavje")
    before = api.get(f"/projects/{LAS}/JP1-01")["ETag"]
    listing = api.get("/projects")["ETag"]
    # the data version rises when the write commits (transaction.on_commit)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.patch(f"/projects/{LAS}/JP1-01", {"title": "TIC Hrastnik – nova ponudba"}, token=raw)
    assert r.status_code == 200
    after = api.get(f"/projects/{LAS}/JP1-01", headers={"HTTP_IF_NONE_MATCH": before})
    assert after.status_code == 200
    assert after["ETag"] != before
    assert after.json()["title"] == "TIC Hrastnik – nova ponudba"
    assert api.get("/projects", headers={"HTTP_IF_NONE_MATCH": listing}).status_code == 200


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_anonymous_reads_are_cached_until_a_write(
    api, token_for, real_cache, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first = api.get(f"/projects?strategy={LAS}&page_size=2")
    assert first.status_code == 200
    with django_assert_max_num_queries(1):  # from the cache: only the data version is read
        again = api.get(f"/projects?strategy={LAS}&page_size=2")
    assert again.json() == first.json() and again["ETag"] == first["ETag"]
    # another query string is another answer
    assert len(api.get(f"/projects?strategy={LAS}&page_size=3").json()["items"]) == 3
    _user, raw = token_for("editor", "las-zasavje")
    code = first.json()["items"][0]["code"]
    strategy = first.json()["items"][0]["strategy"]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.patch(
                f"/projects/{strategy}/{code}", {"title": "Nov naslov po pisanju"}, token=raw
            ).status_code
            == 200
        )
    after = api.get(f"/projects?strategy={LAS}&page_size=2")
    assert after["ETag"] != first["ETag"]
    assert after.json()["items"][0]["title"] == "Nov naslov po pisanju"


def test_links_in_cached_answers_name_the_host_asked(api, real_cache):
    a = api.get("/projects?page_size=1", headers={"HTTP_HOST": "localhost"}).json()["next"]
    b = api.get("/projects?page_size=1", headers={"HTTP_HOST": "127.0.0.1"}).json()["next"]
    assert a.startswith("http://localhost/") and b.startswith("http://127.0.0.1/")


def test_token_reads_are_not_served_from_the_cache(api, token_for, real_cache, django_assert_max_num_queries):
    api.get("/projects?page_size=2")
    _user, raw = token_for("editor", "las-zasavje")
    response = api.get("/projects?page_size=2", token=raw)
    assert response.status_code == 200
    assert response.json() == api.get("/projects?page_size=2").json()


def test_project_list_pages_are_kept_until_a_write(
    api, token_for, real_cache, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """A query string the response cache has not seen (a cache-buster, a client's own parameter) still
    reuses the kept count and items of the same filters and page: only the data version is read."""
    first = api.get(f"/projects?strategy={LAS}&page_size=3&page=2")
    assert first.status_code == 200
    with django_assert_max_num_queries(1):
        again = api.get(f"/projects?strategy={LAS}&page_size=3&page=2&_r=1")
    body = again.json()
    assert body["items"] == first.json()["items"] and body["count"] == first.json()["count"]
    # links are built for each request: they keep the client's own parameters
    assert "_r=1" in body["next"] and "page=3" in body["next"] and "page=1" in body["previous"]
    # other filters or another page are other items
    assert api.get(f"/projects?strategy={LAS}&page_size=3&page=3&_r=1").json()["items"] != body["items"]
    assert api.get("/projects?status=idea&page_size=3&_r=1").json()["count"] != body["count"]
    _user, raw = token_for("editor", "las-zasavje")
    item = body["items"][0]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.patch(
                f"/projects/{item['strategy']}/{item['code']}", {"title": "Po pisanju"}, token=raw
            ).status_code
            == 200
        )
    after = api.get(f"/projects?strategy={LAS}&page_size=3&page=2&_r=2").json()
    assert after["items"][0]["title"] == "Po pisanju"
    # a token holder reads the same kept items, and the same document as without the cache
    assert (
        api.get(f"/projects?strategy={LAS}&page_size=3&page=2", token=raw).json()["items"] == after["items"]
    )


def test_kept_project_list_answers_as_the_declared_schema(api, real_cache):
    from regija.projects.schemas import ProjectPage

    plain = api.get("/strategies")
    for _ in range(2):  # computed, then from the kept copy
        r = api.get("/projects?page_size=5&_r=x")
        assert r["Content-Type"] == plain["Content-Type"]
        body = r.json()
        assert ProjectPage.model_validate(body).model_dump(mode="json") == body
        assert r.content == json.dumps(body).encode()  # as ninja's JSONRenderer writes it
        assert body["items"][0]["url"].startswith("http://testserver/api/v1/projects/")


def test_search_answers_are_kept_until_the_index_changes(
    api, real_cache, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from regija.search import indexing
    from regija.search.schemas import SearchOut
    from regija.strategies.models import Strategy

    with django_capture_on_commit_callbacks(execute=True):
        indexing.rebuild()
    first = api.get("/search?q=zasavje&limit=3")
    assert first.status_code == 200 and first.json()["total"] > 0
    with django_assert_max_num_queries(1):  # a query string not seen yet: only the data version is read
        again = api.get("/search?q=zasavje&limit=3&_r=1")
    assert (
        again.content
        == first.content
        == json.dumps(SearchOut.model_validate(first.json()).model_dump(mode="json")).encode()
    )
    assert (
        api.get("/search?q=zasavje&limit=1&_r=1").json()["groups"] != first.json()["groups"]
    )  # other parameters
    assert (
        api.get("/search?q=zasavje&limit=3", headers={"HTTP_ACCEPT_LANGUAGE": "en"}).json()["groups"][0][
            "label"
        ]
        != (first.json()["groups"][0]["label"])
    )  # group names in the language asked for
    with django_capture_on_commit_callbacks(execute=True):
        strategy = Strategy.objects.get(slug=LAS)
        strategy.title = "Zasavski kovaški načrt"
        strategy.save()
    found = api.get("/search?q=kovaški&_r=2").json()
    assert "Zasavski kovaški načrt" in [hit["title"] for group in found["groups"] for hit in group["hits"]]
