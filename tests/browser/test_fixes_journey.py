"""Issue 18's report journey in headless Chromium, as an anonymous resident makes it: on the new-report
form they pick the street-light category and click the map where the light is (the map picker fills the
latitude and longitude), go on, answer the category's question, describe the problem and attach a photo
taken by a phone (with its GPS position in the EXIF), give their e-mail address and send; they confirm the
report by the link in the captured e-mail and find it on the public map's list. The municipality's staff
answer it and mark it fixed; the resident gets the answer by e-mail with a link to rate the response,
and rates it 4. The stored photo has no EXIF left.

As in test_participation_journeys.py: at each step axe-core finds no WCAG 2.1 A/AA violation and the
browser reports no violation of the Content-Security-Policy; the e-mails land in
``django.core.mail.outbox`` (the live server runs in this process). SQLite only (see conftest.py).
"""

from __future__ import annotations

import io
import re

import pytest

from .conftest import _sl

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

EMAIL = "ana.kranjc@example.si"
LIMIT = 90


@pytest.fixture
def town(db):
    from regija.fixes.models import Service
    from tests.factories import OrganisationFactory, member

    municipality = OrganisationFactory(slug="obcina-svetilke", name="Občina Svetilke", kind="municipality")
    Service.objects.create(
        organisation=municipality,
        code="javna-razsvetljava",
        name="Javna razsvetljava",
        attributes=[
            {
                "code": "kind",
                "description": "Kaj je narobe?",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dark", "name": "Ne sveti"}, {"key": "blink", "name": "Utripa"}],
            }
        ],
    )
    return municipality, member("editor", municipality, username="svetilke-staff")


def _phone_photo(path) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (46.0, 3.0, 4.0), 3: "E", 4: (14.0, 30.0, 18.0)}
    Image.new("RGB", (640, 480), (30, 30, 60)).save(path, "JPEG", exif=exif)


def test_a_resident_reports_a_broken_light_and_rates_the_answer(
    town, journey, tmp_path, django_capture_on_commit_callbacks
):
    from django.core import mail
    from PIL import Image
    from playwright.sync_api import expect

    from regija.fixes import services
    from regija.fixes.models import Report, Status

    municipality, staff = town
    photo = tmp_path / "svetilka.jpg"
    _phone_photo(photo)
    j = journey("fixes", limit=LIMIT)

    def report(page):
        page.goto("/prijave-tezav/nova/")
        page.select_option("#id_service", "javna-razsvetljava")
        picker = page.locator("#map")
        expect(picker).to_be_visible()  # Leaflet loaded (the tiles are refused, the map still draws)
        box = picker.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("#id_lat")).not_to_have_value("")
        expect(page.locator("#id_lon")).not_to_have_value("")
        j.seen("place")
        page.get_by_role("button", name=_sl("Next")).click()
        page.wait_for_selector("#id_description")
        page.select_option("[name='attribute[kind]']", "dark")
        page.fill("#id_description", "Svetilka pred vrtcem ne sveti že tri dni.")
        page.set_input_files("#id_photos", str(photo))
        page.fill("#id_email", EMAIL)
        j.seen("details")
        page.get_by_role("button", name=_sl("Send the report")).click()
        page.wait_for_selector(".govuk-panel")
        j.seen("sent")

    with django_capture_on_commit_callbacks(execute=True):
        j.do(report)
    (confirm_mail,) = [m for m in mail.outbox if m.to == [EMAIL]]
    link = re.search(r"https?://\S+/prijave-tezav/potrdi/\S+/", confirm_mail.body).group(0)
    made = Report.objects.get()
    assert made.confirmed_at is None

    def confirm(page, path):
        page.goto(path)
        page.wait_for_url(re.compile(rf".*/prijave-tezav/{made.pk}/$"))
        expect(page.locator("main")).to_contain_text("Svetilka pred vrtcem ne sveti že tri dni.")
        expect(page.locator("main")).not_to_contain_text(EMAIL)
        j.seen("confirmed")
        page.goto("/prijave-tezav/")
        expect(page.locator(".regija-places")).to_contain_text(_sl("Report %(n)s") % {"n": made.pk})
        expect(page.locator("#map")).to_be_visible()
        j.seen("on-the-map")

    with django_capture_on_commit_callbacks(execute=True):
        j.do(confirm, "/" + link.split("/", 3)[3])
    made.refresh_from_db()
    assert made.confirmed_at is not None
    with made.photos.get().image.open("rb") as stored:
        assert dict(Image.open(io.BytesIO(stored.read())).getexif()) == {}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_handle(
            staff, made, services.Handling(status=Status.FIXED, answer="Zamenjali smo žarnico.")
        )
    (answer_mail,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert "Zamenjali smo žarnico." in answer_mail.body
    rate = re.search(r"https?://\S+/prijave-tezav/\d+/ocena/\S+/", answer_mail.body).group(0)

    def rating(page, path):
        page.goto(path)
        j.seen("rate")
        page.locator("#rating-4").check()
        page.fill("#comment", "Hitro.")
        page.get_by_role("button", name=_sl("Send the rating")).click()
        page.wait_for_url(re.compile(rf".*/prijave-tezav/{made.pk}/$"))
        expect(page.locator("main")).to_contain_text("Zamenjali smo žarnico.")
        j.seen("rated")

    j.do(rating, "/" + rate.split("/", 3)[3])
    made.refresh_from_db()
    assert made.rating == 4 and made.status == Status.FIXED
