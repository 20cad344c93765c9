"""Separation of duties for a project's money and outcome through the API (issue 12, docs/api.md).

The holder of an operation (the beneficiary: editors of KRC Hrastnik for JP1-01) edits its description
and submits claims; only programme staff (editors of LAS Zasavje, which owns the strategy that lists
it) change budget lines and approved amounts, record payments as paid or rejected, and set the status
to completed or withdrawn – through the API, the back office and the pages alike. Every such change
is in the audit log.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.core.models import AuditEntry
from regija.projects.models import BudgetLine, Payment, Project

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
PROJECT = f"/projects/{LAS}/JP1-01"  # listed by LAS Zasavje, held by KRC Hrastnik
APPROVED = Decimal("57799.62")  # its CLLD line; paid so far 20 974.37 + 26 445.68


@pytest.fixture
def project():
    """JP1-01 as an operation still in progress (the source has it completed)."""
    Project.objects.filter(strategy__slug=LAS, code="JP1-01").update(status="in_progress")
    return Project.objects.get(strategy__slug=LAS, code="JP1-01")


@pytest.fixture
def holder(token_for):
    return token_for("editor", "krc-hrastnik")


@pytest.fixture
def staff(token_for):
    return token_for("editor", "las-zasavje")


def _entries(obj):
    ct = ContentType.objects.get_for_model(type(obj))
    return list(AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("id"))


# --------------------------------------------------------------------------------------------- the API


def test_the_holder_cannot_raise_its_approved_budget_line(api, project, holder, staff):
    line = BudgetLine.objects.get(project=project)
    _user, raw = holder
    r = api.patch(f"{PROJECT}/budget-lines/{line.pk}", {"amount": "1000000.00"}, token=raw)
    assert r.status_code == 403, r.content
    assert "programme staff" in r.json()["detail"]
    line.refresh_from_db()
    assert line.amount == APPROVED
    # programme staff may, and it is in the audit log
    user, raw = staff
    r = api.patch(f"{PROJECT}/budget-lines/{line.pk}", {"amount": "60000.00"}, token=raw)
    assert r.status_code == 200, r.content
    entry = _entries(line)[-1]
    assert (entry.action, entry.via, entry.user) == ("update", "api", user)
    assert [Decimal(v) for v in entry.changes["amount"]] == [APPROVED, Decimal("60000.00")]


@pytest.mark.parametrize("state", ["paid", "rejected"])
def test_the_holder_cannot_record_a_payment_paid_or_rejected(api, project, holder, state):
    _user, raw = holder
    before = Payment.objects.filter(project=project).count()
    body = {"fund": "CLLD", "label": "3. faza", "amount": "500000.00", "state": state, "note": "x"}
    r = api.post(f"{PROJECT}/payments", body, token=raw)
    assert r.status_code == 403, r.content
    assert "programme staff" in r.json()["detail"]
    assert Payment.objects.filter(project=project).count() == before
    # the public figures are unchanged
    assert api.get(PROJECT).json()["money"]["paid"] == "47420.05"


def test_the_holder_cannot_set_its_project_completed_or_withdrawn(api, project, holder):
    _user, raw = holder
    for status in ("completed", "withdrawn"):
        r = api.patch(PROJECT, {"status": status}, token=raw)
        assert r.status_code == 403, r.content
        assert "programme staff" in r.json()["detail"]
        project.refresh_from_db()
        assert project.status == "in_progress"
    # nor back from an outcome
    Project.objects.filter(pk=project.pk).update(status="completed")
    assert api.patch(PROJECT, {"status": "in_progress"}, token=raw).status_code == 403
    project.refresh_from_db()
    assert project.status == "completed"


def test_the_holder_still_edits_the_description(api, project, holder):
    user, raw = holder
    r = api.patch(
        PROJECT, {"title": "TIC Hrastnik", "description": "Nova", "status": "in_progress"}, token=raw
    )
    assert r.status_code == 200, r.content
    project.refresh_from_db()
    assert (project.title, project.description) == ("TIC Hrastnik", "Nova")
    entry = _entries(project)[-1]
    assert (entry.via, entry.user) == ("api", user)


def test_programme_staff_set_the_status_completed_in_the_audit_log(api, project, staff):
    user, raw = staff
    r = api.patch(PROJECT, {"status": "completed"}, token=raw)
    assert r.status_code == 200, r.content
    entry = _entries(project)[-1]
    assert (entry.via, entry.user, entry.changes["status"]) == ("api", user, ["in_progress", "completed"])


def test_the_holders_payment_through_the_api_is_a_claim(api, project, holder):
    user, raw = holder
    r = api.post(
        f"{PROJECT}/payments",
        {"fund": "CLLD", "label": "3. faza", "amount": "1000.00", "state": "claimed"},
        token=raw,
    )
    assert r.status_code == 201, r.content
    assert (r.json()["state"], r.json()["amount"]) == ("claimed", "1000.00")
    payment = Payment.objects.get(pk=r.json()["id"])
    assert payment.claimed_by == user
    entry = _entries(payment)[-1]
    assert (entry.action, entry.via, entry.user) == ("create", "api", user)
    # claims together stay within the approved amount: 47 420.05 paid + 1 000 claimed + 9 379.58 > 57 799.62
    r = api.post(
        f"{PROJECT}/payments",
        {"fund": "CLLD", "label": "4. faza", "amount": "9379.58", "state": "claimed"},
        token=raw,
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "amount"]


@pytest.mark.parametrize("amount", ["-0", "-0.00", -0.0, "0", 0, "0.00"])
@pytest.mark.parametrize("who", ["holder", "staff"])
def test_negative_zero_and_zero_payments_are_refused_naming_the_amount(api, project, request, who, amount):
    _user, raw = request.getfixturevalue(who)
    before = Payment.objects.count()
    body = {"fund": "CLLD", "label": "3. faza", "amount": amount, "state": "claimed"}
    r = api.post(f"{PROJECT}/payments", body, token=raw, headers={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert r.status_code == 422, r.content
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "amount"]
    assert "negative" in error["msg"] or "more than 0" in error["msg"]
    assert Payment.objects.count() == before


def test_negative_zero_is_refused_on_a_budget_line(api, project, staff):
    line = BudgetLine.objects.get(project=project)
    _user, raw = staff
    r = api.patch(f"{PROJECT}/budget-lines/{line.pk}", {"amount": "-0"}, token=raw)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "amount"]
    line.refresh_from_db()
    assert line.amount == APPROVED


def test_a_rejected_payment_needs_its_reason(api, project, staff):
    _user, raw = staff
    body = {"fund": "CLLD", "label": "3. faza", "amount": "10.00", "state": "rejected"}
    r = api.post(f"{PROJECT}/payments", body, token=raw)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "note"]
    r = api.post(f"{PROJECT}/payments", {**body, "note": "Manjkajo računi"}, token=raw)
    assert r.status_code == 201, r.content
