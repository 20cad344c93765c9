"""Participatory budgeting (participativni proračun): a municipality's process, its areas (local
communities, or the whole municipality) with their budgets, residents' proposals, ballots.

A **ballot** names its voter only to keep one ballot per person and process (a database constraint);
its choices reference the ballot, never the person, no history of earlier choices is kept (a change
replaces them), and ballots are not in the audit log. The tally and every page and answer count choices
by proposal and never name a voter. See docs/budgeting.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regija.core.models import Organisation
from regija.core.money import MoneyField

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 2000


class VotingRule(models.TextChoices):
    APPROVAL = "approval", _("approval (choose up to k proposals)")
    KNAPSACK = "knapsack", _("knapsack (choose proposals whose costs fit the budget)")


class Phase(models.TextChoices):
    """Where a process is, derived from its dates and the staff's steps (``Process.phase``)."""

    ANNOUNCED = "announced", _("announced")
    PROPOSALS = "proposals", _("collecting proposals")
    REVIEW = "review", _("feasibility review")
    VOTING = "voting", _("voting")
    COUNTING = "counting", _("counting the votes")
    RESULTS = "results", _("results")
    IMPLEMENTATION = "implementation", _("implementation")


class Process(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="pb_processes"
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title in English"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    year = models.PositiveSmallIntegerField(_("budget year"))
    rule = models.CharField(_("voting rule"), max_length=10, choices=VotingRule.choices)
    max_choices = models.PositiveSmallIntegerField(
        _("most proposals a voter chooses (k)"), null=True, blank=True
    )
    proposals_from = models.DateTimeField(_("proposals from"))
    proposals_to = models.DateTimeField(_("proposals until"))
    review_to = models.DateTimeField(_("review until"))
    voting_from = models.DateTimeField(_("voting from"))
    voting_to = models.DateTimeField(_("voting until"))
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    projects_created_at = models.DateTimeField(_("projects created at"), null=True, blank=True)
    strategy = models.ForeignKey(
        "strategies.Strategy",
        verbose_name=_("strategy the winning projects are listed in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    node = models.ForeignKey(
        "strategies.Node",
        verbose_name=_("strategy node"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fund = models.ForeignKey(
        "projects.Fund",
        verbose_name=_("fund the winning projects are paid from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")
        ordering = ["-year", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("budgeting:process", args=[self.slug])

    def phase_at(self, moment) -> str:
        """The phase at ``moment``: from the dates, then the staff's steps (results published, projects
        created) once voting has closed."""
        if self.projects_created_at is not None:
            return Phase.IMPLEMENTATION
        if self.results_published_at is not None:
            return Phase.RESULTS
        if moment < self.proposals_from:
            return Phase.ANNOUNCED
        if moment < self.proposals_to:
            return Phase.PROPOSALS
        if moment < self.voting_from:
            return Phase.REVIEW
        if moment < self.voting_to:
            return Phase.VOTING
        return Phase.COUNTING


class Area(models.Model):
    """Where a vote is held: a local community of the municipality, or the whole municipality."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="areas"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("local community"), on_delete=models.PROTECT, related_name="pb_areas"
    )
    budget = MoneyField(_("budget"))
    node = models.ForeignKey(
        "strategies.Node",
        verbose_name=_("strategy node"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ballots_counted = models.PositiveIntegerField(
        _("ballots counted"), null=True, blank=True
    )  # at publication

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["process", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["process", "organisation"], name="pb_area_once_per_process"),
            models.CheckConstraint(condition=models.Q(budget__gt=0), name="pb_area_budget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.process.slug})"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:area", args=[self.process.slug, self.organisation.slug])


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    FEASIBLE = "feasible", _("feasible")
    NOT_FEASIBLE = "not_feasible", _("not feasible")
    ON_BALLOT = "on_ballot", _("on the ballot")
    SELECTED = "selected", pgettext_lazy("budget proposal", "selected")
    NOT_SELECTED = "not_selected", pgettext_lazy("budget proposal", "not selected")


class Proposal(models.Model):
    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="proposals"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="proposals")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    # Who proposed it: kept for the staff's questions, never shown on public pages or in the API.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pb_proposals",
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.SUBMITTED
    )
    cost = MoneyField(_("estimated cost"), null=True, blank=True)
    review_note = models.TextField(_("review note"), max_length=NOTE_MAX, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)  # set when results are published
    submitted_at = models.DateTimeField(_("submitted at"))
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pb_proposals",
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["process", "number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="pb_proposal_number_unique"),
        ]
        indexes = [models.Index(fields=["area", "status"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:proposal", args=[self.process.slug, self.number])


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("on paper")


class PaperBatch(models.Model):
    """Paper ballots of one area entered together by a member of staff (audited: who, when, how many)."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="paper_batches"
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="paper_batches"
    )
    label = models.CharField(_("batch"), max_length=100)
    ballots = models.PositiveIntegerField(_("ballots"), default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("batch of paper ballots")
        verbose_name_plural = _("batches of paper ballots")
        ordering = ["process", "entered_at"]
        constraints = [
            models.UniqueConstraint(fields=["process", "area", "label"], name="pb_paper_batch_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.area.organisation.name}: {self.label}"


class Ballot(models.Model):
    """One person's ballot in a process (``voter`` set), or one paper ballot entered by staff (``voter``
    empty, ``batch`` set). A person who voted on paper is recorded as a ballot with their ``voter`` and
    no choices (``channel`` paper), so they cannot vote online as well."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="ballots"
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    batch = models.ForeignKey(
        PaperBatch, verbose_name=_("batch"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    receipt = models.CharField(_("receipt"), max_length=32, blank=True)
    cast_at = models.DateTimeField(_("cast at"))

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "voter"],
                condition=models.Q(voter__isnull=False),
                name="pb_one_ballot_per_voter",
            ),
        ]

    def __str__(self) -> str:  # never the voter: a ballot is secret
        return f"{self.process.slug} #{self.pk}"


class BallotChoice(models.Model):
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="choices"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="choices"
    )

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "proposal"], name="pb_choice_once_per_ballot"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.proposal_id}"


class PaperCount(models.Model):
    """Votes for a proposal counted on paper ballots and entered as a number (a batch entered as totals)."""

    batch = models.ForeignKey(
        PaperBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="counts"
    )
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="paper_counts"
    )
    votes = models.PositiveIntegerField(_("votes"))

    class Meta:
        verbose_name = _("paper count")
        verbose_name_plural = _("paper counts")
        constraints = [
            models.UniqueConstraint(fields=["batch", "proposal"], name="pb_paper_count_once_per_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.proposal_id} × {self.votes}"
