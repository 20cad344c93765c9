"""The applicant's path through forms that cannot mislead (issue 13, point 2): the form shows each amount
back as it understood it, refuses a request above the call's maximum per application and warns about one
above what the call has left, takes dates as day, month and year, adds and removes rows without saving;
then "check your answers" with the declarations, the confirmation with the reference, and a withdrawal
that asks first."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regija.calls import services
from regija.calls.models import (
    ApplicantDeclaration,
    Application,
    ApplicationFund,
    ApplicationStatus,
)
from tests.factories import DECLARED, DURING, fill

from .test_views import _draft_post

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def draft(published, clock, client):
    """A draft of the open call, and the applicant signed in."""
    clock(DURING)
    w = published
    client.force_login(w.users["applicant"])
    return services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")


def _save(client, app, w, button="save", **fields):
    app.refresh_from_db()
    data = _draft_post(app, **{"funds-0-fund": str(w.fund.pk), button: "1", **fields})
    return client.post(reverse("application", args=[app.pk]), data, **EN)


def _page(client, name, app) -> str:
    """The page in English, its entities read (a message's apostrophe is escaped in the HTML)."""
    return html.unescape(client.get(reverse(name, args=[app.pk]), **EN).content.decode())


def _hint(page: str, name: str) -> str:
    """The hint under the field named ``name``."""
    field_id = re.search(rf'name="{name}"[^>]*id="([^"]+)"', page).group(1)
    match = re.search(rf'<div id="{field_id}-hint" class="govuk-hint">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


# ---------------------------------------------------------------------------------------------- amounts


def test_an_amount_is_shown_back_as_it_was_understood(client, published, draft):
    w = published
    assert _save(client, draft, w, **{"funds-0-requested": "12345,67"}).status_code == 302
    page = client.get(reverse("application", args=[draft.pk])).content.decode()
    assert "12.345,67 €" in _hint(page, "funds-0-requested")  # in Slovenian, as the site speaks
    page = client.get(reverse("application", args=[draft.pk]), **EN).content.decode()
    assert "Understood as: €12,345.67" in _hint(page, "funds-0-requested")


def test_before_saving_a_form_with_a_mistake_elsewhere_shows_how_the_amount_was_read(
    client, published, draft
):
    w = published
    answer = _save(
        client,
        draft,
        w,
        **{"funds-0-requested": "12 345,6", "phases-0-start_day": "31", "phases-0-start_month": "2"},
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "Understood as: €12,345.60" in _hint(page, "funds-0-requested")
    assert 'value="12 345,6"' in page  # what was typed stays in the box
    assert not draft.funds.exists()


def test_a_request_above_the_calls_maximum_per_application_is_refused_with_the_maximum(
    client, published, draft
):
    w = published
    w.call.max_per_application = Decimal("40000.00")
    w.call.save()
    answer = _save(client, draft, w, **{"funds-0-requested": "40.000,01"})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert (
        "The call gives at most €40,000.00 per application; the amounts requested add up to €40,000.01."
        in page
    )
    assert 'class="govuk-error-summary"' in page
    assert not draft.funds.exists()
    assert _save(client, draft, w, **{"funds-0-requested": "40.000,00"}).status_code == 302
    assert draft.funds.get().requested == Decimal("40000.00")


def test_a_request_above_the_remaining_budget_is_warned_about_not_refused(client, published, draft):
    w = published  # a budget of 200 000 € in CLLD
    assert _save(client, draft, w, **{"funds-0-requested": "250.000,00"}).status_code == 302
    assert draft.funds.get().requested == Decimal("250000.00")
    warning = "You ask for €250,000.00 from CLLD, more than the call's whole budget in it: €200,000.00."
    form = _page(client, "application", draft)
    assert warning in form and "govuk-warning-text" in form
    check = _page(client, "application_check", draft)
    assert warning in check and "Submit the application" in check


def test_the_remaining_budget_is_the_budget_less_what_approved_applications_hold(client, published, draft):
    w = published
    granted = Application.objects.create(
        call=w.call, applicant=w.other, title="Odobrena", status=ApplicationStatus.APPROVED, number=9
    )
    ApplicationFund.objects.create(
        application=granted, fund=w.fund, requested=Decimal("190000"), approved=Decimal("180000")
    )
    assert _save(client, draft, w, **{"funds-0-requested": "20.000,01"}).status_code == 302
    form = _page(client, "application", draft)
    assert (
        "You ask for €20,000.01 from CLLD, more than the call has left in it: €20,000.00 "
        "(a budget of €200,000.00, of which €180,000.00 is already granted)." in form
    )
    assert _save(client, draft, w, **{"funds-0-requested": "20.000,00"}).status_code == 302
    assert "more than the call has left" not in _page(client, "application", draft)


def test_below_the_calls_minimum_the_application_cannot_be_submitted(client, published, draft):
    w = published
    w.call.min_per_application = Decimal("5000.00")
    w.call.save()
    assert _save(client, draft, w, **{"funds-0-requested": "4.999,99"}).status_code == 302
    check = _page(client, "application_check", draft)
    assert "at least €5,000.00 requested in total (the call's minimum; now €4,999.99)" in check
    assert "Submit the application" not in check
    r = client.post(
        reverse("application_check", args=[draft.pk]),
        {"version": Application.objects.get(pk=draft.pk).version, "declarations": list(DECLARED)},
        **EN,
    )
    assert r.status_code == 422 and Application.objects.get(pk=draft.pk).status == ApplicationStatus.DRAFT


# ------------------------------------------------------------------------------------------------ dates


def test_phase_dates_are_typed_day_month_year_and_an_impossible_one_is_refused(client, published, draft):
    w = published
    impossible = {"phases-0-start_day": "31", "phases-0-start_month": "2", "phases-0-start_year": "2025"}
    answer = _save(client, draft, w, **impossible)
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "From: 31. 2. 2025 is not a valid date." in page  # in the error summary, with the field's name
    assert 'href="#id_phases-0-start_0"' in page
    assert not draft.phases.exists()
    short_year = {"phases-0-end_day": "31", "phases-0-end_month": "12", "phases-0-end_year": "27"}
    assert "The year must have 4 digits." in _save(client, draft, w, **short_year).content.decode()
    assert _save(client, draft, w).status_code == 302
    phase = draft.phases.get()
    assert (phase.start.isoformat(), phase.end.isoformat()) == ("2027-06-01", "2027-12-31")
    page = client.get(reverse("application", args=[draft.pk])).content.decode()
    for part, value in (("day", "1"), ("month", "6"), ("year", "2027")):
        box = re.search(rf'<input[^>]*name="phases-0-start_{part}"[^>]*>', page).group(0)
        assert f'value="{value}"' in box and 'inputmode="numeric"' in box


def test_no_page_of_the_applicant_or_the_staff_asks_for_a_browser_date(client, submitted):
    from tests.factories import evaluate

    w = evaluate(submitted)
    services.finish_evaluation(w.call, w.users["staff"])
    client.force_login(w.users["staff"])
    page = client.get(reverse("decide", args=[w.apps[0].pk])).content.decode()
    assert 'type="date"' not in page and "mm/dd" not in page.lower()
    assert re.search(r'name="instrument_date_day"[^>]*inputmode="numeric"', page)


# ------------------------------------------------------------------------------------------------- rows


def test_spare_rows_wait_for_add_another_and_a_saved_row_can_be_removed(client, published, draft):
    w = published
    page = client.get(reverse("application", args=[draft.pk]), **EN).content.decode()
    # one empty row of partners and of phases is open; four more of each are spare, in the container
    # whose button the page script adds (hidden until asked for; without the script simply there)
    for section, label in (("partners", "Add another partner"), ("phases", "Add another phase")):
        container = page.split(f'<div data-add-another="{label}">', 1)[1].split("<h2", 1)[0]
        assert container.count(f'name="{section}-') and container.count("data-spare") == 4
    assert (
        'data-add-another="Add another fund"' in page and page.count("data-spare") == 8
    )  # one fund: no spare
    fields = {
        "partners-TOTAL_FORMS": "2",
        "partners-1-name": "Občina Hrastnik",
        "partners-1-role": "sofinanciranje",
    }
    assert _save(client, draft, w, **fields).status_code == 302
    assert list(draft.partners.values_list("name", flat=True)) == ["Zavod Luna", "Občina Hrastnik"]
    page = client.get(reverse("application", args=[draft.pk]), **EN).content.decode()
    assert "Remove this row" in page and 'name="partners-0-DELETE"' in page
    assert 'name="partners-2-DELETE"' not in page  # an empty row has nothing to remove
    app = Application.objects.get(pk=draft.pk)
    data = _draft_post(app, **{"funds-0-fund": str(w.fund.pk), "save": "1"})
    data.update(
        {
            "partners-TOTAL_FORMS": "2",
            "partners-INITIAL_FORMS": "2",
            "partners-0-name": "Zavod Luna",
            "partners-0-DELETE": "on",
            "partners-1-name": "Občina Hrastnik",
            "partners-1-role": "sofinanciranje",
        }
    )
    assert client.post(reverse("application", args=[draft.pk]), data).status_code == 302
    assert list(draft.partners.values_list("name", flat=True)) == ["Občina Hrastnik"]


# --------------------------------------------------------------------------- check your answers, submit


def test_check_your_answers_lists_everything_and_needs_every_declaration(client, published, draft):
    w = published
    r = _save(client, draft, w, button="check", **{"funds-0-requested": "30000,5"})
    check_url = reverse("application_check", args=[draft.pk])
    assert r.status_code == 302 and r["Location"] == check_url
    page = _page(client, "application_check", draft)
    for shown in ("Učne poti Zasavja", "Ureditev treh učnih poti.", "€30,000.50", "Zavod Luna", "delavnice"):
        assert shown in page
    assert "1 June 2027 – 31 December 2027" in page  # the page's (English) date format
    form = reverse("application", args=[draft.pk])
    for section in ("projekt", "zneski", "partnerji", "faze", "priloge"):
        assert f'href="{form}#{section}"' in page  # "Change" leads back to the section of the form
    assert page.count(">Change<") == 5
    for declaration in ApplicantDeclaration:
        assert str(declaration.label) in page
    version = Application.objects.get(pk=draft.pk).version
    some = list(DECLARED)[:-1]
    answer = client.post(check_url, {"version": version, "declarations": some}, **EN)
    assert (
        answer.status_code == 422
        and "Tick every declaration to submit the application." in answer.content.decode()
    )
    assert Application.objects.get(pk=draft.pk).status == ApplicationStatus.DRAFT
    answer = client.post(check_url, {"version": version, "declarations": list(DECLARED)})
    assert answer.status_code == 302
    app = Application.objects.get(pk=draft.pk)
    assert app.status == ApplicationStatus.SUBMITTED and app.declarations == list(DECLARED)
    assert answer["Location"] == reverse("application_submitted", args=[app.pk])


def test_the_confirmation_shows_the_reference_and_what_happens_next(client, published, draft):
    w = published
    app = fill(draft, w)
    r = client.post(
        reverse("application_check", args=[app.pk]), {"version": app.version, "declarations": list(DECLARED)}
    )
    page = client.get(r["Location"], **EN).content.decode()
    assert 'class="govuk-panel govuk-panel--confirmation"' in page
    assert "Application submitted" in page and "<strong>JP6/1</strong>" in page
    assert "What happens next" in page and "The call closes at 30 March 2027 at 12:00" in page
    assert "We do not send a confirmation by e-mail" in page  # and none is sent, so none is promised
    # a draft has no confirmation: it goes back to its form
    other = services.start_application(w.call, w.applicant, w.users["applicant"], "Druga")
    r = client.get(reverse("application_submitted", args=[other.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("application", args=[other.pk])


def test_a_check_made_stale_by_a_save_in_another_tab_is_refused(client, published, draft):
    w = published
    app = fill(draft, w)
    checked_version = app.version
    page = client.get(reverse("application_check", args=[app.pk])).content.decode()
    assert f'name="version" value="{checked_version}"' in page
    # meanwhile, in another tab, the amount changes
    assert _save(client, app, w, **{"funds-0-requested": "99.000,00"}).status_code == 302
    answer = client.post(
        reverse("application_check", args=[app.pk]),
        {"version": checked_version, "declarations": list(DECLARED)},
        **EN,
    )
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "The application changed after you opened this page" in page
    assert "€99,000.00" in page  # the answers shown now are the current ones, to be checked again
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.DRAFT


def test_an_attachment_added_after_the_check_also_makes_it_stale(
    client, published, draft, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    w = published
    app = fill(draft, w)
    checked_version = app.version
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    services.attachment_add(
        app, w.users["applicant"], kind="budget", upload=SimpleUploadedFile("p.pdf", pdf, "application/pdf")
    )
    answer = client.post(
        reverse("application_check", args=[app.pk]),
        {"version": checked_version, "declarations": list(DECLARED)},
    )
    assert answer.status_code == 409 and Application.objects.get(pk=app.pk).status == ApplicationStatus.DRAFT


def test_the_service_refuses_a_submission_without_the_declarations(published, draft):
    w = published
    app = fill(draft, w)
    with pytest.raises(services.Refused) as refused:
        services.submit(app, w.users["applicant"], declarations=[ApplicantDeclaration.TRUE])
    assert refused.value.field == "declarations"
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.DRAFT


# ---------------------------------------------------------------------------------------------- withdraw


def test_withdrawing_asks_first_and_only_the_confirmation_withdraws(client, published, draft):
    w = published
    app = fill(draft, w)
    form = client.get(reverse("application", args=[app.pk]), **EN).content.decode()
    withdraw_url = reverse("application_withdraw", args=[app.pk])
    link = re.search(rf'<a href="{withdraw_url}"[^>]*>', form).group(0)
    assert "govuk-button--warning" in link  # a link to the question, never a button beside "Submit"
    page = client.get(withdraw_url, **EN).content.decode()
    assert "Do you really want to withdraw the application “Zeleni Zasavje”?" in page
    assert "This cannot be undone" in page
    assert re.search(r'<button type="submit" class="govuk-button govuk-button--warning"', page)
    assert f'<a class="govuk-link" href="{reverse("application", args=[app.pk])}">Cancel</a>' in page
    # a POST without the confirmation (an old form, a stray request) only asks
    answer = client.post(withdraw_url, {"reason": "Ne zmoremo."}, **EN)
    assert answer.status_code == 200 and "Do you really want to withdraw" in answer.content.decode()
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.DRAFT
    answer = client.post(withdraw_url, {"confirm": "yes", "reason": "Ne zmoremo."})
    assert answer.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN and app.decision_reason == "Ne zmoremo."


# ------------------------------------------------------------------------------------- bounded queries


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_applicants_pages_run_a_bounded_number_of_queries(client, published, draft):
    w = published
    app = fill(draft, w)
    urls = [
        reverse("application", args=[app.pk]),
        reverse("application_check", args=[app.pk]),
        reverse("application_withdraw", args=[app.pk]),
    ]
    before = [_queries(client, u) for u in urls]
    data = services.DraftData(
        title=app.title,
        summary=app.summary,
        funds=[(w.fund.pk, Decimal("1000"))],
        partners=[{"name": f"Partner {i}", "role": "vloga"} for i in range(6)],
        phases=[
            {"title": f"{i}. faza", "start": None, "end": None, "amount": Decimal("10")} for i in range(6)
        ],
    )
    services.save_draft(app, w.users["applicant"], data, version=Application.objects.get(pk=app.pk).version)
    assert [_queries(client, u) for u in urls] == before
    app = services.submit(app, w.users["applicant"], declarations=DECLARED)
    assert _queries(client, reverse("application_submitted", args=[app.pk])) <= 12
