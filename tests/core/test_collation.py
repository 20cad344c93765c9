"""Lists of names in Slovenian alphabetical order, on SQLite and PostgreSQL alike.

The Slovenian alphabet is a b c č d e f g h i j k l m n o p r s š t u v z ž (ć and đ, of Croatian
and Serbian names, follow c/č and d); case does not order names, so "ANEA" comes after "Aleš".
The expected order below is written by hand from that alphabet, not from what the code returns.
"""

from __future__ import annotations

import random
import re

import pytest
from django.urls import reverse

from regija.core.collation import slovenian, sort_key
from regija.core.models import Organisation
from regija.projects.filters import ProjectFilters
from regija.projects.models import Project
from regija.strategies.models import Strategy
from tests.factories import OrganisationFactory, ProjectFactory, StrategyFactory

# Aleš < ANEA (l before n, case ignored); Cerknica < Čebelarska (č after c); Šolski after Sava and
# before T; Zavod < ZRC (a before r); Žalec after every Z.
IN_ORDER = [
    "Aleš Novak",
    "ANEA",
    "Cerknica",
    "Čebelarska zveza",
    "Ćirić d.o.o.",
    "Dvor",
    "Đaković",
    "Sava",
    "Šolski center Kranj",
    "Tabor",
    "Zavod",
    "ZRC",
    "Žalec",
]


def shuffled(names: list[str]) -> list[str]:
    out = names[:]
    random.Random(14).shuffle(out)
    return out


def test_names_sort_by_the_slovenian_alphabet_in_python():
    assert sorted(shuffled(IN_ORDER), key=sort_key) == IN_ORDER


def test_case_and_other_accents_only_break_ties():
    # "zrc" and "ZRC" are the same letters: lower case first; é sorts with e, after a plain e
    assert sorted(["ZRC", "zrc", "Zrc SAZU", "Zavod"], key=sort_key) == ["Zavod", "zrc", "ZRC", "Zrc SAZU"]
    assert sorted(["Ezra", "Écoles", "Ecole"], key=sort_key) == ["Ecole", "Écoles", "Ezra"]


@pytest.mark.django_db
def test_the_database_orders_names_by_the_slovenian_alphabet():
    for i, name in enumerate(shuffled(IN_ORDER)):
        OrganisationFactory(slug=f"abeceda-{i}", name=name)
    mine = Organisation.objects.filter(slug__startswith="abeceda-")
    assert list(mine.order_by(slovenian("name")).values_list("name", flat=True)) == IN_ORDER
    assert list(mine.order_by(slovenian("name").desc()).values_list("name", flat=True)) == IN_ORDER[::-1]
    # the model's own order (back office lists, choices in forms) is the same
    assert [o.name for o in mine] == IN_ORDER


@pytest.mark.django_db
def test_the_organisation_list_and_the_api_list_names_in_slovenian_order(client):
    for i, name in enumerate(shuffled(IN_ORDER)):
        OrganisationFactory(slug=f"abeceda-{i}", name=name, short_name="ABECEDA-TEST")
    page = client.get(reverse("organisation_list"), {"q": "ABECEDA-TEST"}).content.decode()
    shown = re.findall(r'<a href="/organizacije/abeceda-\d+/">([^<]+)</a>', page)
    assert [n.replace("&#x27;", "'") for n in shown] == IN_ORDER
    body = client.get("/api/v1/organisations", {"q": "ABECEDA-TEST", "page_size": 50}).json()
    assert [o["name"] for o in body["items"]] == IN_ORDER


@pytest.mark.django_db
def test_strategies_and_projects_sorted_by_title_follow_the_alphabet():
    for i, title in enumerate(shuffled(IN_ORDER)):
        StrategyFactory(slug=f"abeceda-{i}", title=title)
    assert [s.title for s in Strategy.objects.filter(slug__startswith="abeceda-")] == IN_ORDER
    strategy = Strategy.objects.get(slug="abeceda-0")
    for i, title in enumerate(shuffled(IN_ORDER)):
        ProjectFactory(strategy=strategy, code=f"ABC-{i}", title=title)
    projects = Project.objects.filter(strategy=strategy)
    by_title = ProjectFilters(sort="title").apply(projects)
    assert [p.title for p in by_title] == IN_ORDER
    assert [p.title for p in ProjectFilters(sort="-title").apply(projects)] == IN_ORDER[::-1]
