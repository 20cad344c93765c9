"""The pages as residents and staff use them: proposing, the ballot with its refusals, results, the
staff's steps, escaping, and a bounded number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from regija.budgeting import services
from regija.budgeting.models import Ballot, PaperBatch, Process, Proposal, ProposalStatus
from regija.projects.models import Project

from .world import proposals_on_ballot

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


def _page(client, name, *args, **kw):
    return client.get(reverse(f"budgeting:{name}", args=args), kw)


def test_public_pages_show_the_process_areas_and_proposals(client, pb):
    made = proposals_on_ballot(pb, {"center": ["12000"], "hrib": ["5000"]})
    p = made["center"][0]
    r = client.get(reverse("budgeting:list"))
    assert r.status_code == 200 and "Participatory budget 2026" in r.content.decode()
    body = _page(client, "process", "pp-2026").content.decode()
    assert "KS Center" in body and "KS Hrib" in body
    body = _page(client, "area", "pp-2026", "ks-center").content.decode()
    assert "center 1" in body and "hrib 1" not in body
    body = client.get(reverse("budgeting:area", args=["pp-2026", "ks-center"]) + "?stanje=not_feasible")
    assert "center 1" not in body.content.decode()
    body = _page(client, "proposal", "pp-2026", p.number).content.decode()
    assert "center 1" in body and "predlagatelj" not in body  # the author is never named


def test_a_resident_proposes_through_the_page_and_a_script_is_shown_as_text(client, pb):
    pb.at("proposals")
    user = pb.voter()
    client.force_login(user)
    url = reverse("budgeting:propose", args=["pp-2026"])
    r = client.post(url, {"area": pb.area_hrib.pk, "title": SCRIPT, "description": "Opis " + SCRIPT})
    assert r.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.title == SCRIPT
    body = client.get(r["Location"]).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_an_over_long_title_is_refused_on_the_page(client, pb):
    pb.at("proposals")
    client.force_login(pb.voter())
    r = client.post(
        reverse("budgeting:propose", args=["pp-2026"]),
        {"area": pb.area_hrib.pk, "title": "x" * 201, "description": "Opis"},
    )
    assert r.status_code == 422 and not Proposal.objects.exists()
    assert "200" in r.content.decode()


def test_a_person_who_is_not_a_resident_is_told_on_the_propose_page(client, pb):
    from tests.factories import confirmed_user

    pb.at("proposals")
    client.force_login(confirmed_user())
    body = _page(client, "propose", "pp-2026").content.decode()
    assert "verified residents of Občina Participacija" in body


def test_the_ballot_page_refuses_over_budget_with_the_total_and_records_a_vote(client, pb):
    made = proposals_on_ballot(pb, {"center": ["12000", "9000"]})
    a, b = made["center"]
    voter = pb.voter()
    pb.at("voting")
    client.force_login(voter)
    url = reverse("budgeting:vote", args=["pp-2026"])
    body = client.get(url).content.decode()
    assert "€12,000.00" in body and "€9,000.00" in body
    r = client.post(url, {"proposals": [a.pk, b.pk]})
    assert r.status_code == 422
    assert "cost €21,000.00 together, more than the area&#x27;s budget of €20,000.00" in r.content.decode()
    assert not Ballot.objects.exists()
    r = client.post(url, {"proposals": [a.pk]}, follow=True)
    body = r.content.decode()
    assert "Your vote is recorded" in body and "You can change it until" in body
    assert Ballot.objects.get().choices.get().proposal == a
    r = client.post(url, {"proposals": ["not-a-number"]})
    assert r.status_code == 422 and Ballot.objects.get().choices.get().proposal == a


def test_a_vote_after_close_is_refused_on_the_page(client, pb):
    made = proposals_on_ballot(pb, {"center": ["12000"]})
    voter = pb.voter()
    pb.at("closed")
    client.force_login(voter)
    url = reverse("budgeting:vote", args=["pp-2026"])
    assert "Voting has closed" in client.get(url).content.decode()
    r = client.post(url, {"proposals": [made["center"][0].pk]})
    assert r.status_code == 422 and "Voting has closed" in r.content.decode()
    assert not Ballot.objects.exists()


def test_staff_run_the_process_from_its_pages(client, pb):
    client.force_login(pb.staff)
    r = client.post(
        reverse("budgeting:process_new", args=["pp-obcina"]),
        {
            "slug": "pp-2027",
            "title": "PP 2027",
            "year": "2027",
            "rule": "approval",
            "max_choices": "3",
            "proposals_from_day": "1",
            "proposals_from_month": "1",
            "proposals_from_year": "2027",
            "proposals_to_day": "31",
            "proposals_to_month": "1",
            "proposals_to_year": "2027",
            "review_to_day": "28",
            "review_to_month": "2",
            "review_to_year": "2027",
            "voting_from_day": "1",
            "voting_from_month": "3",
            "voting_from_year": "2027",
            "voting_to_day": "15",
            "voting_to_month": "3",
            "voting_to_year": "2027",
            "strategy": pb.strategy.pk,
            "fund": pb.fund.pk,
        },
    )
    assert r.status_code == 302, r.content.decode().split("<main")[1][:2500]
    new = Process.objects.get(slug="pp-2027")
    assert (new.rule, new.max_choices) == ("approval", 3)
    manage = reverse("budgeting:manage", args=["pp-2027"])
    r = client.post(manage, {"action": "area", "organisation": pb.hrib.pk, "budget": "10.000,00"})
    assert r.status_code == 302 and new.areas.get().budget == Decimal("10000.00")

    # the 2026 process: review, ballot, vote, paper, results, projects
    pb.at("proposals")
    author = pb.voter()
    p = services.proposal_submit(author, pb.process, pb.area_center, title="Igrišče", description="Novo.")
    pb.at("review")
    client.force_login(pb.staff)  # the session of 40 days ago has expired
    r = client.post(
        reverse("budgeting:review", args=["pp-2026", p.number]), {"decision": "feasible", "cost": "25.000,00"}
    )
    assert r.status_code == 422 and "more than the area&#x27;s budget" in r.content.decode()
    r = client.post(
        reverse("budgeting:review", args=["pp-2026", p.number]), {"decision": "feasible", "cost": "8.000,00"}
    )
    assert r.status_code == 302
    manage = reverse("budgeting:manage", args=["pp-2026"])
    client.post(manage, {"action": "ballot"})
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.ON_BALLOT
    pb.at("voting")
    client.force_login(pb.staff)  # the session of 40 days ago has expired
    assert client.get(manage).status_code == 200
    r = client.post(
        manage,
        {
            "action": "paper",
            "area": pb.area_center.pk,
            f"a{pb.area_center.pk}-label": "Volišče 1",
            f"a{pb.area_center.pk}-count_{p.pk}": "7",
        },
    )
    assert r.status_code == 302 and PaperBatch.objects.get().counts.get().votes == 7
    r = client.post(manage, {"action": "paper_voter", "person": author.username})
    assert r.status_code == 302 and Ballot.objects.filter(voter=author, channel="paper").exists()
    pb.at("closed")
    client.force_login(pb.staff)  # the session of 40 days ago has expired
    body = client.get(manage).content.decode()
    assert "Count (not published)" in body
    # the batch names who entered it as everywhere (accounts.display_name), not by a raw user name
    pb.staff.first_name, pb.staff.last_name = "Vesna", "Vnašalka"
    pb.staff.save()
    body = client.get(manage).content.decode()
    assert "Vesna Vnašalka)</li>" in body and f", {pb.staff.username})" not in body
    client.post(manage, {"action": "publish"})
    body = _page(client, "results", "pp-2026").content.decode()
    assert "Igrišče" in body and "€8,000.00" in body
    client.post(manage, {"action": "projects"})
    project = Project.objects.get(pb_proposals=p)
    body = client.get(project.get_absolute_url()).content.decode()
    assert reverse("budgeting:proposal", args=["pp-2026", p.number]) in body


def test_staff_pages_are_not_for_residents(client, pb):
    client.force_login(pb.voter())
    assert _page(client, "manage", "pp-2026").status_code == 404
    assert client.get(reverse("budgeting:process_new", args=["pp-obcina"])).status_code == 404


def test_the_pages_read_a_bounded_number_of_queries(client, pb, django_assert_max_num_queries):
    proposals_on_ballot(pb, {"center": ["100"] * 30, "hrib": ["100"] * 10})
    with django_assert_max_num_queries(12):
        assert _page(client, "area", "pp-2026", "ks-center").status_code == 200
    with django_assert_max_num_queries(12):
        assert _page(client, "process", "pp-2026").status_code == 200
    with django_assert_max_num_queries(12):
        assert _page(client, "proposal", "pp-2026", 3).status_code == 200
    pb.at("voting")
    voter = pb.voter()
    client.force_login(voter)
    with django_assert_max_num_queries(20):
        assert _page(client, "vote", "pp-2026").status_code == 200
    pb.at("closed")
    services.publish_results(pb.staff, pb.process)
    client.logout()
    with django_assert_max_num_queries(12):
        assert _page(client, "results", "pp-2026").status_code == 200


@pytest.mark.real_cache
def test_kept_rows_and_results_change_with_the_data(client, pb, django_capture_on_commit_callbacks):
    """The area's rows and the results are kept rendered until the data changes: a signed-in visitor
    (whom the response cache does not serve) sees the kept rows, and a change shows at once."""
    with django_capture_on_commit_callbacks(execute=True):
        proposals_on_ballot(pb, {"center": ["12000"]})
    client.force_login(pb.staff)
    assert "center 1" in _page(client, "area", "pp-2026", "ks-center").content.decode()
    pb.at("proposals")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_submit(
            pb.voter(), pb.process, pb.area_center, title="Nova klop", description="Opis."
        )
    assert "Nova klop" in _page(client, "area", "pp-2026", "ks-center").content.decode()
    pb.at("closed")
    assert "not published" in _page(client, "results", "pp-2026").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_results(pb.staff, pb.process)
    body = _page(client, "results", "pp-2026").content.decode()
    assert "center 1" in body and "not published" not in body
