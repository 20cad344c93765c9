"""Search never finds a natural person: no document of its own, and its projects are not found by its name
(they still are by their own words) – on every path that writes the index."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from regija.core.models import Organisation, OrganisationKind
from regija.projects.models import Project
from regija.search import indexing, store
from regija.search.models import Document, Kind
from regija.search.selectors import search
from regija.strategies.models import Strategy
from tests.factories import OrganisationFactory, project_with_money

from .test_indexing import term_counts_follow_the_postings  # noqa: F401  (autouse: term counts stay true)

pytestmark = pytest.mark.usefixtures("indexed")

LAS = "las-zasavje-2023"
GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"


def urls(q: str, kind: str | None = None) -> list[str]:
    results = search(q, kinds=[kind] if kind else None, limit=10_000)
    return [hit.url for group in results.groups for hit in group.hits]


def held_url() -> str:
    return reverse("project", args=[LAS, "TST-1"])


def make(*, kind=OrganisationKind.PERSON) -> Organisation:
    """A holder named "Janez Zasebnik" of the LAS project "Čebelarski učni poligon", with a natural person
    as partner; saved one by one, so the signal handlers index them."""
    holder = OrganisationFactory(
        slug="janez-zasebnik", name="Janez Zasebnik", short_name="Zasebnik", kind=kind
    )
    partner = OrganisationFactory(
        slug="mojca-partnerka", name="Mojca Partnerka", kind=OrganisationKind.PERSON
    )
    project_with_money(
        strategy=Strategy.objects.get(slug=LAS),
        code="TST-1",
        title="Čebelarski učni poligon",
        holder=holder,
        status="in_progress",
        order=9001,
        partners=[dict(organisation=partner, budget_share=Decimal("100.00"))],
    )
    return holder


def assert_person_not_found():
    assert urls("zasebnik") == [] and urls("janez zasebnik") == [] and urls("Zasebnika") == []
    assert urls("partnerka") == []  # partners are not indexed at all
    assert urls("čebelarski poligon", "project") == [held_url()]  # the project by its own words
    assert not Document.objects.filter(
        kind=Kind.ORGANISATION,
        object_id__in=Organisation.objects.filter(kind=OrganisationKind.PERSON).values("pk"),
    ).exists()
    assert not [p for p in store.postings() if p[0] == "zasebnik"]


def assert_named():
    assert reverse("organisation", args=["janez-zasebnik"]) in urls("zasebnik", "organisation")
    assert urls("zasebnika", "project") == [held_url()]  # the holder's name is part of the project's text


def test_saved_person_and_the_project_it_holds_are_not_found_by_name():
    make()
    assert_person_not_found()


def test_rebuild_and_reindex_strategy_leave_persons_out():
    with indexing.suspended():  # as the importer writes: nothing indexed until reindex_strategy
        make()
    indexing.reindex_strategy(Strategy.objects.get(slug=LAS).pk)
    assert_person_not_found()
    indexing.rebuild()
    assert_person_not_found()


def test_search_page_does_not_name_a_person(client):
    make()
    html = client.get("/iskanje/", {"q": "Janez Zasebnik"}).content.decode()  # the page repeats the query
    assert "janez-zasebnik" not in html and "TST-1" not in html and "poligon" not in html
    assert "TST-1" in client.get("/iskanje/", {"q": "čebelarski poligon"}).content.decode()


def test_turning_into_a_person_and_back_reindexes_the_projects_it_holds():
    holder = make(kind=OrganisationKind.COMPANY)
    assert_named()
    holder.kind = OrganisationKind.PERSON
    holder.save()
    assert_person_not_found()
    holder.kind = OrganisationKind.COMPANY
    holder.save()
    assert_named()


def test_reindex_strategy_follows_a_kind_changed_in_bulk():
    """Without signals (the importer's way), the next reindex_strategy – of any strategy, organisations
    are shared – drops or adds the organisation and rewrites the projects it holds in other strategies."""
    make(kind=OrganisationKind.COMPANY)
    other = Strategy.objects.get(slug=GORENJSKA).pk
    Organisation.objects.filter(slug="janez-zasebnik").update(kind=OrganisationKind.PERSON)
    assert urls("zasebnik")  # not yet: no signal
    stats = indexing.reindex_strategy(other)
    assert_person_not_found()
    assert stats.removed == 1 and stats.documents["project"] == 1
    Organisation.objects.filter(slug="janez-zasebnik").update(kind=OrganisationKind.COMPANY)
    stats = indexing.reindex_strategy(other)
    assert_named()
    assert stats.documents == {
        "strategy": 0,
        "node": 0,
        "indicator": 0,
        "project": 1,
        "organisation": 1,
        "dataset": 0,
        "proposal": 0,
        "pb_proposal": 0,
    }
    # and nothing at all when nothing changed
    again = indexing.reindex_strategy(other)
    assert again.total == 0 and again.removed == 0


def test_a_persons_project_is_not_found_by_its_exact_place():
    make()
    project = Project.objects.get(strategy__slug=LAS, code="TST-1")
    project.location_name = "Kmetija Pod Lipovcem"
    project.save()
    assert urls("lipovcem") == [] and urls("čebelarski poligon", "project") == [held_url()]
    # a company's project is found by its place
    Organisation.objects.filter(slug="janez-zasebnik").update(kind=OrganisationKind.COMPANY)
    indexing.organisation_saved(Organisation.objects.get(slug="janez-zasebnik").pk)
    assert urls("lipovcem") == [held_url()]
