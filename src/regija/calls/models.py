"""Public calls and what flows through them: applications, their evaluation by a committee, and the decision.

A call's life: draft → published → (open → closed, by its dates) → evaluated → decided → archived.
Only draft, published, evaluated, decided and archived are stored; whether a published call is
still waiting, open or closed follows from the server clock and the call's opening and closing
time, so the state can never lag behind the deadline (``Call.state``).

An application: draft → submitted → approved | rejected | ineligible, or withdrawn by the
applicant before the decision. Approval creates the operation (``projects.Project``); from then
on phases, payment claims and withdrawal live on the project.

Scores are kept per evaluator (an ``Assignment``) in versioned score sheets: a sheet can be edited
until the committee chair finalises it; a finalised sheet is never changed, a correction is a new
version with its reason.

An organisation without an account registers itself to apply (``ApplicantRegistration``): the person's
e-mail address is confirmed by a link, then the call's staff approve or reject the registration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regija.core.choices import OrganisationKind
from regija.core.models import Organisation
from regija.core.money import MoneyField
from regija.core.templatetags.regija import eur, num
from regija.core.validators import WebAddressField
from regija.governance.models import Member, Term
from regija.projects.models import Fund, InstrumentKind, Phase, Project
from regija.strategies.models import Node, Strategy

from .storage import safe_name

if TYPE_CHECKING:
    from .selectors import CommitteeMember


class CallStatus(models.TextChoices):
    """What staff decide; see ``CallState`` for what a visitor sees."""

    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    EVALUATED = "evaluated", _("evaluated")
    DECIDED = "decided", _("decided")
    ARCHIVED = "archived", _("archived")


class CallState(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published, not open yet")
    OPEN = "open", pgettext_lazy("call state", "open")
    CLOSED = "closed", pgettext_lazy("call state", "closed")
    EVALUATED = "evaluated", _("evaluated")
    DECIDED = "decided", _("decided")
    ARCHIVED = "archived", _("archived")


class Call(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="calls"
    )
    strategy = models.ForeignKey(
        Strategy,
        verbose_name=_("strategy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    nodes = models.ManyToManyField(Node, verbose_name=_("strategy nodes"), blank=True, related_name="calls")
    slug = models.SlugField(_("slug"), max_length=100)
    number = models.CharField(_("number"), max_length=60)
    title = models.CharField(_("title"), max_length=400)
    title_en = models.CharField(_("title in English"), max_length=400, blank=True)
    text = models.TextField(_("text of the call"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CallStatus.choices, default=CallStatus.DRAFT
    )
    pass_threshold = models.DecimalField(
        _("pass threshold (points)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    sustainability_years = models.PositiveSmallIntegerField(_("sustainability period (years)"), default=5)
    # What one application may request in total (all funds together); empty: no limit. An application
    # above the maximum is refused when it is saved; one below the minimum cannot be submitted.
    min_per_application = MoneyField(
        _("least per application"),
        null=True,
        blank=True,
        help_text=_("The smallest total one application may request; empty for no minimum."),
    )
    max_per_application = MoneyField(
        _("most per application"),
        null=True,
        blank=True,
        help_text=_("The largest total one application may request; empty for no maximum."),
    )
    committee_term = models.ForeignKey(
        Term,
        verbose_name=_("evaluation committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Not stored: set on the calls a page or an API answer shows, by selectors.with_budget() and
    # selectors.call_detail() (budget, its total, state and group) and by call_detail() (the rest).
    budget: list[CallFund]
    budget_total: Decimal
    public_state: str
    group: str
    criteria_list: list[Criterion]
    points_total: Decimal
    committee: list[CommitteeMember]
    committee_choice: str
    has_results: bool

    class Meta:
        verbose_name = _("public call")
        verbose_name_plural = _("public calls")
        ordering = ["-opens_at", "-published_on", "organisation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="call_slug_unique_in_organisation"),
            models.UniqueConstraint(
                fields=["organisation", "number"], name="call_number_unique_in_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(pass_threshold__gte=0), name="call_threshold_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(min_per_application__isnull=True)
                | models.Q(max_per_application__isnull=True)
                | models.Q(max_per_application__gte=models.F("min_per_application")),
                name="call_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=(models.Q(min_per_application__isnull=True) | models.Q(min_per_application__gte=0))
                & (models.Q(max_per_application__isnull=True) | models.Q(max_per_application__gt=0)),
                name="call_limits_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "closes_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("call", args=[self.organisation.slug, self.slug])

    def state_at(self, now: dt.datetime) -> str:
        if self.status != CallStatus.PUBLISHED:
            return self.status
        if self.opens_at and now < self.opens_at:
            return CallState.PUBLISHED
        if self.closes_at and now > self.closes_at:
            return CallState.CLOSED
        return CallState.OPEN

    @property
    def state(self) -> str:
        return self.state_at(timezone.now())

    def get_state_display(self) -> str:
        return CallState(self.state).label

    def accepts_at(self, now: dt.datetime) -> bool:
        """Open for submissions: published, opened, and the closing time not passed (the deadline second
        counts)."""
        return self.state_at(now) == CallState.OPEN

    @property
    def is_closed_for_submissions(self) -> bool:
        return self.state in (CallState.CLOSED, CallState.EVALUATED, CallState.DECIDED, CallState.ARCHIVED)

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.criteria.all()), Decimal("0"))


class CallFund(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="funds")
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="call_budgets"
    )
    amount = MoneyField(_("budget"))

    class Meta:
        verbose_name = _("call budget by fund")
        verbose_name_plural = _("call budget by fund")
        ordering = ["call", "fund"]
        constraints = [
            models.UniqueConstraint(fields=["call", "fund"], name="call_fund_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="call_fund_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {eur(self.amount)}"


def call_document_path(instance, filename: str) -> str:

    return f"calls/{instance.call_id}/{safe_name(filename)}"


class CallDocument(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=call_document_path, max_length=300)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")
        ordering = ["call", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class EligibilityCondition(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="conditions"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("condition"))

    class Meta:
        verbose_name = _("eligibility condition")
        verbose_name_plural = _("eligibility conditions")
        ordering = ["call", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Criterion(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("criterion"), max_length=300)
    max_points = models.DecimalField(_("maximum points"), max_digits=7, decimal_places=2)
    guide = models.TextField(_("scoring guide"), blank=True)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="criterion_max_positive")
        ]

    def __str__(self) -> str:
        return self.name


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    MEMBER = "member", _("member")


class CommitteeSeat(models.Model):
    """A member of the call's evaluation committee; ``user`` is the account they evaluate with."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="seats")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=10, choices=SeatRole.choices, default=SeatRole.MEMBER)
    member = models.ForeignKey(
        Member,
        verbose_name=_("body member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_seats",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "user"],
                condition=models.Q(user__isnull=False),
                name="seat_user_once_per_call",
            ),
            models.UniqueConstraint(
                fields=["call"], condition=models.Q(role="chair"), name="seat_one_chair_per_call"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    INELIGIBLE = "ineligible", _("not eligible")
    REJECTED = "rejected", _("not selected")
    APPROVED = "approved", pgettext_lazy("application", "approved")
    WITHDRAWN = "withdrawn", _("withdrawn by the applicant")


class ApplicantDeclaration(models.TextChoices):
    """What the applicant declares when submitting; every one must be ticked (``services.submit``)."""

    TRUE = "true", _("The information in this application and its attachments is true and complete.")
    TERMS = "terms", _("The applicant meets the call's eligibility conditions and accepts its terms.")
    NO_DOUBLE_FUNDING = (
        "no_double_funding",
        _(
            "The costs in this application are not financed, and will not be financed, "
            "from other public funds."
        ),
    )
    PUBLICATION = (
        "publication",
        _(
            "If the application is approved, its title, the applicant and the approved amounts "
            "may be published."
        ),
    )


class Application(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        Organisation, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="applications"
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    title = models.CharField(_("project title"), max_length=400)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # the ApplicantDeclaration values the applicant ticked when submitting
    declarations = models.JSONField(_("declarations"), default=list, blank=True)
    eligibility_checked_at = models.DateTimeField(_("eligibility checked at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    instrument_kind = models.CharField(
        _("instrument"), max_length=20, choices=InstrumentKind.choices, blank=True
    )
    instrument_number = models.CharField(_("instrument number"), max_length=100, blank=True)
    instrument_date = models.DateField(_("instrument date"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        verbose_name=_("operation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "number"],
                condition=models.Q(number__isnull=False),
                name="application_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["applicant", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("application", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"{self.call.number}/{self.number}" if self.number else ""


class ApplicationFund(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="funds"
    )
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="+")
    requested = MoneyField(_("requested"))
    approved = MoneyField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("amount by fund")
        verbose_name_plural = _("amounts by fund")
        ordering = ["application", "fund"]
        constraints = [
            models.UniqueConstraint(fields=["application", "fund"], name="application_fund_once"),
            models.CheckConstraint(
                condition=models.Q(requested__gt=0), name="application_requested_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(approved__isnull=True) | models.Q(approved__gte=0),
                name="application_approved_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund.code} {eur(self.requested)}"


class ApplicationPartner(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="partners"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("partner"), max_length=300)
    role = models.CharField(_("role in the project"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["application", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class ApplicationPhase(Phase):
    """A phase the application plans; on approval it is copied to the operation (``ProjectPhase``)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="phases"
    )

    class Meta(Phase.Meta):
        verbose_name = _("planned phase")
        verbose_name_plural = _("planned phases")
        ordering = ["application", "order", "pk"]


class AttachmentKind(models.TextChoices):
    BUDGET = "budget", _("cost estimate")
    PLAN = "plan", _("project plan")
    PERMIT = "permit", _("permit or consent")
    STATEMENT = "statement", _("signed statement")
    OTHER = "other", _("other")


def attachment_path(instance, filename: str) -> str:

    return f"applications/{instance.application_id}/{safe_name(filename)}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class EligibilityCheck(models.Model):  # noqa: DJ008 - a name would change how the audit log shows checks
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="checks"
    )
    condition = models.ForeignKey(
        EligibilityCondition, verbose_name=_("condition"), on_delete=models.CASCADE, related_name="checks"
    )
    met = models.BooleanField(_("met"))
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        ordering = ["application", "condition__order"]
        constraints = [models.UniqueConstraint(fields=["application", "condition"], name="check_once")]


class Declaration(models.TextChoices):
    PENDING = "pending", _("not declared yet")
    NO_CONFLICT = "no_conflict", _("no conflict of interest")
    RECUSED = "recused", _("recused (conflict of interest)")


class Assignment(models.Model):
    """An application given to one committee member to score."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="assignments"
    )
    seat = models.ForeignKey(
        CommitteeSeat,
        verbose_name=_("committee member"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    declaration = models.CharField(
        _("declaration"), max_length=20, choices=Declaration.choices, default=Declaration.PENDING
    )
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    declaration_note = models.TextField(_("reason for recusal"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "seat__order"]
        constraints = [models.UniqueConstraint(fields=["application", "seat"], name="assignment_once")]

    def __str__(self) -> str:
        return f"{self.seat} → {self.application}"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted to the chair")
    FINAL = "final", _("finalised")


class ScoreSheet(models.Model):
    """One evaluator's scores of one application, in one version.

    Every version is written by the evaluator; once the chair finalises it, it is frozen. A correction
    is version 2, 3 … with its reason – the evaluator's own, or after the chair returned the sheet
    (``SheetReturn``) – and is finalised again; the highest finalised version counts.
    """

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="sheets"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT
    )
    reason = models.TextField(_("reason for the correction"), blank=True)
    total = models.DecimalField(_("total points"), max_digits=8, decimal_places=2, default=Decimal("0"))
    edits = models.PositiveIntegerField(_("number of edits"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last saved"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("finalised by"),
    )

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["assignment", "version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="sheet_version_once"),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(reason=""), name="sheet_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and ScoreSheet.objects.filter(pk=self.pk, status=SheetStatus.FINAL).exists():
            raise FrozenScore(_("A finalised score sheet is never changed; correct it with a new version."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == SheetStatus.FINAL:
            raise FrozenScore(_("A finalised score sheet is never deleted."))
        return super().delete(*args, **kwargs)

    @property
    def application_id(self) -> int:
        return self.assignment.application_id


class FrozenScore(Exception):
    """An attempt to change a finalised score in place."""


class SheetReturn(models.Model):
    """The chair returns an evaluator's submitted or finalised score sheet for correction, with the
    reason. The returned version stays as it was; the evaluator answers with a corrected version
    (``correction``), which the chair finalises again. Until then the return is open and the
    application's scores are not finalised."""

    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("returned version"), on_delete=models.PROTECT, related_name="returns"
    )
    reason = models.TextField(_("reason for the return"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned at"), default=timezone.now)
    correction = models.ForeignKey(
        ScoreSheet,
        verbose_name=_("corrected version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answered_returns",
    )

    class Meta:
        verbose_name = _("return for correction")
        verbose_name_plural = _("returns for correction")
        ordering = ["sheet", "returned_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="sheet_return_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} ↩"


class Score(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("score sheet"), on_delete=models.PROTECT, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    justification = models.TextField(_("justification"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["sheet", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {num(self.points)}"

    def save(self, *args, **kwargs):
        if ScoreSheet.objects.filter(pk=self.sheet_id, status=SheetStatus.FINAL).exists():
            raise FrozenScore(_("A finalised score sheet is never changed; correct it with a new version."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if ScoreSheet.objects.filter(pk=self.sheet_id, status=SheetStatus.FINAL).exists():
            raise FrozenScore(_("A finalised score sheet is never changed; correct it with a new version."))
        return super().delete(*args, **kwargs)

    @property
    def application_id(self) -> int:
        return self.sheet.assignment.application_id


class RegistrationStatus(models.TextChoices):
    """A self-registration's way: the e-mail address confirmed by its link, then staff decide.

    "Expired" is not stored: an unconfirmed registration whose last link is older than
    ``REGIJA_REGISTRATION_LINK_DAYS`` (``ApplicantRegistration.expired_at``)."""

    UNCONFIRMED = "unconfirmed", _("e-mail address not confirmed yet")
    CONFIRMED = "confirmed", _("waiting for approval")
    APPROVED = "approved", pgettext_lazy("registration", "approved")
    REJECTED = "rejected", pgettext_lazy("registration", "rejected")


# The kinds an applicant may say its organisation is (the rest – a region, a ministry, an EU body, a
# natural person … – are not organisations that register themselves to apply).
APPLICANT_KINDS = (
    OrganisationKind.COMPANY,
    OrganisationKind.SOLE_TRADER,
    OrganisationKind.NGO,
    OrganisationKind.PUBLIC_INSTITUTE,
    OrganisationKind.SCHOOL,
    OrganisationKind.UNIVERSITY,
    OrganisationKind.RESEARCH,
    OrganisationKind.CHAMBER,
    OrganisationKind.LOCAL_COMMUNITY,
    OrganisationKind.MUNICIPALITY,
    OrganisationKind.OTHER,
)


class ApplicantRegistration(models.Model):
    """A person's request for an account to apply to a call on behalf of their organisation.

    Made by the person (``calls.services.registration``): an inactive user and this record, then an
    e-mail with a link that confirms the address. The staff of the call's organisation approve it –
    the organisation is made (or an existing one with the same registration number is used), the
    person becomes its editor and the user is switched on – or reject it with a reason. The person's
    data stays here as they gave it, read-only for staff."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant_registrations",
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"), max_length=254)
    organisation_name = models.CharField(_("name of the organisation"), max_length=300)
    organisation_kind = models.CharField(
        _("kind of organisation"), max_length=40, choices=OrganisationKind.choices
    )
    registration_number = models.CharField(_("registration number (matična številka)"), max_length=10)
    tax_number = models.CharField(_("tax number (davčna številka)"), max_length=8)
    address = models.CharField(_("address"), max_length=300)
    website = WebAddressField(_("web address"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=10, default="sl")
    consent_at = models.DateTimeField(_("agreed to the processing of personal data at"))
    status = models.CharField(
        _("status"), max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.UNCONFIRMED
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    link_sent_at = models.DateTimeField(_("last confirmation link sent at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail address confirmed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason for the rejection"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Made or found when the registration was approved."),
    )

    class Meta:
        verbose_name = _("applicant registration")
        verbose_name_plural = _("applicant registrations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(reason=""),
                name="registration_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["call", "status"]), models.Index(fields=["status", "link_sent_at"])]

    def __str__(self) -> str:
        return f"{self.organisation_name} – {self.first_name} {self.last_name}"

    @property
    def expires_at(self) -> dt.datetime:
        """When the last confirmation link stops working."""
        return self.link_sent_at + dt.timedelta(days=settings.REGIJA_REGISTRATION_LINK_DAYS)

    def expired_at(self, now: dt.datetime) -> bool:
        """Unconfirmed, and its last link no longer works."""
        return self.status == RegistrationStatus.UNCONFIRMED and now > self.expires_at

    @property
    def person(self) -> str:
        return f"{self.first_name} {self.last_name}"
