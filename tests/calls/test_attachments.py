"""Attachments are written through calls.services, with the application's history and no stray files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regija.calls import services
from regija.calls.models import Attachment
from regija.core import audit
from tests.factories import DURING

from .test_views import PDF

pytestmark = pytest.mark.django_db


def test_adding_and_removing_an_attachment_shows_in_the_history_and_removes_the_file(
    client, published, clock, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    client.force_login(w.users["applicant"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("attachment_upload", args=[app.pk]),
            {"kind": "budget", "file": SimpleUploadedFile("predracun.pdf", PDF, "application/pdf")},
        )
    attachment = Attachment.objects.get(application=app)
    stored = tmp_path / attachment.file.name
    assert stored.read_bytes() == PDF
    # another organisation's member cannot remove it, and the file stays
    client.force_login(w.users["other"])
    client.post(reverse("attachment_delete", args=[app.pk, attachment.pk]))
    assert Attachment.objects.filter(pk=attachment.pk).exists() and stored.exists()
    client.force_login(w.users["applicant"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("attachment_delete", args=[app.pk, attachment.pk]))
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
    actions = [(e.content_type.model, e.action) for e in audit.history(app)]
    assert ("attachment", "create") in actions and ("attachment", "delete") in actions


def test_a_refused_upload_leaves_no_row_and_says_why(published, clock, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = published
    clock(DURING)
    app = services.start_application(w.call, w.applicant, w.users["applicant"], "Učne poti")
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    with pytest.raises(services.Refused) as refused:
        services.attachment_add(app, w.users["applicant"], kind="other", upload=fake)
    assert refused.value.field == "file" and refused.value.message
    assert not Attachment.objects.exists()
    with pytest.raises(services.Forbidden):
        services.attachment_add(
            app, w.users["other"], kind="other", upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
        )
