"""The sign-up form's own fields (allauth's ACCOUNT_SIGNUP_FORM_CLASS) and the account page's forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regija.core.choices import OrganisationKind
from regija.core.models import Organisation

from . import services


def _consent_label() -> str:
    return format_html(
        _('I agree to the <a href="{url}">terms of use and the privacy notice</a> (version {version}).'),
        url=reverse_lazy("account_terms"),
        version=settings.REGIJA_CONSENT_VERSIONS["terms"],
    )


class SignupExtra(forms.Form):
    """Added to allauth's sign-up form: a honeypot field people do not see (a program that fills every
    field is refused) and the consent to the current terms and privacy notice, recorded with its
    version."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    consent = forms.BooleanField(label=lazy(_consent_label, str)(), required=True)

    field_order = ["email", "password1", "password2", "consent", "website"]

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _("This form was filled in by a program, not a person; the account was not made.")
            )
        return ""

    def signup(self, request, user) -> None:
        services.record_sign_up(user, get_language() or settings.LANGUAGE_CODE)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of messages"), choices=settings.LANGUAGES)


class ResidencyRequestForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY).order_by("name"),
    )
    area = forms.ModelChoiceField(
        label=_("Local community (optional)"),
        queryset=Organisation.objects.filter(parent__kind=OrganisationKind.MUNICIPALITY).order_by("name"),
        required=False,
    )
    name = forms.CharField(label=_("Name on the letter"), max_length=200)
    address = forms.CharField(label=_("Street and house number"), max_length=300)
    postcode = forms.CharField(label=_("Post code and town"), max_length=100)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the letter"), max_length=30)


class StaffVerifyForm(forms.Form):
    email = forms.EmailField(label=_("The person's e-mail address"))
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Organisation.objects.none())
    area = forms.ModelChoiceField(
        label=_("Local community (optional)"), queryset=Organisation.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note (how it was checked)"), max_length=300, required=False)

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.fields["municipality"].queryset = municipalities
            self.fields["area"].queryset = Organisation.objects.filter(parent__in=municipalities).order_by(
                "name"
            )


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"), max_length=500, required=False, widget=forms.Textarea
    )
    confirm = forms.BooleanField(
        label=_("I understand: my account is deleted for good; what I posted stays, as by a deleted account.")
    )
