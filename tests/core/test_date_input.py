"""A date typed as day, month and year (issue 13: "forms that cannot mislead").

A browser's date input shows mm/dd/yyyy to someone whose browser speaks English, and 3/4 reads as the
3rd of April in Slovenia and the 4th of March in the US. ``core.forms.DayMonthYearField`` asks for day,
month and year in three boxes, in that order, and says exactly what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from regija.core.forms import DayMonthYearField


class PhaseDates(forms.Form):
    start = DayMonthYearField(label="From")
    end = DayMonthYearField(label="Until", required=False)


def _form(*start, **end):
    day, month, year = (list(start) + ["", "", ""])[:3]
    data = {"start_day": day, "start_month": month, "start_year": year}
    data.update({f"end_{k}": v for k, v in end.items()})
    return PhaseDates(data)


def _errors(form) -> str:
    form.is_valid()
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_date_typed_day_month_year_is_that_date():
    form = _form(" 03", "4 ", "2026")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == dt.date(2026, 4, 3)  # the 3rd of April, never the 4th of March
    assert form.cleaned_data["end"] is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("31", "2", "2025"), "31. 2. 2025 is not a valid date."),
        (("1", "13", "2025"), "1. 13. 2025 is not a valid date."),
        (("1", "6", "25"), "The year must have 4 digits."),
        (("1", "", "2025"), "Enter the month."),
        (("", "6", "2025"), "Enter the day."),
        (("1", "6", ""), "Enter the year."),
        (("1", "", ""), "Enter the day, month and year."),
        (("", "", ""), "Enter the day, month and year."),
        (("1.", "jun", "2025"), "Write the day, month and year in numbers, for example 27 3 2026."),
    ],
)
def test_what_is_wrong_is_said_exactly(typed, message):
    assert _errors(_form(*typed)) == message


def test_an_optional_date_left_empty_is_none_and_a_half_typed_one_is_refused():
    assert _form("1", "6", "2026").is_valid()
    assert (
        _errors(_form("1", "6", "2026", day="31", month="6", year="2026"))
        == "31. 6. 2026 is not a valid date."
    )
    assert _errors(_form("1", "6", "2026", day="30", month="", year="2026")) == "Enter the month."


def test_it_renders_as_the_design_systems_date_input_in_a_fieldset():
    form = _form("31", "2", "2025")
    form.is_valid()
    html = Template("{% load regija_forms %}{% error_summary form %}{% field form.start %}").render(
        Context({"form": form})
    )
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">From</legend>' in html
    assert 'class="govuk-date-input" id="id_start"' in html
    inputs = re.findall(r"<input[^>]*>", html)
    assert [re.search(r'name="([^"]+)"', i).group(1) for i in inputs] == [
        "start_day",
        "start_month",
        "start_year",
    ]
    for box, width in zip(inputs, (2, 2, 4), strict=True):
        assert 'type="text"' in box and 'inputmode="numeric"' in box
        assert f"govuk-input--width-{width}" in box and "govuk-input--error" in box
    assert [m for m in re.findall(r'date-input__label" for="[^"]+">(\w+)<', html)] == ["Day", "Month", "Year"]
    # the error summary links to the day box; the typed parts are shown again as typed
    assert 'href="#id_start_0"' in html and 'value="31"' in html
    assert 'type="date"' not in html
