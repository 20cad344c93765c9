"""Static files: hashed names and gzip once collected, HTML compressed, a favicon (issue 13, point 7)."""

from __future__ import annotations

import gzip

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_collected_files_have_hashed_names_and_a_gzip_copy(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    css = sorted(p.name for p in (tmp_path / "regija").glob("regija.*.css"))
    assert [n for n in css if n.count(".") == 2], css  # regija.<hash>.css
    hashed = next(n for n in css if n.count(".") == 2)
    assert (tmp_path / "regija" / (hashed + ".gz")).exists()
    assert (
        gzip.decompress((tmp_path / "regija" / (hashed + ".gz")).read_bytes())
        == (tmp_path / "regija" / hashed).read_bytes()
    )
    # the page links the hashed name, which a browser may keep for a year
    page = Client().get("/").content.decode()
    assert f"/static/regija/{hashed}" in page


def test_a_checkout_that_never_collected_links_the_plain_names():
    page = Client().get("/").content.decode()
    assert "/static/regija/regija.css" in page


def test_html_is_compressed_for_browsers_that_accept_gzip():
    answer = Client().get("/projekti/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert answer["Content-Encoding"] == "gzip"
    html = gzip.decompress(answer.content).decode()
    assert "</html>" in html
    assert len(answer.content) < len(html.encode()) / 3


def test_favicon_ico_leads_to_the_icon():
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith("regija/favicon.svg")
    assert '<link rel="icon"' in Client().get("/").content.decode()
