"""Keeping the index current: saves and deletes through signals, reindex after bulk writes, rebuild."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from regija.core.models import Organisation, OrganisationKind
from regija.interchange.importer import import_text
from regija.projects.models import Project, ProjectStatus
from regija.search import indexing, store
from regija.search.models import KIND_OF_POSTING, Document, Form, Kind, Segment
from regija.search.selectors import search
from regija.strategies.models import Strategy
from tests.factories import IndicatorFactory, NodeFactory, OrganisationFactory, ProjectFactory

pytestmark = pytest.mark.usefixtures("indexed")

GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"
LAS = "las-zasavje-2023"
VELENJE = "velenje-pametno-mesto-2022-2030"


@pytest.fixture(autouse=True)
def term_counts_follow_the_postings(indexed):
    """After every change these tests make, each term's number of documents per kind is the true one."""
    yield
    assert_counts_are_true()


def assert_counts_are_true():
    """The number of documents per (term, kind) a search reads (runs' counts plus the segments' additions
    minus their removals) is the number of live postings, and every posting's document exists."""
    postings = list(store.postings())
    true: dict = {}
    for term, _, _, code, _ in postings:
        true[(term, KIND_OF_POSTING[code])] = true.get((term, KIND_OF_POSTING[code]), 0) + 1
    snapshot = store.read({term for term, *_ in postings}, set())
    terms = {t for t, _ in true}
    kept = {(t, KIND_OF_POSTING[code]): n for t in terms for code, n in snapshot.counts(t).items()}
    assert kept == true
    documents = set(Document.objects.values_list("pk", flat=True))
    assert {doc for _, doc, *_ in postings} <= documents


def urls(q: str, kind: str | None = None) -> list[str]:
    results = search(q, kinds=[kind] if kind else None, limit=10_000)
    return [hit.url for group in results.groups for hit in group.hits]


def test_changing_a_title_is_found_by_the_new_words_not_the_old():
    project = Project.objects.get(strategy__slug=GORENJSKA, code="2.1-P1")
    url = reverse("project", args=[GORENJSKA, "2.1-P1"])
    assert url in urls("ponos")
    assert url not in urls("kolovrati")
    project.title = "Zvonjenje starih kolovratov"
    project.save()
    assert url in urls("kolovrati")  # another form of the new word
    assert url in urls("zvonjenje kolovrat")
    assert url not in urls("ponos")
    assert Document.objects.filter(kind=Kind.PROJECT, object_id=project.pk).count() == 1


def test_deleting_removes_from_the_index():
    project = Project.objects.get(strategy__slug=LAS, code="JP1-02")
    url = reverse("project", args=[LAS, "JP1-02"])
    assert url in urls("steklarna")
    document = Document.objects.get(kind=Kind.PROJECT, object_id=project.pk)
    project.delete()
    assert url not in urls("steklarna")
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not [p for p in store.postings() if p[1] == document.pk]


def test_new_node_is_found_and_its_indicators_go_with_it():
    strategy = Strategy.objects.get(slug=VELENJE)
    node = NodeFactory(
        strategy=strategy, code="9.9", level="measure", title="Sankališče na Golteh", path="99999999", depth=1
    )
    indicator = IndicatorFactory(node=node, code="K9.9", name="Število sankačev")
    url = reverse("node", args=[VELENJE, "9.9"])
    assert urls("sankališča golte") == [url]
    assert urls("9.9") == [url]
    assert urls("sankaci") == [reverse("indicator", args=[VELENJE, "K9.9"])]
    node.delete()  # cascades to the indicator
    assert urls("sankališča") == []
    assert urls("sankaci") == []
    assert not Document.objects.filter(kind=Kind.INDICATOR, object_id=indicator.pk).exists()


def test_deleting_a_strategy_removes_all_its_documents():
    strategy = Strategy.objects.get(slug=LAS)
    pk = strategy.pk
    assert Document.objects.filter(strategy_ref=pk).count() > 50
    strategy.delete()
    assert not Document.objects.filter(strategy_ref=pk).exists()
    assert not Document.objects.filter(kind=Kind.STRATEGY, object_id=pk).exists()
    assert not urls("JP3")


def test_renaming_an_organisation_updates_it_and_the_projects_it_holds():
    org = Organisation.objects.get(slug="obcina-trbovlje")
    held = reverse("project", args=[LAS, "JP2-03"])
    assert held in urls("Trbovlje", "project")
    org.name = "Občina Pravljičnograd"
    org.save()
    assert reverse("organisation", args=["obcina-trbovlje"]) in urls("pravljicnograd")
    assert held in urls("pravljičnograda", "project")  # the holder's name is part of the project's text


def test_strategy_title_change_updates_the_context_of_its_documents():
    strategy = Strategy.objects.get(slug=VELENJE)
    strategy.title = "Pametno Velenje"
    strategy.save()
    assert search("5.1").group("node").hits[0].context == "Pametno Velenje"
    assert reverse("strategy", args=[VELENJE]) in urls("pametno velenje", "strategy")


def test_strategy_slug_change_moves_every_url():
    strategy = Strategy.objects.get(slug=VELENJE)
    strategy.slug = "velenje-nov"
    strategy.save()
    assert search("5.1").group("node").hits[0].url == reverse("node", args=["velenje-nov", "5.1"])
    assert not Document.objects.filter(strategy_ref=strategy.pk, url__contains=VELENJE).exists()


def test_bulk_writes_need_reindex_strategy():
    strategy = Strategy.objects.get(slug=LAS)
    Project.objects.filter(strategy=strategy, code="JP1-04").update(title="Grajski vodnjaki")  # no signals
    url = reverse("project", args=[LAS, "JP1-04"])
    assert url not in urls("vodnjak")
    stats = indexing.reindex_strategy(strategy.pk)
    assert url in urls("vodnjak")
    # only the changed row is written again; unchanged rows and organisations are left alone
    assert stats.documents == {
        "strategy": 0,
        "node": 0,
        "indicator": 0,
        "project": 1,
        "organisation": 0,
        "dataset": 0,
        "proposal": 0,
        "pb_proposal": 0,
    }
    documents = strategy.nodes.count() + strategy.indicators.count() + strategy.projects.count() + 1
    assert stats.unchanged == documents - 1 + Organisation.objects.count()
    assert Document.objects.filter(strategy_ref=strategy.pk).count() == documents
    # and nothing at all when nothing changed
    again = indexing.reindex_strategy(strategy.pk)
    assert again.total == 0 and again.removed == 0


def test_reindex_strategy_removes_what_the_file_no_longer_has():
    strategy = Strategy.objects.get(slug=LAS)
    with indexing.suspended():  # like the importer: rows go without the index hearing about it
        Project.objects.filter(strategy=strategy, code="JP1-05").delete()
    assert urls("JP1-05")
    stats = indexing.reindex_strategy(strategy.pk)
    assert stats.removed == 1
    assert urls("JP1-05") == []


def test_an_import_indexes_the_new_file(example_text):
    result = import_text(example_text, "example.yaml")
    strategy = Strategy.objects.get(slug=result.slug)
    # the importer writes without signals and calls reindex_strategy itself
    assert reverse("strategy", args=[strategy.slug]) in urls(strategy.title, "strategy")
    node = strategy.nodes.order_by("path").first()
    assert reverse("node", args=[strategy.slug, node.code]) in urls(node.title, "node")
    # organisations the file defined are indexed too
    assert Document.objects.filter(kind=Kind.ORGANISATION).count() == Organisation.objects.count()


def test_organisation_changes_by_the_importer_are_caught_by_reindex_strategy():
    Organisation.objects.filter(slug="obcina-bled").update(name="Občina Blejsko jezero")
    OrganisationFactory(slug="nova-zadruga", name="Zadruga Čebelica", kind=OrganisationKind.OTHER)
    # the create above was indexed by its signal; the bulk update was not
    assert reverse("organisation", args=["obcina-bled"]) not in urls("blejskega jezera")
    indexing.reindex_strategy(Strategy.objects.get(slug=GORENJSKA).pk)
    assert reverse("organisation", args=["obcina-bled"]) in urls("blejskega jezera")
    assert reverse("organisation", args=["nova-zadruga"]) in urls("cebelica")


def test_an_organisation_renamed_by_a_new_import_is_found_by_its_new_name(example_text):
    """The importer names the organisations it wrote without signals (reindex_strategy compares only
    those): a name a file changes is searchable at once, and the projects it holds with it."""
    import_text(example_text, "example.yaml")
    assert urls("Zavod Primer", "organisation")
    renamed = example_text.replace("name: Zavod Primer", "name: Zavod Čmrlj")
    assert renamed != example_text
    import_text(renamed, "example.yaml")
    assert urls("cmrlj", "organisation") == [reverse("organisation", args=["zavod-primer"])]
    assert not urls("Zavod Primer", "organisation")


def test_reindex_strategy_compares_only_the_organisations_it_is_given():
    bled = Organisation.objects.get(slug="obcina-bled")
    other = (
        Organisation.objects.exclude(pk=bled.pk).exclude(kind=OrganisationKind.PERSON).order_by("pk").first()
    )
    Organisation.objects.filter(pk=bled.pk).update(name="Občina Blejsko jezero")  # no signals
    Organisation.objects.filter(pk=other.pk).update(name="Zadruga Medovita")
    strategy = Strategy.objects.get(slug=GORENJSKA).pk
    indexing.reindex_strategy(strategy, organisations=[bled.pk])
    assert reverse("organisation", args=["obcina-bled"]) in urls("blejskega jezera")
    assert not urls("medovita")  # not given: not compared
    indexing.reindex_strategy(strategy)  # all of them
    assert reverse("organisation", args=[other.slug]) in urls("medovita")


def test_suspended_skips_signals():
    project = Project.objects.get(strategy__slug=GORENJSKA, code="2.1-P1")
    with indexing.suspended():
        project.title = "Kovaški muzej"
        project.save()
    assert not urls("kovaški muzej", "project")
    indexing.reindex(Kind.PROJECT, [project.pk])
    assert urls("kovaški muzej", "project") == [reverse("project", args=[GORENJSKA, "2.1-P1"])]


def test_rebuild_is_repeatable(indexed):
    before = list(
        Document.objects.order_by("kind", "object_id").values_list("kind", "object_id", "title", "url")
    )
    postings = len(list(store.postings()))
    stats = indexing.rebuild()
    assert stats.total == indexed.total
    assert stats.postings == postings == indexed.postings
    assert Form.objects.count() == stats.forms
    after = list(
        Document.objects.order_by("kind", "object_id").values_list("kind", "object_id", "title", "url")
    )
    assert after == before


def test_management_command_prints_counts():
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    text = out.getvalue()
    assert f"{Project.objects.count()}" in text
    assert "dokumenti" in text  # the summary is translated (Slovenian by default)
    out = StringIO()
    call_command("rebuild_search_index", "--strategy", LAS, stdout=out)
    assert "dokumenti" in out.getvalue()


def test_a_project_without_holder_or_strategy_url_parts_still_indexes():
    strategy = Strategy.objects.get(slug=LAS)
    ProjectFactory(strategy=strategy, code="X/1", title="Poševnica v kodi", status=ProjectStatus.IDEA)
    hits = search("posevnica").group("project").hits
    assert [h.code for h in hits] == ["X/1"]
    assert hits[0].url == ""  # no URL can hold a code with a slash; the hit is still listed


def test_rebuild_and_reindex_raise_the_data_version(indexed, django_capture_on_commit_callbacks):
    """Search pages and API answers are cached per data version: a rebuilt index must not be hidden by
    them."""
    from regija.core import caching

    before = caching.current()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_search_index", stdout=StringIO())
    assert caching.current() > before
    before = caching.current()
    Strategy.objects.filter(slug=LAS).update(title="Nov naslov brez signala")
    with django_capture_on_commit_callbacks(execute=True):
        indexing.reindex_strategy(Strategy.objects.get(slug=LAS).pk)
    assert caching.current() > before


def test_one_operation_writes_one_segment(monkeypatch):
    """However many batches an operation deletes and writes, it adds one segment: its postings and the
    documents it removed, written together at its end."""
    monkeypatch.setattr(indexing, "BATCH", 2)  # several batches for a handful of projects
    before = Segment.objects.count()
    ids = list(Project.objects.filter(strategy__slug=LAS).order_by("pk").values_list("pk", flat=True)[:7])
    Project.objects.filter(pk__in=ids).update(title="Preurejena dvorana")  # no signals: the index is stale
    indexing.reindex(Kind.PROJECT, ids)
    assert Segment.objects.count() == before + 1
    found = {hit.object_id for hit in search("dvorana", limit=100).group("project").hits}
    assert set(ids) <= found
    organisation = Organisation.objects.get(slug="las-zasavje")
    organisation.name = "LAS Zasavje in okolica"
    organisation.save()  # organisation_saved → reindex of it and its projects: still one segment
    assert Segment.objects.count() == before + 2
