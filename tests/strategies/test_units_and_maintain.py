"""Indicator values with their units, and the direction "maintain" (a level to keep)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from regija.core.templatetags.regija import with_unit
from regija.interchange.importer import import_text
from regija.strategies.models import Indicator
from regija.strategies.progress import Status, compute
from tests.factories import IndicatorFactory, NodeFactory, ObservationFactory

D = Decimal
LAS = "las-zasavje-2023"


def test_a_count_unit_adds_nothing_and_a_percent_follows_the_number():
    with translation.override("sl"):
        assert with_unit(D("20"), "število") == "20"
        assert with_unit(D("20"), "Število") == "20"
        assert with_unit(D("20"), "število operacij") == "20 operacij"
        assert with_unit(D("20"), "%") == "20 %"
        assert with_unit(D("26.5"), "%") == "26,5 %"
        assert with_unit(D("1200"), "EUR") == "1.200 €"
        assert with_unit(None, "%") == "–"  # never "%" alone
        assert with_unit(D("5"), "prebivalci") == "5 prebivalci"
    with translation.override("en"):
        assert with_unit(D("20"), "število") == "20"
        assert with_unit(D("1200"), "EUR") == "€1200"


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', html, re.S)]


@pytest.mark.django_db
def test_the_las_partnerships_indicator_shows_plain_counts(client):
    # 002, Poglavje 4, tabela Mejnik/kazalnik: "Število vzpostavljenih partnerstev", target 4, reached 20
    indicator = Indicator.objects.get(strategy__slug=LAS, code="K4")
    assert indicator.unit == "število"
    page = client.get(reverse("indicator", args=[LAS, "K4"])).content.decode()
    target = re.search(r"Ciljna vrednost</dt><dd[^>]*>(.*?)</dd>", page, re.S)
    assert target and target.group(1).startswith("4 (")  # "4 (31. 12. 2023)", not "4 število"
    assert "število" not in "".join(_cells(page))
    assert "20" in _cells(page)
    node = client.get(reverse("node", args=[LAS, indicator.node.code])).content.decode()
    row = re.search(r"K4 .*?</tr>", node, re.S).group(0)
    assert _cells(row) == ["–", "20", "4"]  # no baseline; latest; target – no unit after a count


@pytest.mark.django_db
def test_a_percent_indicator_shows_the_unit_after_each_value(client):
    node = NodeFactory()
    ind = IndicatorFactory(node=node, unit="%", baseline_value=D("10"), target_value=D("20"))
    ObservationFactory(indicator=ind, value=D("12.5"))
    page = client.get(reverse("node", args=[node.strategy.slug, node.code])).content.decode()
    row = re.search(rf"{ind.code} .*?</tr>", page, re.S).group(0)
    assert _cells(row) == ["10 %", "12,5 %", "20 %"]
    page = client.get(reverse("indicator", args=[node.strategy.slug, ind.code])).content.decode()
    assert ["10 %", "12,5 %", "20 %"] == [c for c in _cells(page) if "%" in c]
    assert "%" not in [c.strip() for c in _cells(page)]


HUNDRED = D(100)
TARGET_DATE = dt.date(2030, 1, 1)


def maintained(values, *, baseline=HUNDRED, target=HUNDRED, tdate=TARGET_DATE):
    return compute(
        direction="maintain",
        baseline_value=baseline,
        baseline_date=dt.date(2020, 1, 1),
        target_value=target,
        target_date=tdate,
        observations=[(dt.date(2021 + i, 12, 31), D(v)) for i, v in enumerate(values)],
    )


def test_maintain_is_on_track_while_the_latest_value_holds_the_level():
    p = maintained([100, 98, 103, 100])
    assert p.status == Status.ON_TRACK
    assert (p.held, p.measured) == (3, 4)  # 98 fell below 100 once
    assert p.share == D("0.75")


def test_maintain_is_off_track_when_the_latest_value_falls_below():
    p = maintained([101, 102, 99])
    assert p.status == Status.OFF_TRACK
    assert (p.held, p.measured) == (2, 3)


def test_maintain_is_achieved_when_held_at_the_target_date():
    p = maintained([100, 100], tdate=dt.date(2022, 12, 31))
    assert p.status == Status.ACHIEVED


def test_maintain_needs_no_dates_to_judge_and_refuses_a_level_above_the_baseline():
    p = compute(
        direction="maintain",
        baseline_value=D(5),
        baseline_date=None,
        target_value=D(5),
        target_date=None,
        observations=[(dt.date(2024, 1, 1), D(6))],
    )
    assert p.status == Status.ON_TRACK
    assert maintained([120], baseline=D(100), target=D(110)).status == Status.INCONSISTENT
    # a level below the baseline may be kept: no less than 90 of today's 100
    assert maintained([95], baseline=D(100), target=D(90)).status == Status.ON_TRACK


@pytest.mark.django_db
def test_a_file_may_say_maintain_and_the_page_shows_it(client):
    import_text(
        """
regija: 1
strategy: {slug: test-ohrani, title: Test, owners: [obcina-test], status: adopted, source: {title: T}}
organisations:
  - {slug: obcina-test, name: Občina Test, kind: municipality}
nodes:
  - {code: C1, level: goal, title: Ohraniti prebivalstvo}
indicators:
  - code: TK-O
    node: C1
    name: Število prebivalcev
    unit: število
    direction: maintain
    baseline: {value: 5000, date: 2020-12-31}
    target: {value: 5000, date: 2030-12-31}
    observations:
      - {date: 2022-12-31, value: 4990}
      - {date: 2023-12-31, value: 5010}
"""
    )
    indicator = Indicator.objects.get(strategy__slug="test-ohrani", code="TK-O")
    assert indicator.direction == "maintain"
    html = client.get(reverse("indicator", args=["test-ohrani", "TK-O"]), headers={"accept-language": "en"})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.content.decode()))
    assert "Direction maintain" in text
    assert "the level of 5000 held in 1 of 2 measurements" in text
    api = client.get("/api/v1/indicators/test-ohrani/TK-O").json()
    assert api["direction"] == "maintain"
    assert (api["progress"]["status"], api["progress"]["held"], api["progress"]["measured"]) == (
        "on_track",
        1,
        2,
    )
