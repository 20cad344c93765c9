"""One date format per language (regija/formats): Slovenian "31. 12. 2023", English "31 December 2023" –
in a template's bare date, its ``|date``, the ``day`` and ``moment`` filters and messages alike; never
Django's American "Dec. 31, 2023". Moments in Ljubljana time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from regija.core import dates
from regija.strategies.models import Indicator

LAS = "las-zasavje-2023"
AMERICAN = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}")
# 1 October 2021, 12:30:05 UTC is 14:30:05 in Ljubljana (summer time)
MOMENT = dt.datetime(2021, 10, 1, 12, 30, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "language, day, moment, exact, month",
    [
        ("sl", "1. 10. 2021", "1. 10. 2021 ob 14:30", "1. 10. 2021 ob 14:30:05", "oktober 2021"),
        ("en", "1 October 2021", "1 October 2021 at 14:30", "1 October 2021 at 14:30:05", "October 2021"),
    ],
)
def test_the_formats_of_each_language(language, day, moment, exact, month):
    with translation.override(language):
        assert dates.day(dt.date(2021, 10, 1)) == day
        assert dates.day(MOMENT) == day
        assert dates.moment(MOMENT) == moment
        assert dates.exact_moment(MOMENT) == exact
        assert dates.partial_date("2021-10") == month
        assert dates.partial_date("2021-10-01") == day
        assert dates.partial_date("2021") == "2021"
        # what templates write: a bare date, |date without a format, the named formats
        page = Template(
            "{{ d }}|{{ d|date }}|{{ m|date:'DATETIME_FORMAT' }}|{{ d|date:'SHORT_DATE_FORMAT' }}"
        ).render(Context({"d": dt.date(2021, 10, 1), "m": MOMENT}))
        assert page == f"{day}|{day}|{moment}|{day}"


@pytest.mark.parametrize(
    "start, end, sl, en",
    [
        ("2021", "2027", "2021–2027", "2021–2027"),
        ("2017", "", "od 2017", "from 2017"),
        ("", "2023", "do 2023", "until 2023"),
        ("2018-09-02", "2018-09-02", "2. 9. 2018", "2 September 2018"),
        ("2018-09", "2019-03", "september 2018 – marec 2019", "September 2018 – March 2019"),
        ("", "", "obdobje ni navedeno", "period not stated"),
    ],
)
def test_a_period_never_reads_question_mark_dash_question_mark(start, end, sl, en):
    with translation.override("sl"):
        assert dates.period(start, end) == sl
    with translation.override("en"):
        assert dates.period(start, end) == en


@pytest.mark.django_db
@pytest.mark.parametrize("language, shown", [("sl", "31. 12. 2023"), ("en", "31 December 2023")])
def test_the_indicator_page_writes_its_dates_in_the_page_language(client, language, shown):
    """K1 of LAS Zasavje has its value of 10 on 31 December 2023 (the source document's table)."""
    indicator = Indicator.objects.get(strategy__slug=LAS, code="K1")
    html = client.get(indicator.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert shown in html
    assert "2023-12-31" not in re.sub(r'<[^>]*"[^"]*2023-12-31[^"]*"[^>]*>', "", html)  # only in attributes
    assert not AMERICAN.search(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, shown",
    [("sl", "2. 9. 2018"), ("en", "2 September 2018")],
)
def test_the_project_list_writes_partial_dates_in_the_page_language(client, language, shown):
    """IC-2 of the Gorenjska strategy ran on one day, 2 September 2018 (the source's table of events)."""
    html = client.get(
        "/projekti/?strategy=gorenjska-industrijska-kultura-2019-2023&sort=-start",
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    assert shown in html
    assert "?–?" not in html and "–?" not in html and "?–" not in html
    assert not AMERICAN.search(html)
