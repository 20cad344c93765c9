"""The back office speaks Slovenian to a Slovenian page: Django's own messages that its Slovenian
catalogue leaves in English ("The projekt … was changed successfully") come from ours
(``regija.core.django_messages`` lists them, so that makemessages extracts them)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import django
import pytest
from django.utils import translation

from regija.core import django_messages
from regija.projects.models import Project
from tests.admin_forms import change_form_data

LAS = "las-zasavje-2023"


def _listed() -> list[tuple[str, str | None]]:
    """(msgid, plural) of every message the module lists, read from its source as makemessages reads it."""
    tree = ast.parse(Path(django_messages.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("gettext_noop", "ngettext_lazy"):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found.append((args[0], args[1] if node.func.id == "ngettext_lazy" else None))
    return found


def _django_msgids() -> set[str]:
    """Every message of Django and of the contrib apps we use, from their English (source) catalogues."""
    root = Path(django.__file__).resolve().parent
    catalogues = [root / "conf/locale/en/LC_MESSAGES/django.po"] + [
        root / f"contrib/{app}/locale/en/LC_MESSAGES/django.po" for app in ("admin", "auth", "contenttypes")
    ]
    msgids, current, key = set(), [], None
    for path in catalogues:
        for line in path.read_text(encoding="utf-8").splitlines() + [""]:
            head = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?|msgctxt) "(.*)"$', line)
            if head:
                if key == "msgid":
                    msgids.add("".join(current))
                key, current = head.group(1), [head.group(2)]
            elif line.startswith('"') and key:
                current.append(line[1:-1])
            else:
                if key == "msgid":
                    msgids.add("".join(current))
                key, current = None, []
    return {m.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") for m in msgids}


def test_every_listed_message_is_one_of_djangos():
    """Texts copied letter for letter – typographic quotes and all – or ours would never be asked for."""
    django_ids = _django_msgids()
    assert len(_listed()) > 60
    assert [msgid for msgid, _plural in _listed() if msgid not in django_ids] == []


def test_every_listed_message_is_translated():
    untranslated = []
    with translation.override("sl"):
        for msgid, plural in _listed():
            shown = translation.ngettext(msgid, plural, 1) if plural else translation.gettext(msgid)
            if shown == msgid:
                untranslated.append(msgid)
    assert untranslated == []


@pytest.fixture
def editor(db, client, member):
    user = member("editor", "las-zasavje")
    client.force_login(user)
    return user


def test_saving_a_project_in_the_slovenian_back_office_says_so_in_slovenian(client, editor):
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client, url)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="sl", follow=True)
    text = re.sub(r"<[^>]+>", "", response.content.decode())  # the object's name is a link
    assert "Uspešno spremenjeno: projekt “JP1-01 TIC HRASTNIK”." in text
    assert "successfully" not in text


def test_the_slovenian_project_list_of_the_back_office(client, editor):
    text = client.get("/admin/projects/project/", HTTP_ACCEPT_LANGUAGE="sl").content.decode()
    assert "Izberite projekt, ki ga želite spremeniti" in text  # "Select … to change"
    assert "Prikaži število zadetkov" in text  # "Show counts", which Django's catalogue lacks
    for english in ("Show counts", "Model name", "Add link", "Change or view list link"):
        assert english not in text


def test_the_slovenian_delete_confirmation(db, client, member):
    from tests.factories import ProjectFactory

    client.force_login(member("admin", "las-zasavje"))  # administrators of the owner delete

    project = ProjectFactory(
        strategy=Project.objects.get(strategy__slug=LAS, code="JP1-01").strategy, code="DEL-1"
    )
    url = f"/admin/projects/project/{project.pk}/delete/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="sl").content.decode()
    assert "Ste prepričani, da želite izbrisati projekt" in page
    done = client.post(url, {"post": "yes"}, HTTP_ACCEPT_LANGUAGE="sl", follow=True).content.decode()
    done = re.sub(r"<[^>]+>", "", done)
    assert f"Uspešno izbrisano: projekt “{project}”." in done


@pytest.mark.parametrize(
    "language, shown, stored",
    [
        ("sl", "Projekti in skladi | projekt | Lahko spremeni: projekt", "Can change project"),
        ("en", "Projects and funds | project | Can change project", None),
    ],
)
def test_permissions_are_named_in_the_page_language(db, client, member, language, shown, stored):
    """Django stores "Can change project" in English; a group's page names it in the page's language."""
    client.force_login(member(username="root", superuser=True))
    page = client.get("/admin/auth/group/add/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{shown}</option>" in page
    if stored:
        assert stored not in page


def test_the_back_offices_history_names_the_changed_field_in_the_page_language(client, editor):
    project = Project.objects.get(strategy__slug=LAS, code="JP1-01")
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client, url)
    data["note"] = "Popravljena opomba"
    client.post(url, data, HTTP_ACCEPT_LANGUAGE="sl")
    history = f"/admin/projects/project/{project.pk}/history/"
    assert "Spremenjena polja Opomba." in client.get(history, HTTP_ACCEPT_LANGUAGE="sl").content.decode()
    assert "Changed Note." in client.get(history, HTTP_ACCEPT_LANGUAGE="en").content.decode()
