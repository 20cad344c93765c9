"""The staff form of an event: dates as day/month/year boxes and a time of day, read in Ljubljana time.
``services.event_create`` / ``event_update`` check every value again and write it."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regija.core.forms import DayMonthYearField

from .models import DESCRIPTION_MAX, TITLE_MAX, Category, Event
from .sources import all_day_span

TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class TimeOfDay(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        m = TIME.match(value)
        if not m:
            raise forms.ValidationError(_("Write the time as hours and minutes, such as 18:30."))
        return dt.time(int(m.group(1)), int(m.group(2)))


class EventForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label=_("organisation"), empty_label=None)
    title = forms.CharField(label=_("title"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("title in English"), max_length=TITLE_MAX, required=False)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    start_date = DayMonthYearField(label=_("first day"))
    start_time = TimeOfDay(
        label=_("starts at (time)"),
        required=False,
        help_text=_("For example 18:00; empty for an all-day event."),
    )
    end_date = DayMonthYearField(label=_("last day"), required=False, help_text=_("Empty: the same day."))
    end_time = TimeOfDay(label=_("ends at (time)"), required=False)
    place_name = forms.CharField(label=_("place"), max_length=300, required=False)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    latitude = forms.DecimalField(label=_("latitude"), required=False, max_digits=8, decimal_places=6)
    longitude = forms.DecimalField(label=_("longitude"), required=False, max_digits=9, decimal_places=6)
    online_url = forms.CharField(label=_("online link"), max_length=500, required=False)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea, required=False, max_length=DESCRIPTION_MAX
    )
    description_en = forms.CharField(
        label=_("description in English"), widget=forms.Textarea, required=False, max_length=DESCRIPTION_MAX
    )
    public = forms.BooleanField(
        label=_("public (shown on the calendar and in the feeds)"), required=False, initial=True
    )
    registration = forms.BooleanField(label=_("people register for it"), required=False)
    capacity = forms.IntegerField(label=_("places"), required=False, help_text=_("Empty for no limit."))

    def __init__(self, *args, organisations=None, event: Event | None = None, **kwargs):
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(event)
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        start_date = data.get("start_date")
        if start_date is None:
            return data
        end_date = data.get("end_date") or start_date
        start_time, end_time = data.get("start_time"), data.get("end_time")
        tz = timezone.get_default_timezone()
        if start_time is None:
            if end_time is not None:
                self.add_error("start_time", _("Give the starting time too, or neither."))
                return data
            if end_date < start_date:
                self.add_error("end_date", _("The event cannot end before it starts."))
                return data
            data["all_day"] = True
            data["starts_at"], data["ends_at"] = all_day_span(start_date, end_date)
        else:
            data["all_day"] = False
            data["starts_at"] = dt.datetime.combine(start_date, start_time, tzinfo=tz)
            end = end_time or (dt.datetime.combine(dt.date.min, start_time) + dt.timedelta(hours=1)).time()
            if end_time is None and end < start_time:
                end_date = start_date + dt.timedelta(days=1)
            data["ends_at"] = dt.datetime.combine(end_date, end, tzinfo=tz)
        return data

    def values(self) -> dict:
        d = self.cleaned_data
        names = ["title", "title_en", "category", "place_name", "address", "latitude", "longitude",
                 "online_url", "description", "description_en", "public", "registration", "capacity",
                 "all_day", "starts_at", "ends_at"]  # fmt: skip
        return {
            n: d[n] if d[n] is not None or n in ("latitude", "longitude", "capacity") else "" for n in names
        }


def initial_of(event: Event) -> dict:
    local = timezone.localtime
    initial = {
        n: getattr(event, n)
        for n in ("title", "title_en", "category", "place_name", "address", "latitude", "longitude",
                  "online_url", "description", "description_en", "public", "registration", "capacity")
    }  # fmt: skip
    initial["organisation"] = event.organisation_id
    initial["start_date"] = event.first_day
    initial["end_date"] = event.last_day
    if not event.all_day:
        initial["start_time"] = local(event.starts_at).strftime("%H:%M")
        initial["end_time"] = local(event.ends_at).strftime("%H:%M")
    return initial


# Which form field shows a refusal of a service field.
FIELD_OF = {"starts_at": "start_date", "ends_at": "end_date", "all_day": "start_time"}
