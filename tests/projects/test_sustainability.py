"""The sustainability period is shown only where the data gives one: never assumed."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from regija.interchange.importer import import_text
from regija.projects.models import Project
from tests.factories import project_with_money

pytestmark = pytest.mark.django_db

LAS = "las-zasavje-2023"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_project_without_the_field_shows_no_sustainability_line(client):
    project = project_with_money(
        status="completed",
        budget=[{"amount": "1000.00"}],
        payments=[{"amount": "1000.00", "date": dt.date(2024, 5, 1)}],
    )
    assert project.sustainability_years is None
    text = _text(client.get(project.get_absolute_url(), headers={"accept-language": "sl"}))
    assert "trajnosti" not in text
    assert "let po končnem izplačilu" not in text


def test_a_file_without_the_field_stores_none_and_one_with_it_stores_it():
    import_text(
        """
regija: 1
strategy: {slug: test-trajnost, title: Test, owners: [obcina-test], status: adopted, source: {title: T}}
organisations:
  - {slug: obcina-test, name: Občina Test, kind: municipality}
projects:
  - {code: A, title: Iz občinskega proračuna, status: completed}
  - {code: B, title: Iz sklada, status: completed, sustainability_years: 3}
"""
    )
    years = dict(
        Project.objects.filter(strategy__slug="test-trajnost").values_list("code", "sustainability_years")
    )
    assert years == {"A": None, "B": 3}


def test_the_002_cooperation_operations_show_the_sources_five_years(client):
    # 002, chapter 5: "Za oba projekta sodelovanja se … še vedno (do 5 let po izplačilu zahtevka) izvajajo
    # aktivnosti za zagotavljanje trajnosti obeh projektov":
    # Zgodbe rok in krajev, Interaktivni turizem za vse
    for code in ("SOD-01", "SOD-02"):
        project = Project.objects.get(strategy__slug=LAS, code=code)
        assert project.sustainability_years == 5
        text = _text(client.get(project.get_absolute_url(), headers={"accept-language": "sl"}))
        assert "Konec obdobja trajnosti" in text
    # the rule names those two only
    other = Project.objects.get(strategy__slug=LAS, code="SOD-03")
    assert other.sustainability_years is None
    assert "Konec obdobja trajnosti" not in _text(client.get(other.get_absolute_url()))
