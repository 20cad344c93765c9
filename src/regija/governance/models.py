"""The bodies that decide: assembly, boards, committees – their terms and members, sessions and
numbered decisions.

A body belongs to one organisation (a LAS, a municipality). Its composition changes by term; a
member sits for the whole term unless ``start``/``end`` say otherwise. A session is regular or by
correspondence (over a date range); its decisions are numbered within the session, the way the LAS
report cites them ("sklep št. 2 z 19. seje UO, z dne 28.5.2018").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regija.core.models import Organisation


class BodyKind(models.TextChoices):
    PRESIDENT = "president", _("president")
    ASSEMBLY = "assembly", _("assembly")
    MANAGEMENT_BOARD = "management_board", _("management board")
    SUPERVISORY_BOARD = "supervisory_board", _("supervisory board")
    EVALUATION_COMMITTEE = "evaluation_committee", _("evaluation committee")
    FORUM = "forum", _("forum")
    DIGITAL_COALITION = "digital_coalition", _("digital coalition")
    OTHER = "other", _("other body")


class Body(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="bodies"
    )
    slug = models.SlugField(_("slug"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=BodyKind.choices)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    # Not stored: set by selectors.bodies() for the public pages and the API.
    term_list: list[Term]

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["organisation", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="body_slug_unique_in_organisation")
        ]

    def __str__(self) -> str:
        return self.name


class Selection(models.TextChoices):
    ELECTION = "election", _("elected")
    LOT = "lot", _("drawn by lot")
    DECISION = "decision", _("appointed by decision")


class Term(models.Model):
    """One composition of a body, from its election or appointment to the next."""

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="terms")
    label = models.CharField(_("label"), max_length=100)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    selection = models.CharField(_("how chosen"), max_length=20, choices=Selection.choices, blank=True)
    appointed_by = models.ForeignKey(
        "Decision",
        verbose_name=_("appointed by decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointed_terms",
    )
    elected_at = models.ForeignKey(
        "Session",
        verbose_name=_("chosen at session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    # Not stored: set by selectors.bodies() for the public pages and the API.
    current: bool
    chosen: str
    member_list: list[Member]

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["body", "order", "start"]
        constraints = [
            models.UniqueConstraint(fields=["body", "label"], name="term_label_unique_in_body"),
            models.CheckConstraint(
                condition=models.Q(start__isnull=True)
                | models.Q(end__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.label}"


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("chair")
    DEPUTY = "deputy", _("deputy chair")
    MEMBER = "member", _("member")


class Member(models.Model):
    """A person sitting in a body for a term, and whom they represent."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("represents"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="body_members",
    )
    organisation_name = models.CharField(_("represents (as stated)"), max_length=300, blank=True)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    user = models.ForeignKey(
        "auth.User",
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    # Not stored: set by selectors.bodies() for the public pages and the API.
    represents_public: str
    joined: dt.date | None
    left: dt.date | None

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["term", "order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def represents(self) -> str:
        return self.organisation_name or (str(self.organisation) if self.organisation_id else "")


class SessionKind(models.TextChoices):
    REGULAR = "regular", _("regular session")
    CORRESPONDENCE = "correspondence", _("correspondence session")


class Session(models.Model):
    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.REGULAR
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    # empty only for a session the source names without a date (e.g. a void correspondence session)
    date = models.DateField(_("date"), null=True, blank=True)
    end_date = models.DateField(_("last day"), null=True, blank=True)
    held = models.BooleanField(_("held"), default=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["body", "date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "kind", "number", "date"], name="session_unique"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("date")),
                name="session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        number = f"{self.number}. " if self.number else ""
        kind = _("correspondence session") if self.kind == SessionKind.CORRESPONDENCE else _("session")
        when = f" ({self.date:%d. %m. %Y})" if self.date else ""
        return f"{number}{kind} – {self.body}{when}"

    def clean(self):
        if self.end_date and self.kind != SessionKind.CORRESPONDENCE:
            raise ValidationError({"end_date": _("Only a correspondence session runs over several days.")})


class AgendaItem(models.Model):
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda"
    )
    order = models.PositiveIntegerField(_("item"), default=0)
    title = models.TextField(_("title"))

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "order"]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """A numbered decision (sklep) of a session."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="decisions"
    )
    number = models.CharField(_("number"), max_length=40)
    text = models.TextField(_("text"), blank=True)
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )

    class Meta:
        verbose_name = pgettext_lazy("body decision", "decision")
        verbose_name_plural = pgettext_lazy("body decision", "decisions")
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="decision_number_unique_in_session")
        ]

    def __str__(self) -> str:
        return _("decision no. %(number)s of the %(session)s") % {
            "number": self.number,
            "session": self.session,
        }

    @property
    def date(self):
        return self.session.end_date or self.session.date
