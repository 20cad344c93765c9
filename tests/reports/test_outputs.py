"""The staff page, its DOCX and the command: who may see them, and that HTML and DOCX agree."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from regija.reports import annual, word

from .tables import by_key, docx_tables, html_tables

pytestmark = pytest.mark.django_db

PAGE = "/porocila/test-las/2023/"
DOCX = "/porocila/test-las/2023/porocilo.docx"


def _user(member, django_user_model, who):
    if who == "anonymous":
        return None
    if who == "superuser":
        return member(None, username="root", superuser=True)
    if who == "no membership":
        return member(None, username="nobody")
    role, org = who.split(" of ")
    return member(role, org)


@pytest.mark.parametrize(
    "who, outcome",
    [
        ("anonymous", "login"),
        ("no membership", 403),
        ("viewer of test-drugi", 403),
        ("admin of test-drugi", 403),
        ("editor of test-nosilec", 403),
        ("viewer of test-las", 200),
        ("admin of test-las", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("url", [PAGE, DOCX])
def test_who_may_see_the_report(client, member, django_user_model, world, who, outcome, url):
    user = _user(member, django_user_model, who)
    if user:
        client.force_login(user)
    response = client.get(url)
    if outcome == "login":
        assert response.status_code == 302 and response["Location"].startswith("/prijava/?next=")
    else:
        assert response.status_code == outcome
    if outcome == 200 and url == DOCX:
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml"
        )
        assert 'filename="porocilo-test-las-2023.docx"' in response["Content-Disposition"]


def test_unknown_organisation_is_404(client, member):
    client.force_login(member(None, username="root", superuser=True))
    assert client.get("/porocila/no-such-org/2023/").status_code == 404
    assert client.get("/porocila/no-such-org/2023/porocilo.docx").status_code == 404


def test_url_names():
    from django.urls import reverse

    assert reverse("annual_report", args=["las-zasavje", 2023]) == "/porocila/las-zasavje/2023/"
    assert (
        reverse("annual_report_docx", args=["las-zasavje", 2023])
        == "/porocila/las-zasavje/2023/porocilo.docx"
    )


def test_empty_year_renders_and_says_so(client, member, world):
    client.force_login(member("viewer", "test-las"))
    response = client.get("/porocila/test-las/1990/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('class="report-empty"') >= 5
    assert client.get("/porocila/test-las/1990/porocilo.docx").status_code == 200


def _compare(html: str, docx_bytes: bytes):
    h = html_tables(html)
    d = docx_tables(docx_bytes)
    assert len(h) == len(d) > 0
    for ht, dt_ in zip(h, d, strict=True):
        assert ht["caption"] == dt_["caption"]
        assert ht["head"] == dt_["head"]
        assert ht["rows"] + ht["foot"] == dt_["body"]
        assert dt_["header_row"], ht["caption"]
    return h, d


def test_html_and_docx_hold_the_same_tables(client, member, world, add_call):
    add_call(world, 1, 2)
    add_call(world, 2, 1)
    client.force_login(member("viewer", "test-las"))
    html = client.get(PAGE).content.decode()
    docx_bytes = client.get(DOCX).content
    h, _d = _compare(html, docx_bytes)
    calls = by_key(h, "calls")
    assert calls["foot"][0][0] == "Skupaj"
    assert "3.600,00 €" in calls["foot"][0] and "2.100,00 €" in calls["foot"][0]
    # accessible tables: captions, column headers, row headers
    assert "<caption>" in html and '<th scope="col">' in html and '<th scope="row">' in html

    # real Word headings and the document language
    import docx

    document = docx.Document(io.BytesIO(docx_bytes))
    styles = [p.style.name for p in document.paragraphs if p.text.strip()]
    assert styles[0] == "Title" and "Heading 1" in styles and "Heading 2" in styles
    assert document.core_properties.language == "sl-SI"


def test_english_report_uses_english_amounts(client, member, world, add_call):
    add_call(world, 1, 2)
    from django.utils import translation

    with translation.override("en"):
        report = annual.build("test-las", 2023)
        docx_bytes = word.render(report)
    tables = docx_tables(docx_bytes)
    assert any("€2,400.00" in row for t in tables for row in t["body"])


def test_command_writes_both_files_and_prints_their_paths(world, tmp_path, capsys, add_call):
    add_call(world, 1, 2)
    call_command("report", "annual", "test-las", "2023", "--output", str(tmp_path))
    printed = capsys.readouterr().out.split()
    assert printed == [
        str(tmp_path / "porocilo-test-las-2023.html"),
        str(tmp_path / "porocilo-test-las-2023.docx"),
    ]
    html = (tmp_path / "porocilo-test-las-2023.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and 'lang="sl"' in html
    assert "/projekti/" not in html  # a file on its own: no links into the site
    _compare(html, (tmp_path / "porocilo-test-las-2023.docx").read_bytes())


def test_command_one_format(world, tmp_path, capsys):
    call_command("report", "annual", "test-las", "2023", "-o", str(tmp_path), "--format", "docx")
    assert capsys.readouterr().out.split() == [str(tmp_path / "porocilo-test-las-2023.docx")]


@pytest.mark.parametrize(
    "args, message",
    [
        (["no-such-org", "2023"], "no-such-org"),
        (["test-las", "leto"], "leto"),
        (["test-las", "20x3"], "20x3"),
    ],
)
def test_command_refuses_bad_input(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("report", "annual", *args, "--output", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_command_exit_code(world, tmp_path, capsys):
    from regija.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["regija", "report", "annual", "no-such-org", "2023", "--output", str(tmp_path)])
    assert exc.value.code != 0
    assert "no-such-org" in capsys.readouterr().err
