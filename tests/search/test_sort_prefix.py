"""Postings keep only a prefix of the sort key (models.SORT_PREFIX): the hits must still come in the
order of the full folded title, bytewise, then the object – on every page, for one word and several."""

from __future__ import annotations

import pytest

from regija.search.models import KIND_ORDER, POSTING_KIND, SORT_PREFIX, Document, Posting
from regija.search.selectors import search
from regija.search.text import fold
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.usefixtures("indexed")

# The same first 22 characters (longer than the prefix), then the place: saved in reverse order of
# their names, so that the order of the objects is the opposite of the order of the titles.
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


def test_postings_keep_a_prefix_of_the_key(clubs):
    """Saved one by one (signal handlers index them): the postings have the first characters only."""
    ids = Document.objects.filter(title__startswith=PREFIX).values_list("pk", flat=True)
    keys = set(Posting.objects.filter(document__in=ids).values_list("sort_key", flat=True))
    assert SORT_PREFIX < len(PREFIX)
    assert keys == {"kolesarsko d"[:SORT_PREFIX]}


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
        "strategy": 1, "node": 2, "indicator": 3, "project": 4, "organisation": 5, "dataset": 6
    }  # fmt: skip
