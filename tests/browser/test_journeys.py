"""Three journeys through the portal in headless Chromium, as the people who make them (issue 13, point 8):

1. a citizen finds a project on the home page's map and by the header's search (an inflected word);
2. an organisation new to Regija registers for an open call, confirms its e-mail address by the link it
   receives, is approved by the call's staff, signs in, applies with an amount typed the Slovenian way
   (``12.345,67``), checks its answers and submits;
3. the call's staff record an application's eligibility, decide it (an amount and a date typed day,
   month, year) and pay the holder's claim.

At each step the test asserts what the person sees (headings, amounts in the Slovenian format, status
tags), axe-core finds no WCAG 2.1 A/AA violation and the browser reports no violation of the
Content-Security-Policy; a screenshot of each step goes to ``REGIJA_ARTEFACTS``/journeys/
(``citizen-01-home.png`` …), for CI to keep. One window of 1280×900, in Slovenian.

The calls are built through their workflow (tests.factories) with the server clock held; what the
committee does between eligibility and the decision is done through the services (its pages have their
own tests). Playwright runs in a thread of its own (as in test_pages.py), so the test's own ORM calls
between the steps use the connection the server thread shares (SQLite only; see conftest.py). The
e-mails the server sends land in ``django.core.mail.outbox`` (the test's locmem backend, same process).
"""

from __future__ import annotations

import re

import pytest

from .conftest import _session, _sl

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

NBSP = "\u00a0"


# ------------------------------------------------------------------------------------------- 1. a citizen

# "Industrijska dediščina, naš ponos" (Gorenjska's regional programme): the citizen types the genitive
# "dediščine"; the search lemmatises it and finds the project.
SEARCH_WORD = "dediščine"
SEARCH_TITLE = "Industrijska dediščina, naš ponos"


def test_a_citizen_finds_a_project_by_the_map_and_by_search(db, journey):
    from playwright.sync_api import expect

    def home_map(page):
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "sl")
        expect(page.locator("#map.leaflet-container")).to_be_visible()
        markers = page.locator("#map .leaflet-marker-icon")
        expect(markers.first).to_be_visible()
        box = page.locator("#map").bounding_box()
        pins = markers.count()
        for i in range(pins):  # a pin points with its tip, which stands inside the map's box
            pin = markers.nth(i).bounding_box()
            tip_x, tip_y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"]
            assert box["x"] <= tip_x <= box["x"] + box["width"], f"pin {i} beside the map"
            assert box["y"] <= tip_y <= box["y"] + box["height"], f"pin {i} above or below the map"
        assert page.locator(".regija-places li a").count() == pins, "each pin is a place in the list too"
        expect(page.locator("#map-note")).to_be_visible()  # no tiles here: the page says so
        j.seen("home")

        # a pin (the last one drawn: on top of any it overlaps) opens a popup with a link to its project
        pin = markers.last
        name = pin.get_attribute("alt")
        pin.click()
        link = page.locator(".leaflet-popup-content a")
        expect(link).to_have_text(name)
        j.seen("pin-popup")
        link.click()
        page.wait_for_url("**/projekti/**")
        expect(page.locator("h1")).to_contain_text(name.split(" ", 1)[1])
        j.seen("project-from-the-map")

    def search(page):
        form = page.get_by_role("search")
        form.locator("input[name=q]").fill(SEARCH_WORD)
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/iskanje/\?q=.*"))
        expect(page.locator("#site-q")).to_have_value(SEARCH_WORD)
        hit = page.locator("main").get_by_role("link", name=SEARCH_TITLE)
        expect(hit.first).to_be_visible()
        j.seen("search-results")
        hit.first.click()
        page.wait_for_url("**/projekti/**")
        expect(page.locator("h1")).to_contain_text(SEARCH_TITLE)
        j.seen("project-from-the-search")

    j = journey("citizen")
    j.do(home_map)
    j.do(search)


def test_a_citizen_finds_the_nearest_aed_from_a_typed_address(db, journey):
    """Without a location from the browser: a typed address, the nearest defibrillators with distance and
    direction, and the nearest one's page with its opening hours."""
    from playwright.sync_api import expect

    from regija.places.demo import load_demo

    load_demo()  # the demo places of Velenje (the municipality comes with the seed documents)

    def nearest(page):
        page.goto("/kraji/")
        expect(page.locator("h1")).to_have_text("Kraji")
        page.get_by_label("Kje ste? (naslov, ulica ali kraj)").fill("Titov trg 1")
        page.get_by_label("Kaj iščete?").select_option("aed")
        page.get_by_role("button", name="Poišči najbližje").click()
        page.wait_for_url(re.compile(r".*/kraji/\?kje=Titov.*"))
        expect(page.locator("#nearest-title")).to_have_text("Najbližje: Titov trg")
        first = page.locator(".places-nearest li").first
        # the AED at the town hall, Titov trg 1, is where the street's point is: 0 m away
        expect(first).to_contain_text("AED Mestna občina Velenje")
        expect(first).to_contain_text("0 m")
        expect(page.locator(".places-nearest li")).to_have_count(5)
        expect(page.locator(".places-nearest li").nth(1)).to_contain_text(
            re.compile(r"\d+ m (sever|jug|vzhod|zahod)")
        )
        j.seen("nearest-aed")
        first.get_by_role("link").click()
        page.wait_for_url(re.compile(r".*/kraji/\d+/"))
        expect(page.locator("h1")).to_have_text("AED Mestna občina Velenje")
        expect(page.locator("main")).to_contain_text("odprto zdaj")  # 24/7
        expect(page.locator("main")).to_contain_text("ponazoritev")
        j.seen("aed-page")

    j = journey("citizen")
    j.do(nearest)


# ---------------------------------------------------------------------------------------- 2. an applicant

PERSON = {"first_name": "Maja", "last_name": "Kovač", "email": "maja.kovac@zavod-iskra.si"}
PASSWORD = "Iskra-Trbovlje-2027"
ORGANISATION = "Zavod Iskra"
# typed as people copy them from AJPES and FURS: a 10-digit registration number (the main unit, 000)
# and a VAT number; both with valid check digits (regija.core.identifiers)
REGISTRATION_NUMBER = "4128737000"
TAX_NUMBER = "SI 7215 9308"


@pytest.fixture
def open_call(db, clock):
    """The 6th call of LAS Zasavje, published and open (the clock held in its submission period), with no
    application yet; and a session of its staff (made before the server starts)."""
    from tests.factories import DURING, call_world, publish_call

    w = publish_call(call_world(), clock)
    clock(DURING)
    return w, _session(w.users["staff"])


def test_an_applicant_registers_applies_with_a_slovenian_amount_checks_and_submits(open_call, journey):
    from django.core import mail
    from playwright.sync_api import expect

    w, staff_session = open_call
    call_url = w.call.get_absolute_url()
    manage_url = f"/razpisi/{w.las.slug}/{w.call.slug}/upravljanje/"

    def register(page):
        page.goto(call_url)
        expect(page.locator("h1")).to_have_text(w.call.title)
        j.seen("call")
        page.get_by_role("button", name=_sl("Register your organisation to apply")).click()
        page.wait_for_url("**/registracija/")
        expect(page.locator("h1")).to_have_text(_sl("Register your organisation to apply"))
        j.seen("registration-form")
        for field, value in PERSON.items():
            page.fill(f"#id_{field}", value)
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.fill("#id_organisation_name", ORGANISATION)
        page.select_option("#id_organisation_kind", "ngo")
        page.fill("#id_registration_number", REGISTRATION_NUMBER)
        page.fill("#id_tax_number", TAX_NUMBER)
        page.fill("#id_address", "Trg revolucije 12, 1420 Trbovlje")
        page.locator("#id_consent").check()
        page.get_by_role("button", name=_sl("Register"), exact=True).click()
        page.wait_for_url("**/registracija/poslano/")
        expect(page.locator(".govuk-panel")).to_contain_text(PERSON["email"])
        j.seen("registration-sent")

    def confirm(page, link):
        page.goto(link)
        expect(page.locator("h1")).to_have_text(_sl("Confirm your e-mail address"))
        expect(page.locator("main")).to_contain_text(ORGANISATION)
        j.seen("confirm-link")
        page.get_by_role("button", name=_sl("Confirm my e-mail address")).click()
        expect(page.locator(".govuk-panel__title")).to_have_text(_sl("E-mail address confirmed"))
        j.seen("email-confirmed")

    def staff_approve(page):
        page.goto(manage_url)
        waiting = page.locator("#registrations ~ table").filter(has_text=ORGANISATION)
        expect(waiting).to_contain_text(PERSON["email"])
        j.seen("staff-call-management")
        waiting.get_by_role("link", name=ORGANISATION).click()
        expect(page.locator("main")).to_contain_text("4128737")
        j.seen("staff-registration")
        page.get_by_role("button", name=_sl("Approve"), exact=True).click()
        page.wait_for_url(f"**{manage_url}")
        expect(page.locator(".govuk-notification-banner")).to_contain_text(ORGANISATION)
        j.seen("staff-approved")

    def sign_in_and_start(page, link):
        page.goto(link)  # the same link now says where the registration stands
        page.get_by_role("button", name=_sl("Sign in")).click()
        page.wait_for_url(re.compile(r".*/prijava/\?next=.*"))
        j.seen("sign-in")
        page.fill("#id_login", PERSON["email"])
        page.fill("#id_password", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(f"**{call_url}")
        page.get_by_role("button", name=_sl("Apply for funding")).click()
        page.wait_for_url("**/prijava/")
        expect(page.locator("h1")).to_have_text(_sl("Apply for funding"))
        j.seen("application-start")
        page.fill("#id_title", "Učilnica v naravi")
        page.get_by_role("button", name=_sl("Start the application")).click()
        page.wait_for_url(re.compile(r".*/prijave/\d+/$"))
        expect(page.locator("h1")).to_have_text("Učilnica v naravi")

    def fill_and_save(page):
        page.fill("#id_summary", "Ureditev učilnice v naravi ob Zasavski poti.")
        page.fill("input[name=funds-0-requested]", "12.345,67")
        page.fill("input[name=phases-0-title]", "Izvedba")
        for part, value in (("day", "1"), ("month", "6"), ("year", "2027")):
            page.fill(f"input[name=phases-0-start_{part}]", value)
        for part, value in (("day", "30"), ("month", "11"), ("year", "2027")):
            page.fill(f"input[name=phases-0-end_{part}]", value)
        page.fill("input[name=phases-0-amount]", "12.345,67")
        page.get_by_role("button", name=_sl("Save draft")).click()
        expect(page.locator(".govuk-notification-banner")).to_be_visible()
        # the amount as typed, and beside it as understood
        expect(page.locator("input[name=funds-0-requested]")).to_have_value(re.compile(r"^12\.?345,67$"))
        understood = page.locator("#zneski ~ div").locator(".regija-understood").first
        expect(understood).to_contain_text(f"12.345,67{NBSP}€")
        j.seen("application-saved")
        page.get_by_role("button", name=_sl("Save and continue")).click()
        page.wait_for_url("**/pregled/")
        main = page.locator("main")
        expect(main).to_contain_text(f"12.345,67{NBSP}€")
        expect(main).to_contain_text("1. 6. 2027")
        j.seen("check-your-answers")
        for box in page.locator("input[name=declarations]").all():
            box.check()
        page.get_by_role("button", name=_sl("Submit the application")).click()
        page.wait_for_url("**/oddana/")
        expect(page.locator(".govuk-panel__title")).to_have_text(_sl("Application submitted"))
        expect(page.locator(".govuk-panel__body")).to_contain_text(f"{w.call.number}/1")
        j.seen("submitted")

    j = journey("applicant")
    j.do(register)
    (message,) = mail.outbox
    assert message.to == [PERSON["email"]]
    link = re.search(r"https?://\S+/registracija/potrditev/\S+/", message.body).group(0)
    j.do(confirm, link)
    j.be(staff_session)
    j.do(staff_approve)
    j.be(None)
    j.do(sign_in_and_start, link)
    j.do(fill_and_save)


# ------------------------------------------------------------------------------------------- 3. the staff


@pytest.fixture
def submitted_call(db, clock):
    """The 6th call after its deadline with one application submitted (50.000,00 € asked), and sessions
    of the call's staff and of the applicant (made before the server starts)."""
    from tests.factories import call_world, publish_call, submit_applications

    w = submit_applications(publish_call(call_world(), clock), clock, amounts=("50000.00",))
    return w, _session(w.users["staff"]), _session(w.users["applicant"])


def test_staff_check_eligibility_decide_and_pay_a_claim(submitted_call, journey):
    from playwright.sync_api import expect

    from regija.calls import services
    from regija.calls.models import ApplicationStatus
    from regija.projects.models import PaymentState
    from tests.factories import PASSING, score_all

    w, staff_session, holder_session = submitted_call
    (app,) = w.apps
    manage_url = f"/razpisi/{w.las.slug}/{w.call.slug}/upravljanje/"
    tag = "strong.govuk-tag"

    def eligibility(page):
        page.goto(manage_url)
        row = page.locator("main table tbody tr").filter(has_text=app.title)
        expect(row).to_contain_text(app.reference)
        expect(row.locator(tag)).to_have_text(_sl(ApplicationStatus.SUBMITTED.label))
        j.seen("call-management")
        row.get_by_role("link", name=_sl("Eligibility")).click()
        page.wait_for_url("**/upravicenost/")
        expect(page.locator("h1")).to_have_text(app.title)
        j.seen("eligibility")
        for radio in page.locator("input[type=radio][value=yes]").all():
            radio.check()
        page.get_by_role("button", name=_sl("Record the check")).click()
        page.wait_for_url(f"**{manage_url}")
        expect(page.locator(".govuk-notification-banner")).to_be_visible()
        j.seen("eligibility-recorded")

    def decide(page):
        page.goto(manage_url)
        page.get_by_role("button", name=_sl("Finish the evaluation")).click()
        page.wait_for_url(f"**{manage_url}")
        row = page.locator("main table tbody tr").filter(has_text=app.title)
        j.seen("evaluation-finished")
        row.get_by_role("link", name=_sl("Decide")).click()
        page.wait_for_url("**/odlocitev/")
        expect(page.locator("h1")).to_contain_text(app.title)
        j.seen("decision")
        page.fill(f"input[name=approved_{w.fund.pk}]", "45.000,00")
        page.fill("input[name=instrument_number]", "33110-12/2027")
        for part, value in (("day", "1"), ("month", "4"), ("year", "2027")):
            page.fill(f"input[name=instrument_date_{part}]", value)
        page.get_by_role("button", name=_sl("Approve and create the operation")).click()
        page.wait_for_url(f"**{manage_url}")
        row = page.locator("main table tbody tr").filter(has_text=app.title)
        expect(row.locator(tag)).to_have_text(_sl(ApplicationStatus.APPROVED.label))
        j.seen("approved")

    def claim(page, claims_url):
        page.goto(claims_url)
        page.fill("#id_label", "1. zahtevek")
        page.fill("#id_amount", "10.000,00")
        page.get_by_role("button", name=_sl("Submit the claim")).click()
        page.wait_for_url(f"**{claims_url}")
        claims = page.locator("main table").filter(has_text="1. zahtevek")
        expect(claims).to_contain_text(f"10.000,00{NBSP}€")
        j.seen("holder-claim")

    def pay(page, claims_url):
        page.goto(claims_url)
        waiting = page.locator("section.regija-row").filter(has_text="1. zahtevek")
        expect(waiting.locator("h3")).to_contain_text(f"10.000,00{NBSP}€")
        j.seen("claim-waiting")
        waiting.get_by_role("button", name=_sl("Mark checked")).click()
        page.wait_for_url(f"**{claims_url}")
        waiting = page.locator("section.regija-row").filter(has_text="1. zahtevek")
        for part, value in (("day", "2"), ("month", "4"), ("year", "2027")):
            waiting.locator(f"input[name=date_{part}]").fill(value)
        j.seen("claim-checked")
        waiting.get_by_role("button", name=_sl("Mark paid")).click()
        page.wait_for_url(f"**{claims_url}")
        row = page.locator("main table tbody tr").filter(has_text="1. zahtevek")
        expect(row.locator(tag)).to_have_text(_sl(PaymentState.PAID.label))
        expect(row).to_contain_text(f"10.000,00{NBSP}€")
        expect(row).to_contain_text("2. 4. 2027")
        expect(page.locator("section.regija-row")).to_have_count(0)  # nothing left waiting
        j.seen("claim-paid")

    j = journey("staff")
    j.be(staff_session)
    j.do(eligibility)
    # the committee's part, through the services (its pages are tested on their own)
    staff = w.users["staff"]
    services.assign_committee(w.call, staff)
    score_all(w, app, PASSING)
    services.finalise(app, next(s.user for s in w.seats if s.role == "chair"))
    j.do(decide)
    app.refresh_from_db()
    claims_url = f"/projekti/{app.project.strategy.slug}/{app.project.code}/zahtevki/"
    j.be(holder_session)
    j.do(claim, claims_url)
    j.be(staff_session)
    j.do(pay, claims_url)
