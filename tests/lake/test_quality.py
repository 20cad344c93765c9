"""The metadata quality score follows data.europa.eu's MQA methodology: the expected figures below are
worked out by hand from its table of indicators and points (docs/lake.md), not read from our output."""

from __future__ import annotations

import pytest
from django.utils import translation

from regija.core.models import Organisation
from regija.lake import quality, services
from regija.lake.models import Dataset, Distribution
from regija.lake.selectors import published, with_details

from .dcat_data import FULL, copy_dataset, link_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def mov():
    return Organisation.objects.get(slug="mov")


@pytest.fixture
def editor(member, mov):
    return member("editor", mov)


def _score(dataset):
    return quality.score(
        with_details(Dataset.objects.select_related("publisher", "current")).get(pk=dataset.pk)
    )


def _dimensions(score):
    return {d.key: d.points for d in score.dimensions}


def test_the_methodology_has_405_points_in_five_dimensions():
    maxima = {}
    for indicator in quality.INDICATORS:
        maxima[indicator.dimension] = maxima.get(indicator.dimension, 0) + indicator.max
    assert maxima == {
        "findability": 30 + 30 + 20 + 20,
        "accessibility": 50 + 20 + 30,
        "interoperability": 20 + 10 + 10 + 20 + 20 + 30,
        "reusability": 20 + 10 + 10 + 5 + 20 + 10,
        "contextuality": 5 + 5 + 5 + 5,
    }
    assert sum(maxima.values()) == 405


@pytest.mark.parametrize(
    ("total", "rating"),
    [
        (405, "excellent"),
        (351, "excellent"),
        (350, "good"),
        (221, "good"),
        (220, "sufficient"),
        (121, "sufficient"),
        (120, "bad"),
        (0, "bad"),
    ],
)
def test_the_ratings_are_the_mqa_bands(total, rating):
    assert quality.rating(total) == rating


def test_a_full_copy_is_excellent(editor, mov, tmp_path):
    score = _score(copy_dataset(editor, mov, tmp_path))
    # two downloads (CSV, Parquet), both served from the lake; only the Parquet file's size is known
    assert _dimensions(score) == {
        "findability": 30 + 30 + 20 + 20,
        "accessibility": 50 + 20 + 30,
        "interoperability": 20 + 10 + 10 + 20 + 20 + 30,
        "reusability": 20 + 10 + 10 + 5 + 20 + 10,
        "contextuality": 5 + 5 * 1 / 2 + 5 + 5,
    }
    assert score.total == 402.5
    assert score.total >= 351
    assert score.rating == "excellent"
    assert score.improvements == []


def test_distribution_indicators_score_the_share_of_distributions(editor, mov, tmp_path):
    dataset = copy_dataset(editor, mov, tmp_path)
    # a third download, in a proprietary (but machine-readable) format
    Distribution.objects.create(dataset=dataset, format="XLSX", position=3)
    with translation.override("en"):
        score = _score(dataset)
    non_proprietary = round(20 * 2 / 3, 1)  # CSV and Parquet of three
    file_size = round(5 * 1 / 3, 1)  # the Parquet file of three
    assert _dimensions(score)["interoperability"] == round(20 + 10 + 10 + non_proprietary + 20 + 30, 1)
    assert _dimensions(score)["contextuality"] == round(5 + file_size + 5 + 5, 1)
    assert score.total == round(100 + 100 + (90 + non_proprietary) + 75 + (15 + file_size), 1)
    assert [(i.points, i.message) for i in score.improvements] == [
        (6.7, "Offer the data in a non-proprietary format such as CSV, JSON or Parquet (+6.7).")
    ]


def test_a_bare_link_is_sufficient_and_told_what_to_add(editor, mov):
    with translation.override("en"):
        score = _score(link_dataset(editor, mov, "stevci"))
    # one distribution: the source API, JSON, not checked and not a download
    assert _dimensions(score) == {
        "findability": 0,
        "accessibility": 0,
        "interoperability": 20 + 10 + 10 + 20 + 20 + 30,
        "reusability": 20 + 10 + 10 + 5 + 0 + 10,
        "contextuality": 5 + 0 + 5 + 5,
    }
    assert score.total == 180
    assert (score.rating, score.rating_label) == ("sufficient", "sufficient")
    assert [i.points for i in score.improvements] == [50, 30, 30, 30, 20, 20, 20, 20]
    assert "Add keywords (+30)." in [i.message for i in score.improvements]


def test_a_draft_without_data_or_description_is_told_to_add_them(editor, mov):
    data = {**FULL, "slug": "osnutek", "description": "", "description_en": ""}
    dataset = services.dataset_create(editor, publisher=mov, data=data, via="web")
    with translation.override("en"):
        score = _score(dataset)
    # no distributions: every distribution indicator scores nothing; no spatial coverage; not issued
    assert _dimensions(score) == {
        "findability": 30 + 30 + 0 + 20,
        "accessibility": 0,
        "interoperability": 0,
        "reusability": 0 + 0 + 10 + 5 + 20 + 10,
        "contextuality": 0 + 0 + 0 + 5,
    }
    assert score.total == 130
    lost_on_distributions = (50 + 20 + 30) + (20 + 10 + 10 + 20 + 20) + (20 + 10) + (5 + 5)
    assert [i.points for i in score.improvements] == [lost_on_distributions, 30, 20, 5]
    assert score.improvements[1].message == "Add what DCAT-AP requires: a description (+30)."


def test_scoring_a_list_takes_a_fixed_number_of_queries(editor, mov, tmp_path, django_assert_max_num_queries):
    copy_dataset(editor, mov, tmp_path)
    for n in range(6):
        link_dataset(editor, mov, f"povezava-{n}")
    with django_assert_max_num_queries(4):
        scores = [quality.score(d) for d in with_details(published())]
    assert len(scores) == 7


def test_editors_see_the_score_and_what_to_improve(editor, mov):
    from django.template.loader import render_to_string

    with translation.override("en"):
        score = _score(link_dataset(editor, mov, "stevci"))
        html = render_to_string("lake/quality.html", {"score": score})
    assert "sufficient" in html
    assert "180 of 405 points" in html
    assert "<li>Add keywords (+30).</li>" in html
    assert "Findability" in html


def test_points_are_written_as_the_language_writes_them(editor, mov, tmp_path):
    dataset = copy_dataset(editor, mov, tmp_path)
    Distribution.objects.create(dataset=dataset, format="XLSX", position=3)
    score = _score(dataset)  # Slovenian: a decimal comma
    assert score.improvements[0].message.endswith("(+6,7).")
