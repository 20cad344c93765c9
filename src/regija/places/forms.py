"""The staff's import form: an organisation they edit and a file of places."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None, label=_("Organisation"), help_text=_("The places will belong to it; it keeps them.")
    )
    file = forms.FileField(
        label=_("File of places"),
        help_text=_(
            "CSV, XLSX or GeoJSON with the columns of the format (docs/places.md); at most 20 000 places."
        ),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class PlaceForm(forms.Form):
    """One place's values as staff type them; ``services.clean`` checks them (the same checks as a file's
    row), so this form only lays them out."""

    # a list to choose from, but checked only by the service (an unknown code is named once, in its words)
    category = forms.CharField(label=_("Category"), required=False, widget=forms.Select())
    name = forms.CharField(label=_("Name (Slovenian)"), required=False)
    name_en = forms.CharField(label=_("Name (English)"), required=False)
    latitude = forms.CharField(label=_("Latitude"), required=False, help_text=_("Decimal degrees, WGS84."))
    longitude = forms.CharField(label=_("Longitude"), required=False, help_text=_("Decimal degrees, WGS84."))
    address = forms.CharField(label=_("Address"), required=False)
    opening_hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        help_text=_("OpenStreetMap syntax, e.g. Mo-Fr 08:00-16:00; Sa 08:00-12:00; PH off."),
    )
    accessibility = forms.CharField(
        label=_("Accessibility (Slovenian)"), required=False, widget=forms.Textarea
    )
    accessibility_en = forms.CharField(
        label=_("Accessibility (English)"), required=False, widget=forms.Textarea
    )
    phone = forms.CharField(label=_("Phone"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    website = forms.CharField(label=_("Website"), required=False)
    photo = forms.CharField(label=_("Photo (web address)"), required=False)
    source = forms.CharField(label=_("Source"), required=False)
    checked_on = forms.CharField(label=_("Last checked"), required=False, help_text=_("YYYY-MM-DD."))
    illustrative = forms.BooleanField(
        label=_("The position is illustrative, not taken from a source"), required=False
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = categories

    def values(self) -> dict[str, str]:
        """The typed values as text, as ``services.clean`` reads a row."""
        data = {name: str(self.data.get(name, "")) for name in self.fields if name != "illustrative"}
        data["illustrative"] = "true" if self.data.get("illustrative") else "false"
        return data
