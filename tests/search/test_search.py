"""Recall and ranking on the five seed strategies: inflected, diacritic-less, multi-word and code queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from regija.budgeting.models import Proposal as BudgetProposal
from regija.core.models import Organisation
from regija.lake.models import Dataset
from regija.participation.models import Proposal as ParticipationProposal
from regija.projects.models import Project
from regija.search import store
from regija.search.models import KIND_ORDER, Document
from regija.search.selectors import search
from regija.search.text import query_terms
from regija.strategies.models import Indicator, Node, Strategy

pytestmark = pytest.mark.usefixtures("indexed")

VELENJE = "velenje-pametno-mesto-2022-2030"
GORENJSKA = "gorenjska-industrijska-kultura-2019-2023"
LAS = "las-zasavje-2023"
ZASAVJE = "zasavje-po-2027"
SAVINJSKA = "savinjska-integralna-zelena-regija"


def urls(q: str, kind: str | None = None) -> list[str]:
    """Every hit's URL (all of them, in order), of one kind or of all kinds."""
    results = search(q, kinds=[kind] if kind else None, limit=10_000)
    return [hit.url for group in results.groups for hit in group.hits]


def node_url(slug: str, code: str) -> str:
    return reverse("node", args=[slug, code])


def project_url(slug: str, code: str) -> str:
    return reverse("project", args=[slug, code])


def organisation_url(slug: str) -> str:
    return reverse("organisation", args=[slug])


def test_rebuild_indexes_every_object(indexed):
    assert indexed.documents == {
        "strategy": Strategy.objects.count(),
        "node": Node.objects.count(),
        "indicator": Indicator.objects.count(),
        "project": Project.objects.count(),
        "organisation": Organisation.objects.count(),
        "dataset": Dataset.objects.filter(status="published", private=False).count(),
        "proposal": ParticipationProposal.objects.count(),
        "pb_proposal": BudgetProposal.objects.count(),
    }
    assert Document.objects.count() == indexed.total
    assert len(list(store.postings())) == indexed.postings
    # every term is ASCII: folded after lemmatising
    assert not [t for t in {p[0] for p in store.postings()} if not t.isascii()]


def test_inflected_forms_find_the_same_things():
    found = [urls(q) for q in ("projekti", "projektov", "projekt", "Projektom")]
    assert found[0]
    assert all(f == found[0] for f in found)


def test_locative_plural_finds_the_lemma():
    hits = urls("občinah", "organisation")
    assert organisation_url("obcina-bled") in hits  # "Občina Bled"
    assert organisation_url("mov") in hits  # "Mestna občina Velenje"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("obcina", organisation_url("obcina-bled")),
        ("obcinah", organisation_url("obcina-trbovlje")),
        ("obcine", organisation_url("obcina-hrastnik")),  # through the forms table
        ("ucinkovitost", node_url(VELENJE, "1")),  # "Izboljšati učinkovitost občinske uprave …"
        ("dediscina", project_url(GORENJSKA, "2.1-P1")),  # "Industrijska dediščina, naš ponos"
        ("dediscine", project_url(GORENJSKA, "2.1-P1")),
        ("solah", organisation_url("vss-za-gostinstvo-velnes-in-turizem-bled")),  # "… strokovna šola …"
        ("sentlambert", project_url(LAS, "JP1-03")),  # "Revitalizacija javnih objektov Šentlambert"
    ],
)
def test_queries_without_diacritics_find_words_with_them(query, expected):
    assert expected in urls(query)


def test_diacritics_in_the_query_make_no_difference():
    assert urls("dediščina") == urls("dediscina")
    assert urls("učinkovitost") == urls("ucinkovitost")
    assert urls("Šentlambert") == urls("sentlambert")


def test_forms_table_is_what_finds_bare_forms_the_lemmatisers_miss():
    assert "obcina" not in query_terms("obcine", False)
    assert organisation_url("obcina-bled") in urls("obcine")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("mobilnosti", node_url(SAVINJSKA, "DRR-5")),  # "Izboljšanje regionalne mobilnosti"
        ("mobilnost", node_url(VELENJE, "6.3")),  # "… informacijskega sistema multimodalne mobilnosti"
        ("industrijske dediščine", project_url(GORENJSKA, "2.1-P1")),
        ("Velenju", organisation_url("mov")),
        ("steklarne", project_url(LAS, "JP1-02")),  # "Steklarna Hrastnik vabi v Zasavje"
        ("mizarska tradicija", project_url(LAS, "JP2-01")),  # "Oživitev mizarske tradicije v Zasavju"
        ("Trbovlje", project_url(LAS, "JP2-03")),  # held by Občina Trbovlje
        ("brezposelnost", reverse("indicator", args=[ZASAVJE, "K09"])),  # "Regijska stopnja brezposelnosti"
    ],
)
def test_inflected_queries_find_the_object(query, expected):
    assert expected in urls(query)


def test_several_words_must_all_match():
    both = set(urls("industrijska dediščina"))
    assert both == set(urls("industrijska")) & set(urls("dediščina"))
    assert project_url(GORENJSKA, "2.1-P1") in both
    assert urls("energetska učinkovitost")
    assert set(urls("energetska učinkovitost")) < set(urls("učinkovitost"))
    assert urls("dediščina xyzzyplugh") == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("5.1", node_url(VELENJE, "5.1")),
        ("P4", node_url(ZASAVJE, "P4")),
        ("p4", node_url(ZASAVJE, "P4")),
        ("JP3", node_url(LAS, "JP3")),
        ("JP1-01", project_url(LAS, "JP1-01")),
        ("2.1-P1", project_url(GORENJSKA, "2.1-P1")),
        ("K09", reverse("indicator", args=[ZASAVJE, "K09"])),
    ],
)
def test_codes_find_the_node(query, expected):
    found = urls(query)
    assert expected in found


def test_code_query_matches_the_whole_code():
    assert urls("5.1", "node") == [node_url(VELENJE, "5.1")]
    assert urls("JP1-01", "project") == [project_url(LAS, "JP1-01")]


def test_groups_come_in_a_fixed_order_with_totals():
    results = search("projekt", limit=3)
    kinds = [g.kind for g in results.groups]
    assert kinds == [k for k in KIND_ORDER if k in kinds]
    assert len(kinds) >= 3
    for group in results.groups:
        assert len(group.hits) == min(3, group.total)
        scores = [h.score for h in group.hits]
        assert scores == sorted(scores, reverse=True)
    assert results.total == sum(g.total for g in results.groups)
    full = search("projekt", limit=10_000)
    assert [g.total for g in full.groups] == [g.total for g in results.groups]
    assert [len(g.hits) for g in full.groups] == [g.total for g in full.groups]


def test_names_rank_above_descriptions():
    hits = search("dediščina", kinds=["project"]).group("project").hits
    in_title = [h for h in hits if "dediščin" in h.title.lower()]
    assert {h.code for h in in_title} == {"2.1-P1", "2.3-P4", "LIFE-NETOPIRJI"}
    # title matches (weight 3) before description-only ones (weight 1)
    assert {h.code for h in hits[: len(in_title)]} == {h.code for h in in_title}
    assert hits[0].score == 3 and hits[-1].score == 1


def test_kinds_filter_and_paging():
    nodes = search("projekt", kinds=["node"], limit=5)
    assert [g.kind for g in nodes.groups] == ["node"]
    page2 = search("projekt", kinds=["node"], limit=5, offset=5)
    everything = search("projekt", kinds=["node"], limit=10_000).groups[0].hits
    assert nodes.groups[0].hits + page2.groups[0].hits == everything[:10]
    assert page2.groups[0].total == nodes.groups[0].total
    with pytest.raises(ValueError):
        search("projekt", kinds=["nonsense"])


def test_paging_past_the_end_keeps_the_totals():
    results = search("projekt", limit=5, offset=10_000)
    assert results.total == search("projekt").total
    assert all(not g.hits for g in results.groups)


def test_hits_carry_title_context_and_url():
    hit = search("5.1").group("node").hits[0]
    assert hit.code == "5.1"
    assert hit.title.startswith("Vzpostavitev platforme pametnega mesta")
    assert hit.context == Strategy.objects.get(slug=VELENJE).title
    assert hit.url == node_url(VELENJE, "5.1")
    assert hit.score >= 3


@pytest.mark.parametrize("q", ["", "   ", "in na za", "v z s ter ki je", "—", "!!!"])
def test_empty_and_stop_word_queries_give_nothing_without_queries(q, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search(q)
    assert not results
    assert results.groups == []
    assert results.total == 0


def test_very_long_query_is_cut_to_twelve_words():
    q = " ".join(["občina"] * 3 + [f"x{i}y" for i in range(200)])
    results = search(q)
    assert len(results.words) == 12
    assert not results  # the made-up words must all match: nothing does, and nothing breaks


def test_bounded_number_of_queries(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        search("industrijske dediščine na Gorenjskem projekti 2.1-P1 obcine")
    with django_assert_max_num_queries(2):
        search("projekt", kinds=["node"], limit=5, offset=5)
    with django_assert_max_num_queries(3):
        search("projekt", limit=5, offset=10_000)


def test_order_is_fully_determined():
    """The same hits in the same order on SQLite and PostgreSQL: score, then folded title, then id."""
    results = search("industrijska dediščina", limit=10_000)
    assert [h.code for h in results.group("project").hits] == [
        "2.1-P1",
        "2.2-A1",
        "IC-5",
        "IC-2",
        "IC-9",
        "2.1-P2",
    ]
    assert [h.score for h in results.group("project").hits] == [6, 4, 4, 2, 2, 2]
    nodes = search("dediščina", kinds=["node"]).group("node").hits
    # ties sort by title without diacritics and case: "Žive …" would come after "Vzpostavitev …"
    assert [h.code for h in nodes[:4]] == ["PR2-PG2", "KO-P3", "C3", "PZ7"]
    assert [h.title for h in results.group("project").hits][-1] == "Žive legende"
