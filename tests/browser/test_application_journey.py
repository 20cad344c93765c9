"""An applicant's journey in headless Chromium (issue 13, point 2): the draft form adds a partner row
without saving (the page script shows a spare row), an impossible date is refused with its message,
"check your answers" shows the amount as understood, the declarations are ticked, and the confirmation
gives the reference – all under the Content-Security-Policy. See conftest.py for the live server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]


@pytest.fixture
def signed_in_draft(db, clock):
    """A draft of an open call and the applicant's session – made before the live server starts (a SQLite
    write while it runs finds the table locked)."""
    from django.db import connection
    from django.test import Client

    from regija.calls import services
    from tests.factories import DURING, call_world, publish_call

    if connection.vendor != "sqlite":
        pytest.skip("needs the server thread to share the test's connection (SQLite)")
    w = publish_call(call_world(), clock)
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    client = Client()
    client.force_login(w.users["applicant"])
    return app, client.cookies["sessionid"].value


def test_an_applicant_adds_rows_checks_the_answers_and_submits(
    signed_in_draft, live_url, browser_page, csp_violations
):
    from playwright.sync_api import expect

    app, session = signed_in_draft
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_url}])
    page.goto(f"/prijave/{app.pk}/")

    # the spare rows wait behind "add another"; one click shows one more partner row
    partners = page.locator("[data-add-another]").filter(has=page.locator("input[name$='-role']"))
    expect(partners.locator("fieldset.regija-row:visible")).to_have_count(1)
    partners.locator("button").click()
    expect(partners.locator("fieldset.regija-row:visible")).to_have_count(2)
    expect(page.locator("input[name=partners-1-name]")).to_be_focused()

    page.fill("#id_summary", "Ureditev treh učnih poti.")
    page.fill("input[name=funds-0-requested]", "12345,67")
    page.fill("input[name=partners-0-name]", "Zavod Luna")
    page.fill("input[name=partners-1-name]", "Občina Hrastnik")
    page.fill("input[name=phases-0-title]", "1. faza")
    for part, value in (("day", "31"), ("month", "2"), ("year", "2027")):
        page.fill(f"input[name=phases-0-start_{part}]", value)
    page.fill("input[name=phases-0-amount]", "12345,67")
    page.locator("button[name=check]").click()

    # refused: the error summary names the date; what was typed is still there, the amount understood
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("31. 2. 2027")
    expect(page.locator("input[name=partners-1-name]")).to_have_value("Občina Hrastnik")
    expect(page.locator("#zneski ~ div").locator(".regija-understood").first).to_contain_text("12.345,67 €")
    page.fill("input[name=phases-0-start_day]", "28")
    page.locator("button[name=check]").click()

    page.wait_for_url(f"**/prijave/{app.pk}/pregled/")
    expect(page.locator("main")).to_contain_text("12.345,67 €")
    expect(page.locator("main")).to_contain_text("Občina Hrastnik")
    expect(page.locator("main")).to_contain_text("28. 2. 2027")
    for box in page.locator("input[name=declarations]").all():
        box.check()
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"**/prijave/{app.pk}/oddana/")
    expect(page.locator(".govuk-panel--confirmation")).to_contain_text("JP6/1")
    assert csp_violations == [], "the application's pages broke the Content-Security-Policy"
