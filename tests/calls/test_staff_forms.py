"""The staff's and the committee's pages in the design system, with forms that cannot mislead (issue 13,
point 2): dates typed as day, month and year on the decision and the payment, refusals shown beside the
field, status as tags, and the back office linking each call to its management page."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regija.calls import services
from regija.calls.models import Application, ApplicationStatus
from regija.projects.models import PaymentState
from tests.factories import decide, evaluate

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _evaluated(w):
    evaluate(w)
    services.finish_evaluation(w.call, w.users["staff"])
    return w


def _approve(**fields):
    return {
        "approve": "1",
        "instrument_kind": "contract",
        "instrument_number": "7/2027",
        "instrument_date_day": "10",
        "instrument_date_month": "5",
        "instrument_date_year": "2027",
        **fields,
    }


def test_an_impossible_decision_date_is_refused_beside_the_field_and_nothing_is_approved(client, submitted):
    w = _evaluated(submitted)
    client.force_login(w.users["staff"])
    url = reverse("decide", args=[w.apps[0].pk])
    amount = f"approved_{w.fund.pk}"
    answer = client.post(
        url, _approve(**{amount: "45000", "instrument_date_day": "31", "instrument_date_month": "4"}), **EN
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'class="govuk-error-summary"' in page and 'href="#id_instrument_date_0"' in page
    assert "31. 4. 2027 is not a valid date." in page
    assert "Understood as: €45,000.00" in page  # the amount was read; only the date is wrong
    assert Application.objects.get(pk=w.apps[0].pk).status == ApplicationStatus.SUBMITTED
    assert client.post(url, _approve(**{amount: "45.000,00"})).status_code == 302
    app = Application.objects.get(pk=w.apps[0].pk)
    assert app.status == ApplicationStatus.APPROVED and app.instrument_date == dt.date(2027, 5, 10)


def test_the_decision_page_rejects_with_a_warning_button_and_approves_with_the_primary(client, submitted):
    w = _evaluated(submitted)
    client.force_login(w.users["staff"])
    page = client.get(reverse("decide", args=[w.apps[0].pk]), **EN).content.decode()
    assert re.search(r'name="approve" class="govuk-button"', page)
    assert re.search(r'name="reject" class="govuk-button govuk-button--warning"', page)


def test_a_payment_date_is_typed_day_month_year_and_a_wrong_one_shown_on_the_claims_page(client, submitted):
    w = submitted
    evaluate(w)
    (project,) = decide(
        w,
        approve={0: (Decimal("45000.00"), services.Instrument("decision", "1/2027", dt.date(2027, 5, 10)))},
        mark_decided=False,
    )
    client.force_login(w.users["applicant"])
    claims = reverse("project_claims", args=[project.strategy.slug, project.code])
    client.post(
        claims, {"claim": "1", "label": "1. faza", "fund": w.fund.pk, "phase": "", "amount": "10000,5"}
    )
    payment = project.payments.get()
    assert payment.amount == Decimal("10000.50")
    client.force_login(w.users["staff"])
    action = reverse("claim_action", args=[project.strategy.slug, project.code, payment.pk])
    client.post(action, {"action": "check"})
    answer = client.post(
        action, {"action": "pay", "date_day": "29", "date_month": "2", "date_year": "2027"}, **EN
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Paid on: 29. 2. 2027 is not a valid date." in page and f'href="#pay{payment.pk}_date_0"' in page
    payment.refresh_from_db()
    assert payment.state == PaymentState.CLAIMED
    answer = client.post(action, {"action": "pay", "date_day": "1", "date_month": "9", "date_year": "2027"})
    assert answer.status_code == 302
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID and payment.date == dt.date(2027, 9, 1)
    page = client.get(claims, **EN).content.decode()
    assert 'type="date"' not in page
    assert re.search(r'<strong class="govuk-tag govuk-tag--green">paid</strong>', page)


def test_the_claims_page_runs_a_bounded_number_of_queries(client, submitted):
    w = submitted
    evaluate(w)
    (project,) = decide(
        w,
        approve={0: (Decimal("45000.00"), services.Instrument("decision", "1/2027", dt.date(2027, 5, 10)))},
        mark_decided=False,
    )
    from regija.projects.services import payments

    claims = reverse("project_claims", args=[project.strategy.slug, project.code])
    client.force_login(w.users["staff"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(claims).status_code == 200
        return len(ctx)

    payments.claim_payment(project, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("100"), label="A")
    before = count()
    for label in "BCD":
        payments.claim_payment(
            project, w.users["applicant"], fund_id=w.fund.pk, amount=Decimal("100"), label=label
        )
    assert count() == before


def test_the_call_management_page_shows_statuses_as_tags_not_buttons(client, submitted):
    w = submitted
    client.force_login(w.users["staff"])
    page = client.get(reverse("call_manage", args=["las-zasavje", w.call.slug]), **EN).content.decode()
    assert page.count('<strong class="govuk-tag govuk-tag--blue">submitted</strong>') == 2
    assert re.search(
        r'<button type="submit" name="action" value="finish_evaluation" class="govuk-button"', page
    )


def test_the_eligibility_form_lists_what_is_missing_at_the_top(client, submitted):
    w = submitted
    client.force_login(w.users["staff"])
    answer = client.post(reverse("eligibility", args=[w.apps[0].pk]), {}, **EN)
    assert answer.status_code == 422
    page = html.unescape(answer.content.decode())
    assert 'class="govuk-error-summary"' in page and "This field is required." in page


# ------------------------------------------------------------------------------------------ back office


def test_the_back_office_links_each_call_to_its_management_page(client, published):
    w = published
    manage = reverse("call_manage", args=["las-zasavje", w.call.slug])
    client.force_login(w.users["staff"])
    change = client.get(reverse("admin:calls_call_change", args=[w.call.pk]), **EN).content.decode()
    assert f'<a href="{manage}">Managing the call</a>' in change
    listing = client.get(reverse("admin:calls_call_changelist"), **EN).content.decode()
    assert f'<a href="{manage}">Manage</a>' in listing
    assert client.get(manage).status_code == 200
    # someone who may read the call in the back office but not manage it is not sent to a 404
    client.force_login(w.users["other"])
    change = client.get(reverse("admin:calls_call_change", args=[w.call.pk]), **EN)
    if change.status_code == 200:
        assert manage not in change.content.decode()


def test_view_on_site_of_a_draft_call_opens_its_management_page_not_a_404(client, world):
    w = world  # the call is a draft: it has no public page yet
    client.force_login(w.users["staff"])
    change = client.get(reverse("admin:calls_call_change", args=[w.call.pk])).content.decode()
    manage = reverse("call_manage", args=["las-zasavje", w.call.slug])
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', change).group(1)
    assert link == manage and client.get(link).status_code == 200
    assert client.get(w.call.get_absolute_url()).status_code == 404  # the public page stays closed


def test_view_on_site_of_a_published_call_is_its_public_page(client, published):
    w = published
    client.force_login(w.users["staff"])
    change = client.get(reverse("admin:calls_call_change", args=[w.call.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', change).group(1)
    assert link == w.call.get_absolute_url() and client.get(link).status_code == 200
