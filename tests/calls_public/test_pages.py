"""Public pages of calls: list, detail, results and documents."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from regija.calls.models import CallDocument
from tests.factories import ApplicationPartnerFactory, BodyFactory, OrganisationFactory

from .conftest import DAY, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]


def test_list_shows_public_calls_by_state(client, calls):
    r = client.get("/razpisi/")
    assert r.status_code == 200
    html = r.content.decode()
    for key in ("upcoming", "open", "closed", "evaluated", "decided", "archived"):
        assert calls[key].title in html, key
    assert calls["draft"].title not in html
    assert 'aria-current="page">Razpisi' in html or 'aria-current="page"' in html
    # the deadline in Ljubljana time, Slovenian style
    assert "do 25. 6. 2030 ob 12:00" in html or "25. 6. 2030" in html


def test_list_filters_by_state_and_organisation(client, calls):
    html = client.get("/razpisi/?stanje=open").content.decode()
    assert calls["open"].title in html and calls["closed"].title not in html
    html = client.get("/razpisi/?stanje=closed").content.decode()
    assert (
        calls["closed"].title in html and calls["decided"].title in html and calls["open"].title not in html
    )
    html = client.get("/razpisi/?stanje=archive&organizacija=las-preizkus").content.decode()
    assert calls["archived"].title in html and calls["open"].title not in html
    assert client.get("/razpisi/?stanje=nonsense").status_code == 200


def test_english_deadline(client, calls):
    client.cookies["django_language"] = "en"
    html = client.get("/razpisi/?stanje=open", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "until 25 June 2030 at 12:00" in html


def test_deadline_in_ljubljana_time(client, calls):
    html = client.get("/razpisi/?stanje=open").content.decode()
    assert "25. 6. 2030 ob 12:00" in html


def test_open_call_moves_to_closed_after_the_deadline(client, calls, frozen):
    call = calls["open"]
    frozen.move_to(call.closes_at - dt_second())
    assert call.title in client.get("/razpisi/?stanje=open").content.decode()
    frozen.move_to(call.closes_at + dt_second())
    assert call.title not in client.get("/razpisi/?stanje=open").content.decode()
    assert call.title in client.get("/razpisi/?stanje=closed").content.decode()


def dt_second():
    return DAY / 86400


def test_detail(client, calls):
    call = calls["open"]
    r = client.get(f"/razpisi/las-preizkus/{call.slug}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert call.title in html and "Besedilo poziva." in html
    assert "Inovativnost" in html and "Trajnost" in html
    assert "Prijavitelj ima sedež" in html
    assert "CLLD" in html


def test_detail_apply_link_only_when_open_and_routed(client, calls, monkeypatch):
    from regija.calls import views_public

    html = client.get(f"/razpisi/las-preizkus/{calls['closed'].slug}/").content.decode()
    assert "/prijava-na-razpis/" not in html
    monkeypatch.setattr(
        views_public, "reverse", lambda name, args: f"/prijava-na-razpis/{args[0]}/{args[1]}/"
    )
    html = client.get(f"/razpisi/las-preizkus/{calls['open'].slug}/").content.decode()
    assert "/prijava-na-razpis/las-preizkus/odprt/" in html
    html = client.get(f"/razpisi/las-preizkus/{calls['closed'].slug}/").content.decode()
    assert "/prijava-na-razpis/" not in html


def test_detail_committee(client, calls):
    html = client.get(f"/razpisi/las-preizkus/{calls['decided'].slug}/").content.decode()
    assert "Ana Predsednica" in html and "Bojan Član" in html
    assert "/razpisi/las-preizkus/odlocen/rezultati/" in html


def test_draft_is_404_everywhere(client, calls):
    draft = calls["draft"]
    assert client.get(f"/razpisi/las-preizkus/{draft.slug}/").status_code == 404
    assert client.get(f"/razpisi/las-preizkus/{draft.slug}/rezultati/").status_code == 404


def test_results_only_when_decided_or_archived(client, calls):
    for key in ("upcoming", "open", "closed", "evaluated"):
        assert client.get(f"/razpisi/las-preizkus/{calls[key].slug}/rezultati/").status_code == 404, key
    assert client.get(f"/razpisi/las-preizkus/{calls['archived'].slug}/rezultati/").status_code == 200


def test_results_table(client, calls):
    r = client.get(f"/razpisi/las-preizkus/{calls['decided'].slug}/rezultati/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Podjetje Ena d.o.o." in html
    assert "Operacija 1" in html and "330-1/2030" in html
    assert "Prijavitelj je odstopil od izvedbe." in html  # withdrawn, with its reason
    assert "Ni doseglo praga točk." in html and "Prijavitelj nima sedeža na območju." in html
    # totals: 40 000 + 20 000 + 10 000 approved; 15 000 + 5 000 paid (claims do not count)
    assert "70.000,00" in html and "20.000,00" in html
    assert "<tfoot>" in html and "<caption>" in html


def test_results_name_a_foreign_partners_country(client, calls):
    from regija.calls.models import Application

    a1 = Application.objects.get(call=calls["decided"], number=1)
    foreign = OrganisationFactory(name="Regionalentwicklung Steiermark", kind="agency", country="AT")
    ApplicationPartnerFactory(application=a1, organisation=foreign, name=foreign.name, role="partner")
    html = client.get(f"/razpisi/las-preizkus/{calls['decided'].slug}/rezultati/").content.decode()
    assert "Regionalentwicklung Steiermark" in html and "Avstrija" in html


def test_results_ranking_by_average_of_final_sheets(calls):
    from regija.calls.selectors import call_results

    results = call_results("las-preizkus", "odlocen", NOW)
    a1 = next(r for r in results.approved if r.application.number == 1)
    assert a1.average == 80  # the corrected v2 (90) with the other evaluator's 70
    assert a1.rank == 1
    r1, r2 = results.not_selected
    assert r1.application.number == 4 and r1.average == 42.5 and r1.rank == 2  # draft v2 does not count
    assert r2.application.number == 5 and r2.average is None  # the only sheet is a recused evaluator's
    assert results.paid_total == 20000


def test_results_never_name_a_natural_person(client, calls):
    for lang in ("sl", "en"):
        client.cookies["django_language"] = lang
        html = client.get(f"/razpisi/las-preizkus/{calls['decided'].slug}/rezultati/").content.decode()
        assert "Janez Zasebnik" not in html and "Zasebna ulica" not in html and "janez-zasebnik" not in html
        assert "Mojca Partnerka" not in html and "mojca-partnerka" not in html
        assert ("fizična oseba" if lang == "sl" else "natural person") in html or "natural person" in html


def _document(call, name="razpis.pdf", body=b"%PDF-1.4 test"):
    doc = CallDocument(call=call, title="Besedilo razpisa", content_type="application/pdf", size=len(body))
    doc.file.save(name, ContentFile(body), save=True)
    return doc


def test_document_download(client, calls, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = _document(calls["open"])
    html = client.get(f"/razpisi/las-preizkus/{calls['open'].slug}/").content.decode()
    url = f"/razpisi/las-preizkus/{calls['open'].slug}/dokumenti/{doc.pk}/"
    assert url in html
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")
    assert b"".join(r.streaming_content) == b"%PDF-1.4 test"
    # the document of one call is not served under another call's address
    assert client.get(f"/razpisi/las-preizkus/{calls['closed'].slug}/dokumenti/{doc.pk}/").status_code == 404


def test_document_of_a_draft_is_404(client, calls, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = _document(calls["draft"])
    assert client.get(f"/razpisi/las-preizkus/{calls['draft'].slug}/dokumenti/{doc.pk}/").status_code == 404
    assert client.get(f"/media/{doc.file.name}").status_code == 404


def test_nav_item(client, calls):
    html = client.get("/razpisi/").content.decode()
    assert 'href="/razpisi/" aria-current="page"' in html


@pytest.mark.real_cache(False)  # counts the queries of rendering the page
def test_organisation_page_links_calls_and_bodies_with_bounded_queries(client, calls, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_api import _more_calls

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    before, html = count("/organizacije/las-preizkus/")
    assert calls["open"].title in html and calls["draft"].title not in html
    assert "/razpisi/?organizacija=las-preizkus" in html
    _more_calls(org)
    for i in range(4):
        BodyFactory(organisation=org, slug=f"organ-{i}", kind="other", name=f"Organ {i}")
    after, html = count("/organizacije/las-preizkus/")
    assert after == before
    assert "/organizacije/las-preizkus/organi/#body-organ-0" in html
    zasavje, html = count("/organizacije/las-zasavje/")
    assert (
        "Upravni odbor Partnerstva LAS Zasavje" in html and "5. javni poziv Partnerstva LAS Zasavje" in html
    )
