"""Datasets in the one search box: the search page, /api/v1/search, the catalogue and CKAN's
package_search find a published dataset by its Slovenian words in any form; drafts and private
datasets are never in the index, and a dataset withdrawn leaves it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from regija.core.models import Organisation
from regija.lake import services
from regija.search.selectors import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(member, tmp_path):
    mov = Organisation.objects.get(slug="mov")
    editor = member("editor", mov)
    data = {
        "slug": "kolesarske-steze",
        "title": "Kolesarske steze v Velenju",
        "description": "Dolžine kolesarskih povezav po krajevnih skupnostih.",
        "keywords": ["kolesarjenje", "trajnostna mobilnost"],
    }
    dataset = services.dataset_create(editor, publisher=mov, data=data, via="web")
    path = tmp_path / "steze.csv"
    path.write_text("krajevna_skupnost,dolzina_km\nCenter,4.5\nŠalek,2.1\n", encoding="utf-8")
    services.upload(editor, dataset, path, name="steze.csv", via="web")
    return editor, services.dataset_publish(editor, dataset, via="web")


def _dataset_titles(q):
    group = search(q, kinds=["dataset"]).group("dataset")
    return [hit.title for hit in group.hits] if group else []


def test_a_published_dataset_is_found_by_its_words_in_any_form(published):
    assert _dataset_titles("kolesarskih stez") == ["Kolesarske steze v Velenju"]
    assert _dataset_titles("kolesarska povezava") == ["Kolesarske steze v Velenju"]
    # a column name is searchable too
    assert _dataset_titles("dolzina") == ["Kolesarske steze v Velenju"]


def test_the_search_page_and_the_api_list_it_with_a_link(published, client):
    page = client.get(reverse("search"), {"q": "kolesarske steze"})
    assert "/podatki/kolesarske-steze/" in page.content.decode()
    answer = client.get("/api/v1/search", {"q": "kolesarske steze", "kind": "dataset"}).json()
    (group,) = answer["groups"]
    assert group["kind"] == "dataset"
    assert [hit["title"] for hit in group["hits"]] == ["Kolesarske steze v Velenju"]


def test_drafts_are_not_indexed_and_a_withdrawn_dataset_leaves_the_index(published):
    editor, dataset = published
    services.dataset_withdraw(editor, dataset, via="web")
    assert _dataset_titles("kolesarske steze") == []


def test_package_search_uses_the_same_engine(published, client):
    found = client.get("/api/3/action/package_search", {"q": "kolesarskih povezav"}).json()["result"]
    assert [r["name"] for r in found["results"]] == ["kolesarske-steze"]
