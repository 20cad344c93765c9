"""The workflow through its pages: who sees what, forms, attachments, and bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regija.calls import services
from regija.calls.models import Application, ApplicationStatus, Assignment, Attachment
from tests.factories import (
    AFTER,
    CLOSES,
    DECLARED,
    DURING,
    AssignmentFactory,
    decide,
    evaluate,
    fill,
    scored_call,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(client, user):
    client.force_login(user)
    return client


def _draft_post(app, **extra):
    data = {
        "version": app.version,
        "title": "Učne poti Zasavja",
        "summary": "Ureditev treh učnih poti.",
        "funds-TOTAL_FORMS": "2",
        "funds-INITIAL_FORMS": "0",
        "funds-MIN_NUM_FORMS": "0",
        "funds-MAX_NUM_FORMS": "10",
        "funds-0-fund": "",
        "funds-0-requested": "30.000,50",
        "partners-TOTAL_FORMS": "1",
        "partners-INITIAL_FORMS": "0",
        "partners-MIN_NUM_FORMS": "0",
        "partners-MAX_NUM_FORMS": "30",
        "partners-0-name": "Zavod Luna",
        "partners-0-role": "delavnice",
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "20",
        "phases-0-title": "1. faza",
        # dates as day, month and year (core.forms.DayMonthYearField)
        "phases-0-start_day": "1",
        "phases-0-start_month": "6",
        "phases-0-start_year": "2027",
        "phases-0-end_day": "31",
        "phases-0-end_month": "12",
        "phases-0-end_year": "2027",
        "phases-0-amount": "30000,50",
    }
    data.update(extra)
    return data


def test_applicant_fills_in_and_submits_through_the_form(client, published, clock):
    w = published
    clock(DURING)
    c = _client(client, w.users["applicant"])
    start = reverse("application_start", args=["las-zasavje", w.call.slug])
    assert c.get(start).status_code == 200
    r = c.post(start, {"applicant": w.applicant.pk, "title": "Učne poti"})
    app = Application.objects.get(call=w.call)
    assert r.status_code == 302 and r["Location"] == reverse("application", args=[app.pk])
    # "Save and continue" saves the draft and leads to "check your answers"
    r = c.post(
        reverse("application", args=[app.pk]),
        _draft_post(app, **{"funds-0-fund": str(w.fund.pk), "check": "1"}),
    )
    check = reverse("application_check", args=[app.pk])
    assert r.status_code == 302 and r["Location"] == check
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT
    assert app.funds.get().requested == Decimal("30000.50")  # "30.000,50" read as a Slovenian amount
    page = c.get(check).content.decode()
    assert "30.000,50 €" in page and "Zavod Luna" in page and "1. 6. 2027 – 31. 12. 2027" in page
    r = c.post(check, {"version": app.version, "declarations": list(DECLARED)})
    assert r.status_code == 302 and r["Location"] == reverse("application_submitted", args=[app.pk])
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.number == 1
    assert "JP6/1" in c.get(r["Location"]).content.decode()
    page = c.get(reverse("application", args=[app.pk])).content.decode()
    assert "JP6/1" in page and "Zavod Luna" in page


def test_a_form_error_is_shown_beside_the_field_and_nothing_is_saved(client, published, clock):
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    c = _client(client, w.users["applicant"])
    r = c.post(
        reverse("application", args=[app.pk]),
        _draft_post(app, **{"funds-0-fund": str(w.fund.pk), "funds-0-requested": "trideset"}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 422
    assert "“trideset” is not an amount we can read for certain" in r.content.decode()
    app.refresh_from_db()
    assert app.title == "Učne poti" and not app.funds.exists()


def test_late_submission_is_refused_with_the_deadline_in_the_message(client, published, clock):
    w = published
    clock(DURING)
    app = fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w)
    clock(CLOSES + dt.timedelta(seconds=1))
    c = _client(client, w.users["applicant"])
    r = c.post(reverse("application", args=[app.pk]), _draft_post(app, submit="1"), follow=True)
    assert "30. 3. 2027 ob 12:00:00" in r.content.decode()  # the deadline to the second, in Slovenian
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT


def test_who_sees_an_application(client, submitted, clock, django_user_model):
    """applicant's members: always; call staff: once submitted; an assigned evaluator: after closing;
    others: 404."""
    w = submitted
    app = w.apps[0]
    url = reverse("application", args=[app.pk])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    expect = {
        "applicant": 200,
        "applicant_viewer": 200,
        "staff": 200,
        "viewer": 200,
        "other": 404,
        "outsider": 404,
        "eval2": 404,
    }
    for who, code in expect.items():
        client.force_login(w.users[who])
        assert client.get(url).status_code == code, who
    services.assign_committee(w.call, w.users["staff"])
    client.force_login(w.users["eval2"])
    assert client.get(url).status_code == 200  # assigned, and the call is closed
    # a draft is the applicant's alone
    clock(DURING)
    draft = services.start_application(w.call, w.applicant, w.users["applicant"], "Osnutek")
    for who, code in {"applicant": 200, "staff": 404, "viewer": 404, "eval2": 404}.items():
        client.force_login(w.users[who])
        assert client.get(reverse("application", args=[draft.pk])).status_code == code, who


def test_an_evaluator_sees_assignments_only_after_closing(client, published, clock):
    w = published
    clock(DURING)
    app = services.submit(
        fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w),
        w.users["applicant"],
        declarations=DECLARED,
    )
    a = AssignmentFactory(application=app, seat=w.seats[1])  # as if assigned before the call closed
    c = _client(client, w.users["eval2"])
    assert c.get(reverse("assignment", args=[a.pk])).status_code == 404
    assert c.get(reverse("application", args=[app.pk])).status_code == 404
    home = c.get(reverse("evaluation")).content.decode()
    assert "Zeleni Zasavje" not in home and "1" in home
    clock(AFTER)
    c.force_login(w.users["eval2"])  # the session of two weeks ago has expired
    assert c.get(reverse("assignment", args=[a.pk])).status_code == 200
    assert "Zeleni Zasavje" in c.get(reverse("evaluation")).content.decode()
    client.force_login(w.users["eval3"])  # not assigned this one
    assert client.get(reverse("assignment", args=[a.pk])).status_code == 404


def test_scoring_through_the_page(client, submitted):
    w = submitted
    services.assign_committee(w.call, w.users["staff"])
    a = Assignment.objects.get(application=w.apps[0], seat__user=w.users["eval2"])
    c = _client(client, w.users["eval2"])
    url = reverse("assignment", args=[a.pk])
    c.post(url, {"declare": "1", "conflict": "no"})
    data = {"save": "1", "edits": "0"}
    for crit, p in zip(w.criteria, ("30", "20,5", "25"), strict=True):
        data[f"points_{crit.pk}"] = p
        data[f"justification_{crit.pk}"] = "Dobro utemeljeno"
    assert c.post(url, data).status_code == 302
    assert a.sheets.get().total == Decimal("75.50")
    data[f"points_{w.criteria[0].pk}"] = "45"  # above the maximum of 40
    data["edits"] = "1"
    r = c.post(url, data)
    assert r.status_code == 422 and a.sheets.get().total == Decimal("75.50")


def test_attachments_are_checked_by_content_size_and_name(client, published, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REGIJA_MAX_UPLOAD_BYTES = 1000
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    c = _client(client, w.users["applicant"])
    url = reverse("attachment_upload", args=[app.pk])
    r = c.post(
        url,
        {"kind": "budget", "file": SimpleUploadedFile("../../etc/Predračun ščž.pdf", PDF, "application/pdf")},
        follow=True,
    )
    att = Attachment.objects.get()
    assert att.content_type == "application/pdf" and att.original_name.endswith("Predračun ščž.pdf")
    stored = (tmp_path / att.file.name).resolve()
    assert stored.is_relative_to(tmp_path / "applications") and ".." not in att.file.name
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    r = c.post(url, {"kind": "other", "file": fake}, follow=True)
    assert (
        "not a file type we accept" in r.content.decode()
        or "judging by its content" in r.content.decode()
        or Attachment.objects.count() == 1
    )
    assert Attachment.objects.count() == 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000, "application/pdf")
    c.post(url, {"kind": "other", "file": big})
    wrong_ending = SimpleUploadedFile("plan.docx", PDF, "application/pdf")
    c.post(url, {"kind": "other", "file": wrong_ending})
    assert Attachment.objects.count() == 1
    download = reverse("attachment", args=[app.pk, att.pk])
    r = c.get(download)
    assert (
        r.status_code == 200
        and b"".join(r.streaming_content) == PDF
        and r["Content-Type"] == "application/pdf"
    )
    client.force_login(w.users["other"])
    assert client.get(download).status_code == 404


def test_staff_pages_and_claims_through_the_pages(client, submitted):
    from regija.projects.models import PaymentState

    w = evaluate(
        submitted,
        [
            {"chair": (35, 25, 20), "eval2": (30, 20, 20), "eval3": (40, 30, 25)},
            {"chair": (20, 10, 10), "eval2": (15, 15, 10), "eval3": (20, 10, 15)},
        ],
        finalise=False,  # the chair finalises through the page
    )
    c = _client(client, w.users["chair"])
    for app in w.apps:
        c.post(reverse("call_evaluation", args=[w.call.pk]), {"finalise": "1", "application": app.pk})
    c = _client(client, w.users["staff"])
    manage = reverse("call_manage", args=["las-zasavje", w.call.slug])
    c.post(manage, {"action": "finish_evaluation"})
    w.call.refresh_from_db()
    assert w.call.status == "evaluated"
    r = c.post(
        reverse("decide", args=[w.apps[0].pk]),
        {
            "approve": "1",
            f"approved_{w.fund.pk}": "45.000,00",
            "instrument_kind": "contract",
            "instrument_number": "7/2027",
            "instrument_date_day": "10",
            "instrument_date_month": "5",
            "instrument_date_year": "2027",
        },
    )
    assert r.status_code == 302
    project = Application.objects.get(pk=w.apps[0].pk).project
    assert project.budget_lines.get().amount == Decimal("45000.00")
    # the holder claims, staff check and pay
    h = client
    h.force_login(w.users["applicant"])
    claims = reverse("project_claims", args=[project.strategy.slug, project.code])
    h.post(claims, {"claim": "1", "label": "1. faza", "fund": w.fund.pk, "phase": "", "amount": "10.000,00"})
    payment = project.payments.get()
    assert payment.state == PaymentState.CLAIMED and payment.claimed_by == w.users["applicant"]
    action = reverse("claim_action", args=[project.strategy.slug, project.code, payment.pk])
    h.post(action, {"action": "check"})  # the holder may not check its own claim
    payment.refresh_from_db()
    assert payment.checked_at is None
    s = client
    s.force_login(w.users["staff"])
    s.post(action, {"action": "check"})
    s.post(action, {"action": "pay", "date_day": "1", "date_month": "9", "date_year": "2027"})
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.date == dt.date(2027, 9, 1)
    page = s.get(claims).content.decode()
    assert "10.000,00" in page


def test_staff_pages_run_a_bounded_number_of_queries(client, submitted, clock):
    w = submitted
    manage = reverse("call_manage", args=["las-zasavje", w.call.slug])
    client.force_login(w.users["staff"])
    services.assign_committee(w.call, w.users["staff"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = [manage, reverse("call_evaluation", args=[w.call.pk]), reverse("my_applications")]
    before = [count(u) for u in urls]
    clock(DURING)
    for _ in range(4):
        services.submit(
            fill(services.start_application(w.call, w.applicant, w.users["applicant"]), w),
            w.users["applicant"],
            declarations=DECLARED,
        )
    clock(AFTER)
    services.assign_committee(w.call, w.users["staff"])
    after = [count(u) for u in urls]
    assert after == before
    client.force_login(w.users["applicant"])
    assert count(reverse("my_applications")) == count(reverse("my_applications"))


def test_a_natural_person_who_received_money_is_not_named_publicly(client, clock):
    from regija.calls.services import Instrument

    w = scored_call(clock)
    w.applicant.kind = "person"
    w.applicant.name = "Janez Novak"
    w.applicant.save()
    (project,) = decide(
        w,
        approve={0: (Decimal("1000.00"), Instrument("decision", "1/2027", dt.date(2027, 5, 1)))},
        mark_decided=False,
    )
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Janez Novak" not in page and "fizična oseba" in page
    assert client.get(reverse("organisation", args=[w.applicant.slug])).status_code == 404
    assert "Janez Novak" not in client.get(reverse("organisation_list")).content.decode()
    client.force_login(w.users["staff"])  # staff of the programme see whom they pay
    assert "Janez Novak" in client.get(project.get_absolute_url()).content.decode()


def test_the_menu_offers_evaluation_only_to_committee_members(client):
    """A resident who signed up has nothing to evaluate: their menu has no "Evaluation" (docs/calls.md);
    a member of a call's evaluation committee finds their sheets from it."""
    from tests.factories import CommitteeSeatFactory, confirmed_user

    evaluation = f'href="{reverse("evaluation")}"'
    resident = confirmed_user(username="menu-resident")
    home = _client(client, resident).get("/")
    assert home.status_code == 200
    assert evaluation not in home.content.decode()

    CommitteeSeatFactory(user=resident)
    assert evaluation in client.get("/").content.decode()
