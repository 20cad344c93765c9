"""Forms of the participation pages; every rule beyond a field's shape is the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from regija.core.forms import DayMonthYearField
from regija.core.models import Organisation

from .models import COMMENT_MAX, REASON_MAX, TEXT_MAX, TITLE_MAX, ProposalState


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text; @name mentions a person. At most 3000 characters."),
    )
    # the length is the service's rule (with its message); the browser is told too
    text.widget.attrs["maxlength"] = COMMENT_MAX


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Official answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
    )


class ProposalForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Municipality"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), widget=forms.TextInput(attrs={"maxlength": TITLE_MAX}))
    text = forms.CharField(
        label=_("What do you propose?"), widget=forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_MAX})
    )
    node = forms.CharField(
        label=_("Strategy goal or measure (optional)"),
        required=False,
        help_text=_("The strategy's address and the code, e.g. trajnostna-mobilnost:1.2"),
    )
    lat = forms.FloatField(label=_("Latitude (optional)"), required=False, help_text=_("e.g. 46.3592"))
    lon = forms.FloatField(label=_("Longitude (optional)"), required=False, help_text=_("e.g. 15.1103"))

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["organisation"].queryset = municipalities


class StateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("New state"), choices=[c for c in ProposalState.choices if c[0] != "new"]
    )
    text = forms.CharField(
        label=_("Public answer"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX}),
        help_text=_("Shown on the proposal's page; for a rejection, the reason."),
    )
    project = forms.CharField(
        label=_("Implementing project (for implemented)"),
        required=False,
        help_text=_("The strategy's address and the project's code, e.g. trajnostna-mobilnost/P-12"),
    )


class ConsultationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), widget=forms.TextInput(attrs={"maxlength": TITLE_MAX}))
    title_en = forms.CharField(label=_("Title in English"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("Description in English"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    opens = DayMonthYearField(label=_("Opens on"), help_text=_("From the start of this day"))
    closes = DayMonthYearField(label=_("Last day"), help_text=_("Until the end of this day"))
    strategy = forms.CharField(
        label=_("Draft strategy (its address)"),
        required=False,
        help_text=_("A strategy in status draft; or upload the act below"),
    )
    act_name = forms.CharField(label=_("Name of the act"), required=False)
    act_file = forms.FileField(
        label=_("The act (DOCX or plain text)"),
        required=False,
        help_text=_("Its paragraphs are numbered and people comment on each. PDF is not read."),
    )
    residents_only = forms.BooleanField(label=_("Only verified residents may comment"), required=False)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
