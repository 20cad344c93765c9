"""The history of an object and the audit log speak the page's language: fields by their labels
("Naziv", not ``title``), choices by their labels, one "who", and every moment in Ljubljana time – the
entry's page no longer an hour off the list."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from regija.core import audit
from regija.core.models import AuditEntry
from regija.projects.models import Project

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"
# a winter moment: 9:00 UTC is 10:00 in Ljubljana
WINTER = dt.datetime(2024, 1, 5, 9, 0, tzinfo=dt.UTC)


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def changed(member):
    """JP1-01 of LAS Zasavje renamed and set in progress by an editor of LAS Zasavje, on the site."""
    editor = member("editor", "las-zasavje")
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    with audit.acting(editor, via="web"):
        project.title = "TIC Hrastnik – prenovljen"
        project.status = "in_progress"
        project.save()
    return editor, project


@pytest.mark.parametrize(
    "language, title, status, before, after",
    [
        ("sl", "Naziv", "Status", "zaključen", "v izvajanju"),
        ("en", "Title", "Status", "completed", "in progress"),
    ],
)
def test_the_history_page_names_fields_and_choices_in_the_page_language(
    client, changed, language, title, status, before, after
):
    editor, project = changed
    client.force_login(editor)
    text = _text(client.get(f"/zgodovina/project/{project.pk}/", HTTP_ACCEPT_LANGUAGE=language))
    assert f"{title} TIC HRASTNIK TIC Hrastnik – prenovljen" in text
    assert f"{status} {before} {after}" in text
    assert " title " not in text and "in_progress" not in text


def test_the_history_page_says_through_which_door(client, changed):
    editor, project = changed
    client.force_login(editor)
    text = _text(client.get(f"/zgodovina/project/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"{editor.username} (the site's pages)" in text


def test_an_import_entry_names_what_it_added(client, member):
    """The source documents' import wrote one entry per file: its counts are named, not ``created nodes``."""
    strategy = Project.objects.get(strategy__slug=LAS, code="JP1-01").strategy
    client.force_login(member("editor", "las-zasavje"))
    text = _text(client.get(f"/zgodovina/strategy/{strategy.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Added: projects" in text and "File" in text
    assert "created projects" not in text and " file " not in text


@pytest.fixture
def winter_entry(member):
    """An entry written on 5 January 2024 at 10:00 in Ljubljana (9:00 UTC)."""
    editor = member("editor", "las-zasavje")
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    with audit.acting(editor, via="admin"):
        project.note = "Popravek"
        project.save()
    entry = AuditEntry.objects.filter(object_id=str(project.pk), action="update").latest("id")
    AuditEntry.objects.filter(pk=entry.pk).update(at=WINTER)  # the moment only; the chain is not read here
    entry.refresh_from_db()
    return entry


@pytest.mark.parametrize(
    "language, moment, who, field",
    [("sl", "5. 1. 2024 ob 10:00", "Kdo", "Opomba"), ("en", "5 January 2024 at 10:00", "Who", "Note")],
)
def test_the_audit_entry_page_shows_one_who_and_the_time_of_the_list(
    client, member, winter_entry, language, moment, who, field
):
    client.force_login(member(username="root", superuser=True))
    # the projects' entries: the log also holds the lake's loading of the bundled datasets
    projects = ContentType.objects.get_for_model(Project).pk
    listing = _text(
        client.get(
            f"/admin/core/auditentry/?content_type__id__exact={projects}", HTTP_ACCEPT_LANGUAGE=language
        )
    )
    page = _text(
        client.get(f"/admin/core/auditentry/{winter_entry.pk}/change/", HTTP_ACCEPT_LANGUAGE=language)
    )
    assert moment in listing and moment in page  # the heading (the entry's name) and the field alike
    assert "09:00" not in page
    assert len(re.findall(rf"\b{who}:", page)) == 1
    assert f"{field} – Popravek" in page  # the note was empty before: the change as a table row
    assert '"note"' not in page


def test_the_entry_is_named_in_ljubljana_time(winter_entry):
    from django.utils import translation

    with translation.override("sl"):
        assert str(winter_entry).startswith("5. 1. 2024 ob 10:00 ")
