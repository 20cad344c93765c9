"""Back office of calls and governance: pages open, statuses and score sheets are read-only, terms of a
published call are fixed, and editors change only their own organisation's calls and bodies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from regija.calls.models import Application, Call, ScoreSheet
from regija.core import permissions
from regija.governance.models import Body, Decision, Member, Session, Term

pytestmark = pytest.mark.django_db


def _form_fields(response) -> set[str]:
    form = response.context["adminform"].form
    return set(form.fields)


def test_superuser_opens_every_admin_page(client, calls, member):
    client.force_login(member(None, superuser=True, username="root"))
    sheet = ScoreSheet.objects.first()
    application = calls["applications"][0]
    for model, obj in [
        ("calls_call", calls["open"]),
        ("calls_call", calls["draft"]),
        ("calls_application", application),
        ("calls_scoresheet", sheet),
        ("governance_body", Body.objects.first()),
        ("governance_term", Term.objects.first()),
        ("governance_session", Session.objects.first()),
    ]:
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200, model


def test_status_is_read_only_and_terms_fixed_after_publication(client, calls, member):
    client.force_login(member(None, superuser=True, username="root"))
    draft = _form_fields(client.get(reverse("admin:calls_call_change", args=[calls["draft"].pk])))
    assert "status" not in draft and {"title", "closes_at", "pass_threshold", "text"} <= draft
    published = _form_fields(client.get(reverse("admin:calls_call_change", args=[calls["open"].pk])))
    assert "status" not in published and "closes_at" not in published and "pass_threshold" not in published
    assert {"title", "text", "contact"} <= published
    app = _form_fields(
        client.get(reverse("admin:calls_application_change", args=[calls["applications"][0].pk]))
    )
    assert "status" not in app and "title" not in app and "instrument_number" in app
    assert client.get(reverse("admin:calls_application_add")).status_code == 403
    assert client.get(reverse("admin:calls_scoresheet_add")).status_code == 403
    sheet = ScoreSheet.objects.first()
    response = client.post(reverse("admin:calls_scoresheet_change", args=[sheet.pk]), {"total": "1"})
    assert response.status_code == 403
    sheet.refresh_from_db()
    assert sheet.total != 1


def test_editing_a_draft_call_does_not_change_its_status(client, calls, member):
    client.force_login(member(None, superuser=True, username="root"))
    call = calls["draft"]
    page = client.get(reverse("admin:calls_call_change", args=[call.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "nodes"}
    data.update(
        title="Novi naslov",
        status="published",
        opens_at_0="2030-06-01",
        opens_at_1="08:00",
        closes_at_0="2030-07-01",
        closes_at_1="12:00",
        organisation=call.organisation_id,
    )
    for prefix in ("funds", "conditions", "criteria", "seats", "documents"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "funds-TOTAL_FORMS": "1",
            "funds-INITIAL_FORMS": "1",
            "funds-0-id": str(call.funds.get().pk),
            "funds-0-call": str(call.pk),
            "funds-0-fund": str(call.funds.get().fund_id),
            "funds-0-amount": "100000.00",
        }
    )
    data.pop("committee_term", None)
    data.pop("strategy", None)
    response = client.post(reverse("admin:calls_call_change", args=[call.pk]), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    call.refresh_from_db()
    assert call.title == "Novi naslov" and call.status == "draft"


def test_ownership_rules(calls, member, org):
    from regija.core.models import Organisation

    editor = member("editor", org.slug)
    other = member("editor", "las-zasavje")
    call = calls["open"]
    for obj in [
        call,
        call.funds.first(),
        call.criteria.first(),
        calls["applications"][0],
        ScoreSheet.objects.first(),
    ]:
        assert permissions.can_change(editor, obj), obj
        assert not permissions.can_change(other, obj), obj
    assert set(permissions.editable(editor, Call.objects.all()).values_list("pk", flat=True)) == set(
        Call.objects.filter(organisation=org).values_list("pk", flat=True)
    )
    las = Organisation.objects.get(slug="las-zasavje")
    body = Body.objects.filter(organisation=las).first()
    for model in (Body, Term, Member, Session, Decision, Application):
        assert permissions.editable(editor, model.objects.all()).count() in (
            0,
            Application.objects.filter(call__organisation=org).count(),
        )
    assert permissions.can_change(other, body) and not permissions.can_change(editor, body)
    assert (
        permissions.editable(other, Term.objects.all()).count()
        == Term.objects.filter(body__organisation=las).count()
    )


def test_editor_cannot_change_another_organisations_call(client, calls, member):
    client.force_login(member("editor", "las-zasavje"))
    assert client.get(reverse("admin:calls_call_changelist")).status_code == 200
    response = client.post(reverse("admin:calls_call_change", args=[calls["draft"].pk]), {"title": "x"})
    assert response.status_code == 403
    assert Call.objects.get(pk=calls["draft"].pk).title != "x"
