"""The new-report form in two steps. Step 1 (``PlaceForm``, sent with GET): the category and the place –
a point picked on the map or typed, or an address; it leads to the nearby open reports of the category
("is it one of these?") and to the category's questions. Step 2 (``ReportForm``, POST): the answers,
the description, the photos and, without an account, the e-mail address. The forms only shape the
input; ``services.report_create`` checks it (its refusals become the fields' errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ADDRESS_MAX, DESCRIPTION_MAX, MAX_PHOTOS, Datatype, Service


class _Photos(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS files in one input (the services check each one's type, size and content)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", _Photos(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class PlaceForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Category"), queryset=Service.objects.none(), to_field_name="code", empty_label=None
    )
    lat = forms.CharField(
        label=_("Latitude"),
        required=False,
        help_text=_("Click the map to set the point, or type it, e.g. 46.0511"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lon = forms.CharField(
        label=_("Longitude"),
        required=False,
        help_text=_("e.g. 14.5051"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=_("Or the address"),
        required=False,
        max_length=ADDRESS_MAX,
        help_text=_("Street and house number, place"),
    )

    def __init__(self, *args: Any, services: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"].queryset = services
            self.fields["service"].label_from_instance = lambda s: f"{s.name} ({s.organisation.name})"


class ReportForm(PlaceForm):
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = PhotosField(
        label=_("Up to %(n)s photos (optional)") % {"n": MAX_PHOTOS},
        required=False,
        help_text=_("JPEG, PNG or WebP; the location and camera data in them are removed."),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        help_text=_("Never published; we send a link to confirm the report."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: Any, service: Service | None = None, anonymous: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not anonymous:
            del self.fields["email"]
        for a in service.attributes if service is not None else []:
            label = a.get("description") or a["code"]
            name = f"attribute[{a['code']}]"
            choices = [(str(v["key"]), v["name"]) for v in a.get("values", [])]
            required = bool(a.get("required"))
            if a.get("datatype") == Datatype.MULTI:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label, choices=choices, required=required, widget=forms.CheckboxSelectMultiple
                )
            elif choices:
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=[("", "")] + choices, required=required
                )
            elif a.get("datatype") == Datatype.TEXT:
                self.fields[name] = forms.CharField(label=label, required=required, widget=forms.Textarea)
            else:
                self.fields[name] = forms.CharField(label=label, required=required)
        self.questions = [self[f"attribute[{a['code']}]"] for a in (service.attributes if service else [])]
