"""Separation of duties for a project's money and outcome in the back office (issue 12, docs/calls.md).

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
from regija.projects.models import BudgetLine, Fund, Payment, Project
from tests.admin_forms import add_row, change_form_data, row_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
PROJECT = f"/projects/{LAS}/JP1-01"  # listed by LAS Zasavje, held by KRC Hrastnik
APPROVED = Decimal("57799.62")  # its CLLD line; paid so far 20 974.37 + 26 445.68


@pytest.fixture
def project():
    """JP1-01 as an operation still in progress (the source has it completed)."""
    Project.objects.filter(strategy__slug=LAS, code="JP1-01").update(status="in_progress")
    return Project.objects.get(strategy__slug=LAS, code="JP1-01")


def _entries(obj):
    ct = ContentType.objects.get_for_model(type(obj))
    return list(AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("id"))


# --------------------------------------------------------------------------------------------- back office


def _admin_url(project) -> str:
    return f"/admin/projects/project/{project.pk}/change/"


@pytest.fixture
def holder_in_admin(client, member):
    user = member("editor", "krc-hrastnik")
    client.force_login(user)
    return user


def test_the_holder_cannot_change_an_approved_amount_in_the_back_office(client, project, holder_in_admin):
    page = client.get(_admin_url(project), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    budget = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is BudgetLine)
    assert not budget.has_change_permission and not budget.has_add_permission
    data = change_form_data(client, _admin_url(project))
    line = BudgetLine.objects.get(project=project)
    # a browser that sends the budget rows anyway: they are not even read
    data.update(
        {
            "budget_lines-TOTAL_FORMS": "1",
            "budget_lines-INITIAL_FORMS": "1",
            "budget_lines-0-id": str(line.pk),
            "budget_lines-0-project": str(project.pk),
            "budget_lines-0-fund": str(line.fund_id),
            "budget_lines-0-amount": "1000000.00",
            "budget_lines-0-secured": "yes",
        }
    )
    client.post(_admin_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    line.refresh_from_db()
    assert line.amount == APPROVED


def test_the_holder_cannot_add_a_paid_payment_nor_set_completed_in_the_back_office(
    client, project, holder_in_admin
):
    data = change_form_data(client, _admin_url(project))
    add_row(data, "payments", fund=Fund.objects.get(code="CLLD").pk, label="x", amount="500000", state="paid")
    before = Payment.objects.count()
    client.post(_admin_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    assert Payment.objects.count() == before
    page = client.get(_admin_url(project), HTTP_ACCEPT_LANGUAGE="en")
    status = page.context["adminform"].form.fields["status"]
    assert "completed" not in [c[0] for c in status.choices]
    assert "withdrawn" not in [c[0] for c in status.choices]
    data = change_form_data(client, _admin_url(project))
    data["status"] = "completed"
    client.post(_admin_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    project.refresh_from_db()
    assert project.status == "in_progress"
    # the holder edits the description there
    data["status"] = "in_progress"
    data["title"] = "TIC Hrastnik (nov naslov)"
    r = client.post(_admin_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 302, r.content.decode()[:2000]
    project.refresh_from_db()
    assert project.title == "TIC Hrastnik (nov naslov)"


def test_the_holder_cannot_move_its_project_or_change_its_code_in_the_back_office(
    client, project, holder_in_admin
):
    page = client.get(_admin_url(project), HTTP_ACCEPT_LANGUAGE="en")
    form_fields = page.context["adminform"].form.fields
    for name in ("strategy", "holder", "code", "instrument_number", "withdrawal_reason"):
        assert name not in form_fields, name


def test_programme_staff_change_the_approved_amount_in_the_back_office(client, project, member):
    user = member("editor", "las-zasavje")
    client.force_login(user)
    data = change_form_data(client, _admin_url(project))
    row = row_of(data, "budget_lines", "amount", APPROVED)
    data[f"budget_lines-{row}-amount"] = "58000.00"
    r = client.post(_admin_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 302, r.content.decode()[:2000]
    line = BudgetLine.objects.get(project=project)
    assert line.amount == Decimal("58000.00")
    entry = _entries(line)[-1]
    assert (entry.via, entry.user) == ("admin", user)


def test_only_the_programme_deletes_an_operation_and_its_money(client, project, member):
    """Deleting a project deletes its budget lines and payments: an administrator of the holder may not,
    an administrator of the programme may (and it is logged)."""
    delete = f"/admin/projects/project/{project.pk}/delete/"
    client.force_login(member("admin", "krc-hrastnik"))
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()
    assert BudgetLine.objects.filter(project=project).exists()

    client.force_login(member("admin", "las-zasavje"))
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(project.pk)).exists()
