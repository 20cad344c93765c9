"""The participation pages: what each person sees and does, without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from regija.participation import services
from regija.participation.models import Comment, CommentReport, Consultation, Proposal, Support
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_portal_navigation_links_to_participation(place, client):
    assert 'href="/sodelovanje/"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    "path",
    ["/sodelovanje/", "/sodelovanje/obravnave/", "/pobude/", "/pobude/?stanje=new&razvrsti=podpore"],
)
def test_public_pages_answer(place, client, path):
    assert client.get(path).status_code == 200


def test_a_resident_comments_replies_and_reports_through_the_page(place, client):
    unit = place.consultation.units.get(label="U1")
    client.force_login(place.resident)
    url = place.consultation.get_absolute_url()
    r = client.post(f"/sodelovanje/komentarji/unit/{unit.pk}/", {"text": "Prvi", "next": url})
    c = Comment.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"#komentar-{c.pk}")
    client.post(f"/sodelovanje/komentarji/unit/{unit.pk}/", {"text": "Odgovor", "parent": c.pk, "next": url})
    assert Comment.objects.get(parent=c).depth == 1
    client.post(f"/sodelovanje/komentar/{c.pk}/prijava/", {"reason": "Test", "next": url})
    assert CommentReport.objects.filter(comment=c).exists()
    page = client.get(url).content.decode()
    assert "Prvi" in page and "Odgovor" in page


def test_a_refused_comment_says_why_and_writes_nothing(place, client):
    unit = place.consultation.units.get(label="U1")
    client.force_login(place.unconfirmed)
    r = client.post(f"/sodelovanje/komentarji/unit/{unit.pk}/", {"text": "Zdravo"}, follow=True)
    assert not Comment.objects.exists()
    assert "e-mail" in r.content.decode() or "e-pošt" in r.content.decode()


def test_staff_moderate_from_the_queue(place, client):
    unit = place.consultation.units.get(label="U1")
    c = services.comment_add(place.neighbour, unit, "Oglas za čevlje")
    services.comment_report(place.resident, c, "oglas")
    client.force_login(place.resident)
    assert client.get("/sodelovanje/moderiranje/").status_code == 403
    client.force_login(place.staff)
    page = client.get("/sodelovanje/moderiranje/").content.decode()
    assert "Oglas za čevlje" in page and "oglas" in page
    client.post(f"/sodelovanje/komentar/{c.pk}/skrij/", {"reason": "oglaševanje"})
    c.refresh_from_db()
    assert c.hidden_reason == "oglaševanje"
    assert "Oglas za čevlje" not in client.get("/sodelovanje/moderiranje/").content.decode()


def test_a_resident_makes_and_supports_a_proposal_and_withdraws(place, client):
    client.force_login(place.resident)
    assert client.get("/pobude/nova/").status_code == 200
    r = client.post(
        "/pobude/nova/",
        {
            "organisation": place.town.pk,
            "title": "Drevored",
            "text": "Zasadimo drevored.",
            "lat": "46.36",
            "lon": "15.11",
        },
    )
    p = Proposal.objects.get(title="Drevored")
    assert r.status_code == 302 and r["Location"] == p.get_absolute_url()
    client.post(f"/pobude/{p.pk}/podpora/")
    assert Support.objects.filter(proposal=p, user=place.resident).exists()
    page = client.get(p.get_absolute_url()).content.decode()
    assert "openstreetmap.org/?mlat=46.360000" in page
    client.post(f"/pobude/{p.pk}/podpora/", {"withdraw": "1"})
    assert not Support.objects.filter(proposal=p).exists()


def test_a_person_without_residency_is_told_how_to_get_one(place, client):
    client.force_login(place.neighbour)
    page = client.get("/pobude/nova/").content.decode()
    assert 'name="title"' not in page


def test_staff_review_a_proposal_on_its_page(place, client):
    client.force_login(place.staff)
    page = client.get(place.proposal.get_absolute_url()).content.decode()
    assert 'name="state"' in page
    client.post(f"/pobude/{place.proposal.pk}/stanje/", {"state": "rejected", "text": ""})
    place.proposal.refresh_from_db()
    assert place.proposal.state == "new"
    client.post(f"/pobude/{place.proposal.pk}/stanje/", {"state": "rejected", "text": "Ni izvedljivo."})
    place.proposal.refresh_from_db()
    assert place.proposal.state == "rejected"
    assert "Ni izvedljivo." in client.get(place.proposal.get_absolute_url()).content.decode()


def test_the_overdue_list_is_for_staff(place, client, clock):
    place.proposal.respond_by = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    place.proposal.save()
    client.force_login(place.resident)
    assert client.get("/pobude/zamujene/").status_code == 403
    client.force_login(place.staff)
    assert "Klopi v parku" in client.get("/pobude/zamujene/").content.decode()


def test_staff_start_a_consultation_of_an_uploaded_act(place, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(place.staff)
    assert client.get("/sodelovanje/obravnave/nova/").status_code == 200
    r = client.post(
        "/sodelovanje/obravnave/nova/",
        {
            "organisation": place.town.pk,
            "title": "Odlok o hrupu",
            "opens_day": "1",
            "opens_month": "1",
            "opens_year": "2027",
            "closes_day": "31",
            "closes_month": "1",
            "closes_year": "2027",
            "act_file": SimpleUploadedFile("odlok.txt", "1. člen\n\n2. člen\n".encode()),
        },
    )
    c = Consultation.objects.get(title="Odlok o hrupu")
    assert r.status_code == 302 and c.units.count() == 2 and c.act_name == "odlok.txt"
    assert c.closes_at == dt.datetime(2027, 1, 31, 23, tzinfo=dt.UTC)  # the end of 31 January in Ljubljana
    client.force_login(place.resident)
    assert client.get("/sodelovanje/obravnave/nova/").status_code == 403


def test_the_agenda_item_page_and_the_person_page(place, client):
    from tests.factories import AgendaItemFactory, BodyFactory, SessionFactory

    item = AgendaItemFactory(session=SessionFactory(body=BodyFactory(organisation=place.town), date=None))
    services.comment_add(place.neighbour, item, "Kdaj bo seja, @metka?")
    page = client.get(f"/sodelovanje/seje/tocka/{item.pk}/").content.decode()
    assert 'href="/sodelovanje/osebe/metka/">@metka</a>' in page
    assert "Kdaj bo seja" in client.get("/sodelovanje/osebe/janez/").content.decode()
    assert client.get(f"/sodelovanje/osebe/{UserFactory(is_active=False).username}/").status_code == 404


@pytest.mark.real_cache
def test_the_kept_proposal_list_shows_a_new_proposal_at_once(place, client, commit):
    client.force_login(place.staff)  # not served by the response cache: the rows are kept
    assert "Klopi v parku" in client.get("/pobude/").content.decode()
    commit(
        services.proposal_create,
        place.resident,
        services.ProposalData(
            organisation=place.town, title="Pitnik na trgu", text="Voda za vse.", lat=46.36, lon=15.11
        ),
    )
    page = client.get("/pobude/").content.decode()
    assert "Pitnik na trgu" in page and 'id="map-data"' in page


def test_the_proposal_list_pages_keep_the_filters_and_nothing_else(place, client, settings):
    settings.REGIJA_PROPOSALS_PER_DAY = 30
    for n in range(25):  # with the fixture's proposal: 26, two pages of 25
        services.proposal_create(
            place.resident,
            services.ProposalData(organisation=place.town, title=f"Pobuda {n}", text="Besedilo."),
        )
    page = client.get("/pobude/?stanje=new&razvrsti=podpore&fbclid=abc").content.decode()
    assert 'href="?stanje=new&amp;razvrsti=podpore&amp;page=2"' in page
    assert not [link for link in re.findall(r'href="\?([^"]*)"', page) if "fbclid" in link]
