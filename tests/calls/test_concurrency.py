"""Saving at the same moment, on PostgreSQL with real concurrent requests (threads, one connection each).

Two evaluators who save their scores at the same instant both keep them; two members of staff who
press "paid" on the same claim at the same instant pay it once. These tests commit for real (a
transactional test), so they build their own small world and the source documents are loaded again
afterwards for the tests that follow.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

LJ = dt.timezone(dt.timedelta(hours=1))


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def _source_documents_again(django_db_blocker):
    yield
    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files

    from ..conftest import GOVERNANCE_FILES, SEED_FILES

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)


@pytest.fixture
def pg(_source_documents_again, transactional_db, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are tested on PostgreSQL (SQLite serialises every write)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _small_world(django_user_model):
    """A closed call with one submitted application, a committee of two, and a checked claim of an
    operation."""
    from regija.calls.models import Application, Assignment, Call, CallStatus, CommitteeSeat, Criterion
    from regija.core.models import Membership, Organisation
    from regija.projects.models import BudgetLine, Fund, Payment, Project
    from regija.strategies.models import Strategy

    las = Organisation.objects.create(slug="las", name="LAS", kind="las")
    holder = Organisation.objects.create(slug="drustvo", name="Društvo", kind="ngo")
    strategy = Strategy.objects.create(
        slug="slr", title="SLR", status="in_implementation", source_title="SLR"
    )
    strategy.owners.add(las)
    fund, _ = Fund.objects.get_or_create(code="CLLD", defaults={"name": "CLLD"})
    now = dt.datetime.now(dt.UTC)
    call = Call.objects.create(
        organisation=las,
        strategy=strategy,
        slug="jp",
        number="JP",
        title="Poziv",
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=1),
        status=CallStatus.PUBLISHED,
    )
    criteria = [
        Criterion.objects.create(call=call, order=i, name=f"K{i}", max_points=Decimal("50")) for i in (1, 2)
    ]
    app = Application.objects.create(
        call=call,
        applicant=holder,
        title="Operacija",
        status="submitted",
        number=1,
        submitted_at=now - dt.timedelta(days=2),
    )
    users = {}
    for name in ("chair", "member", "staff1", "staff2"):
        users[name] = django_user_model.objects.create_user(name, password="pw-Regija-2026")
    for name in ("staff1", "staff2"):
        Membership.objects.create(user=users[name], organisation=las, role="editor")
    seats = [
        CommitteeSeat.objects.create(call=call, name="Predsednik", role="chair", user=users["chair"]),
        CommitteeSeat.objects.create(call=call, name="Član", role="member", user=users["member"]),
    ]
    assignments = [
        Assignment.objects.create(application=app, seat=s, declaration="no_conflict", declared_at=now)
        for s in seats
    ]
    project = Project.objects.create(
        strategy=strategy, code="P1", title="Operacija", holder=holder, status="in_progress"
    )
    BudgetLine.objects.create(project=project, fund=fund, amount=Decimal("1000.00"), secured="yes")
    claim = Payment.objects.create(
        project=project, fund=fund, label="1. faza", amount=Decimal("400.00"), state="claimed", checked_at=now
    )
    return users, criteria, assignments, project, claim


def _at_once(*jobs):
    """Run the jobs in threads released together; each thread closes its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        from django.utils import translation

        try:
            barrier.wait()
            with translation.override("en"):  # the language is per thread
                results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_evaluators_saving_at_the_same_moment_both_keep_their_scores(pg, django_user_model):
    from regija.calls import services
    from regija.calls.models import Score, ScoreSheet

    users, criteria, assignments, _project, _claim = _small_world(django_user_model)

    def save(user, assignment, points):
        return lambda: services.save_scores(
            assignment, user, {c.pk: (Decimal(points), "utemeljitev") for c in criteria}, edits=0
        )

    for _ in range(5):  # several rounds: a lost update would show up in one of them
        Score.objects.all().delete()
        ScoreSheet.objects.all().delete()
        results = _at_once(
            save(users["chair"], assignments[0], 40), save(users["member"], assignments[1], 30)
        )
        assert not any(isinstance(r, Exception) for r in results), results
        totals = dict(ScoreSheet.objects.values_list("assignment__seat__name", "total"))
        assert totals == {"Predsednik": Decimal("80.00"), "Član": Decimal("60.00")}


def test_the_same_evaluator_saving_twice_at_once_loses_nothing_silently(pg, django_user_model):
    from regija.calls import services
    from regija.calls.models import ScoreSheet

    users, criteria, assignments, _project, _claim = _small_world(django_user_model)
    services.save_scores(
        assignments[1], users["member"], {c.pk: (Decimal(10), "prvič") for c in criteria}, edits=0
    )
    results = _at_once(
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


def test_a_claim_is_paid_once_when_two_requests_arrive_together(pg, django_user_model):
    from regija.core.models import AuditEntry
    from regija.projects.models import Payment

    users, _criteria, _assignments, project, claim = _small_world(django_user_model)
    url = reverse("claim_action", args=[project.strategy.slug, project.code, claim.pk])

    def pay(user):
        def job():
            c = Client()
            c.force_login(user)
            return c.post(url, {"action": "pay", "date": "2027-09-01"}, follow=True).content.decode()

        return job

    pages = _at_once(pay(users["staff1"]), pay(users["staff2"]))
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
