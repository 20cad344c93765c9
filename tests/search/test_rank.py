"""Postings carry their document's rank (models.RANK_GAP, indexing._assign_ranks) instead of its title:
the hits must come in the order of the full folded title, bytewise, then the object – on every page,
for one word and several, after a rebuild, after single saves, and after a kind was numbered again."""

from __future__ import annotations

import pytest

from regija.search import indexing, store
from regija.search.models import KIND_ORDER, POSTING_KIND, Document
from regija.search.selectors import search
from regija.search.text import fold
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.usefixtures("indexed")

# The same first 22 characters, then the place: saved in reverse order of their names, so that the
# order of the objects is the opposite of the order of the titles.
PLACES = ["Žalec", "Šentjur", "Črnomelj", "Celje", "Bled", "Ajdovščina"]
PREFIX = "Kolesarsko društvo Vrh "
# folded, bytewise: ajdovscina < bled < celje < crnomelj < sentjur < zalec
EXPECTED = [PREFIX + p for p in ["Ajdovščina", "Bled", "Celje", "Črnomelj", "Šentjur", "Žalec"]]

# queries over the seed strategies with many hits of equal score (ties of the prefix and of the title)
QUERIES = [
    "projekt", "projekti", "strategija", "razvoj", "razvoj podeželja", "ukrep", "cilj", "kazalnik",
    "občina", "obcine", "zelena regija", "turizem", "industrijska dediščina", "mladi", "energija",
    "mobilnost", "promet", "investicija", "program", "izobraževanje", "kultura", "podjetništvo",
    "infrastruktura", "kakovost življenja", "Velenje", "Zasavje", "LAS",
]  # fmt: skip


@pytest.fixture
def clubs():
    for place in PLACES:
        OrganisationFactory(name=PREFIX + place)
    return PLACES


def titles(q: str, **kwargs) -> list[str]:
    return [hit.title for group in search(q, kinds=["organisation"], **kwargs).groups for hit in group.hits]


def ranks_follow_the_order() -> None:
    """Every kind's ranks are unique and in the order (folded title bytewise, object); every posting
    carries its document's rank."""
    for kind in KIND_ORDER:
        rows = list(Document.objects.filter(kind=kind).values_list("sort_key", "object_id", "rank"))
        by_key = [rank for _, _, rank in sorted(rows)]
        assert by_key == sorted(by_key), kind
        assert len(set(by_key)) == len(by_key), kind
    ranks = dict(Document.objects.values_list("pk", "rank"))
    postings = [(term, doc, rank) for term, doc, _, _, rank in store.postings()]
    stray = [(t, d) for t, d, r in postings if ranks[d] != r]
    assert not stray


def test_ranks_after_a_rebuild():
    ranks_follow_the_order()


def test_documents_saved_one_by_one_take_ranks_between_their_neighbours(clubs):
    """Saved one by one (signal handlers index them), each between the documents around it."""
    ranks_follow_the_order()
    clubs_ranks = list(
        Document.objects.filter(title__startswith=PREFIX).order_by("sort_key").values_list("rank", flat=True)
    )
    assert clubs_ranks == sorted(clubs_ranks)


def test_a_full_gap_numbers_the_kind_again(monkeypatch):
    """When there is no room between two neighbours, the kind is numbered again (documents and their
    postings), and the order still holds."""
    monkeypatch.setattr(indexing, "RANK_SHARE", 1 << 40)  # every gap is too small for a new document
    before = titles("vrh", limit=100)
    for place in PLACES:
        OrganisationFactory(name=PREFIX + place)
    ranks_follow_the_order()
    assert titles("vrh", limit=100) == sorted(before + EXPECTED, key=lambda t: " ".join(fold(t).split()))
    assert titles("kolesarsko društvo vrh", limit=100)[: len(EXPECTED)] == EXPECTED


@pytest.mark.parametrize("q", ["vrh", "kolesarsko društvo vrh", "društvo Vrh"])
def test_titles_sharing_the_prefix_come_in_title_order(clubs, q):
    assert titles(q, limit=100) == EXPECTED


@pytest.mark.parametrize("q", ["vrh", "kolesarsko društvo vrh"])
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_pages_cut_ties_of_the_prefix_in_title_order(clubs, q, limit):
    pages = [titles(q, limit=limit, offset=offset) for offset in range(0, len(PLACES), limit)]
    assert [t for page in pages for t in page] == EXPECTED


@pytest.mark.parametrize("q", QUERIES)
def test_order_is_score_then_full_title_then_object_on_every_page(q):
    whole = search(q, limit=10_000)
    for group in whole.groups:
        hits = group.hits
        assert len(hits) == group.total
        keys = [(-h.score, " ".join(fold(h.title).split())[:100], h.object_id) for h in hits]
        assert keys == sorted(keys), (q, group.kind)
        paged = []
        for offset in range(0, min(group.total, 60), 3):
            paged += search(q, kinds=[group.kind], limit=3, offset=offset).groups[0].hits
        assert paged == hits[: len(paged)], (q, group.kind)


def test_every_kind_has_its_own_posting_code():
    assert sorted(POSTING_KIND) == sorted(KIND_ORDER)
    assert len(set(POSTING_KIND.values())) == len(POSTING_KIND)
    # the codes stored so far never change (they are in every posting)
    assert POSTING_KIND == {
        "strategy": 1, "node": 2, "indicator": 3, "project": 4, "organisation": 5, "dataset": 6,
        "proposal": 7, "pb_proposal": 8,
    }  # fmt: skip
