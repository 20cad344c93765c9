"""Forms of the staff pages: a dataset's metadata, an upload, the data dictionary."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regija.core.forms import DayMonthYearField

from .models import ColumnType, Dataset
from .services import DATASET_FIELDS
from .vocabularies import Theme

LIST_FIELDS = ("keywords", "keywords_en", "conformance")
UPLOAD_TYPES = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".geojson", ".parquet")


class DatasetForm(forms.ModelForm):
    """The metadata (DCAT-AP) of a dataset; lists are typed separated by commas. Checked again, and
    written, by ``services.dataset_create`` / ``dataset_update``."""

    publisher = forms.ModelChoiceField(queryset=None, label=_("publisher"), empty_label=None)
    keywords = forms.CharField(
        label=_("keywords"), required=False, help_text=_("Separated by commas."), max_length=2000
    )
    keywords_en = forms.CharField(
        label=_("keywords in English"), required=False, help_text=_("Separated by commas."), max_length=2000
    )
    conformance = forms.CharField(
        label=_("conforms to"),
        required=False,
        help_text=_("Addresses of the standards the data follows, separated by commas."),
        max_length=4000,
    )
    themes = forms.MultipleChoiceField(
        label=_("themes"), required=False, choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )
    temporal_start = DayMonthYearField(label=_("covers from"), required=False)
    temporal_end = DayMonthYearField(label=_("covers until"), required=False)

    class Meta:
        model = Dataset
        fields = [f for f in DATASET_FIELDS if f not in LIST_FIELDS]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["publisher"]
        else:
            self.fields["publisher"].queryset = organisations
            self.order_fields(["publisher"])
        if self.instance.pk:
            for name in LIST_FIELDS:
                self.initial[name] = ", ".join(getattr(self.instance, name) or [])

    def _post_clean(self):
        # the service checks and saves (model validation and uniqueness included), not the form
        pass

    def data_for_service(self) -> dict:
        data = {f: self.cleaned_data[f] for f in DATASET_FIELDS if f in self.cleaned_data}
        for name in LIST_FIELDS:
            data[name] = self.cleaned_data.get(name) or ""
        data["themes"] = list(self.cleaned_data.get("themes") or [])
        return data

    def changes(self) -> dict:
        """Only what differs from the dataset as it is."""
        data = self.data_for_service()
        changed = {}
        for field, value in data.items():
            current = getattr(self.instance, field)
            if field in LIST_FIELDS:
                if ", ".join(current or []) != value:
                    changed[field] = value
            elif current != value:
                changed[field] = value
        return changed


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, XLSX, JSON, GeoJSON or Parquet."),
    )
    replace_columns = forms.BooleanField(
        label=_("Replace the columns"),
        required=False,
        help_text=_(
            "Tick when the columns changed on purpose (one removed, a number become text): the programs "
            "that read the previous versions may need to change."
        ),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = (f.name or "").lower()
        if not name.endswith(UPLOAD_TYPES):
            raise forms.ValidationError(_("Choose a CSV, XLSX, JSON, GeoJSON or Parquet file."))
        return f


TYPE_CHOICES = [(v, label) for v, label in ColumnType.choices if v != ColumnType.GEOMETRY]


class ColumnForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("label"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("type"), choices=ColumnType.choices)
    unit = forms.CharField(label=_("unit"), required=False, max_length=100)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_en = forms.CharField(
        label=_("description in English"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


ColumnFormSet = forms.formset_factory(ColumnForm, extra=0, max_num=2000, validate_max=True)
