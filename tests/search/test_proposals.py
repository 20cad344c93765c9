"""Residents' proposals (pobude) and participatory budget proposals are found by the one search box – the
page and the API – kept current by their saves and deletes; their authors are never indexed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from regija.participation import services as participation
from regija.search.selectors import search
from tests.budgeting.world import build, proposals_on_ballot
from tests.factories import OrganisationFactory, resident

pytestmark = pytest.mark.usefixtures("indexed")


def urls(q: str, kind: str | None = None) -> list[str]:
    results = search(q, kinds=[kind] if kind else None, limit=1000)
    return [hit.url for group in results.groups for hit in group.hits]


def test_a_resident_s_proposal_is_found_by_its_words_and_leaves_when_deleted(client):
    town = OrganisationFactory(kind="municipality", name="Občina Iskalnica", slug="obcina-iskalnica")
    author = resident(town, username="zofka-predlagateljica")
    proposal = participation.proposal_create(
        author,
        participation.ProposalData(
            organisation=town, title="Pitniki ob kolesarski stezi", text="Postavite pitnike ob Savinji."
        ),
    )
    url = reverse("participation:proposal", args=[proposal.pk])
    assert url in urls("pitnik", "proposal")  # another form of the word
    assert url in urls("savinja kolesarska")
    page = client.get("/iskanje/", {"q": "pitniki"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url in page and "Pitniki ob kolesarski stezi" in page and "proposals" in page
    api = client.get("/api/v1/search", {"q": "pitniki", "kind": "proposal"}).json()
    assert [h["url"] for g in api["groups"] for h in g["hits"]] == [url]
    assert urls("zofka-predlagateljica") == [] and urls("zofka") == []  # the author is not indexed

    proposal.title = "Klopi ob kolesarski stezi"
    proposal.text = "Postavite klopi ob Savinji."
    proposal.save()
    assert url not in urls("pitnik") and url in urls("klopi")
    proposal.delete()
    assert url not in urls("klopi")


def test_a_participatory_budget_proposal_is_found(clock):
    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": ["5000"]})
    p = made["center"][0]
    p.title = "Igrišče za košarko pod lipami"
    p.save()
    url = reverse("budgeting:proposal", args=[pb.process.slug, p.number])
    assert url in urls("košarka", "pb_proposal") and url in urls("kosarka lipa")
    (hit,) = search("igrišče košarka", kinds=["pb_proposal"]).group("pb_proposal").hits
    assert hit.code == str(p.number) and "KS Center" in hit.context
    assert urls("predlagatelj") == []  # the author's user name is not indexed
