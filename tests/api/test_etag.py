"""ETag / If-None-Match on every GET: 304 without a body while the data is unchanged, a new tag after a write."""

from __future__ import annotations

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
    assert api.get("/projects?status=completed", headers={"HTTP_IF_NONE_MATCH": f'"other", W/{a}'}).status_code == 304
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
