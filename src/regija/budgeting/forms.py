"""Forms of the participatory-budget pages. The rules are the services'; a form reads what was typed
(amounts the Slovenian way, dates as day, month and year) and shows a service's refusal by its field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regija.core.choices import OrganisationKind
from regija.core.forms import DayMonthYearField
from regija.core.models import Organisation
from regija.core.money import AmountField
from regija.projects.models import Fund
from regija.strategies.models import Node, Strategy

from .models import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, VotingRule


def start_of(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the site's time zone (Europe/Ljubljana)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def end_of(day: dt.date) -> dt.datetime:
    """The moment ``day`` ends: the first moment of the next day (a phase open "until 31 March" closes at
    midnight)."""
    return start_of(day + dt.timedelta(days=1))


class ProposalForm(forms.Form):
    area = forms.ModelChoiceField(queryset=None, label=_("Local community"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("What do you propose, and why?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    lat = forms.FloatField(label=_("Latitude (optional)"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude (optional)"), required=False, min_value=-180, max_value=180)

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = process.areas.select_related("organisation").order_by(
            "organisation__name"
        )
        self.fields["area"].label_from_instance = lambda a: a.organisation.name


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Feasibility"),
        choices=[("feasible", _("Feasible")), ("not_feasible", _("Not feasible"))],
        widget=forms.RadioSelect,
    )
    cost = AmountField(label=_("Estimated cost (€)"), required=False, min_value=0)
    note = forms.CharField(
        label=_("Review note (the reason, if not feasible)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProcessForm(forms.Form):
    slug = forms.SlugField(label=_("Web address (e.g. velenje-2027)"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_MAX, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    year = forms.IntegerField(label=_("Budget year"), min_value=2000, max_value=2100)
    rule = forms.ChoiceField(label=_("Voting rule"), choices=VotingRule.choices, widget=forms.RadioSelect)
    max_choices = forms.IntegerField(
        label=_("Most proposals a voter chooses (approval rule)"), required=False, min_value=1, max_value=100
    )
    proposals_from = DayMonthYearField(label=_("Proposals from"))
    proposals_to = DayMonthYearField(label=_("Proposals until (inclusive)"))
    review_to = DayMonthYearField(label=_("Review until (inclusive)"))
    voting_from = DayMonthYearField(label=_("Voting from"))
    voting_to = DayMonthYearField(label=_("Voting until (inclusive)"))
    strategy = forms.ModelChoiceField(
        queryset=None, label=_("Strategy the winning projects are listed in"), required=False
    )
    fund = forms.ModelChoiceField(
        queryset=Fund.objects.order_by("code"),
        label=_("Fund the winning projects are paid from"),
        required=False,
    )

    def __init__(self, *args, organisation: Organisation, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].queryset = Strategy.objects.filter(owners=organisation)
        if editing:  # a process keeps its address
            del self.fields["slug"]

    @staticmethod
    def initial_of(process) -> dict:
        """The form's values for a stored process (a phase "until" a day ends at the midnight after it)."""
        local = timezone.localtime
        before = dt.timedelta(microseconds=1)
        return {
            "title": process.title,
            "title_en": process.title_en,
            "description": process.description,
            "year": process.year,
            "rule": process.rule,
            "max_choices": process.max_choices,
            "proposals_from": local(process.proposals_from).date(),
            "proposals_to": local(process.proposals_to - before).date(),
            "review_to": local(process.review_to - before).date(),
            "voting_from": local(process.voting_from).date(),
            "voting_to": local(process.voting_to - before).date(),
            "strategy": process.strategy_id,
            "fund": process.fund_id,
        }


class AreaForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, label=_("Local community"), empty_label=None)
    budget = AmountField(label=_("Budget (€)"), min_value=0)
    node = forms.ModelChoiceField(queryset=None, label=_("Strategy node (optional)"), required=False)

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        municipality = process.organisation
        self.fields["organisation"].queryset = Organisation.objects.filter(
            Q(pk=municipality.pk) | Q(kind=OrganisationKind.LOCAL_COMMUNITY, parent=municipality)
        ).order_by("name")
        self.fields["node"].queryset = (
            Node.objects.filter(strategy_id=process.strategy_id).order_by("path")
            if process.strategy_id
            else Node.objects.none()
        )
        self.fields["node"].label_from_instance = lambda n: f"{n.code} {n.title}"


class AreaEditForm(forms.Form):
    budget = AmountField(label=_("Budget (€)"), min_value=0)
    node = forms.ModelChoiceField(queryset=None, label=_("Strategy node (optional)"), required=False)

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = (
            Node.objects.filter(strategy_id=process.strategy_id).order_by("path")
            if process.strategy_id
            else Node.objects.none()
        )
        self.fields["node"].label_from_instance = lambda n: f"{n.code} {n.title}"


class PaperVoterForm(forms.Form):
    person = forms.CharField(label=_("User name or e-mail address of the resident"), max_length=254)


class PaperCountsForm(forms.Form):
    """Votes per proposal of one area, counted by hand from a batch of paper ballots."""

    label = forms.CharField(label=_("Batch (e.g. polling place 3)"), max_length=100)

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        for p in proposals:
            self.fields[f"count_{p.pk}"] = forms.IntegerField(
                label=f"{p.number}. {p.title}", min_value=0, required=False, max_value=10_000_000
            )

    def counts(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data.get(f"count_{p.pk}") or 0 for p in self.proposals}
