"""Comment threads are kept rendered until the data changes, per what a person may do there – and still
each person gets their own forms: their own CSRF token, the answer and hide forms only where they
answer and moderate, and a new comment at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from regija.participation import services
from regija.participation.models import Comment
from tests.factories import resident

pytestmark = [pytest.mark.django_db, pytest.mark.real_cache]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _signed_in(user) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


def test_two_residents_each_reply_with_their_own_token_from_the_kept_thread(place, commit):
    first = commit(services.comment_add, place.neighbour, place.proposal, "Klopi naj bodo lesene.")
    other = resident(place.town, username="ana")
    url = place.proposal.get_absolute_url()
    # the first resident's visit keeps the thread; the second is served the kept one
    metka, ana = _signed_in(place.resident), _signed_in(other)
    assert metka.get(url).status_code == 200
    page = ana.get(url).content.decode()
    assert "Klopi naj bodo lesene." in page
    reply_form = page[page.index(f'name="parent" value="{first.pk}"') - 600 :]
    token = TOKEN.search(reply_form).group(1)
    answer = ana.post(
        f"/sodelovanje/komentarji/proposal/{place.proposal.pk}/",
        {"csrfmiddlewaretoken": token, "parent": first.pk, "text": "Se strinjam.", "next": url},
    )
    assert answer.status_code == 302  # not 403: the token in Ana's page is Ana's
    assert Comment.objects.get(parent=first).author == other


def test_no_token_of_anyone_is_kept_in_the_cache(place, commit):
    from django.core.cache import cache

    commit(services.comment_add, place.neighbour, place.proposal, "Klopi naj bodo lesene.")
    metka = _signed_in(place.resident)
    page = metka.get(place.proposal.get_absolute_url()).content.decode()
    tokens = set(TOKEN.findall(page))
    assert tokens
    kept = [v for v in cache._cache.values()]  # LocMemCache: pickled values
    assert kept and not any(t.encode() in blob for t in tokens for blob in kept)


def test_staff_answer_and_hide_where_residents_who_came_first_only_reply(place, commit):
    unit = place.consultation.units.get(label="U1")
    commit(services.comment_add, place.resident, unit, "Več kolesarskih poti.")
    url = place.consultation.get_absolute_url()
    seen_by_resident = _signed_in(place.resident).get(url).content.decode()
    assert "Your reply" in seen_by_resident or "Vaš odgovor" in seen_by_resident
    assert 'name="answer"' not in seen_by_resident
    seen_by_staff = _signed_in(place.staff).get(url).content.decode()
    assert 'name="answer"' in seen_by_staff and "/skrij/" in seen_by_staff
    seen_by_anyone = Client().get(url).content.decode()
    assert "Več kolesarskih poti." in seen_by_anyone
    assert 'name="parent"' not in seen_by_anyone  # no reply form
    assert 'name="reason"' not in seen_by_anyone  # no report form
    assert f"?next={url}" in seen_by_anyone  # the sign-in link comes back to the consultation


def test_a_new_comment_and_an_answer_show_at_once_to_a_person_who_saw_the_page(place, commit):
    unit = place.consultation.units.get(label="U1")
    url = place.consultation.get_absolute_url()
    metka = _signed_in(place.resident)
    assert "Prvi komentar" not in metka.get(url).content.decode()
    c = commit(services.comment_add, place.neighbour, unit, "Prvi komentar")
    assert "Prvi komentar" in metka.get(url).content.decode()
    commit(services.comment_answer, place.staff, c, "Hvala, upoštevamo.")
    assert "Hvala, upoštevamo." in metka.get(url).content.decode()


def test_the_kept_threads_go_when_the_consultation_closes(place, commit, clock):
    unit = place.consultation.units.get(label="U1")
    commit(services.comment_add, place.neighbour, unit, "Prvi komentar")
    url = place.consultation.get_absolute_url()
    metka = _signed_in(place.resident)
    assert f'/sodelovanje/komentarji/unit/{unit.pk}/"' in metka.get(url).content.decode()
    clock(place.consultation.closes_at + dt.timedelta(minutes=1))
    page = metka.get(url).content.decode()
    assert f'/sodelovanje/komentarji/unit/{unit.pk}/"' not in page  # no form for a new comment
    assert 'name="parent"' not in page  # nor for replies


def test_a_signed_in_person_reads_kept_threads_in_as_many_queries_whatever_their_number(place, commit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    unit = place.consultation.units.get(label="U1")
    url = place.consultation.get_absolute_url()
    metka = _signed_in(place.resident)

    def queries() -> int:
        metka.get(url)  # the first visit after a change keeps the threads
        with CaptureQueriesContext(connection) as q:
            assert metka.get(url).status_code == 200
        return len(q.captured_queries)

    commit(services.comment_add, place.neighbour, unit, "En")
    one = queries()
    for n in range(12):
        commit(services.comment_add, place.neighbour, unit, f"Komentar {n}")
    assert queries() == one
