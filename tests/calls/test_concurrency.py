"""Saving at the same moment, on PostgreSQL with real concurrent requests (threads, one connection each).

Two evaluators who save their scores at the same instant both keep them; two members of staff who
press "paid" on the same claim at the same instant pay it once. These tests commit for real (a
transactional test), so they build their own small world and the source documents are loaded again
afterwards for the tests that follow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.concurrency import at_once
from tests.factories import (
    FundFactory,
    OrganisationFactory,
    StrategyFactory,
    call_world,
    decide,
    member,
    publish_call,
    scored_call,
    submit_applications,
)


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _small_call(clock, *, amount="1000.00", scores=None):
    """A call of a LAS of its own (the source documents may be gone: see above) with a committee of
    two and two criteria of 50 points, published and closed, with one application submitted; scored
    and finalised when ``scores`` are given."""
    las = OrganisationFactory(slug="las", name="LAS", kind="las")
    strategy = StrategyFactory(slug="slr", title="SLR", source_title="SLR", owners=[las])
    world = dict(
        organisation=las,
        strategy=strategy,
        fund=FundFactory(code="CLLD"),
        nodes=(),
        committee=(("Predsednik", "chair", "chair"), ("Član", "member", "member")),
        criteria=(("K1", "50"), ("K2", "50")),
    )
    if scores:
        return scored_call(clock, amounts=(amount,), scores=[scores], **world)
    w = publish_call(call_world(**world), clock)
    return submit_applications(w, clock, amounts=(amount,))


def _assigned(clock):
    """The closed call's application assigned to both committee members, who declared no conflict:
    (users, criteria, the chair's and the member's assignment)."""
    from regija.calls import services
    from regija.calls.models import Assignment

    w = _small_call(clock)
    services.assign_committee(w.call, w.users["staff"])
    assignments = []
    for seat in w.seats:
        a = Assignment.objects.get(application=w.apps[0], seat=seat)
        assignments.append(services.declare(a, seat.user, conflict=False))
    return w.users, w.criteria, assignments


def _checked_claim(clock):
    """The application approved, and a checked claim of its operation: (users, the operation, the claim);
    two members of staff, staff and staff2."""
    from regija.calls import services
    from regija.projects.services import payments

    w = _small_call(clock, scores={"chair": (40, 40), "member": (30, 30)})
    (project,) = decide(
        w, approve={0: (Decimal("1000.00"), services.Instrument("decision", "1/2027", dt.date(2027, 5, 1)))}
    )
    claim = payments.claim_payment(
        project, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("400.00"), label="1. faza"
    )
    payments.check_claim(claim, w.users["staff"])
    w.users["staff2"] = member("editor", w.las, username="staff2")
    return w.users, project, claim


def test_two_evaluators_saving_at_the_same_moment_both_keep_their_scores(pg, clock):
    from regija.calls import services
    from regija.calls.models import Score, ScoreSheet

    users, criteria, assignments = _assigned(clock)

    def save(user, assignment, points):
        return lambda: services.save_scores(
            assignment, user, {c.pk: (Decimal(points), "utemeljitev") for c in criteria}, edits=0
        )

    for _ in range(5):  # several rounds: a lost update would show up in one of them
        Score.objects.all().delete()
        ScoreSheet.objects.all().delete()
        results = at_once(save(users["chair"], assignments[0], 40), save(users["member"], assignments[1], 30))
        assert not any(isinstance(r, Exception) for r in results), results
        totals = dict(ScoreSheet.objects.values_list("assignment__seat__name", "total"))
        assert totals == {"Predsednik": Decimal("80.00"), "Član": Decimal("60.00")}


def test_the_same_evaluator_saving_twice_at_once_loses_nothing_silently(pg, clock):
    from regija.calls import services
    from regija.calls.models import ScoreSheet

    users, criteria, assignments = _assigned(clock)
    services.save_scores(
        assignments[1], users["member"], {c.pk: (Decimal(10), "prvič") for c in criteria}, edits=0
    )
    results = at_once(
        lambda: services.save_scores(
            assignments[1], users["member"], {c.pk: (Decimal(20), "zavihek A") for c in criteria}, edits=1
        ),
        lambda: services.save_scores(
            assignments[1], users["member"], {c.pk: (Decimal(30), "zavihek B") for c in criteria}, edits=1
        ),
    )
    refused = [r for r in results if isinstance(r, services.Refused)]
    assert (
        len(refused) == 1 and "Reload" in refused[0].message
    )  # the later one is told, not silently overwritten
    sheet = ScoreSheet.objects.get()
    assert sheet.edits == 2 and sheet.total in (Decimal("40.00"), Decimal("60.00"))


def test_a_claim_is_paid_once_when_two_requests_arrive_together(pg, clock):
    from regija.core.models import AuditEntry
    from regija.projects.models import Payment

    users, project, claim = _checked_claim(clock)
    url = reverse("claim_action", args=[project.strategy.slug, project.code, claim.pk])

    def pay(user):
        def job():
            c = Client()
            c.force_login(user)
            return c.post(
                url, {"action": "pay", "date_day": "1", "date_month": "9", "date_year": "2027"}, follow=True
            ).content.decode()

        return job

    pages = at_once(pay(users["staff"]), pay(users["staff2"]))
    assert not any(isinstance(p, Exception) for p in pages), pages
    claim.refresh_from_db()
    assert claim.state == "paid"
    paid_entries = [
        e
        for e in AuditEntry.objects.filter(content_type__model="payment", object_id=str(claim.pk))
        if e.changes.get("state") == ["claimed", "paid"]
    ]
    assert len(paid_entries) == 1
    assert sum("already paid" in p or "že plačan" in p for p in pages) == 1
    assert Payment.objects.filter(project=project, state="paid").count() == 1
