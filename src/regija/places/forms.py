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
