"""Uploads are refused as soon as they pass the size limit, not after they have been received in full
(issue 12, point 9): the server stops reading at the first chunk past the limit, keeps nothing of it,
and the applicant sees a message that names the file and the limit at the form; nothing is attached.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import client as test_client
from django.urls import reverse

from regija.calls import services
from regija.calls.models import Attachment, CallDocument
from tests.admin_forms import add_row, change_form_data
from tests.factories import DURING

from .test_views import PDF

LIMIT = 200 * 1024  # REGIJA_MAX_UPLOAD_BYTES for these tests (10 MB by default)
CHUNK = 64 * 1024  # what the upload handlers read at a time


@pytest.fixture
def small_limit(settings, tmp_path):
    settings.REGIJA_MAX_UPLOAD_BYTES = LIMIT
    settings.REGIJA_MAX_REQUEST_BYTES = 3 * LIMIT
    settings.MEDIA_ROOT = tmp_path


class CountedPayload(test_client.FakePayload):
    """The test client's request body, counting what the server reads of it."""

    read_bytes = 0

    def read(self, size=-1, /):
        data = super().read(size)
        CountedPayload.read_bytes += len(data)
        return data

    def readline(self, size=-1, /):
        data = super().readline(size)
        CountedPayload.read_bytes += len(data)
        return data


@pytest.fixture
def counted(monkeypatch):
    CountedPayload.read_bytes = 0
    monkeypatch.setattr(test_client, "FakePayload", CountedPayload)
    return CountedPayload


@pytest.fixture
def draft(published, clock, client):
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    client.force_login(w.users["applicant"])
    return app


def _upload(client, app, size: int, name: str = "predracun.pdf"):
    return client.post(
        reverse("attachment_upload", args=[app.pk]),
        {
            "kind": "budget",
            "file": SimpleUploadedFile(name, PDF + b"\0" * (size - len(PDF)), "application/pdf"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=f"http://testserver{reverse('application', args=[app.pk])}",
    )


def test_the_server_stops_reading_a_file_at_the_first_chunk_past_the_limit(
    small_limit, counted, client, draft
):
    size = 5 * LIMIT
    response = _upload(client, draft, size)
    assert response.status_code == 303
    # the limit, the chunk that crossed it and the form's small fields – never the whole file
    assert counted.read_bytes <= LIMIT + 2 * CHUNK
    assert counted.read_bytes < size / 2
    assert not Attachment.objects.exists()


def test_the_applicant_sees_which_file_is_too_large_at_the_form(small_limit, client, draft, tmp_path):
    response = _upload(client, draft, LIMIT + 1, name="ponudba.pdf")
    assert response.status_code == 303
    assert response["Location"] == f"http://testserver{reverse('application', args=[draft.pk])}"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "The file “ponudba.pdf” is larger than 200.0\xa0KB" in text and "Nothing was saved" in text
    assert 'enctype="multipart/form-data"' in text  # the form to try again is on the same page
    assert not Attachment.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing stored


def test_a_file_at_the_limit_is_attached(small_limit, client, draft):
    response = _upload(client, draft, LIMIT)
    assert response.status_code == 302
    assert Attachment.objects.get(application=draft).size == LIMIT


def test_a_request_larger_than_the_request_limit_is_not_read_at_all(small_limit, counted, client, draft):
    response = client.post(
        reverse("attachment_upload", args=[draft.pk]),
        {
            "kind": "budget",
            "file": [
                SimpleUploadedFile(f"{n}.pdf", PDF + b"\0" * (LIMIT - 100), "application/pdf")
                for n in range(4)
            ],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # without a referer there is no form to go back to: a page of the site says what happened
    assert response.status_code == 413
    text = response.content.decode()
    assert "What you sent is larger than 600.0\xa0KB" in text and '<link rel="stylesheet"' in text
    assert counted.read_bytes == 0
    assert not Attachment.objects.exists()


def test_without_a_referer_of_this_site_the_answer_is_a_page_not_a_redirect(small_limit, client, draft):
    response = client.post(
        reverse("attachment_upload", args=[draft.pk]),
        {"kind": "budget", "file": SimpleUploadedFile("a.pdf", PDF + b"\0" * LIMIT, "application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER="https://elsewhere.example/form",
    )
    assert response.status_code == 413
    assert "The file “a.pdf” is larger than 200.0\xa0KB" in response.content.decode()


def test_a_back_office_form_cut_short_by_a_large_file_is_never_saved(small_limit, client, world, member):
    """The back office's call form with a call document: the fields after the file never arrive, so the
    form must not be saved as if they had been left empty."""
    call = world.call
    staff = member(superuser=True, username="root")
    client.force_login(staff)
    url = f"/admin/calls/call/{call.pk}/change/"
    data = change_form_data(client, url)
    title_before = call.title
    data["title"] = "Changed with the document"
    add_row(
        data,
        "documents",
        title="Razpisna dokumentacija",
        file=SimpleUploadedFile("razpis.pdf", PDF + b"\0" * LIMIT, "application/pdf"),
        order="1",
    )
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", HTTP_REFERER=f"http://testserver{url}")
    assert response.status_code == 303 and response["Location"] == f"http://testserver{url}"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "The file “razpis.pdf” is larger than 200.0\xa0KB" in page.content.decode()
    call.refresh_from_db()
    assert call.title == title_before
    assert not CallDocument.objects.filter(call=call).exists()


def test_the_api_answers_413_to_a_body_over_the_request_limit_unread(small_limit, counted, db):
    from django.test import Client

    response = Client().post(
        "/api/v1/indicators/las-zasavje-2023/K1/observations",
        {"file": SimpleUploadedFile("big.csv", b"x" * (3 * LIMIT + 1))},
    )
    assert response.status_code == 413
    assert response.json() == {
        "detail": "What you sent is larger than 600.0\xa0KB, the most we accept at once. "
        "Nothing was saved; send fewer or smaller files."
    }
    assert counted.read_bytes == 0


def test_the_api_still_reads_a_small_multipart_body_itself(small_limit, db, member):
    """No endpoint takes files: a form body where JSON is expected stays the documented 400."""
    from django.test import Client

    from regija.core import tokens

    _token, raw = tokens.create(member("editor", "las-zasavje"), "test")
    response = Client().post(
        "/api/v1/indicators/las-zasavje-2023/K1/observations",
        {"date": "2024-06-30", "value": "1"},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
