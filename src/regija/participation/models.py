"""Consultations, proposals (pobude) with their supports, and comments with moderation.

- A **consultation** (javna obravnava) puts a draft before the public for a period: a strategy in status
  draft (its nodes are the units people comment on) or an uploaded act (its numbered paragraphs are).
  Staff answer each comment; after the close they publish a report of all comments and answers.
- A **proposal** (pobuda) is a verified resident's idea addressed to a municipality, optionally linked to
  a strategy node and/or a point on the map. Verified residents of that municipality support it (one
  support each); at ``threshold`` supports the staff owe a public answer within ``response_days``.
- A **comment** hangs on any registered target (``participation.targets``): a consultation's unit, a
  proposal, a public agenda item of a council session – and, later, a participatory budgeting proposal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
TEXT_MAX = 5000
COMMENT_MAX = 3000
REASON_MAX = 500


class Consultation(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title in English"), max_length=TITLE_MAX, blank=True)
    description = models.TextField(_("description"), max_length=TEXT_MAX, blank=True)
    description_en = models.TextField(_("description in English"), max_length=TEXT_MAX, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    strategy = models.ForeignKey(
        "strategies.Strategy",
        verbose_name=_("draft strategy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    act_name = models.CharField(_("act"), max_length=300, blank=True)
    residents_only = models.BooleanField(_("only verified residents may comment"), default=False)
    report_published_at = models.DateTimeField(_("report published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after_opens"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:consultation", args=[self.slug])

    def is_open(self, at) -> bool:
        return self.opens_at <= at < self.closes_at


class Unit(models.Model):
    """One part people comment on: a node of the draft strategy or a numbered paragraph of the act."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="units"
    )
    order = models.PositiveIntegerField(_("order"))
    label = models.CharField(_("label"), max_length=80)
    text = models.TextField(_("text"))
    node = models.ForeignKey(
        "strategies.Node", verbose_name=_("node"), on_delete=models.SET_NULL, null=True, blank=True
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)

    class Meta:
        verbose_name = _("consultation unit")
        verbose_name_plural = _("consultation units")
        ordering = ["consultation", "order"]
        constraints = [models.UniqueConstraint(fields=["consultation", "order"], name="unit_order_unique")]

    def __str__(self) -> str:
        return f"{self.label} {self.text[:60]}"

    def get_absolute_url(self) -> str:
        # with every thread of this part shown (the consultation's page shows each part's newest ones)
        return f"{self.consultation.get_absolute_url()}?enota={self.pk}#enota-{self.pk}"


class ProposalState(models.TextChoices):
    NEW = "new", _("new")
    UNDER_REVIEW = "under_review", _("under review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    IMPLEMENTED = "implemented", _("implemented")


# state → the states staff may move it to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalState.NEW: (ProposalState.UNDER_REVIEW, ProposalState.ACCEPTED, ProposalState.REJECTED),
    ProposalState.UNDER_REVIEW: (ProposalState.ACCEPTED, ProposalState.REJECTED),
    ProposalState.ACCEPTED: (ProposalState.IMPLEMENTED,),
    ProposalState.REJECTED: (),
    ProposalState.IMPLEMENTED: (),
}
OPEN_STATES = (ProposalState.NEW, ProposalState.UNDER_REVIEW)


class Proposal(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    node = models.ForeignKey(
        "strategies.Node",
        verbose_name=_("strategy node"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="proposals"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.NEW
    )
    threshold = models.PositiveIntegerField(_("supports needed for an answer"))
    response_days = models.PositiveIntegerField(_("days to answer"))
    threshold_reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer due"), null=True, blank=True)
    answer = models.TextField(_("public answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("implementing project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )
    supports_count = models.PositiveIntegerField(_("supports"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lat__isnull=True) & models.Q(lon__isnull=True))
                | (models.Q(lat__gte=-90, lat__lte=90) & models.Q(lon__gte=-180, lon__lte=180)),
                name="proposal_point_valid",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:proposal", args=[self.pk])


class Support(models.Model):
    """One verified resident's support of a proposal (withdrawn by deleting it while the proposal is open).
    ``user`` is emptied when the person deletes their account: the support keeps counting, naming no one."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supports",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="support_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.proposal}"


class ProposalEvent(models.Model):
    """A state change with its public answer: the proposal's public history."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="events"
    )
    state_from = models.CharField(_("from"), max_length=20, choices=ProposalState.choices)
    state_to = models.CharField(_("to"), max_length=20, choices=ProposalState.choices)
    text = models.TextField(_("answer"), max_length=TEXT_MAX)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("proposal state change")
        verbose_name_plural = _("proposal state changes")
        ordering = ["proposal", "at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.state_from} → {self.state_to}"


class Comment(models.Model):
    """A comment on a registered target; ``organisation`` is the target's owner (who answers and
    moderates)."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of object"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object ID"))
    target = GenericForeignKey("content_type", "object_id")
    target.verbose_name = _("commented object")
    organisation = models.ForeignKey(
        "core.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="comments"
    )
    text = models.TextField(_("text"), max_length=COMMENT_MAX)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned"), blank=True, related_name="mentioned_in"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=REASON_MAX, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answer = models.TextField(_("official answer"), max_length=TEXT_MAX, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="comment_target_idx")
        ]
        permissions = [("moderate_comment", _("Can moderate comments of every organisation"))]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommentReport(models.Model):
    """Someone reported a comment to the moderators (once per person and comment)."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="reports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="report_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.comment_id}"
