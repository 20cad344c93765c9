"""Form fields every app shares.

A date is typed as day, month and year in three short boxes, in the Slovenian order (GOV.UK's date
input): no browser date picker that shows mm/dd/yyyy to someone whose browser speaks English, no
guessing whether 3/4 is the 3rd of April or the 4th of March. ``DayMonthYearField`` reads the three
boxes and says exactly what is wrong ("Enter the month.", "31. 2. 2025 is not a valid date.", "The year
must have 4 digits."); ``{% field %}`` renders it as a fieldset whose legend is the field's label.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGITS = re.compile(r"[0-9]+")


class DayMonthYearWidget(forms.MultiWidget):
    """Three text boxes – day, month, year – with a number pad on phones (``inputmode="numeric"``), named
    ``NAME_day``, ``NAME_month`` and ``NAME_year``; GOV.UK Frontend's date-input markup."""

    template_name = "core/widgets/day_month_year.html"
    PARTS = (("day", _("Day"), 2), ("month", _("Month"), 2), ("year", _("Year"), 4))

    def __init__(self, attrs=None):
        widgets = {
            name: forms.TextInput(
                attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}
            )
            for name, _label, _width in self.PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        given = (attrs or {}).get("class", "") or self.attrs.get("class", "")
        error = "govuk-input--error" in given.split()
        parts = []
        for sub, (_name, label, width) in zip(context["widget"]["subwidgets"], self.PARTS, strict=True):
            sub_attrs = sub["attrs"]
            sub_attrs.pop("aria-describedby", None)  # the fieldset is described by the hint and error
            classes = ["govuk-input", "govuk-date-input__input", f"govuk-input--width-{width}"]
            if error:
                classes.append("govuk-input--error")
            sub_attrs["class"] = " ".join(classes)
            parts.append({"widget": sub, "label": label})
        context["widget"]["parts"] = parts
        context["widget"]["group_id"] = (attrs or {}).get("id") or self.attrs.get("id", "")
        return context

    def id_for_label(self, id_):
        # the legend names the group; the error summary links to the first box
        return f"{id_}_0" if id_ else id_


class DayMonthYearField(forms.DateField):
    """A date typed as day, month and year (``DayMonthYearWidget``), each part checked with its own
    message; a date (or None) in ``cleaned_data`` as a ``DateField`` gives."""

    widget = DayMonthYearWidget
    default_error_messages = {
        "required": _("Enter the day, month and year."),
        "day": _("Enter the day."),
        "month": _("Enter the month."),
        "year": _("Enter the year."),
        "numbers": _("Write the day, month and year in numbers, for example 27 3 2026."),
        "year_digits": _("The year must have 4 digits."),
        "invalid_date": _("%(date)s is not a valid date."),
    }

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return self._read(value)
        return super().to_python(value)

    def _read(self, value) -> dt.date | None:
        parts = [str(v if v is not None else "").strip() for v in list(value)[:3]]
        parts += [""] * (3 - len(parts))
        if not any(parts):
            return None
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if len(missing) == 1:
            raise ValidationError(self.error_messages[missing[0]], code=missing[0])
        if missing:
            raise ValidationError(self.error_messages["required"], code="required")
        if not all(_DIGITS.fullmatch(p) for p in parts):
            raise ValidationError(self.error_messages["numbers"], code="numbers")
        day, month, year = (int(p) for p in parts)
        if len(parts[2]) != 4:
            raise ValidationError(self.error_messages["year_digits"], code="year_digits")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid_date"],
                code="invalid_date",
                params={"date": f"{day}. {month}. {year}"},
            ) from None
