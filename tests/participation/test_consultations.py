"""Consultations: a draft strategy or an act, the report of comments and answers (HTML and DOCX)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone, translation

from regija.core.services import Forbidden, Refused
from regija.participation import acts, report, services
from regija.participation.models import Consultation, Unit
from tests.factories import StrategyFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def act_data(place, paragraphs, **kw):
    now = timezone.now()
    return services.ConsultationData(
        **{
            "organisation": place.town,
            "title": "Odlok o parkiranju",
            "opens_at": now,
            "closes_at": now + dt.timedelta(days=30),
            "act_name": "Odlok o parkiranju",
            "act_paragraphs": paragraphs,
            **kw,
        }
    )


def _docx(paragraphs):
    from docx import Document

    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_an_act_becomes_numbered_paragraphs_from_text_and_from_docx(place):
    text = "1. člen\nOdlok ureja\nparkiranje.\n\n2. člen\nVelja povsod.\n"
    assert acts.paragraphs("odlok.txt", text.encode()) == [
        "1. člen Odlok ureja parkiranje.",
        "2. člen Velja povsod.",
    ]
    assert acts.paragraphs("odlok.docx", _docx(["Prvi", "", "Drugi"])) == ["Prvi", "Drugi"]
    c = services.consultation_create(
        place.staff, act_data(place, acts.paragraphs("o.docx", _docx(["A", "B"])))
    )
    assert [(u.label, u.text) for u in c.units.order_by("order")] == [("1.", "A"), ("2.", "B")]


def test_pdf_and_unreadable_files_are_refused_with_a_message(place):
    with pytest.raises(Refused, match="PDF"):
        acts.paragraphs("odlok.pdf", b"%PDF-1.4 ...")
    with pytest.raises(Refused, match="Word"):
        acts.paragraphs("odlok.docx", b"PK not really")
    with pytest.raises(Refused, match="no paragraphs"):
        acts.paragraphs("prazno.txt", b"\n\n")


def test_only_a_draft_strategy_of_the_organisation_goes_to_consultation(place):
    adopted = StrategyFactory(status="adopted", owners=[place.town])
    with pytest.raises(Refused, match="draft") as err:
        services.consultation_create(place.staff, act_data(place, None, strategy=adopted))
    assert err.value.field == "strategy"
    foreign = StrategyFactory(status="draft", owners=[place.other])
    with pytest.raises(Refused, match="not the organisation"):
        services.consultation_create(place.staff, act_data(place, None, strategy=foreign))


def test_either_a_strategy_or_an_act(place):
    with pytest.raises(Refused, match="either"):
        services.consultation_create(place.staff, act_data(place, None))
    with pytest.raises(Refused, match="either"):
        services.consultation_create(place.staff, act_data(place, ["A"], strategy=place.strategy))


def test_the_period_must_make_sense(place):
    now = timezone.now()
    with pytest.raises(Refused) as err:
        services.consultation_create(place.staff, act_data(place, ["A"], opens_at=now, closes_at=now))
    assert err.value.field == "closes_at"


def test_only_the_organisations_editors_start_one_and_nothing_is_half_written(place):
    for who in (place.resident, member("viewer", place.town, username="bralka")):
        with pytest.raises(Forbidden):
            services.consultation_create(who, act_data(place, ["A"]))
    with pytest.raises(Refused):
        services.consultation_create(place.staff, act_data(place, ["A", "x" * 10001]))
    assert Consultation.objects.count() == 1 and Unit.objects.count() == 3


def test_the_report_is_published_after_the_close_with_every_comment_and_answer(place, clock, client):
    c = place.consultation
    u1 = c.units.get(label="U1")
    one = services.comment_add(place.neighbour, u1, "Več kolesarskih stez.")
    services.comment_answer(place.staff, one, "Upoštevamo v ukrepu 1.2.")
    two = services.comment_add(place.resident, u1, "Oglas!")
    services.comment_hide(place.staff, two, "oglaševanje")
    with pytest.raises(Refused, match="after the consultation closes"):
        services.consultation_publish_report(place.staff, c)
    assert client.get(f"/sodelovanje/obravnave/{c.slug}/porocilo/").status_code == 404
    clock(c.closes_at + dt.timedelta(minutes=1))
    with pytest.raises(Forbidden):
        services.consultation_publish_report(place.resident, c)
    services.consultation_publish_report(place.staff, c)
    with translation.override("en"), pytest.raises(Refused, match="already"):
        services.consultation_publish_report(place.staff, c)

    r = report.build(c)
    assert r.counts == {"comments": 2, "answered": 1, "hidden": 1, "people": 2}
    page = client.get(f"/sodelovanje/obravnave/{c.slug}/porocilo/").content.decode()
    assert "Več kolesarskih stez." in page and "Upoštevamo v ukrepu 1.2." in page
    assert "Oglas!" not in page and "oglaševanje" in page

    response = client.get(f"/sodelovanje/obravnave/{c.slug}/porocilo.docx")
    assert response.status_code == 200
    from docx import Document

    doc = Document(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    cells = [cell.text for t in doc.tables for row in t.rows for cell in row.cells]
    assert "Več kolesarskih stez." in cells and "Upoštevamo v ukrepu 1.2." in cells
    assert "Oglas!" not in cells
    assert doc.core_properties.title == c.title


def test_the_report_reads_in_a_fixed_number_of_queries(place, clock, django_assert_max_num_queries):
    c = place.consultation
    for u in c.units.all():
        for i in range(3):
            services.comment_add(place.neighbour, u, f"Komentar {i} @metka")
    clock(c.closes_at + dt.timedelta(minutes=1))
    services.consultation_publish_report(place.staff, c)
    with django_assert_max_num_queries(6):
        r = report.build(c)
        report.blocks(r)


def test_the_consultation_page_reads_answered_comments_in_a_fixed_number_of_queries(place, client):
    """Each answer says which organisation gave it: read with the comments, not once per answer (the
    page of a consultation with 240 answers ran 246 queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = place.consultation
    units = list(c.units.all())

    def answered(n):
        for i in range(n):
            comment = services.comment_add(place.neighbour, units[i % len(units)], f"Komentar {i}")
            services.comment_answer(place.staff, comment, f"Odgovor {i}")

    def queries():
        with CaptureQueriesContext(connection) as q:
            page = client.get(c.get_absolute_url())
        assert page.status_code == 200
        return len(q.captured_queries), page.content.decode()

    answered(1)
    one, _ = queries()
    answered(6)
    seven, html = queries()
    assert html.count("Odgovor ") == 7
    assert seven == one


def test_a_part_shows_its_newest_threads_and_all_of_them_on_request(place, client):
    """A part of a busy consultation shows its three newest threads (each with its replies) and a
    link to all its comments; links to the part – where a new comment leads back to – show them all."""
    from regija.participation.views import THREADS_SHOWN

    c = place.consultation
    unit, other = list(c.units.order_by("order"))[:2]
    first = [services.comment_add(place.neighbour, unit, f"Nit {i}") for i in range(THREADS_SHOWN + 2)]
    services.comment_add(place.resident, unit, "Odgovor na prvo nit", parent=first[0])
    services.comment_add(place.neighbour, other, "Na drugem delu")

    page = client.get(c.get_absolute_url()).content.decode()
    shown = [f"Nit {i}" for i in range(2, THREADS_SHOWN + 2)]
    assert all(text in page for text in shown)
    assert "Nit 0" not in page and "Nit 1" not in page and "Odgovor na prvo nit" not in page
    assert "Na drugem delu" in page
    assert f"?enota={unit.pk}#enota-{unit.pk}" in page  # all 6 comments of the part, 2 threads left out

    everything = client.get(unit.get_absolute_url()).content.decode()
    assert all(f"Nit {i}" in everything for i in range(THREADS_SHOWN + 2))
    assert "Odgovor na prvo nit" in everything and "Na drugem delu" in everything


@pytest.mark.real_cache
def test_anonymous_readers_get_the_kept_page_until_a_comment_is_published(
    place, client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """The consultation's and a proposal's pages are kept for anonymous readers (a busy consultation
    renders in about 100 ms) – and a published comment or answer shows at once."""
    c = place.consultation
    unit = c.units.order_by("order").first()
    for url in (c.get_absolute_url(), place.proposal.get_absolute_url()):
        first = client.get(url)
        assert first.status_code == 200
        # the data version and the next moment a consultation opens or closes or an answer falls due
        # (three queries, participation.selectors.clock_key): the page itself comes from the cache
        with django_assert_max_num_queries(4):
            assert client.get(url).content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(place.neighbour, unit, "Komentar po shranjeni strani")
    assert "Komentar po shranjeni strani" in client.get(c.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_answer(place.staff, comment, "Uradni odgovor po shranjeni strani")
    assert "Uradni odgovor po shranjeni strani" in client.get(c.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(place.neighbour, place.proposal, "Komentar pobude")
    assert "Komentar pobude" in client.get(place.proposal.get_absolute_url()).content.decode()
