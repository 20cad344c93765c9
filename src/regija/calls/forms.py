"""Forms of the applicant, the committee and the programme staff.

Amounts are typed as text and read the Slovenian way (``core.money.AmountField``); dates as day, month
and year in three boxes (``core.forms.DayMonthYearField``). The application's rows – funds, partners,
phases – come with spare empty rows that the page script shows one by one ("Add another row"), and a
saved row can be removed with its "Remove" box.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from regija.core.forms import DayMonthYearField
from regija.core.identifiers import read_registration_number, read_tax_number
from regija.core.money import AmountField
from regija.core.validators import safe_url
from regija.projects.models import InstrumentKind
from regija.strategies.views import LocalDecimalField

from .models import APPLICANT_KINDS, ApplicantDeclaration, AttachmentKind


def money_field(label, required=True):
    return AmountField(label=label, required=required, min_value=0)


class StartForm(forms.Form):
    applicant = forms.ModelChoiceField(queryset=None, label=_("Applicant"), empty_label=None)
    title = forms.CharField(label=_("Project title"), max_length=400)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = organisations


class ApplicationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Project title"), max_length=400)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}), required=False)


class FundForm(forms.Form):
    fund = forms.ChoiceField(label=_("Fund"), required=False)
    requested = money_field(_("Requested (€)"), required=False)

    def __init__(self, *args, funds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [("", "—")] + [(str(f.pk), f"{f.code} – {f.name}") for f in funds]
        if len(funds) == 1:  # a call with one fund: it is chosen already (an empty row still is no row)
            self.fields["fund"].initial = str(funds[0].pk)

    def clean(self):
        data = super().clean()
        if data.get("fund") and data.get("requested") in (None, ""):
            self.add_error("requested", _("Enter the amount requested from this fund."))
        if data.get("requested") and not data.get("fund"):
            self.add_error("fund", _("Choose the fund."))
        return data


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Partner"), max_length=300, required=False)
    role = forms.CharField(label=_("Role in the project"), max_length=300, required=False)


class PhaseForm(forms.Form):
    title = forms.CharField(label=_("Phase"), max_length=300, required=False)
    start = DayMonthYearField(label=_("From"), required=False)
    end = DayMonthYearField(label=_("Until"), required=False)
    amount = money_field(_("Amount (€)"), required=False)

    def clean(self):
        data = super().clean()
        if (data.get("start") or data.get("end") or data.get("amount")) and not data.get("title"):
            self.add_error("title", _("Name the phase."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("A phase ends after it starts."))
        return data


class RowsFormSet(forms.BaseFormSet):
    """A form set whose empty rows after the first are spare: the page marks them ``data-spare`` and
    the page script shows them one at a time; without the script they are simply there. A row the
    applicant has typed into is never spare. The saved rows carry a "Remove" box (``DELETE``)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def rows(self):
        """(form, spare) for each row, in order."""
        empty_seen = False
        for i, form in enumerate(self.forms):
            empty = i >= self.initial_form_count() and not (form.is_bound and form.has_changed())
            yield form, empty and empty_seen
            empty_seen = empty_seen or empty

    def kept(self) -> list[dict]:
        """The cleaned rows, without those marked for removal."""
        deleted = set(map(id, self.deleted_forms)) if self.can_delete else set()
        return [f.cleaned_data for f in self.forms if id(f) not in deleted and f.cleaned_data]

    def refuse(self, message: str) -> None:
        """Show a refusal of the service (``Refused``) as the form set's own error."""
        self.non_form_errors().append(message)


def rows_formset(form, *, extra: int, max_num: int):
    return forms.formset_factory(
        form, formset=RowsFormSet, extra=extra, max_num=max_num, can_delete=True, can_delete_extra=False
    )


PartnerFormSet = rows_formset(PartnerForm, extra=5, max_num=30)
PhaseFormSet = rows_formset(PhaseForm, extra=5, max_num=20)


def fund_formset(funds):
    """Rows for amounts by fund: as many as the call has funds (each fund appears once)."""
    return rows_formset(FundForm, extra=len(funds), max_num=max(len(funds), 1))


class SubmitForm(forms.Form):
    """The declarations on "check your answers", and the version checked (``services.submit``)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    declarations = forms.MultipleChoiceField(
        label=_("Declarations"),
        help_text=_("Tick each one: the application is submitted with these declarations."),
        choices=ApplicantDeclaration.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick every declaration to submit the application.")},
    )

    def clean_declarations(self):
        ticked = self.cleaned_data["declarations"]
        if set(ApplicantDeclaration.values) - set(ticked):
            raise forms.ValidationError(_("Tick every declaration to submit the application."))
        return ticked


class WithdrawForm(forms.Form):
    """The applicant's confirmation that the application is to be withdrawn, with an optional reason."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The call's staff see it with the application."),
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FinaliseForm(forms.Form):
    """The chair's choice of an application of the call whose score sheets to finalise: an id that is not
    a number, or not of this call, is a form error rather than a server error."""

    application = forms.ModelChoiceField(
        queryset=None,
        error_messages={
            "required": _("Choose an application of this call to finalise."),
            "invalid_choice": _("Choose an application of this call to finalise."),
        },
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = call.applications.all()


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("no", _("I declare that I have no conflict of interest with this application")),
            ("yes", _("I have a conflict of interest and recuse myself")),
        ],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
    )
    note = forms.CharField(
        label=_("What the conflict is (when you recuse yourself)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScoreForm(forms.Form):
    """One field pair per criterion: points_<id>, justification_<id>."""

    edits = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, criteria=(), initial_scores=None, correction=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        initial_scores = initial_scores or {}
        if not correction:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True
        for c in self.criteria:
            points, justification = initial_scores.get(c.pk, (None, ""))
            self.fields[f"points_{c.pk}"] = LocalDecimalField(
                label=_("Points (0–%(max)s)") % {"max": c.max_points},
                max_digits=7,
                decimal_places=2,
                min_value=0,
                max_value=c.max_points,
                initial=points,
            )
            self.fields[f"justification_{c.pk}"] = forms.CharField(
                label=_("Justification"), widget=forms.Textarea(attrs={"rows": 2}), initial=justification
            )

    def rows(self):
        return [(c, self[f"points_{c.pk}"], self[f"justification_{c.pk}"]) for c in self.criteria]

    def scores(self):
        return {
            c.pk: (self.cleaned_data[f"points_{c.pk}"], self.cleaned_data[f"justification_{c.pk}"])
            for c in self.criteria
        }


class EligibilityForm(forms.Form):
    def __init__(self, *args, conditions=(), checks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.conditions = list(conditions)
        checks = checks or {}
        for c in self.conditions:
            check = checks.get(c.pk)
            self.fields[f"met_{c.pk}"] = forms.TypedChoiceField(
                label=c.text,
                choices=[("yes", _("met")), ("no", _("not met"))],
                widget=forms.RadioSelect,
                coerce=lambda v: v == "yes",
                initial=None if check is None else ("yes" if check.met else "no"),
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=_("Note"), required=False, initial=check.note if check else ""
            )

    def rows(self):
        return [(c, self[f"met_{c.pk}"], self[f"note_{c.pk}"]) for c in self.conditions]

    def results(self):
        return {
            c.pk: (self.cleaned_data[f"met_{c.pk}"], self.cleaned_data[f"note_{c.pk}"])
            for c in self.conditions
        }


class ApproveForm(forms.Form):
    instrument_kind = forms.ChoiceField(label=_("Instrument"), choices=InstrumentKind.choices)
    instrument_number = forms.CharField(label=_("Number"), max_length=100)
    instrument_date = DayMonthYearField(label=_("Date"))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"approved_{line.fund_id}"] = money_field(
                _("Approved from %(fund)s (€)") % {"fund": line.fund.code}
            )
            self.fields[f"approved_{line.fund_id}"].initial = line.requested

    def amounts(self):
        return {line.fund_id: self.cleaned_data[f"approved_{line.fund_id}"] for line in self.lines}


class ClaimForm(forms.Form):
    label = forms.CharField(label=_("Claim (e.g. 1st phase)"), max_length=200)
    fund = forms.ChoiceField(label=_("Fund"))
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    amount = money_field(_("Amount (€)"))

    def __init__(self, *args, funds=(), phases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [(str(f.pk), f.code) for f in funds]
        self.fields["phase"].choices = [("", "—")] + [(str(p.pk), p.title) for p in phases]


class PayForm(forms.Form):
    date = DayMonthYearField(label=_("Paid on"))


# ------------------------------------------------------------------------------ self-registration


class RegistrationForm(forms.Form):
    """A person registers their organisation to apply to a call. The fields' rules are the service's
    (``calls.services.registration.check_data``); here they give their message beside each field."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to it to confirm it. It is also your user name when you sign in."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Confirm the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    organisation_name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=300,
        help_text=_("As in the Business Register, e.g. Društvo Sonce Zasavje."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    organisation_kind = forms.ChoiceField(label=_("Kind of organisation"))
    registration_number = forms.CharField(
        label=_("Registration number (matična številka)"),
        max_length=20,
        help_text=_("7 or 10 digits, as in the Business Register (AJPES)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    tax_number = forms.CharField(
        label=_("Tax number (davčna številka)"),
        max_length=20,
        help_text=_("8 digits; with or without SI in front."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    address = forms.CharField(
        label=_("Address of the organisation"),
        max_length=300,
        help_text=_("Street and number, postcode and town."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    website = forms.CharField(
        label=_("Web address (optional)"),
        max_length=300,
        required=False,
        validators=[safe_url],
        widget=forms.TextInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data"),
        help_text=_(
            "The organisation running the call and the operator of Regija process the personal data you give "
            "here (your name and e-mail address) to manage your account and the applications made with it."
        ),
        error_messages={
            "required": _("Agree to the processing of your personal data, or you cannot register.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_kind"].choices = [("", _("Choose…"))] + [
            (kind.value, kind.label) for kind in APPLICANT_KINDS
        ]
        self.fields["password1"].help_text = " ".join(password_validation.password_validators_help_texts())

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_registration_number(self):
        return read_registration_number(self.cleaned_data["registration_number"])

    def clean_tax_number(self):
        return read_tax_number(self.cleaned_data["tax_number"])

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ. Type the same password twice."))
        elif one:
            person = get_user_model()(
                username=data.get("email", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(one, person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class RegistrationApproveForm(forms.Form):
    """Approve: ``match`` is the organisation the page showed as already having the registration number
    (empty: none), so an approval never adds the person to an organisation staff did not see."""

    match = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RegistrationRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        help_text=_("The person receives it by e-mail."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
