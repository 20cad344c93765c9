"""The back office writes a project's partners, budget lines and payments through projects.services: the
same rules and messages as the API, the audit log says "admin", and a refused row saves nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.core.models import AuditEntry, Organisation
from regija.projects.models import BudgetLine, Fund, Partner, Payment, Project
from tests.admin_forms import add_row, change_form_data, row_of

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"


@pytest.fixture
def project():
    return Project.objects.get(
        strategy__slug=LAS, code="JP1-01"
    )  # listed by LAS Zasavje, held by KRC Hrastnik


@pytest.fixture
def editor(client, member):
    user = member("editor", "las-zasavje")
    client.force_login(user)
    return user


def _url(project) -> str:
    return f"/admin/projects/project/{project.pk}/change/"


def _post(client, project, data):
    response = client.post(_url(project), data, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


def _entries(model, pk):
    ct = ContentType.objects.get_for_model(model)
    return AuditEntry.objects.filter(content_type=ct, object_id=str(pk)).order_by("id")


def test_a_payment_added_in_the_back_office_goes_through_the_service(client, project, editor):
    data = change_form_data(client, _url(project))
    clld = Fund.objects.get(code="CLLD")
    add_row(data, "payments", fund=clld.pk, label="3. faza", amount="100.10", state="paid", order="0")
    status, text = _post(client, project, data)
    assert status == 302, text[:3000]
    payment = Payment.objects.get(project=project, label="3. faza")
    assert payment.amount == Decimal("100.10")
    entry = _entries(Payment, payment.pk).get()
    assert (entry.action, entry.via, entry.user) == ("create", "admin", editor)


def test_a_negative_payment_is_refused_with_the_services_message(client, project, editor):
    data = change_form_data(client, _url(project))
    clld = Fund.objects.get(code="CLLD")
    add_row(data, "payments", fund=clld.pk, label="3. faza", amount="-5", state="paid", order="0")
    status, text = _post(client, project, data)
    assert status == 200 and "must not be negative" in text
    assert not Payment.objects.filter(project=project, label="3. faza").exists()


def test_changing_and_deleting_payments(client, project, editor):
    first, second = Payment.objects.filter(project=project).order_by("order")
    data = change_form_data(client, _url(project))
    data[f"payments-{row_of(data, 'payments', 'id', first.pk)}-amount"] = "20000.00"
    data[f"payments-{row_of(data, 'payments', 'id', second.pk)}-DELETE"] = "on"
    status, text = _post(client, project, data)
    assert status == 302, text[:3000]
    first.refresh_from_db()
    assert first.amount == Decimal("20000.00")
    assert not Payment.objects.filter(pk=second.pk).exists()
    update = _entries(Payment, first.pk).last()
    assert (update.action, update.via) == ("update", "admin")
    assert update.changes == {"amount": ["20974.37", "20000.00"]}
    assert _entries(Payment, second.pk).last().action == "delete"


def test_budget_line_rules_are_the_apis(client, project, editor):
    line = BudgetLine.objects.get(project=project)
    data = change_form_data(client, _url(project))
    row = row_of(data, "budget_lines", "id", line.pk)

    # a secured part on a wholly secured line: the API's message, next to the field
    refused = {**data, f"budget_lines-{row}-secured_amount": "100.00"}
    status, text = _post(client, project, refused)
    assert status == 200 and "a secured part is given only for a partly secured line" in text

    # larger than the line
    refused.update(
        {f"budget_lines-{row}-secured": "partly", f"budget_lines-{row}-secured_amount": "99999.00"}
    )
    status, text = _post(client, project, refused)
    assert status == 200 and "is larger than the amount" in text
    line.refresh_from_db()
    assert (line.secured, line.secured_amount) == ("yes", None)

    # partly secured, then wholly secured again with the part left in its box: the part goes, as in the API
    partly = {
        **data,
        f"budget_lines-{row}-secured": "partly",
        f"budget_lines-{row}-secured_amount": "1000.00",
    }
    assert _post(client, project, partly)[0] == 302
    line.refresh_from_db()
    assert (line.secured, line.secured_amount) == ("partly", Decimal("1000.00"))
    again = change_form_data(client, _url(project))
    again[f"budget_lines-{row_of(again, 'budget_lines', 'id', line.pk)}-secured"] = "yes"
    assert _post(client, project, again)[0] == 302
    line.refresh_from_db()
    assert (line.secured, line.secured_amount) == ("yes", None)
    assert {e.via for e in _entries(BudgetLine, line.pk)} == {"admin"}


def test_budget_line_added_and_deleted(client, project, editor):
    data = change_form_data(client, _url(project))
    clld = Fund.objects.get(code="CLLD")
    add_row(data, "budget_lines", fund=clld.pk, amount="10.00", secured="no", order="1")
    assert _post(client, project, data)[0] == 302
    added = BudgetLine.objects.get(project=project, amount=Decimal("10.00"))
    assert _entries(BudgetLine, added.pk).get().via == "admin"
    data = change_form_data(client, _url(project))
    data[f"budget_lines-{row_of(data, 'budget_lines', 'id', added.pk)}-DELETE"] = "on"
    assert _post(client, project, data)[0] == 302
    assert not BudgetLine.objects.filter(pk=added.pk).exists()


def test_a_partner_once_per_project(client, project, editor):
    mov = Organisation.objects.get(slug="mov")
    data = change_form_data(client, _url(project))
    add_row(data, "partners", organisation=mov.pk, role="partner", order="0")
    assert _post(client, project, data)[0] == 302
    partner = Partner.objects.get(project=project, organisation=mov)
    assert _entries(Partner, partner.pk).get().via == "admin"
    data = change_form_data(client, _url(project))
    add_row(data, "partners", organisation=mov.pk, role="partner", order="0")
    status, text = _post(client, project, data)
    assert status == 200 and "is already a partner in this project" in text
    assert Partner.objects.filter(project=project, organisation=mov).count() == 1


def test_an_editor_of_another_organisation_writes_nothing(client, project, member):
    client.force_login(member("editor", "mov"))
    data = change_form_data(client, _url(project))
    clld = Fund.objects.get(code="CLLD")
    add_row(data, "payments", fund=clld.pk, label="3. faza", amount="1.00", state="paid", order="0")
    assert client.post(_url(project), data).status_code == 403
    assert not Payment.objects.filter(project=project, label="3. faza").exists()
