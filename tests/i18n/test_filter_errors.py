"""A filter of the project list that cannot be used is named by its label and explained in the page's
language ("Running from year: enter a whole number, such as 2021"), never with pydantic's English
("year_from: Input should be a valid integer, unable to parse string as an integer"). The API keeps its
documented machine messages."""

from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.django_db


def _alert(response) -> str:
    page = response.content.decode()
    alert = re.search(r'role="alert">(.*?)</div>', page, re.S).group(1)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", alert)))


@pytest.mark.parametrize(
    "query, english, slovenian",
    [
        (
            "year_from=dvatisoč",
            "Running from year: enter a whole number, such as 2021",
            "V izvajanju od leta: vnesite celo število, na primer 2021",
        ),
        (
            "year_to=1800",
            "Running to year: enter a year between 1900 and 2200",
            "V izvajanju do leta: vnesite leto med 1900 in 2200",
        ),
        (
            "year_from=2022&year_to=2020",
            "Running to year: the year is before “Running from year”",
            "V izvajanju do leta: leto je pred poljem “V izvajanju od leta”",
        ),
        (
            "amount_min=veliko",
            "Amount from (EUR): enter an amount in euros, such as 1.200,50",
            "Znesek od (EUR): vnesite znesek v evrih, na primer 1.200,50",
        ),
        (
            "amount_min=10&amount_max=5",
            "Amount to (EUR): the amount is below “Amount from (EUR)”",
            "Znesek do (EUR): znesek je manjši od polja “Znesek od (EUR)”",
        ),
        (
            "node=JP",
            "Goal or measure: choose the strategy too: a goal or measure is looked up within its strategy",
            "Cilj ali ukrep: izberite tudi strategijo: cilj ali ukrep se išče znotraj svoje strategije",
        ),
        (
            "status=foo",
            "Status: choose one of the values offered",
            "Status: izberite eno od ponujenih vrednosti",
        ),
        (
            "sort=price",
            "Sort by: choose one of the values offered",
            "Razvrsti po: izberite eno od ponujenih vrednosti",
        ),
    ],
)
def test_the_list_page_explains_a_bad_filter_in_the_page_language(client, query, english, slovenian):
    for language, expected in (("en", english), ("sl", slovenian)):
        response = client.get(f"/projekti/?{query}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 422
        alert = _alert(response)
        assert expected in alert
        assert "Input should" not in alert and "Value error" not in alert and "_" not in alert


def test_the_download_explains_a_bad_filter_in_the_request_language(client):
    response = client.get("/projekti/izvoz.csv?year_from=dvatisoč", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.content.decode() == "Running from year: enter a whole number, such as 2021"


def test_the_api_keeps_its_machine_messages(client):
    detail = client.get("/api/v1/projects?year_from=2022&year_to=2020").json()["detail"]
    assert detail == [{"loc": ["query"], "msg": "year_from is after year_to", "type": "value_error"}]
    detail = client.get("/api/v1/projects?amount_min=veliko").json()["detail"]
    assert detail == [
        {"loc": ["query", "amount_min"], "msg": "not an amount of money", "type": "value_error"}
    ]
